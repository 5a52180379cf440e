"""How well a set of sites covers the population: straight-line distance from every place to its nearest site.

All distances are straight lines ("hemelsbreed") in RD New (EPSG:28992) metres, computed with one
KD-tree query per analysis (:class:`scipy.spatial.cKDTree`), not road travel times: RIVM's
bereikbaarheidsanalyses use driving times over the road network, which are longer, so a threshold of
``km`` kilometres here is a lower bound on what a traveller meets on the road.

Conventions shared by every function:

- ``population`` is a point GeoDataFrame with ``name``, ``population`` (weights, ≥ 0) and
  ``province``, such as :func:`geo.population.load_population` or
  :func:`geo.population.read_population_file` return.
- ``sites`` is a point GeoDataFrame with ``site_id`` and ``name`` (``organisation`` optional), such
  as :func:`geo.data.filter_sites` returns. Every site passed counts as a place of care: choose them
  (network only, open only, which kinds) before calling.
- A place is *covered* when its distance to the nearest site is at most ``km``.
- Every figure is weighted by population: ``share`` is covered inhabitants / inhabitants,
  ``mean_km`` the mean distance per inhabitant and ``p95_km`` the distance within which 95 % of the
  inhabitants live (see :func:`weighted_quantile`). ``places_beyond`` counts places, not people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo import schema
from geo.crs import RD, WGS84, in_netherlands_bbox, rd_coordinates
from geo.data import filter_sites
from geo.errors import UnknownIdError

if TYPE_CHECKING:
    from geo.data import Atlas

#: Largest threshold accepted, in km (the Netherlands is about 300 km across).
MAX_KM = 500.0
#: The quantile reported as ``p95_km``.
P95 = 0.95
#: Site categories that see patients; :func:`compare_networks` leaves out ``other`` (labs, offices).
PATIENT_CATEGORIES = ("hospital_ed", "hospital", "outpatient", "radiotherapy")
#: Columns of :attr:`CoverageResult.by_province` and :attr:`CoverageResult.by_subregion`.
SUMMARY_COLUMNS = ["name", "population", "covered", "share", "mean_km", "p95_km", "places_beyond"]
#: Name of the row of :attr:`CoverageResult.total`.
TOTAL = "total"
#: Above this many population points the KD-tree query uses every CPU core.
_PARALLEL_FROM = 50_000


class CoverageError(ValueError):
    """An argument of a coverage function is missing a column, lacks a CRS or is out of range."""


# --- inputs -----------------------------------------------------------------------------------------


def _check_km(km: float) -> float:
    try:
        value = float(km)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0 < value <= MAX_KM:
        msg = f"`km` must be a number greater than 0 and at most {MAX_KM:g}; got {km!r}"
        raise CoverageError(msg)
    return value


def _xy(gdf: gpd.GeoDataFrame, arg: str) -> np.ndarray:
    """RD New coordinates (n, 2) of a point GeoDataFrame."""
    return rd_coordinates(gdf, arg=arg, error=CoverageError)


def _require(gdf: pd.DataFrame, columns: Iterable[str], arg: str) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        msg = f"`{arg}` lacks column(s) {', '.join(missing)}; it has {', '.join(map(str, gdf.columns))}"
        raise CoverageError(msg)


@dataclass(frozen=True, eq=False)
class _Sites:
    """The sites as arrays: ids, names, organisations and RD coordinates."""

    ids: np.ndarray
    names: np.ndarray
    orgs: np.ndarray
    xy: np.ndarray

    @classmethod
    def of(cls, sites: gpd.GeoDataFrame, arg: str = "sites") -> _Sites:
        xy = _xy(sites, arg)
        _require(sites, ["site_id", "name"], arg)
        ids = sites["site_id"].astype(str).to_numpy(dtype=object)
        dup = pd.Index(ids)[pd.Index(ids).duplicated()].unique()
        if len(dup):
            msg = f"`{arg}` lists site_id {', '.join(dup)} more than once"
            raise CoverageError(msg)
        orgs = sites["organisation"] if "organisation" in sites.columns else pd.Series("", index=sites.index)
        return cls(
            ids=ids,
            names=sites["name"].astype(str).to_numpy(dtype=object),
            orgs=orgs.fillna("").astype(str).to_numpy(dtype=object),
            xy=xy,
        )


def _query(tree_xy: np.ndarray, xy: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Distances (m) and positions of the ``k`` nearest of ``tree_xy`` for each row of ``xy``.

    With fewer than ``k`` sites the missing neighbours have distance ``inf`` and position ``-1``.
    """
    n, m = len(xy), len(tree_xy)
    if m == 0:
        shape = (n,) if k == 1 else (n, k)
        return np.full(shape, np.inf), np.full(shape, -1, dtype=np.int64)
    workers = -1 if n >= _PARALLEL_FROM else 1
    dist, idx = cKDTree(tree_xy).query(xy, k=k, workers=workers)
    idx = np.where(idx >= m, -1, idx).astype(np.int64)  # scipy marks a missing neighbour with m
    return dist, idx


