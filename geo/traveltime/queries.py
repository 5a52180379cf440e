"""Queries over a travel model: minutes to sites, the fastest sites, coverage's nearest-site contract."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import rd_coordinates, to_rd
from geo.errors import UnknownIdError
from geo.nearest import candidates, check_position
from geo.traveltime.model import TravelModel
from geo.traveltime.params import TravelTimeError


def _check_position(lat: float, lon: float, what: str = "the location") -> None:
    check_position(lat, lon, what, TravelTimeError)


def _point(lat: float, lon: float) -> tuple[np.ndarray, np.ndarray]:
    _check_position(lat, lon)
    x, y = to_rd().transform(float(lon), float(lat))
    return np.array([x]), np.array([y])


def minutes_to_sites(lat: float, lon: float, model: TravelModel, site_ids: Sequence[str]) -> np.ndarray:
    """Estimated car minutes from a WGS84 location to registered sites.

    Parameters
    ----------
    lat, lon
        The location in WGS84 degrees.
    model
        A model with the sites registered (:func:`load_model` ``sites=`` or :meth:`TravelModel.add_sites`).
    site_ids
        The sites, in the order wanted.

    Returns
    -------
    ndarray of float
        Minutes per site (overhead included); ``inf`` where no route exists.

    Raises
    ------
    UnknownIdError
        A site id was never registered.
    """
    ids = [str(s) for s in site_ids]
    unknown = [s for s in ids if s not in model._sites]
    if unknown:
        msg = f"site(s) not registered with the travel model: {', '.join(unknown)}; call model.add_sites(...)"
        raise UnknownIdError(msg)
    if not ids:
        return np.empty(0)
    x, y = _point(lat, lon)
    sx = np.array([model._sites[s][0] for s in ids])
    sy = np.array([model._sites[s][1] for s in ids])
    return model.site_minutes(x, y, sx, sy, names=["the location"], site_names=ids)[0]


def nearest_by_time(
    lat: float,
    lon: float,
    sites: pd.DataFrame,
    model: TravelModel,
    *,
    limit: int = 3,
    by: Literal["minutes", "km"] = "minutes",
) -> pd.DataFrame:
    """Rank the open, patient-treating sites by estimated car minutes (or by distance) from a location.

    The same selection as :func:`geo.nearest.nearest_sites` (kinds ``hospital``, ``outpatient``,
    ``radiotherapy``; status ``open``; coordinates present), with both measures on every row.

    Parameters
    ----------
    lat, lon
        The location in WGS84 degrees.
    sites
        Sites as in :attr:`geo.data.Atlas.sites`, already filtered by the caller; needs ``site_id``,
        ``kind``, ``status``, ``lat`` and ``lon``. Sites not registered with the model are fine:
        their fields are computed (and cached) on first use.
    model
        The travel model.
    limit
        At most this many sites are returned.
    by
        ``"minutes"``: fastest first (ties by distance, then ``site_id``); ``"km"``: nearest as the
        crow flies first, as :func:`geo.nearest.nearest_sites` ranks.

    Returns
    -------
    DataFrame
        Of the same type as ``sites``: every column of ``sites`` plus ``minutes`` (door to door,
        overhead and ferry waits included; ``inf`` when unreachable), ``distance_km`` (geodesic)
        and ``rank`` (1, 2, ...), on a fresh index.
    """
    if by not in ("minutes", "km"):
        msg = f"`by` must be 'minutes' or 'km', got {by!r}"
        raise TravelTimeError(msg)
    pos, lats, lons, dist_km = candidates(lat, lon, sites, limit=limit, error=TravelTimeError)
    site_ids = sites["site_id"].to_numpy(dtype=str)[pos]
    if pos.size:
        sx, sy = to_rd().transform(lons[pos], lats[pos])
        x, y = _point(lat, lon)
        minutes = model.site_minutes(
            x, y, np.atleast_1d(sx), np.atleast_1d(sy), names=["the location"], site_names=list(site_ids)
        )[0]
    else:
        minutes = np.empty(0)
    keys = (site_ids, dist_km, minutes) if by == "minutes" else (site_ids, minutes, dist_km)
    order = np.lexsort(keys)[:limit]
    out = sites.iloc[pos[order]].copy()
    out["minutes"] = minutes[order]
    out["distance_km"] = dist_km[order]
    out["rank"] = np.arange(1, len(order) + 1, dtype="int64")
    return out.reset_index(drop=True)


def _rd_xy(gdf: gpd.GeoDataFrame, arg: str) -> np.ndarray:
    return rd_coordinates(gdf, arg=arg, error=TravelTimeError)


def nearest_minutes_xy(
    model: TravelModel,
    site_xy: np.ndarray,
    point_xy: np.ndarray,
    k: int = 1,
    *,
    point_names: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes to the ``k`` fastest sites from each point: the contract of ``geo.coverage.measure.Nearest``.

    Parameters
    ----------
    model
        The travel model.
    site_xy, point_xy
        RD New coordinates, shape (n, 2).
    k
        How many sites per point.

    Returns
    -------
    minutes : ndarray
        Shape (points,) for ``k == 1``, else (points, k), fastest first; ``inf`` when there are
        fewer than ``k`` reachable sites.
    index : ndarray of int
        Row of each site in ``site_xy``; ``-1`` where the minutes are ``inf`` because there are
        fewer than ``k`` sites.
    """
    site_xy = np.asarray(site_xy, float).reshape(-1, 2)
    point_xy = np.asarray(point_xy, float).reshape(-1, 2)
    n, m = len(point_xy), len(site_xy)
    shape = (n,) if k == 1 else (n, k)
    if m == 0 or n == 0:
        return np.full(shape, np.inf), np.full(shape, -1, dtype=np.int64)
    t = model.site_minutes(point_xy[:, 0], point_xy[:, 1], site_xy[:, 0], site_xy[:, 1], names=point_names)
    kk = min(k, m)
    idx = np.argsort(t, axis=1, kind="stable")[:, :kk]
    val = np.take_along_axis(t, idx, axis=1)
    if kk < k:
        val = np.hstack([val, np.full((n, k - kk), np.inf)])
        idx = np.hstack([idx, np.full((n, k - kk), -1)])
    if k == 1:
        return val[:, 0], idx[:, 0].astype(np.int64)
    return val, idx.astype(np.int64)


