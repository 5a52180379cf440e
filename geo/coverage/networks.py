"""Coverage per network and sub-region: the sites of a network, comparisons and the catchment rule."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.coverage.core import nearest_distances
from geo.coverage.sensitivity import sensitivity
from geo.coverage.whatif import WhatIf
from geo.crs import RD
from geo.data import filter_sites

if TYPE_CHECKING:
    from geo.data import Atlas
from geo.coverage.core import PATIENT_CATEGORIES, CoverageResult, coverage
from geo.coverage.measure import STRAIGHT_LINE, CoverageError, Measure
from geo.coverage.whatif import coverage_whatif


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
    threshold: float,
    population: gpd.GeoDataFrame,
    categories: Sequence[str] = PATIENT_CATEGORIES,
    measure: Measure = STRAIGHT_LINE,
) -> NetworkComparison:
    """Compare the members and the coverage of two networks.

    Parameters
    ----------
    atlas
        The loaded data.
    a, b
        Network ids.
    threshold, measure
        Threshold and what it is measured in, as for :func:`coverage`.
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
    threshold = measure.check(threshold)
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
            threshold=threshold,
            measure=measure,
            provinces=atlas.region_provinces([network_id]),
            subregion_sites=network_subregion_sites(atlas, network_id),
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

    Columns: ``name``, ``province``, ``population``, ``distance`` (in the result's unit), ``site_id``,
    ``site_name``, ``covered`` and, when the places have them, ``lat`` and ``lon`` (to draw them). Ties
    in distance put the larger place first. When the points carry ``pc4`` (an area spread over its
    1 km cells), a place is the PC4 area: its inhabitants summed, its distance the inhabitant-weighted
    mean of its cells, its nearest site and position those of its most populous cell.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        msg = f"`n` must be a whole number of at least 0; got {n!r}"
        raise CoverageError(msg)
    cols = ["name", "province", "population", "distance", "site_id", "site_name", "covered"]
    cols += [c for c in ("lat", "lon") if c in result.points.columns]
    pts = pd.DataFrame(result.points[cols + (["pc4"] if "pc4" in result.points.columns else [])])
    if "pc4" in pts.columns and pts["pc4"].duplicated().any():
        pts = _per_area(pts, result.threshold)[cols]
    return (
        pts[cols]
        .sort_values(["distance", "population"], ascending=[False, False])
        .head(int(n))
        .reset_index(drop=True)
    )


def _per_area(pts: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """One row per PC4 area of spread points (see :func:`least_served`)."""
    w = pts["population"].to_numpy(dtype=float)
    pts = pts.assign(_wd=w * pts["distance"].to_numpy(dtype=float))
    heaviest = pts.sort_values("population", ascending=False).drop_duplicates("pc4").set_index("pc4")
    sums = pts.groupby("pc4")[["population", "_wd"]].sum()
    out = heaviest.drop(columns=["population", "_wd"]).join(sums)
    out["distance"] = np.where(
        out["population"] > 0, out["_wd"] / out["population"].where(out["population"] > 0, 1), out["distance"]
    )
    out["covered"] = out["distance"] <= threshold
    return out.reset_index()


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


#: How the population of a province is counted (the ``rule`` column of :attr:`NetworkCoverage.counted`).
RULE_PROVINCE = "province"
RULE_CATCHMENT = "catchment"


@dataclass(frozen=True, eq=False)
class NetworkCoverage:
    """Coverage of a network selection as the app and the command line report it.

    ``counted`` says, per province of the region, which inhabitants the figures count:
    ``name``, ``province_population`` (every inhabitant of the province in the population used),
    ``population`` (those counted) and ``rule`` (:data:`RULE_PROVINCE`: the whole province;
    :data:`RULE_CATCHMENT`: only places whose nearest hospital is a network site, see
    :func:`limit_to_catchment`, so a share near 100 % there follows partly from the rule).
    ``added`` are the hypothetical sites that counted (:func:`applicable_added`).
    """

    whatif: WhatIf
    sensitivity: pd.DataFrame
    least: pd.DataFrame
    partial: tuple[str, ...]
    sites: gpd.GeoDataFrame
    counted: pd.DataFrame | None = None
    added: tuple[tuple[str, float, float], ...] = ()


def applicable_added(
    added: Iterable[Sequence[object]], network_ids: Sequence[str], categories: Sequence[str]
) -> tuple[tuple[str, float, float], ...]:
    """The hypothetical sites that count for these networks and site kinds, as ``(name, lat, lon)``.

    An item ``(name, lat, lon)`` (a map click) counts for every network; ``(name, lat, lon,
    category, networks)`` (an uploaded planned site) counts only when its category is one of
    ``categories`` and, when it declares networks, one of them is in ``network_ids``: filtered as
    the shipped sites are, so a planned oncology clinic never raises cardiology hospital coverage.
    """
    out = []
    for item in added:
        row = tuple(item)
        if len(row) >= 5:
            category, nets = row[3], tuple(row[4] or ())  # type: ignore[arg-type]
            if category not in categories or (nets and not set(nets) & set(network_ids)):
                continue
        out.append((str(row[0]), row[1], row[2]))  # type: ignore[arg-type]
    return tuple(out)  # type: ignore[return-value]


def counted_population(
    population: gpd.GeoDataFrame, counted: gpd.GeoDataFrame, provinces: Sequence[str], partial: Sequence[str]
) -> pd.DataFrame:
    """Per province: every inhabitant of it, those counted and the rule (see :class:`NetworkCoverage`)."""
    whole = population.groupby("province")["population"].sum()
    kept = counted.groupby("province")["population"].sum()
    return pd.DataFrame(
        {
            "name": list(provinces),
            "province_population": [float(whole.get(p, 0.0)) for p in provinces],
            "population": [float(kept.get(p, 0.0)) for p in provinces],
            "rule": [RULE_CATCHMENT if p in partial else RULE_PROVINCE for p in provinces],
        }
    )


def network_coverage(
    atlas: Atlas,
    population: gpd.GeoDataFrame,
    network_ids: Sequence[str],
    *,
    threshold: float,
    measure: Measure = STRAIGHT_LINE,
    categories: Sequence[str] = HOSPITAL_CATEGORIES,
    closed: Iterable[str] = (),
    added: Iterable[Sequence[object]] = (),
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
    threshold, measure
        Threshold in the measure's unit, and the measure (straight-line km by default, or
        :func:`~geo.coverage.measure.travel_time` for minutes); the result carries the unit.
    categories
        Site categories that count (hospitals by default; add ``"outpatient"`` to count clinics).
    closed, added
        What-if: site ids that close, and hypothetical sites that open: ``(name, lat, lon)``, or
        ``(name, lat, lon, category, networks)`` counted only where :func:`applicable_added` says.

    Notes
    -----
    Sub-regions count only the places of their own network's region, so with several networks
    selected the inhabitants of Noord-Holland never land in a Noord-Oost sub-region.
    """
    from geo.data import filter_sites

    threshold = measure.check(threshold)
    closed = tuple(closed)
    added = applicable_added(added, network_ids, categories)
    sites = filter_sites(atlas, networks=list(network_ids), categories=list(categories))
    partial = tuple(atlas.partial_provinces(network_ids))
    others = filter_sites(atlas, categories=list(HOSPITAL_CATEGORIES), include_context=True)
    others = others[~others["in_network"]]
    caption = population.attrs.get("caption")
    population = population.to_crs(RD)
    pop = limit_to_catchment(population, sites.to_crs(RD), others.to_crs(RD), partial=partial)
    pop.attrs["caption"] = caption
    subregion_sites: dict[str, tuple[str, ...]] = {}
    subregion_provinces: dict[str, tuple[str, ...]] = {}
    for n in network_ids:
        own = network_subregion_sites(atlas, n)
        subregion_sites |= own
        subregion_provinces |= {label: tuple(atlas.region_provinces([n])) for label in own}
    provinces = atlas.region_provinces(network_ids)
    what = coverage_whatif(
        pop,
        sites,
        threshold=threshold,
        measure=measure,
        closed=closed,
        added=added,
        provinces=provinces,
        subregion_sites=subregion_sites or None,
        subregion_provinces=subregion_provinces or None,
    )
    remaining = sites[~sites["site_id"].isin(closed)]
    sens = (
        sensitivity(pop, remaining, threshold=threshold, measure=measure, provinces=provinces)
        if not remaining.empty
        else pd.DataFrame()
    )
    counted = counted_population(population, pop, provinces, partial)
    return NetworkCoverage(what, sens, least_served(what.after, n=10), partial, remaining, counted, added)