#: ``nearest(site_xy, point_xy, k=1) -> (values, index)`` with values in the unit of the threshold,
#: e.g. :func:`geo.traveltime.minutes_query`; the default measures straight-line km.
Nearest = Callable[..., tuple[np.ndarray, np.ndarray]]


def _nearest_km(tree_xy: np.ndarray, xy: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    dist, idx = _query(tree_xy, xy, k)
    return dist / 1000.0, idx


def nearest_distances(population: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Find the nearest site of every population point.

    Parameters
    ----------
    population
        Points (any CRS), one per place.
    sites
        Points (any CRS), one per site.

    Returns
    -------
    dist_m : ndarray of float
        Straight-line distance in metres (RD New) to the nearest site; ``inf`` when there are no sites.
    site_index : ndarray of int
        Position (``iloc``) in ``sites`` of that site; ``-1`` when there are no sites. Of two sites at
        the same distance either may be returned.
    """
    return _query(_xy(sites, "sites"), _xy(population, "population"))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Return the smallest value ``v`` such that the weight of ``values <= v`` is at least ``q`` of the total.

    This is the population-weighted quantile used for ``p95_km``: with ``q = 0.95`` it is the
    distance within which at least 95 % of the inhabitants live (a place of 10,000 counts as 10,000
    people at the same distance). ``nan`` when the total weight is 0.
    """
    order = np.argsort(values)
    return _quantile_sorted(np.asarray(values)[order], np.asarray(weights)[order], q)


def _quantile_sorted(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """:func:`weighted_quantile` of values already sorted in ascending order."""
    cum = np.cumsum(weights)
    if not len(cum) or not cum[-1] > 0:
        return float("nan")
    pos = int(np.searchsorted(cum, q * cum[-1], side="left"))
    return float(values[min(pos, len(values) - 1)])


def _summary(
    name: str, dist_km: np.ndarray, weight: np.ndarray, km: float, ranked: np.ndarray
) -> dict[str, object]:
    """Figures of the places ``ranked``: their positions in ``dist_km``, nearest first."""
    d, w = dist_km[ranked], weight[ranked]
    population = float(w.sum())
    inside = int(np.searchsorted(d, km, side="right"))  # places within km: a prefix of the ranking
    covered = float(w[:inside].sum())
    has_people = population > 0
    return {
        "name": name,
        "population": population,
        "covered": covered,
        "share": covered / population if has_people else float("nan"),
        "mean_km": float(np.dot(w, d) / population) if has_people else float("nan"),
        "p95_km": _quantile_sorted(d, w, P95),
        "places_beyond": len(d) - inside,
    }


def _table(rows: list[dict[str, object]]) -> pd.DataFrame:
    columns = {c: [r[c] for r in rows] for c in SUMMARY_COLUMNS}
    dtypes = {c: "float64" for c in SUMMARY_COLUMNS} | {"name": object, "places_beyond": "int64"}
    return pd.DataFrame({c: np.array(v, dtype=dtypes[c]) for c, v in columns.items()})


# --- coverage ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Population coverage of one set of sites at one threshold.

    Attributes
    ----------
    km
        The threshold, in km.
    provinces
        The provinces counted (the network region); places elsewhere are left out of every figure.
    by_province
        One row per counted province, in the order given: :data:`SUMMARY_COLUMNS`.
    by_subregion
        One row per sub-region (same columns; ``name`` is the sub-region's label); empty when no
        sub-regions were given. See :func:`coverage` for how places are assigned.
    total
        The same figures over every counted place (``name`` is :data:`TOTAL`).
    points
        The counted places: the ``population`` rows plus ``distance_km``, ``site_id`` and
        ``site_name`` of the nearest site, ``covered`` and ``subregion`` (label or ``None``).
    """

    km: float
    provinces: tuple[str, ...]
    by_province: pd.DataFrame
    by_subregion: pd.DataFrame
    total: dict[str, object]
    points: gpd.GeoDataFrame


def _province_list(population: gpd.GeoDataFrame, provinces: Sequence[str] | None) -> tuple[str, ...]:
    if provinces is None:
        return tuple(sorted(population["province"].dropna().unique()))
    if isinstance(provinces, str):
        provinces = [provinces]
    unknown = [p for p in provinces if p not in schema.PROVINCES]
    if unknown:
        known = ", ".join(schema.PROVINCES)
        msg = f"unknown province(s) in `provinces`: {', '.join(unknown)}; known: {known}"
        raise UnknownIdError(msg)
    return tuple(dict.fromkeys(provinces))


def _counted(
    population: gpd.GeoDataFrame, provinces: Sequence[str] | None
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
    """Check ``population``; return counted provinces, mask of counted rows, their RD xy and weights."""
    _require(population, ["name", "population", "province"], "population")
    xy = _xy(population, "population")
    names = _province_list(population, provinces)
    keep = population["province"].isin(names).to_numpy()
    weight = pd.to_numeric(population["population"], errors="coerce").to_numpy(dtype=float)[keep]
    if not (np.isfinite(weight) & (weight >= 0)).all():
        msg = "`population` column 'population' must hold non-negative numbers"
        raise CoverageError(msg)
    return names, keep, xy[keep], weight


def _subregion_of(
    subregion_sites: Mapping[str, Iterable[str]] | None, s: _Sites, xy: np.ndarray
) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """Labels, a membership mask per label, and each point's label (``None`` when there are none)."""
    labels = list(subregion_sites or {})
    if not labels:
        return [], [], np.full(len(xy), None, dtype=object)
    assert subregion_sites is not None
    members = {label: set(map(str, subregion_sites[label])) for label in labels}
    in_any = np.array([any(sid in m for m in members.values()) for sid in s.ids], dtype=bool)
    positions = np.flatnonzero(in_any)
    _, nearest = _query(s.xy[positions], xy)
    nearest_site = np.where(nearest >= 0, positions[np.maximum(nearest, 0)], -1)
    masks, point_label = [], np.full(len(xy), None, dtype=object)
    unlabelled = np.ones(len(xy), dtype=bool)
    for label in labels:
        site_in = np.array([sid in members[label] for sid in s.ids] + [False], dtype=bool)
        mask = site_in[nearest_site]  # index -1 hits the trailing False: no sub-region site at all
        point_label[mask & unlabelled] = label
        unlabelled &= ~mask
        masks.append(mask)
    return labels, masks, point_label


def _coverage(
    population: gpd.GeoDataFrame,
    s: _Sites,
    *,
    km: float,
    provinces: Sequence[str] | None,
    subregion_sites: Mapping[str, Iterable[str]] | None,
    nearest: Nearest | None = None,
) -> CoverageResult:
    names, keep, xy, weight = _counted(population, provinces)
    dist_km, idx = (nearest or _nearest_km)(s.xy, xy)
    ranked = np.argsort(dist_km)  # one sort serves every group: filter it, keep the order
    prov = pd.Categorical(population["province"].to_numpy()[keep], categories=names).codes
    prov_ranked = prov[ranked]
    by_province = _table(
        [_summary(p, dist_km, weight, km, ranked[prov_ranked == i]) for i, p in enumerate(names)]
    )
    labels, masks, point_label = _subregion_of(subregion_sites, s, xy)
    by_subregion = _table(
        [_summary(lab, dist_km, weight, km, ranked[m[ranked]]) for lab, m in zip(labels, masks, strict=True)]
    )
    points = population.loc[keep].copy()
    has_site = idx >= 0
    points["distance_km"] = dist_km
    points["site_id"] = np.where(has_site, s.ids[np.maximum(idx, 0)] if len(s.ids) else None, None)
    points["site_name"] = np.where(has_site, s.names[np.maximum(idx, 0)] if len(s.ids) else None, None)
    points["covered"] = dist_km <= km
    points["subregion"] = point_label
    return CoverageResult(
        km=km,
        provinces=names,
        by_province=by_province,
        by_subregion=by_subregion,
        total=_summary(TOTAL, dist_km, weight, km, ranked),
        points=points,
    )


def coverage(
    population: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    km: float,
    provinces: Sequence[str] | None = None,
    subregion_sites: Mapping[str, Iterable[str]] | None = None,
    nearest: Nearest | None = None,
) -> CoverageResult:
    """Measure how many inhabitants live within ``km`` of one of the sites.

    Parameters
    ----------
    population
        Population points with ``name``, ``population`` and ``province``.
    sites
        The sites that count as a place of care, with ``site_id`` and ``name``.
    km
        Threshold in km, greater than 0 and at most :data:`MAX_KM`.
    provinces
        Provinces to count (the network region, e.g. ``atlas.region_provinces([network_id])``);
        places in other provinces are left out of every figure. ``None`` counts every province in
        ``population``. Sites outside these provinces still serve the places inside them.
    subregion_sites
        Sub-region label → ids of its sites (see :func:`network_subregion_sites`). Ids not in
        ``sites`` are ignored, so a closed or filtered-out site drops out of its sub-region.

    Returns
    -------
    CoverageResult
        Figures per province, per sub-region and in total, and the counted places.

    Notes
    -----
    Sub-regions have no published boundaries, so a place is counted in the sub-region of its
    nearest site among the sites of any sub-region (an approximation of the area each sub-region
    serves). A site listed under several labels puts its places in each of them; otherwise the
    sub-region rows add up to the total.

    ``p95_km`` is population-weighted: the smallest distance within which at least 95 % of the
    inhabitants live (:func:`weighted_quantile`), not the 95th percentile over places.
    """
    return _coverage(
        population,
        _Sites.of(sites),
        km=_check_km(km),
        provinces=provinces,
        subregion_sites=subregion_sites,
        nearest=nearest,
    )


# --- what-if ----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WhatIf:
    """Coverage before and after closing and adding sites.

    Attributes
    ----------
    before, after
        Coverage with the sites as given, and with ``closed`` removed and ``added`` included.
    by_province, by_subregion
        Per row: ``name``, ``population`` and for each of ``covered``, ``share``, ``mean_km``,
        ``p95_km`` and ``places_beyond`` the columns ``<metric>_before``, ``<metric>_after`` and
        ``<metric>_change`` (after minus before).
    total
        The same for the total, as a dict.
    switched
        Places whose nearest site changed, most inhabitants first: ``name``, ``province``,
        ``population``, ``from_site_id``, ``from_site``, ``to_site_id``, ``to_site``, ``km_before``,
        ``km_after``, ``covered_before`` and ``covered_after``.
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


_METRICS = ["covered", "share", "mean_km", "p95_km", "places_beyond"]


def _change(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    out = {"name": before["name"].to_numpy(), "population": before["population"].to_numpy()}
    for m in _METRICS:
        b, a = before[m].to_numpy(), after[m].to_numpy()
        out |= {f"{m}_before": b, f"{m}_after": a, f"{m}_change": a - b}
    return pd.DataFrame(out)


def _added_sites(added: Iterable[Sequence[object]]) -> gpd.GeoDataFrame:
    rows = []
    for i, item in enumerate(added, start=1):
        try:
            name, lat, lon = item
            lat, lon = float(lat), float(lon)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            msg = f"`added` item {i} must be (name, lat, lon) with numeric lat and lon; got {item!r}"
            raise CoverageError(msg) from None
        if not in_netherlands_bbox(lat, lon):
            msg = f"`added` item {i} ({name}) at ({lat}, {lon}) lies outside the Netherlands"
            raise CoverageError(msg)
        rows.append({"site_id": f"added-{i}", "name": str(name), "organisation": "", "lat": lat, "lon": lon})
    frame = pd.DataFrame(rows, columns=["site_id", "name", "organisation", "lat", "lon"])
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84)


def coverage_whatif(
    population: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    km: float,
    closed: Iterable[str] = (),
    added: Iterable[Sequence[object]] = (),
    provinces: Sequence[str] | None = None,
    subregion_sites: Mapping[str, Iterable[str]] | None = None,
    nearest: Nearest | None = None,
) -> WhatIf:
    """Compare coverage before and after closing some sites and opening hypothetical ones.

    Parameters
    ----------
    population, sites, km, provinces, subregion_sites
        As for :func:`coverage`.
    closed
        Ids of sites (in ``sites``) to close; they drop out of every figure of ``after``, including
        the sub-regions.
    added
        Hypothetical sites as ``(name, lat, lon)`` in WGS84. They belong to no sub-region, so they
        change distances but not which sub-region a place counts in.

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
        ``km`` is out of range or an ``added`` item is malformed or outside the Netherlands.
    """
    km = _check_km(km)
    before_sites = _Sites.of(sites)
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
    after_sites = _Sites.of(gpd.GeoDataFrame(after_frame, geometry="geometry", crs=crs))
    opts = {"km": km, "provinces": provinces, "subregion_sites": subregion_sites, "nearest": nearest}
    before = _coverage(population, before_sites, **opts)  # type: ignore[arg-type]
    after = _coverage(population, after_sites, **opts)  # type: ignore[arg-type]
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
            "km_before": b["distance_km"].to_numpy()[moved],
            "km_after": a["distance_km"].to_numpy()[moved],
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


# --- sensitivity ------------------------------------------------------------------------------------


def sensitivity(
    population: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    km: float,
    provinces: Sequence[str] | None = None,
    nearest: Nearest | None = None,
) -> pd.DataFrame:
    """Rank every site by how many inhabitants would end up beyond ``km`` if it alone closed.

    This is RIVM's test for "gevoelige ziekenhuizen": a site is sensitive when closing it (and only
    it) pushes inhabitants beyond the threshold. One KD-tree query for the two nearest sites of
    every place answers it for all sites at once: a place is lost when site *s* is its nearest, it is
    covered now (``d1 <= km``) and its second-nearest site is beyond ``km`` (``d2 > km``). A site at
    the same spot as another (``d2 == d1``) is never sensitive.

    Parameters
    ----------
    population, sites, km, provinces
        As for :func:`coverage`.

    Returns
    -------
    DataFrame
        One row per site, most sensitive first: ``site_id``, ``name``, ``organisation``,
        ``extra_beyond`` (inhabitants), ``extra_share`` (of the counted population, 0..1),
        ``extra_places`` (places) and ``sensitive`` (``extra_beyond > 0``).
    """
    km = _check_km(km)
    s = _Sites.of(sites)
    _, _, xy, weight = _counted(population, provinces)
    m = len(s.ids)
    extra = np.zeros(m)
    places = np.zeros(m, dtype=np.int64)
    if m and len(xy):
        dist, idx = (nearest or _nearest_km)(s.xy, xy, k=2)
        d1, d2, first = dist[:, 0], dist[:, 1], idx[:, 0]
        lost = (d1 <= km) & (d2 > km)
        extra = np.bincount(first[lost], weights=weight[lost], minlength=m)
        places = np.bincount(first[lost], minlength=m)
    total = float(weight.sum())
    out = pd.DataFrame(
        {
            "site_id": s.ids,
            "name": s.names,
            "organisation": s.orgs,
            "extra_beyond": extra,
            "extra_share": extra / total if total > 0 else np.full(m, np.nan),
            "extra_places": places,
            "sensitive": extra > 0,
        }
    )
    return out.sort_values(["extra_beyond", "site_id"], ascending=[False, True], ignore_index=True)


# --- service areas ----------------------------------------------------------------------------------


def _land_rd(land: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry) -> shapely.Geometry:
    if isinstance(land, gpd.GeoDataFrame | gpd.GeoSeries):
        if land.crs is None:
            msg = "`land` has no CRS; set it with `.set_crs('EPSG:4326')` or `.set_crs('EPSG:28992')`"
            raise CoverageError(msg)
        return shapely.union_all(land.to_crs(RD).geometry.to_numpy())
    if isinstance(land, shapely.Geometry):
        return land
    msg = f"`land` must be a GeoDataFrame, GeoSeries or shapely geometry in RD New; got {type(land).__name__}"
    raise CoverageError(msg)


def service_areas(
    sites: gpd.GeoDataFrame, land: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry
) -> gpd.GeoDataFrame:
    """Split the land into the area nearest to each site (Voronoi cells, straight-line distance).

    Parameters
    ----------
    sites
        Sites with ``site_id`` and ``name``.
    land
        The land to split, e.g. ``atlas.provinces`` (its union is taken) or a shapely geometry in
        RD New.

    Returns
    -------
    GeoDataFrame
        One row per site in EPSG:28992 (reproject with ``.to_crs(4326)`` to draw): ``site_id``,
        ``name``, ``colocated`` (ids of every site at the same spot, sorted), ``area_km2`` and the
        cell as ``geometry``. Sites at the same spot share one cell, so draw one row per
        ``colocated``; over distinct spots the cells cover the land without overlap.
    """
    s = _Sites.of(sites)
    land_geom = _land_rd(land)
    if not len(s.ids):
        empty = pd.DataFrame(columns=["site_id", "name", "colocated", "area_km2"])
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=RD), crs=RD)
    spots, which = np.unique(np.round(s.xy, 3), axis=0, return_inverse=True)
    which = which.ravel()
    if len(spots) == 1:
        cells = np.array([land_geom], dtype=object)
    else:
        diagram = shapely.voronoi_polygons(shapely.multipoints(spots), extend_to=land_geom, ordered=True)
        cells = shapely.intersection(shapely.get_parts(diagram), land_geom)
    together = [tuple(sorted(s.ids[which == k])) for k in range(len(spots))]
    geom = cells[which]
    return gpd.GeoDataFrame(
        {
            "site_id": s.ids,
            "name": s.names,
            "colocated": [together[k] for k in which],
            "area_km2": shapely.area(geom) / 1e6,
        },
        geometry=gpd.GeoSeries(geom, crs=RD),
        crs=RD,
    )


# --- networks and places ----------------------------------------------------------------------------


def network_subregion_sites(atlas: Atlas, network_id: str) -> dict[str, tuple[str, ...]]:
    """Map each sub-region name of a network to the ids of its sites, for :func:`coverage`.

    Closed sites are listed too; :func:`coverage` ignores ids that are not among the sites it is given.
    """
    atlas.network(network_id)  # raises UnknownIdError for an unknown network
    subs = atlas.subregions[atlas.subregions["network_id"] == network_id]
    out: dict[str, tuple[str, ...]] = {}
    for sub_id, name in zip(subs["subregion_id"], subs["name"], strict=True):
        hit = atlas.sites["subregions"].map(lambda ss, sub=sub_id: sub in ss)
        out[str(name)] = tuple(atlas.sites.loc[hit, "site_id"])
    return out


@dataclass(frozen=True, eq=False)
class NetworkComparison:
    """Two networks side by side.

    Attributes
    ----------
    a, b
        The network ids.
    both, only_a, only_b
        Member organisations (``org_id``, ``organisation``), sorted by name.
    coverage_a, coverage_b
        Each network's coverage by its own open sites over its own region (``.total`` for the
        headline figure).
    """

    a: str
    b: str
    both: pd.DataFrame
    only_a: pd.DataFrame
    only_b: pd.DataFrame
    coverage_a: CoverageResult
    coverage_b: CoverageResult


def compare_networks(
    atlas: Atlas,
    a: str,
    b: str,
    *,
    km: float,
    population: gpd.GeoDataFrame,
    categories: Sequence[str] = PATIENT_CATEGORIES,
    nearest: Nearest | None = None,
) -> NetworkComparison:
    """Compare the members and the coverage of two networks.

    Parameters
    ----------
    atlas
        The loaded data.
    a, b
        Network ids.
    km
        Threshold in km, as for :func:`coverage`.
    population
        Population points, as for :func:`coverage`.
    categories
        Site categories that count for coverage; by default all but ``other``.

    Returns
    -------
    NetworkComparison
        Organisations in both, only in ``a`` and only in ``b``, and each network's coverage over its
        own region provinces.
    """
    km = _check_km(km)
    atlas.network(a)
    atlas.network(b)
    names = atlas.organisations.set_index("org_id")["name"]
    members = atlas.memberships.groupby("network_id")["org_id"].agg(set)
    in_a, in_b = members.get(a, set()), members.get(b, set())

    def orgs(ids: set[str]) -> pd.DataFrame:
        frame = pd.DataFrame({"org_id": sorted(ids)})
        frame["organisation"] = frame["org_id"].map(names)
        return frame.sort_values(["organisation", "org_id"], ignore_index=True)

    def cover(network_id: str) -> CoverageResult:
        net_sites = filter_sites(atlas, networks=[network_id], categories=categories)
        return coverage(
            population,
            net_sites,
            km=km,
            provinces=atlas.region_provinces([network_id]),
            subregion_sites=network_subregion_sites(atlas, network_id),
            nearest=nearest,
        )

    return NetworkComparison(
        a=a,
        b=b,
        both=orgs(in_a & in_b),
        only_a=orgs(in_a - in_b),
        only_b=orgs(in_b - in_a),
        coverage_a=cover(a),
        coverage_b=cover(b),
    )


def least_served(result: CoverageResult, n: int = 10) -> pd.DataFrame:
    """Return the ``n`` places farthest from their nearest site, farthest first.

    Columns: ``name``, ``province``, ``population``, ``distance_km``, ``site_id``, ``site_name``,
    ``covered`` and, when the places have them, ``lat`` and ``lon`` (to draw them). Ties in distance
    put the larger place first.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        msg = f"`n` must be a whole number of at least 0; got {n!r}"
        raise CoverageError(msg)
    cols = ["name", "province", "population", "distance_km", "site_id", "site_name", "covered"]
    cols += [c for c in ("lat", "lon") if c in result.points.columns]
    pts = pd.DataFrame(result.points[cols])
    return (
        pts.sort_values(["distance_km", "population"], ascending=[False, False])
        .head(int(n))
        .reset_index(drop=True)
    )


def limit_to_catchment(
    population: gpd.GeoDataFrame,
    network_sites: gpd.GeoDataFrame,
    other_sites: gpd.GeoDataFrame,
    *,
    partial: Sequence[str],
) -> gpd.GeoDataFrame:
    """Drop the places of partly-covered provinces that another hospital serves first.

    A network region may take in only part of a province (Noord-Oost has the north and east of
    Gelderland; Arnhem-Nijmegen belongs to Onco-Oost). In such a province a place counts only when
    its nearest hospital, among the network's sites and ``other_sites`` (hospitals outside the
    network), is a network site — the referral-region idea behind Dartmouth's hospital service areas.

    Parameters
    ----------
    population
        Population points (EPSG:28992) with ``province``.
    network_sites, other_sites
        The network's sites and the hospitals outside it.
    partial
        Province names only partly in the region; places elsewhere are returned unchanged.
    """
    if not len(partial) or other_sites.empty or network_sites.empty:
        return population
    in_partial = population["province"].isin(list(partial)).to_numpy()
    if not in_partial.any():
        return population
    part = population[in_partial]
    d_net, _ = nearest_distances(part, network_sites)
    d_other, _ = nearest_distances(part, other_sites)
    keep = np.ones(len(population), dtype=bool)
    keep[np.flatnonzero(in_partial)] = d_net <= d_other
    return population[keep]


#: Site categories that count as a network hospital by default (outpatient clinics are opt-in).
HOSPITAL_CATEGORIES = ("hospital_ed", "hospital")


@dataclass(frozen=True, eq=False)
class NetworkCoverage:
    """Coverage of a network selection as the app and the command line report it."""

    whatif: WhatIf
    sensitivity: pd.DataFrame
    least: pd.DataFrame
    partial: tuple[str, ...]
    sites: gpd.GeoDataFrame


def network_coverage(
    atlas: Atlas,
    population: gpd.GeoDataFrame,
    network_ids: Sequence[str],
    *,
    km: float,
    categories: Sequence[str] = HOSPITAL_CATEGORIES,
    closed: Iterable[str] = (),
    added: Iterable[Sequence[object]] = (),
    nearest: Nearest | None = None,
) -> NetworkCoverage:
    """Measure the coverage of one or more networks over their region, with an optional what-if.

    The region is the networks' provinces; in provinces only partly in the region the places served
    first by a hospital outside the networks are left out (:func:`limit_to_catchment`). Sub-regions
    come from :func:`network_subregion_sites`.

    Parameters
    ----------
    atlas
        The loaded data.
    population
        Population points with ``name``, ``population`` and ``province``.
    network_ids
        Networks whose open sites count.
    km
        Threshold in km.
    categories
        Site categories that count (hospitals by default; add ``"outpatient"`` to count clinics).
    closed, added
        What-if: site ids that close, and hypothetical ``(name, lat, lon)`` sites that open.
    nearest
        How to measure the way to a site (see :func:`coverage`); with
        :func:`geo.traveltime.minutes_query` the threshold ``km`` and every distance are in minutes.
    """
    from geo.data import filter_sites

    km = _check_km(km)
    closed = tuple(closed)
    sites = filter_sites(atlas, networks=list(network_ids), categories=list(categories))
    partial = tuple(atlas.partial_provinces(network_ids))
    others = filter_sites(atlas, categories=list(HOSPITAL_CATEGORIES), include_context=True)
    others = others[~others["in_network"]]
    pop = limit_to_catchment(population.to_crs(RD), sites.to_crs(RD), others.to_crs(RD), partial=partial)
    subregion_sites: dict[str, tuple[str, ...]] = {}
    for n in network_ids:
        subregion_sites |= network_subregion_sites(atlas, n)
    provinces = atlas.region_provinces(network_ids)
    what = coverage_whatif(
        pop,
        sites,
        km=km,
        closed=closed,
        added=added,
        provinces=provinces,
        subregion_sites=subregion_sites or None,
        nearest=nearest,
    )
    remaining = sites[~sites["site_id"].isin(closed)]
    sens = (
        sensitivity(pop, remaining, km=km, provinces=provinces, nearest=nearest)
        if not remaining.empty
        else pd.DataFrame()
    )
    return NetworkCoverage(what, sens, least_served(what.after, n=10), partial, remaining)
