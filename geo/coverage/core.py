"""How well a set of sites covers the population: the distance or time from every place to its nearest site.

The :class:`~geo.coverage.measure.Measure` decides what "near" means: straight lines ("hemelsbreed")
in RD New (EPSG:28992), one KD-tree query per analysis, in km, which is a lower bound on what a
traveller meets on the road (RIVM's bereikbaarheidsanalyses use driving times); or the estimated car
minutes of :mod:`geo.traveltime`. Thresholds and results are in the measure's unit.

Conventions shared by every function:

- ``population`` is a point GeoDataFrame with ``name``, ``population`` (weights, ≥ 0) and
  ``province``, such as :func:`geo.population.load_population` or
  :func:`geo.population.read_population_file` return.
- ``sites`` is a point GeoDataFrame with ``site_id`` and ``name`` (``organisation`` optional), such
  as :func:`geo.data.filter_sites` returns. Every site passed counts as a place of care: choose them
  (network only, open only, which kinds) before calling.
- A place is *covered* when its distance (or time) to the nearest site is at most ``threshold``.
- Every figure is weighted by population: ``share`` is covered inhabitants / inhabitants,
  ``mean`` the mean distance per inhabitant and ``p95`` the distance within which 95 % of the
  inhabitants live (see :func:`weighted_quantile`). ``places_beyond`` counts places, not people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema
from geo.coverage.measure import STRAIGHT_LINE, CoverageError, Measure, Unit, kdtree_query
from geo.crs import rd_coordinates
from geo.errors import UnknownIdError

if TYPE_CHECKING:
    from geo.census import Caption

#: The quantile reported as ``p95``.
P95 = 0.95
#: Site categories that see patients; :func:`compare_networks` leaves out ``other`` (labs, offices).
PATIENT_CATEGORIES = ("hospital_ed", "hospital", "outpatient", "radiotherapy")
#: Columns of :attr:`CoverageResult.by_province` and :attr:`CoverageResult.by_subregion`.
SUMMARY_COLUMNS = ["name", "population", "covered", "share", "mean", "p95", "places_beyond"]
#: Name of the row of :attr:`CoverageResult.total`.
TOTAL = "total"


# --- inputs -----------------------------------------------------------------------------------------


def _xy(gdf: gpd.GeoDataFrame, arg: str) -> np.ndarray:
    """RD New coordinates (n, 2) of a point GeoDataFrame."""
    return rd_coordinates(gdf, arg=arg, error=CoverageError)


def _require(gdf: pd.DataFrame, columns: Iterable[str], arg: str) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        msg = f"`{arg}` lacks column(s) {', '.join(missing)}; it has {', '.join(map(str, gdf.columns))}"
        raise CoverageError(msg)


@dataclass(frozen=True, eq=False)
class Sites:
    """The sites as arrays: ids, names, organisations and RD coordinates."""

    ids: np.ndarray
    names: np.ndarray
    orgs: np.ndarray
    xy: np.ndarray

    @classmethod
    def of(cls, sites: gpd.GeoDataFrame, arg: str = "sites") -> Sites:
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
    return kdtree_query(_xy(sites, "sites"), _xy(population, "population"))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Return the smallest value ``v`` such that the weight of ``values <= v`` is at least ``q`` of the total.

    This is the population-weighted quantile used for ``p95``: with ``q = 0.95`` it is the
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
    name: str, dist: np.ndarray, weight: np.ndarray, threshold: float, ranked: np.ndarray
) -> dict[str, object]:
    """Figures of the places ``ranked``: their positions in ``dist``, nearest first."""
    d, w = dist[ranked], weight[ranked]
    population = float(w.sum())
    inside = int(np.searchsorted(d, threshold, side="right"))  # places within it: a prefix of the ranking
    covered = float(w[:inside].sum())
    has_people = population > 0
    return {
        "name": name,
        "population": population,
        "covered": covered,
        "share": covered / population if has_people else float("nan"),
        "mean": float(np.dot(w, d) / population) if has_people else float("nan"),
        "p95": _quantile_sorted(d, w, P95),
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
    threshold
        The threshold, in :attr:`unit`.
    unit
        ``"km"`` (straight line) or ``"min"`` (estimated car minutes): the unit of the threshold and of
        ``mean``, ``p95`` and ``distance``.
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
        The counted places: the ``population`` rows plus ``distance`` (in :attr:`unit`), ``site_id`` and
        ``site_name`` of the nearest site, ``covered`` and ``subregion`` (label or ``None``).
    population
        Which population the figures rest on: the ``attrs["caption"]`` of the ``population`` frame
        (:func:`geo.population.population_points`), ``None`` when it had none.
    """

    threshold: float
    unit: Unit
    provinces: tuple[str, ...]
    by_province: pd.DataFrame
    by_subregion: pd.DataFrame
    total: dict[str, object]
    points: gpd.GeoDataFrame
    population: Caption | None = None


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


