"""Service areas: the land closest to each site (Voronoi cells clipped to the Netherlands)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import RD

if TYPE_CHECKING:
    pass
from geo.coverage.core import CoverageError, Sites


def _land_rd(land: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry) -> shapely.Geometry:
    if isinstance(land, gpd.GeoDataFrame | gpd.GeoSeries):
        if land.crs is None:
            msg = "`land` has no CRS; set it with `.set_crs('EPSG:4326')` or `.set_crs('EPSG:28992')`"
            raise CoverageError(msg)
        return shapely.union_all(land.to_crs(RD).geometry.to_numpy())
    if isinstance(land, shapely.Geometry):
        return land
    msg = f"`land` must be a GeoDataFrame, GeoSeries or shapely geometry in RD New; got {type(land).__name__}"
    raise CoverageError(msg)


def service_areas(
    sites: gpd.GeoDataFrame, land: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry
) -> gpd.GeoDataFrame:
    """Split the land into the area nearest to each site (Voronoi cells, straight-line distance).

    Parameters
    ----------
    sites
        Sites with ``site_id`` and ``name``.
    land
        The land to split, e.g. ``atlas.provinces`` (its union is taken) or a shapely geometry in
        RD New.

    Returns
    -------
    GeoDataFrame
        One row per site in EPSG:28992 (reproject with ``.to_crs(4326)`` to draw): ``site_id``,
        ``name``, ``colocated`` (ids of every site at the same spot, sorted), ``area_km2`` and the
        cell as ``geometry``. Sites at the same spot share one cell, so draw one row per
        ``colocated``; over distinct spots the cells cover the land without overlap.
    """
    s = Sites.of(sites)
    land_geom = _land_rd(land)
    if not len(s.ids):
        empty = pd.DataFrame(columns=["site_id", "name", "colocated", "area_km2"])
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=RD), crs=RD)
    spots, which = np.unique(np.round(s.xy, 3), axis=0, return_inverse=True)
    which = which.ravel()
    if len(spots) == 1:
        cells = np.array([land_geom], dtype=object)
    else:
        diagram = shapely.voronoi_polygons(shapely.multipoints(spots), extend_to=land_geom, ordered=True)
        cells = shapely.intersection(shapely.get_parts(diagram), land_geom)
    together = [tuple(sorted(s.ids[which == k])) for k in range(len(spots))]
    geom = cells[which]
    return gpd.GeoDataFrame(
        {
            "site_id": s.ids,
            "name": s.names,
            "colocated": [together[k] for k in which],
            "area_km2": shapely.area(geom) / 1e6,
        },
        geometry=gpd.GeoSeries(geom, crs=RD),
        crs=RD,
    )