def minutes_query(model: TravelModel) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """The ``nearest`` function of :func:`geo.coverage.measure.travel_time`: answers in minutes, so
    coverage, what-if and sensitivity work with a threshold in minutes."""

    def query(tree_xy: np.ndarray, xy: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        return nearest_minutes_xy(model, tree_xy, xy, k)

    return query


def population_minutes(
    population: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, model: TravelModel
) -> tuple[np.ndarray, np.ndarray]:
    """Find the fastest site of every population point: ``geo.coverage.nearest_distances`` in minutes.

    A what-if closure is this call with fewer sites: the fields are cached per site, so it costs a
    gather and a minimum (a few milliseconds for 2,000 places), not new shortest paths.

    Parameters
    ----------
    population
        Points (any CRS), one per place; a ``name`` column, when present, names moved places in the log.
    sites
        Points (any CRS), one per site.
    model
        The travel model.

    Returns
    -------
    minutes : ndarray of float
        Estimated car minutes to the fastest site; ``inf`` when there are no sites or no route.
    site_index : ndarray of int
        Position (``iloc``) in ``sites`` of that site; ``-1`` when there are no sites.
    """
    pxy = _rd_xy(population, "population")
    sxy = _rd_xy(sites, "sites")
    names = population["name"].astype(str).tolist() if "name" in population.columns else None
    return nearest_minutes_xy(model, sxy, pxy, 1, point_names=names)


def travel_minutes(
    model: TravelModel, from_lat: float, from_lon: float, to_lat: float, to_lon: float
) -> float:
    """Estimated car minutes between two WGS84 positions (runs one Dijkstra for a new start cell)."""
    _check_position(from_lat, from_lon, "the start")
    _check_position(to_lat, to_lon, "the destination")
    x0, y0 = to_rd().transform(float(from_lon), float(from_lat))
    x1, y1 = to_rd().transform(float(to_lon), float(to_lat))
    return float(
        model.site_minutes(
            np.array([x1]),
            np.array([y1]),
            np.array([x0]),
            np.array([y0]),
            names=["destination"],
            site_names=["start"],
        )[0, 0]
    )
