"""What a print map shows: the snapshot spec, its labels, page sizes and the sources line."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
from matplotlib.colors import is_color_like

from geo.render.style import network_colours

Format = Literal["png", "svg", "pdf"]
Page = Literal["a4-portrait", "a4-landscape", "16:9"]

#: Page sizes in inches (width, height).
PAGES: dict[str, tuple[float, float]] = {
    "a4-portrait": (8.27, 11.69),
    "a4-landscape": (11.69, 8.27),
    "16:9": (13.33, 7.5),
}
FORMATS = ("png", "svg", "pdf")

KIND_COLOUR = "#6E6E6E"
OUTSIDE = "#E4EAEF"
LAND = "#F6F5F1"
REGION = "#FCE9C4"
REGION_PARTIAL = "#FBF3E1"
REGION_EDGE = "#9C7A3C"
BORDER = "#9A9A9A"
INK = "#1E1E1E"
MUTED = "#5C5C5C"
FINDER_COLOUR = "#1E1E1E"

#: Sources that every snapshot draws on; the caller adds the network sources and tiles.
NATURAL_EARTH = "Natural Earth (public domain)"
GEONAMES = "GeoNames (CC BY 4.0)"
TILE_ATTRIBUTION = {
    "nlmaps": "Kaartgegevens © Kadaster (PDOK, CC BY 4.0)",
    "osm": "© OpenStreetMap contributors (ODbL)",
}


# --------------------------------------------------------------------------------------------------
# Spec
# --------------------------------------------------------------------------------------------------


def _default_categories() -> dict[str, str]:
    return {
        "hospital_ed": "Ziekenhuis met 24/7 SEH",
        "hospital": "Ziekenhuis zonder bevestigde 24/7 SEH",
        "outpatient": "Buitenpolikliniek",
        "radiotherapy": "Radiotherapiecentrum",
        "other": "Overige locatie",
    }


@dataclass(frozen=True)
class SnapshotLabels:
    """Every fixed word of the legend and map furniture; the defaults are the app's Dutch."""

    networks: str = "Kleur: netwerk"
    multi: str = "In meerdere netwerken (gedeelde kleur)"
    context: str = "Ziekenhuis buiten deze netwerken"
    kinds: str = "Vorm: soort locatie"
    categories: Mapping[str, str] = field(default_factory=_default_categories)
    closed: str = "Gesloten locatie"
    layers: str = "Kaartlagen"
    region: str = "Netwerkregio"
    region_partial: str = "Deels netwerkregio"
    service_areas: str = "Verzorgingsgebied"
    finder: str = "Zoeklocatie"
    finder_results: str = "Lijn naar gevonden locatie"
    no_data: str = "Geen gegevens"
    scale_unit: str = "km"
    north: str = "N"


@dataclass(frozen=True)
class Finder:
    """A searched location and the sites found for it (drawn as a star with lines to the sites)."""

    lat: float
    lon: float
    label: str
    site_ids: tuple[str, ...] = ()
    heading: str = ""  # "Vanaf Emmeloord (Flevoland)", printed over the ranking
    ranking: tuple[str, ...] = ()  # the ranked sites with minutes and km, one line each


