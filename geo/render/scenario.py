"""What an export says about itself: the what-if scenario, the population used, the finder's ranking.

A what-if (sites that close, planned sites that open) is never presented as fact: the print map's title
and subtitle name it, and the data files carry a ``scenario`` column on every site it changes (planned
sites are added as rows). Shared by the app's export section and ``netwerkatlas export``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd

from geo.i18n import fmt_number, t
from geo.names import display_name


def is_whatif(closed: Sequence[str], added: Sequence[Sequence[object]]) -> bool:
    """Whether a scenario changes anything (a closed or an added site)."""
    return bool(closed) or bool(added)


def whatif_title(title: str, lang: str, *, closed: Sequence[str], added: Sequence[Sequence[object]]) -> str:
    """The title, marked as a what-if when the scenario changes anything."""
    return f"{title} · {t('export.whatif.title', lang)}" if is_whatif(closed, added) else title


def subtitle_parts(
    lang: str,
    *,
    closed_names: Sequence[str] = (),
    added_names: Sequence[str] = (),
    population: str | None = None,
) -> list[str]:
    """The parts that go before the filter line: the scenario (if any), then the population (if any).

    ``["Wat-als (geen feitelijke situatie): gesloten: Flevoziekenhuis", "Bevolking: ..."]``.
    """
    parts: list[str] = []
    changes = []
    if closed_names:
        changes.append(t("export.whatif.closed", lang, sites=", ".join(closed_names)))
    if added_names:
        changes.append(t("export.whatif.added", lang, sites=", ".join(added_names)))
    if changes:
        parts.append(t("export.whatif", lang, changes="; ".join(changes)))
    if population:
        parts.append(t("export.population", lang, source=population))
    return parts


def added_frame(added: Sequence[Sequence[object]], like: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Hypothetical ``(name, lat, lon)`` sites as rows shaped like ``like`` (open, in a network)."""
    rows = [
        {"site_id": f"whatif-{i}", "name": str(n), "lat": float(la), "lon": float(lo), "status": "open"}  # type: ignore[arg-type]
        for i, (n, la, lo, *_) in enumerate(added, start=1)
    ]
    frame = pd.DataFrame(rows, columns=["site_id", "name", "lat", "lon", "status"])
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    ).to_crs(like.crs)


def scenario_sites(
    sites: gpd.GeoDataFrame,
    lang: str,
    *,
    closed: Sequence[str] = (),
    added: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The sites of a what-if export: closed ones marked ``status=closed`` and ``scenario`` saying it is
    a what-if, planned ones appended with their own ``scenario`` text. Unchanged without a what-if."""
    if not closed and (added is None or added.empty):
        return sites
    out = sites.copy()
    out["scenario"] = ""
    hit = out["site_id"].isin(closed)
    out.loc[hit, "status"] = "closed"
    out.loc[hit, "scenario"] = t("export.scenario.closed", lang)
    if added is not None and not added.empty:
        extra = added.copy()
        extra["scenario"] = t("export.scenario.added", lang)
        out = gpd.GeoDataFrame(pd.concat([out, extra], ignore_index=True), crs=sites.crs)
    return out


def finder_lines(results: pd.DataFrame, lang: str) -> tuple[str, ...]:
    """The finder's ranked sites as printed, one line each.

    ``"1. Flevoziekenhuis · ≈ 32 min met de auto · 38,0 km hemelsbreed"``.
    """
    lines = []
    for r in results.itertuples(index=False):
        parts = [f"{int(r.rank)}. {display_name(r._asdict(), lang)}"]
        minutes = getattr(r, "minutes", None)
        if minutes is not None and pd.notna(minutes) and math.isfinite(float(minutes)):
            parts.append(t("finder.minutes", lang, min=fmt_number(round(float(minutes)), lang)))
        parts.append(t("finder.km", lang, km=fmt_number(float(r.distance_km), lang, decimals=1)))
        lines.append(" · ".join(parts))
    return tuple(lines)