def counted_places(
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
    subregion_sites: Mapping[str, Iterable[str]] | None,
    s: Sites,
    xy: np.ndarray,
    province: np.ndarray,
    subregion_provinces: Mapping[str, Iterable[str]] | None = None,
) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """Labels, a membership mask per label, and each point's label (``None`` when there are none).

    With ``subregion_provinces`` a point counts in a sub-region only when its province is one of
    that sub-region's (its network's region): another network's inhabitants never land in it.
    """
    labels = list(subregion_sites or {})
    if not labels:
        return [], [], np.full(len(xy), None, dtype=object)
    assert subregion_sites is not None
    members = {label: set(map(str, subregion_sites[label])) for label in labels}
    in_any = np.array([any(sid in m for m in members.values()) for sid in s.ids], dtype=bool)
    positions = np.flatnonzero(in_any)
    _, nearest = kdtree_query(s.xy[positions], xy)
    nearest_site = np.where(nearest >= 0, positions[np.maximum(nearest, 0)], -1)
    masks, point_label = [], np.full(len(xy), None, dtype=object)
    unlabelled = np.ones(len(xy), dtype=bool)
    for label in labels:
        site_in = np.array([sid in members[label] for sid in s.ids] + [False], dtype=bool)
        mask = site_in[nearest_site]  # index -1 hits the trailing False: no sub-region site at all
        if subregion_provinces is not None and label in subregion_provinces:
            mask = mask & np.isin(province, list(subregion_provinces[label]))
        point_label[mask & unlabelled] = label
        unlabelled &= ~mask
        masks.append(mask)
    return labels, masks, point_label


def coverage_of_sites(
    population: gpd.GeoDataFrame,
    s: Sites,
    *,
    threshold: float,
    provinces: Sequence[str] | None,
    subregion_sites: Mapping[str, Iterable[str]] | None,
    measure: Measure,
    subregion_provinces: Mapping[str, Iterable[str]] | None = None,
) -> CoverageResult:
    """Coverage of already checked sites (the shared step of :func:`coverage` and the what-if)."""
    names, keep, xy, weight = counted_places(population, provinces)
    dist, idx = measure.nearest(s.xy, xy)
    ranked = np.argsort(dist)  # one sort serves every group: filter it, keep the order
    prov_names = population["province"].to_numpy()[keep]
    prov = pd.Categorical(prov_names, categories=names).codes
    prov_ranked = prov[ranked]
    by_province = _table(
        [_summary(p, dist, weight, threshold, ranked[prov_ranked == i]) for i, p in enumerate(names)]
    )
    labels, masks, point_label = _subregion_of(subregion_sites, s, xy, prov_names, subregion_provinces)
    by_subregion = _table(
        [
            _summary(lab, dist, weight, threshold, ranked[m[ranked]])
            for lab, m in zip(labels, masks, strict=True)
        ]
    )
    points = population.loc[keep].copy()
    has_site = idx >= 0
    points["distance"] = dist
    points["site_id"] = np.where(has_site, s.ids[np.maximum(idx, 0)] if len(s.ids) else None, None)
    points["site_name"] = np.where(has_site, s.names[np.maximum(idx, 0)] if len(s.ids) else None, None)
    points["covered"] = dist <= threshold
    points["subregion"] = point_label
    return CoverageResult(
        threshold=threshold,
        unit=measure.unit,
        provinces=names,
        by_province=by_province,
        by_subregion=by_subregion,
        total=_summary(TOTAL, dist, weight, threshold, ranked),
        points=points,
        population=population.attrs.get("caption"),
    )


def coverage(
    population: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    threshold: float,
    measure: Measure = STRAIGHT_LINE,
    provinces: Sequence[str] | None = None,
    subregion_sites: Mapping[str, Iterable[str]] | None = None,
    subregion_provinces: Mapping[str, Iterable[str]] | None = None,
) -> CoverageResult:
    """Measure how many inhabitants live within ``threshold`` of one of the sites.

    Parameters
    ----------
    population
        Population points with ``name``, ``population`` and ``province``.
    sites
        The sites that count as a place of care, with ``site_id`` and ``name``.
    threshold
        Threshold in the measure's unit, greater than 0 and at most ``measure.maximum``.
    measure
        :data:`~geo.coverage.measure.STRAIGHT_LINE` (km, the default) or
        :func:`~geo.coverage.measure.travel_time` (minutes).
    provinces
        Provinces to count (the network region, e.g. ``atlas.region_provinces([network_id])``);
        places in other provinces are left out of every figure. ``None`` counts every province in
        ``population``. Sites outside these provinces still serve the places inside them.
    subregion_sites
        Sub-region label → ids of its sites (see :func:`network_subregion_sites`). Ids not in
        ``sites`` are ignored, so a closed or filtered-out site drops out of its sub-region.
    subregion_provinces
        Sub-region label → the provinces its places may lie in (its network's region); labels not
        given take places from every counted province.

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

    ``p95`` is population-weighted: the smallest distance within which at least 95 % of the
    inhabitants live (:func:`weighted_quantile`), not the 95th percentile over places.
    """
    return coverage_of_sites(
        population,
        Sites.of(sites),
        threshold=measure.check(threshold),
        provinces=provinces,
        subregion_sites=subregion_sites,
        measure=measure,
        subregion_provinces=subregion_provinces,
    )
