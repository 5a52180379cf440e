"""Which single site matters most: coverage lost when each site closes on its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    pass
from geo.coverage.core import Sites, counted_places
from geo.coverage.measure import STRAIGHT_LINE, Measure


def sensitivity(
    population: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    threshold: float,
    provinces: Sequence[str] | None = None,
    measure: Measure = STRAIGHT_LINE,
) -> pd.DataFrame:
    """Rank every site by how many inhabitants would end up beyond ``threshold`` if it alone closed.

    This is RIVM's test for "gevoelige ziekenhuizen": a site is sensitive when closing it (and only
    it) pushes inhabitants beyond the threshold. One KD-tree query for the two nearest sites of
    every place answers it for all sites at once: a place is lost when site *s* is its nearest, it is
    covered now (``d1 <= threshold``) and its second-nearest site is beyond it (``d2 > threshold``). A site at
    the same spot as another (``d2 == d1``) is never sensitive.

    Parameters
    ----------
    population, sites, threshold, measure, provinces
        As for :func:`coverage`.

    Returns
    -------
    DataFrame
        One row per site, most sensitive first: ``site_id``, ``name``, ``organisation``,
        ``extra_beyond`` (inhabitants), ``extra_share`` (of the counted population, 0..1),
        ``extra_places`` (places) and ``sensitive`` (``extra_beyond > 0``).
    """
    threshold = measure.check(threshold)
    s = Sites.of(sites)
    _, _, xy, weight = counted_places(population, provinces)
    m = len(s.ids)
    extra = np.zeros(m)
    places = np.zeros(m, dtype=np.int64)
    if m and len(xy):
        dist, idx = measure.nearest(s.xy, xy, k=2)
        d1, d2, first = dist[:, 0], dist[:, 1], idx[:, 0]
        lost = (d1 <= threshold) & (d2 > threshold)
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
