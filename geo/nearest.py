"""Rank the sites nearest to a patient's location and link to a route planner.

Distances are geodesics on the WGS84 ellipsoid ("as the crow flies"), not travel distances or times.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import GEOD

#: Site kinds that treat patients; ``other`` (offices, labs) never counts as a nearest site.
TREATING_KINDS = ("hospital", "outpatient", "radiotherapy")
#: Columns :func:`nearest_sites` needs in ``sites``.
REQUIRED_COLUMNS = ("site_id", "kind", "status", "lat", "lon")
OSM_DIRECTIONS = "https://www.openstreetmap.org/directions"


def check_position(lat: float, lon: float, what: str, error: type[ValueError] = ValueError) -> None:
    """Raise ``error`` naming ``what`` unless (lat, lon) is a finite WGS84 position in degrees."""
    ok = isinstance(lat, numbers.Real) and isinstance(lon, numbers.Real)
    if not ok or not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"{what} must be a WGS84 latitude and longitude in degrees, got ({lat!r}, {lon!r})"
        raise error(msg)


def candidates(
    lat: float, lon: float, sites: pd.DataFrame, *, limit: int, error: type[ValueError] = ValueError
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check the arguments and pick the sites a patient can go to, with their geodesic distance.

    Returns ``(positions, lats, lons, distance_km)``: the row positions in ``sites`` of the open,
    patient-treating sites with coordinates, all sites' coordinates, and the distance to each chosen
    site. Shared by :func:`nearest_sites` and :func:`geo.traveltime.nearest_by_time`, so both rank
    the same sites.
    """
    check_position(lat, lon, "the location", error)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        msg = f"limit must be a whole number of at least 1, got {limit!r}"
        raise error(msg)
    missing = [c for c in REQUIRED_COLUMNS if c not in sites.columns]
    if missing:
        msg = f"sites lacks the column(s) {', '.join(missing)}"
        raise error(msg)
    lats = pd.to_numeric(sites["lat"], errors="coerce").to_numpy(float)
    lons = pd.to_numeric(sites["lon"], errors="coerce").to_numpy(float)
    keep = (
        sites["kind"].isin(TREATING_KINDS).to_numpy()
        & (sites["status"] == "open").to_numpy()
        & np.isfinite(lats)
        & np.isfinite(lons)
    )
    pos = np.flatnonzero(keep)
    _, _, dist_m = GEOD.inv(
        np.full(pos.size, float(lon)), np.full(pos.size, float(lat)), lons[pos], lats[pos]
    )
    return pos, lats, lons, np.asarray(dist_m, dtype=float).reshape(-1) / 1000.0


def nearest_sites(lat: float, lon: float, sites: pd.DataFrame, *, limit: int = 3) -> pd.DataFrame:
    """Rank the open, patient-treating sites by distance from a location.

    Parameters
    ----------
    lat, lon
        The location in WGS84 degrees.
    sites
        Sites as in :attr:`geo.data.Atlas.sites`, already filtered by the caller (specialty,
        network); needs the columns ``site_id``, ``kind``, ``status``, ``lat`` and ``lon``.
    limit
        At most this many sites are returned.

    Returns
    -------
    DataFrame
        Of the same type as ``sites`` (a GeoDataFrame stays one): the nearest sites, nearest first,
        with every column of ``sites`` plus ``distance_km`` (geodesic on WGS84) and ``rank`` (1, 2,
        ...), on a fresh index. Sites of kind ``other``, closed sites and sites without coordinates
        are never returned; equal distances are ordered by ``site_id``. Empty when none is left.
    """
    pos, _lats, _lons, dist_km = candidates(lat, lon, sites, limit=limit)
    dist_m = dist_km * 1000.0
    site_ids = sites["site_id"].to_numpy(dtype=str)[pos]
    # lexsort: last key first; stable, so the result does not depend on the input order.
    order = np.lexsort((site_ids, dist_m))[:limit]
    out = sites.iloc[pos[order]].copy()
    out["distance_km"] = dist_m[order] / 1000.0
    out["rank"] = np.arange(1, len(order) + 1, dtype="int64")
    return out.reset_index(drop=True)


def _coord(value: float) -> str:
    # 5 decimals is about 1 m; trailing zeros only lengthen the link.
    return f"{value:.5f}".rstrip("0").rstrip(".")


def osm_route_url(from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> str:
    """Build an OpenStreetMap link that plans a car route between two WGS84 positions.

    Returns
    -------
    str
        ``https://www.openstreetmap.org/directions?engine=fossgis_osrm_car&route=LAT%2CLON%3BLAT%2CLON``.
    """
    check_position(from_lat, from_lon, "the start")
    check_position(to_lat, to_lon, "the destination")
    route = f"{_coord(from_lat)},{_coord(from_lon)};{_coord(to_lat)},{_coord(to_lon)}"
    return f"{OSM_DIRECTIONS}?{urlencode({'engine': 'fossgis_osrm_car', 'route': route})}"


def site_at(
    sites: gpd.GeoDataFrame, clicked: Mapping[str, Any] | None, *, tol_deg: float = 1e-5
) -> str | None:
    """Return the id of the site whose marker sits at the clicked position, or ``None``.

    st_folium reports a marker click as the marker's own ``lat``/``lng``, so an exact match (within
    rounding) identifies the site without relying on tooltip text.
    """
    if not clicked or sites.empty:
        return None
    try:
        lat, lng = float(clicked["lat"]), float(clicked["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    d = np.hypot(sites["lat"].to_numpy() - lat, sites["lon"].to_numpy() - lng)
    i = int(np.argmin(d))
    return str(sites.iloc[i]["site_id"]) if d[i] <= tol_deg else None
