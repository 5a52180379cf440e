"""Where the Netherlands is: its bounding box (degrees and RD metres) and which province a point lies in."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import RD

#: Rough bounds of the European Netherlands (WGS84), for plausibility checks of coordinates.
NL_BOUNDS = {"lat_min": 50.70, "lat_max": 53.60, "lon_min": 3.30, "lon_max": 7.25}
#: The same in RD New metres, with room for the Wadden islands and the coast.
RD_BOUNDS = {"x_min": -10_000.0, "x_max": 300_000.0, "y_min": 290_000.0, "y_max": 640_000.0}
#: A map may be centred this many degrees beyond :data:`NL_BOUNDS` (a view of the border or the coast).
VIEW_MARGIN_DEG = 0.1


def in_netherlands_bbox(
    lat: float | np.ndarray, lon: float | np.ndarray, *, margin: float = 0.0
) -> bool | np.ndarray:
    """Whether WGS84 positions lie inside the bounding box of the European Netherlands (plus ``margin``°).

    Works on numbers and on arrays alike (then returns a boolean array).
    """
    b = NL_BOUNDS
    inside = (
        (b["lat_min"] - margin <= lat)
        & (lat <= b["lat_max"] + margin)
        & (b["lon_min"] - margin <= lon)
        & (lon <= b["lon_max"] + margin)
    )
    return bool(inside) if np.ndim(inside) == 0 else inside


def in_netherlands_rd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether RD New positions (metres) lie inside :data:`RD_BOUNDS`."""
    b = RD_BOUNDS
    return (x >= b["x_min"]) & (x <= b["x_max"]) & (y >= b["y_min"]) & (y <= b["y_max"])


def province_codes(
    x: np.ndarray, y: np.ndarray, provinces: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Assign RD points to provinces: the one that contains them, else the nearest one.

    Parameters
    ----------
    x, y
        RD New coordinates in metres.
    provinces
        Province polygons (any CRS) with a ``name`` column.

    Returns
    -------
    codes : ndarray of int
        Position of each point's province in ``provinces``.
    outside_m : ndarray of float
        Distance to that province: 0 inside it, positive for points outside every polygon (coastal
        places off Natural Earth's coarse coastline, border villages).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    geoms = provinces.to_crs(RD).geometry.to_numpy()
    codes = np.full(len(x), -1, dtype=np.int64)
    for i, geom in enumerate(geoms):
        todo = np.flatnonzero(codes < 0)
        if not len(todo):
            break
        shapely.prepare(geom)
        codes[todo[shapely.contains_xy(geom, x[todo], y[todo])]] = i
    outside_m = np.zeros(len(x))
    todo = np.flatnonzero(codes < 0)
    if len(todo):
        pts = shapely.points(x[todo], y[todo])
        dist = shapely.distance(pts[:, None], geoms[None, :])
        codes[todo] = dist.argmin(axis=1)
        outside_m[todo] = dist.min(axis=1)
    return codes, outside_m


def assign_provinces(points: gpd.GeoSeries, provinces: gpd.GeoDataFrame) -> pd.Series:
    """Name the province of each point: the polygon that holds it, else the nearest one.

    Parameters
    ----------
    points
        Points with a CRS.
    provinces
        Province polygons with a ``name`` column (see :func:`geo.data.load_provinces`).

    Returns
    -------
    Series
        Province names on the index of ``points``; never empty for a point, because a point outside
        every polygon (a coastal village off the coarse coastline) takes the nearest province.
    """
    rd = points.to_crs(RD)
    codes, _ = province_codes(rd.x.to_numpy(), rd.y.to_numpy(), provinces)
    names = provinces["name"].astype(str).to_numpy()
    return pd.Series(names[codes] if len(codes) else [], index=points.index, dtype=object).astype(str)
