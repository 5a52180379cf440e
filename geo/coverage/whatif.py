"""What-if coverage: close sites, add planned ones, and compare before with after."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geo.crs import WGS84
from geo.errors import UnknownIdError
from geo.geography import in_netherlands_bbox

if TYPE_CHECKING:
    pass
from geo.coverage.core import CoverageResult, Sites, coverage_of_sites
from geo.coverage.measure import STRAIGHT_LINE, CoverageError, Measure


@dataclass(frozen=True, eq=False)
class WhatIf:
    """Coverage before and after closing and adding sites.

    Attributes
    ----------
    before, after
        Coverage with the sites as given, and with ``closed`` removed and ``added`` included.
    by_province, by_subregion
        Per row: ``name``, ``population`` and for each of ``covered``, ``share``, ``mean``,
        ``p95`` and ``places_beyond`` the columns ``<metric>_before``, ``<metric>_after`` and
        ``<metric>_change`` (after minus before).
    total
        The same for the total, as a dict.
    switched
        Places whose nearest site changed, most inhabitants first: ``name``, ``province``,
        ``population``, ``from_site_id``, ``from_site``, ``to_site_id``, ``to_site``, ``distance_before``,
        ``distance_after`` (in the result's unit), ``covered_before`` and ``covered_after``.
    added
        The hypothetical sites as they were counted: ``site_id`` (``added-1``, ...), ``name`` and
        point ``geometry`` (EPSG:4326).
    """

    before: CoverageResult
    after: CoverageResult
    by_province: pd.DataFrame
    by_subregion: pd.DataFrame
    total: dict[str, object]
    switched: pd.DataFrame
    added: gpd.GeoDataFrame


_METRICS = ["covered", "share", "mean", "p95", "places_beyond"]


def _change(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    out = {"name": before["name"].to_numpy(), "population": before["population"].to_numpy()}
    for m in _METRICS:
        b, a = before[m].to_numpy(), after[m].to_numpy()
        out |= {f"{m}_before": b, f"{m}_after": a, f"{m}_change": a - b}
    return pd.DataFrame(out)


def on_land(lat: float, lon: float) -> bool:
    """Whether a WGS84 point lies on Dutch land: inside a CBS postcode area (not water, not abroad).

    The PC4 areas cover the land of the Netherlands and leave out the IJsselmeer, the Wadden Sea,
    the North Sea and the neighbouring countries, with a finer coast than the province outline.
    """
    from geo.postcodes import area_at

    return bool(in_netherlands_bbox(lat, lon)) and area_at(lat, lon) is not None


def _added_sites(added: Iterable[Sequence[object]]) -> gpd.GeoDataFrame:
    rows = []
    for i, item in enumerate(added, start=1):
        try:
            name, lat, lon = tuple(item)[:3]
            lat, lon = float(lat), float(lon)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            msg = f"`added` item {i} must be (name, lat, lon) with numeric lat and lon; got {item!r}"
            raise CoverageError(msg) from None
        if not in_netherlands_bbox(lat, lon):
            msg = f"`added` item {i} ({name}) at ({lat}, {lon}) lies outside the Netherlands"
            raise CoverageError(msg)
        if not on_land(lat, lon):
            msg = f"`added` item {i} ({name}) at ({lat}, {lon}) lies in water or abroad, not on Dutch land"
            raise CoverageError(msg)
        rows.append({"site_id": f"added-{i}", "name": str(name), "organisation": "", "lat": lat, "lon": lon})
    frame = pd.DataFrame(rows, columns=["site_id", "name", "organisation", "lat", "lon"])
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84)


def coverage_whatif(
    population: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    threshold: float,
    measure: Measure = STRAIGHT_LINE,
    closed: Iterable[str] = (),
    added: Iterable[Sequence[object]] = (),
    provinces: Sequence[str] | None = None,
    subregion_sites: Mapping[str, Iterable[str]] | None = None,
    subregion_provinces: Mapping[str, Iterable[str]] | None = None,
) -> WhatIf:
    """Compare coverage before and after closing some sites and opening hypothetical ones.

    Parameters
    ----------
    population, sites, threshold, measure, provinces, subregion_sites, subregion_provinces
        As for :func:`coverage`.
    closed
        Ids of sites (in ``sites``) to close; they drop out of every figure of ``after``, including
        the sub-regions.
    added
        Hypothetical sites as ``(name, lat, lon)`` in WGS84 (longer tuples: the rest is ignored here;
        see :func:`geo.coverage.networks.applicable_added`), on Dutch land (:func:`on_land`). They
        belong to no sub-region, so they change distances but not which sub-region a place counts in.

    Returns
    -------
    WhatIf
        Both results, the changes per province, sub-region and in total, and the places that switch
        to another nearest site.

    Raises
    ------
    UnknownIdError
        A site id in ``closed`` is not in ``sites``.
    CoverageError
        ``threshold`` is out of range or an ``added`` item is malformed, in water or abroad.
    """
    threshold = measure.check(threshold)
    before_sites = Sites.of(sites)
    closed = list(dict.fromkeys(map(str, closed)))
    unknown = [c for c in closed if c not in set(before_sites.ids)]
    if unknown:
        msg = f"unknown site id(s) in `closed`: {', '.join(unknown)}"
        raise UnknownIdError(msg)
    new = _added_sites(added)
    cols = [c for c in ("site_id", "name", "organisation") if c in sites.columns]
    kept = sites.loc[~sites["site_id"].astype(str).isin(closed), [*cols, sites.geometry.name]]
    kept = kept.rename_geometry("geometry") if sites.geometry.name != "geometry" else kept
    crs = sites.crs or WGS84
    after_frame = pd.concat([kept, new[[*cols, "geometry"]].to_crs(crs)], ignore_index=True)
    after_sites = Sites.of(gpd.GeoDataFrame(after_frame, geometry="geometry", crs=crs))
    opts = {
        "provinces": provinces,
        "subregion_sites": subregion_sites,
        "subregion_provinces": subregion_provinces,
    }
    before = coverage_of_sites(population, before_sites, threshold=threshold, measure=measure, **opts)  # type: ignore[arg-type]
    if closed or len(new):
        after = coverage_of_sites(population, after_sites, threshold=threshold, measure=measure, **opts)  # type: ignore[arg-type]
    else:  # nothing changes: the same result, computed once
        after = before
    b, a = before.points, after.points
    moved = b["site_id"].to_numpy() != a["site_id"].to_numpy()
    switched = pd.DataFrame(
        {
            "name": b["name"].to_numpy()[moved],
            "province": b["province"].to_numpy()[moved],
            "population": b["population"].to_numpy()[moved],
            "from_site_id": b["site_id"].to_numpy()[moved],
            "from_site": b["site_name"].to_numpy()[moved],
            "to_site_id": a["site_id"].to_numpy()[moved],
            "to_site": a["site_name"].to_numpy()[moved],
            "distance_before": b["distance"].to_numpy()[moved],
            "distance_after": a["distance"].to_numpy()[moved],
            "covered_before": b["covered"].to_numpy()[moved],
            "covered_after": a["covered"].to_numpy()[moved],
        }
    ).sort_values(["population", "name"], ascending=[False, True], ignore_index=True)
    total = _change(pd.DataFrame([before.total]), pd.DataFrame([after.total])).iloc[0].to_dict()
    return WhatIf(
        before=before,
        after=after,
        by_province=_change(before.by_province, after.by_province),
        by_subregion=_change(before.by_subregion, after.by_subregion),
        total=total,
        switched=switched,
        added=new[["site_id", "name", "geometry"]],
    )