@dataclass(frozen=True, eq=False)
class SnapshotSpec:
    """Everything a static map shows; all text is passed in already translated.

    Parameters
    ----------
    sites
        Sites to draw (any CRS; usually :func:`geo.data.filter_sites` output). Needs ``site_id``,
        ``category``, ``networks`` (tuples of ids) and a point geometry; ``in_network`` and
        ``status`` are used when present.
    provinces
        Province polygons with a ``name`` column (any CRS).
    title
        Title of the page.
    subtitle
        One line stating the active filters and threshold (wrapped when long).
    date
        Date (or "made on ..." text) printed in the footer.
    sources
        Sources and licences line (see :func:`sources_line`).
    highlighted, partial
        Province names of the selected networks' region; ``partial`` ones only partly belong to it.
    network_labels
        Legend label per network id, in legend order.
    network_colours
        Colour per network id; networks without one get the app's fixed colour or an Okabe-Ito one.
    labels
        Legend headings and entries, scale unit and north letter.
    extent
        ``(minx, miny, maxx, maxy)`` in WGS84 degrees, or ``None`` to fit the sites and the region.
    province_shares
        Optional share (0..1) per province name, drawn as shading with a colour bar titled
        ``shares_title``; the region is then shown by its outline only.
    service_areas
        Optional polygons (any CRS); a ``network_id`` column colours them per network.
    beyond_areas, beyond_title, beyond_entries
        Optional PC4 areas of :func:`geo.render.coverage_layer.area_figures` (those beyond the
        threshold are drawn), the legend heading and ``(colour, label)`` per distance band.
    finder
        Optional searched location with the ids of the sites found; ids not among ``sites`` are skipped.
    province_names
        Print province names (and shares) on the map.
    """

    sites: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    title: str
    subtitle: str = ""
    date: str = ""
    sources: str = ""
    highlighted: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()
    network_labels: Mapping[str, str] = field(default_factory=dict)
    network_colours: Mapping[str, str] = field(default_factory=dict)
    labels: SnapshotLabels = field(default_factory=SnapshotLabels)
    extent: tuple[float, float, float, float] | None = None
    province_shares: Mapping[str, float] | None = None
    shares_title: str = ""
    service_areas: gpd.GeoDataFrame | None = None
    finder: Finder | None = None
    province_names: bool = True
    beyond_areas: gpd.GeoDataFrame | None = None
    beyond_title: str = ""
    beyond_entries: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in ("sites", "provinces"):
            gdf = getattr(self, name)
            if not isinstance(gdf, gpd.GeoDataFrame):
                problems.append(f"`{name}` must be a GeoDataFrame, got {type(gdf).__name__}")
            elif gdf.crs is None:
                problems.append(f"`{name}` must have a CRS (use set_crs('EPSG:4326') for lon/lat)")
        if isinstance(self.sites, gpd.GeoDataFrame):
            missing = [c for c in ("site_id", "category", "networks") if c not in self.sites.columns]
            if missing:
                problems.append(f"`sites` lacks column(s): {', '.join(missing)}")
        known = set(self.provinces["name"]) if "name" in getattr(self.provinces, "columns", ()) else set()
        if isinstance(self.provinces, gpd.GeoDataFrame) and not known:
            problems.append("`provinces` needs a non-empty `name` column")
        for what, names in (
            ("highlighted", self.highlighted),
            ("partial", self.partial),
            ("province_shares", self.province_shares or {}),
        ):
            unknown = sorted(set(names) - known) if known else []
            if unknown:
                problems.append(f"`{what}` names unknown province(s): {', '.join(unknown)}")
        for prov, share in (self.province_shares or {}).items():
            if not (isinstance(share, int | float) and 0.0 <= float(share) <= 1.0):
                problems.append(f"share of {prov} must be a number from 0 to 1, got {share!r}")
        bad = [f"{k}={v!r}" for k, v in self.network_colours.items() if not is_color_like(v)]
        if bad:
            problems.append(f"`network_colours` has invalid colour(s): {', '.join(bad)}")
        if self.extent is not None:
            ext = self.extent
            if len(ext) != 4 or not (ext[0] < ext[2] and ext[1] < ext[3]):
                problems.append(f"`extent` must be (minx, miny, maxx, maxy) with min < max, got {ext!r}")
        if self.service_areas is not None and (
            not isinstance(self.service_areas, gpd.GeoDataFrame) or self.service_areas.crs is None
        ):
            problems.append("`service_areas` must be a GeoDataFrame with a CRS")
        if problems:
            raise ValueError("invalid SnapshotSpec: " + "; ".join(problems))


def sources_line(heading: str, *, extra: Iterable[str] = (), tiles: str | None = None) -> str:
    """Compose the sources and licences line: ``heading: Natural Earth; GeoNames; extra...; tiles``.

    ``tiles`` is the tile provider key used on the map (``"nlmaps"`` or ``"osm"``), or ``None``.
    """
    parts = [NATURAL_EARTH, GEONAMES, *(e for e in extra if e)]
    if tiles:
        parts.append(TILE_ATTRIBUTION.get(tiles, tiles))
    return f"{heading}: " + "; ".join(parts) if heading else "; ".join(parts)


resolve_colours = network_colours  # the same rule as the interactive map


def page_pixels(page: Page, dpi: int) -> tuple[int, int]:
    """Pixel size of a PNG of ``page`` at ``dpi``: inches times dpi, rounded half up."""
    w, h = PAGES[page]
    return math.floor(w * dpi + 0.5), math.floor(h * dpi + 0.5)
