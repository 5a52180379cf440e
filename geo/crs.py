"""Coordinate reference systems used throughout the package.

Data is stored and drawn in WGS84 (EPSG:4326); every distance, area and buffer is computed in the
Dutch national grid RD New (EPSG:28992), whose planar metres agree with WGS84 geodesics to within a
few metres inside the Netherlands.
"""

from __future__ import annotations

from functools import cache

from pyproj import Geod, Transformer

WGS84 = "EPSG:4326"
RD = "EPSG:28992"

#: Rough bounds of the European Netherlands (WGS84), for plausibility checks of coordinates.
NL_BOUNDS = {"lat_min": 50.70, "lat_max": 53.60, "lon_min": 3.30, "lon_max": 7.25}

GEOD = Geod(ellps="WGS84")


@cache
def to_rd() -> Transformer:
    """Return a cached WGS84 → RD New transformer (``always_xy``: lon, lat in; x, y out)."""
    return Transformer.from_crs(WGS84, RD, always_xy=True)


@cache
def to_wgs84() -> Transformer:
    """Return a cached RD New → WGS84 transformer (``always_xy``: x, y in; lon, lat out)."""
    return Transformer.from_crs(RD, WGS84, always_xy=True)


def in_netherlands_bbox(lat: float, lon: float) -> bool:
    """Return whether a WGS84 position lies inside the bounding box of the European Netherlands."""
    b = NL_BOUNDS
    return b["lat_min"] <= lat <= b["lat_max"] and b["lon_min"] <= lon <= b["lon_max"]
