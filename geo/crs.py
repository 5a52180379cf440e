"""Coordinate reference systems used throughout the package.

Data is stored and drawn in WGS84 (EPSG:4326); every distance, area and buffer is computed in the
Dutch national grid RD New (EPSG:28992), whose planar metres agree with WGS84 geodesics to within a
few metres inside the Netherlands.
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

WGS84 = "EPSG:4326"
RD = "EPSG:28992"

GEOD = Geod(ellps="WGS84")


@cache
def to_rd() -> Transformer:
    """Return a cached WGS84 → RD New transformer (``always_xy``: lon, lat in; x, y out)."""
    return Transformer.from_crs(WGS84, RD, always_xy=True)


@cache
def to_wgs84() -> Transformer:
    """Return a cached RD New → WGS84 transformer (``always_xy``: x, y in; lon, lat out)."""
    return Transformer.from_crs(RD, WGS84, always_xy=True)


def rd_coordinates(gdf: gpd.GeoDataFrame, *, arg: str, error: type[ValueError] = ValueError) -> np.ndarray:
    """RD New coordinates, shape (n, 2), of a GeoDataFrame of points in any CRS.

    Raises ``error`` (naming ``arg``) for something that is not a GeoDataFrame of non-empty points
    or has no CRS: a distance in the wrong CRS is silently wrong, so guessing is not an option.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"`{arg}` must be a GeoDataFrame of points; got {type(gdf).__name__}"
        raise error(msg)
    if gdf.empty:
        return np.empty((0, 2))
    if gdf.crs is None:
        msg = f"`{arg}` has no CRS; set it with `.set_crs('EPSG:4326')` or `.set_crs('EPSG:28992')`"
        raise error(msg)
    geom = gdf.geometry.to_numpy()
    if not (shapely.get_type_id(geom) == shapely.GeometryType.POINT).all() or shapely.is_empty(geom).any():
        msg = f"`{arg}` must hold one non-empty point per row"
        raise error(msg)
    crs = CRS.from_user_input(gdf.crs)
    if crs.equals(RD):
        return shapely.get_coordinates(geom)
    if crs.equals(WGS84):
        x, y = to_rd().transform(shapely.get_x(geom), shapely.get_y(geom))
        return np.column_stack([x, y])
    return shapely.get_coordinates(gdf.geometry.to_crs(RD).to_numpy())
