"""Each network next to every hospital: a network's reach compared with all open hospitals of its region.

A policymaker reads "97 % within 30 km of a network hospital" against what the region has at all:
the same region, the same counted population (the catchment rule of partly covered provinces
included) and the same site kinds, but every open shipped site of those kinds, inside any network
or outside them all. The gap is what the network's own choice of sites leaves beyond the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from geo.coverage.core import CoverageResult, coverage
from geo.coverage.measure import STRAIGHT_LINE, Measure
from geo.coverage.networks import HOSPITAL_CATEGORIES, limit_to_catchment
from geo.crs import RD

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.data import Atlas

#: Columns of :func:`reference_table`.
REFERENCE_COLUMNS = [
    "network_id",
    "specialty",
    "sites",
    "population",
    "covered",
    "share",
    "mean",
    "p95",
    "reference_sites",
    "reference_covered",
    "reference_share",
    "reference_mean",
    "reference_p95",
    "share_difference",
]


@dataclass(frozen=True, eq=False)
class NetworkReference:
    """One network's coverage over its own region and that of every open hospital of the same kinds.

    ``network`` and ``reference`` count the same places (``reference.total["population"]`` equals
    ``network.total["population"]``); ``sites`` and ``reference_sites`` are how many sites counted.
    """

    network_id: str
    specialty: str
    network: CoverageResult
    reference: CoverageResult
    sites: int
    reference_sites: int


def network_references(
    atlas: Atlas,
    population: gpd.GeoDataFrame,
    network_ids: Sequence[str],
    *,
    threshold: float,
    measure: Measure = STRAIGHT_LINE,
    categories: Sequence[str] = HOSPITAL_CATEGORIES,
) -> list[NetworkReference]:
    """Per network: its open sites of ``categories`` against all open shipped sites of those kinds.

    Each network is measured on its own (never pooled with another specialty) over its region
    (:meth:`geo.data.Atlas.region_provinces`), with the catchment rule in partly covered provinces
    decided by its own sites; the reference counts exactly those places.
    """
    from geo.data import filter_sites

    threshold = measure.check(threshold)
    caption = population.attrs.get("caption")
    population = population.to_crs(RD)
    population.attrs["caption"] = caption
    every = filter_sites(atlas, categories=list(categories), include_context=True)
    others = filter_sites(atlas, categories=list(HOSPITAL_CATEGORIES), include_context=True)
    others = others[~others["in_network"]].to_crs(RD)
    out = []
    for n in network_ids:
        row = atlas.network(n)
        sites = filter_sites(atlas, networks=[n], categories=list(categories))
        partial = atlas.partial_provinces([n])
        pop = limit_to_catchment(population, sites.to_crs(RD), others, partial=partial)
        pop.attrs["caption"] = caption
        provinces = atlas.region_provinces([n])
        opts = {"threshold": threshold, "measure": measure, "provinces": provinces}
        out.append(
            NetworkReference(
                network_id=n,
                specialty=str(row["specialty"]),
                network=coverage(pop, sites, **opts),  # type: ignore[arg-type]
                reference=coverage(pop, every, **opts),  # type: ignore[arg-type]
                sites=len(sites),
                reference_sites=len(every),
            )
        )
    return out


def reference_table(refs: Sequence[NetworkReference]) -> pd.DataFrame:
    """One row per network (:data:`REFERENCE_COLUMNS`): its totals, the reference's, the share gap."""
    rows = []
    for r in refs:
        a, b = r.network.total, r.reference.total
        rows.append(
            {
                "network_id": r.network_id,
                "specialty": r.specialty,
                "sites": r.sites,
                "population": a["population"],
                "covered": a["covered"],
                "share": a["share"],
                "mean": a["mean"],
                "p95": a["p95"],
                "reference_sites": r.reference_sites,
                "reference_covered": b["covered"],
                "reference_share": b["share"],
                "reference_mean": b["mean"],
                "reference_p95": b["p95"],
                "share_difference": float(a["share"]) - float(b["share"]),  # type: ignore[arg-type]
            }
        )
    return pd.DataFrame(rows, columns=REFERENCE_COLUMNS)
