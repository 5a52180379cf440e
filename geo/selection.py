"""What a user chose to see: specialty, networks, sub-regions, kinds of site, provinces and layers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Selection:
    """What the user chose in the sidebar; hashable so it can key caches."""

    specialty: str | None
    networks: tuple[str, ...]
    subregions: tuple[str, ...]
    categories: tuple[str, ...]
    provinces: tuple[str, ...]
    include_context: bool
    include_closed: bool
    tiles: str | None

    def cache_args(self) -> tuple:
        """Arguments for :func:`geo.data.filter_sites` in order (the app caches on them)."""
        return (
            self.networks,
            self.specialty,
            self.subregions,
            self.categories,
            self.provinces,
            self.include_context,
            self.include_closed,
        )
