"""What coverage is measured in: straight-line km or estimated car minutes, with its unit and its limit.

Every coverage function takes a :class:`Measure` and a threshold in that measure's unit, and every
result carries the unit, so tables, overlays, labels and exports never guess it. Result columns are
named neutrally (``mean``, ``p95``, ``distance``); :func:`with_unit` names them by unit for files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.defaults import FERRY_WAIT_MIN, MAX_KM, MAX_MINUTES

if TYPE_CHECKING:
    import geopandas as gpd

Unit = Literal["km", "min"]
#: ``nearest(site_xy, point_xy, k=1) -> (values, index)`` with values in the measure's unit.
Nearest = Callable[..., tuple[np.ndarray, np.ndarray]]
#: Above this many population points the KD-tree query uses every CPU core.
_PARALLEL_FROM = 50_000
#: Result columns that hold a value in the measure's unit (see :func:`with_unit`).
UNIT_COLUMNS = (
    "mean",
    "p95",
    "distance",
    "distance_before",
    "distance_after",
    "mean_before",
    "mean_after",
    "mean_change",
    "p95_before",
    "p95_after",
    "p95_change",
)


class CoverageError(ValueError):
    """Coverage cannot be computed from the inputs given (the message says which and why)."""


def kdtree_query(tree_xy: np.ndarray, xy: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
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


def _nearest_km(tree_xy: np.ndarray, xy: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    dist, idx = kdtree_query(tree_xy, xy, k)
    return dist / 1000.0, idx


@dataclass(frozen=True)
class Measure:
    """How far a place is from a site: the unit, the query that answers it, and the largest threshold."""

    unit: Unit
    nearest: Nearest
    maximum: float
    #: The command-line option that sets the threshold, named in error messages.
    option: str

    def check(self, threshold: float) -> float:
        """Return ``threshold`` as a float, or raise :class:`CoverageError` naming the unit and the range."""
        try:
            value = float(threshold)
        except (TypeError, ValueError):
            value = float("nan")
        if not 0 < value <= self.maximum:
            msg = (
                f"the threshold must be a number of {self.unit} greater than 0 and at most "
                f"{self.maximum:g}; got {threshold!r}"
            )
            raise CoverageError(msg)
        return value


#: Straight lines ("hemelsbreed") in RD New, in km: a lower bound on any road distance.
STRAIGHT_LINE = Measure(unit="km", nearest=_nearest_km, maximum=MAX_KM, option="--km")


def travel_time(model: object) -> Measure:
    """Estimated car minutes of a :class:`geo.traveltime.TravelModel`: fastest site, never across water."""
    from geo.traveltime import minutes_query

    return Measure(unit="min", nearest=minutes_query(model), maximum=MAX_MINUTES, option="--minutes")


def travel_time_for(sites: gpd.GeoDataFrame, *, ferry_wait_min: float = FERRY_WAIT_MIN) -> Measure:
    """:func:`travel_time` of the shipped travel-time field for ``sites``."""
    from geo.traveltime import load_model

    return travel_time(load_model(sites, ferry_wait_min=ferry_wait_min))


def with_unit(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Name the columns that hold a distance or a time by their unit (``mean`` → ``mean_min``), for files."""
    renames = {}
    for col in frame.columns:
        base = str(col)
        for stem in ("mean", "p95", "distance"):
            if base == stem or base.startswith(stem + "_"):
                rest = base[len(stem) :]
                renames[col] = f"{stem}_{unit}{rest}"
    return frame.rename(columns=renames)
