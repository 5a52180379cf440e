"""Positions of uploaded planned sites: converted to WGS84 and RD New, kept within 1 km of the Netherlands."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import RD, to_rd, to_wgs84
from geo.data import default_data_dir, load_provinces
from geo.defaults import PROVINCE_TOLERANCE_M
from geo.errors import Problem
from geo.geography import in_netherlands_bbox, province_codes


@lru_cache(maxsize=4)
def _default_land(data_dir: str) -> tuple[shapely.Geometry, gpd.GeoDataFrame]:
    return _land(load_provinces(Path(data_dir)))


def _land(provinces: gpd.GeoDataFrame) -> tuple[shapely.Geometry, gpd.GeoDataFrame]:
    """The Netherlands in RD, grown by the tolerance and prepared; plus the provinces in RD."""
    prov_rd = provinces.to_crs(RD)
    land = shapely.union_all(prov_rd.geometry.to_numpy()).buffer(PROVINCE_TOLERANCE_M)
    shapely.prepare(land)
    return land, prov_rd


def check_positions(
    good: list[dict[str, Any]],
    file: str,
    unit: str,
    *,
    rd: bool,
    provinces: gpd.GeoDataFrame | None,
    cols: dict[str, int],
    header: list[str],
) -> list[Problem]:
    """Convert positions to WGS84 and RD, keep only those within 1 km of the Netherlands."""
    if not good:
        return []
    land, prov_rd = _default_land(str(default_data_dir())) if provinces is None else _land(provinces)
    a = np.array([g["a"] for g in good])
    b = np.array([g["b"] for g in good])
    with np.errstate(all="ignore"):
        if rd:
            y, x = a, b
            lon, lat = to_wgs84().transform(x, y)
        else:
            lat, lon = a, b
            x, y = to_rd().transform(lon, lat)
    x, y, lat, lon = (np.asarray(v, dtype=float) for v in (x, y, lat, lon))
    finite = np.isfinite(x) & np.isfinite(y) & np.isfinite(lat) & np.isfinite(lon)
    finite &= (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    inside = np.zeros(len(good), dtype=bool)
    inside[finite] = shapely.contains_xy(land, x[finite], y[finite])
    names = ("x", "y") if rd else ("lat", "lon")
    fld = "/".join(header[cols[n]].strip() or n if n in cols else n for n in names)
    problems: list[Problem] = []
    outside = np.flatnonzero(~inside)
    if len(outside):
        core = shapely.union_all(prov_rd.geometry.to_numpy())
        far = np.flatnonzero(~inside & finite)
        km = dict(zip(far, shapely.distance(core, shapely.points(x[far], y[far])) / 1000, strict=True))
    for i in outside:
        g = good[i]
        shown = f"({g['b']:g}, {g['a']:g})" if rd else f"({g['a']:g}, {g['b']:g})"
        values: dict[str, Any] = {"position": (g["b"], g["a"]) if rd else (g["a"], g["b"])}
        if finite[i]:
            msg = f"{shown} lies {km[i]:,.{1 if km[i] < 10 else 0}f} km outside the Netherlands"
            code = "outside"
            values["km"] = round(float(km[i]), 1) if km[i] < 10 else round(float(km[i]))
        elif rd:
            msg, code = f"{shown} is not a position in RD New", "not_rd"
        else:
            msg, code = f"{shown} is not a latitude and longitude in degrees", "not_degrees"
        hint = _position_hint(g["a"], g["b"], rd=rd)
        msg += hint
        values.update(("hint", k) for k, v in _HINTS.items() if v == hint)
        problems.append(Problem(file, g["row"], fld, msg, unit, code, values))
    province = _provinces_of(prov_rd, x, y, inside)
    for i, g in enumerate(good):
        g["lat"], g["lon"], g["province"] = float(lat[i]), float(lon[i]), province[i]
    return problems


_HINTS = {
    "degrees": " (these look like degrees: name the columns lat and lon)",
    "swapped": " (latitude and longitude look swapped)",
    "rd": " (these look like RD New metres: name the columns x and y)",
}


def _position_hint(a: float, b: float, *, rd: bool) -> str:
    if rd:
        return _HINTS["degrees"] if abs(a) < 90 and abs(b) < 180 else ""
    if in_netherlands_bbox(b, a):
        return _HINTS["swapped"]
    if min(a, b) >= 0 and 300_000 <= max(a, b) <= 625_000:
        return _HINTS["rd"]
    return ""


def _provinces_of(prov_rd: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray, inside: np.ndarray) -> list[str]:
    """The province each inside point lies in (the nearest one in the 1 km margin); ``""`` elsewhere."""
    out = np.full(len(x), "", dtype=object)
    idx = np.flatnonzero(inside)
    if len(idx):
        codes, _ = province_codes(x[idx], y[idx], prov_rd)
        out[idx] = prov_rd["name"].astype(str).to_numpy()[codes]
    return [str(v) for v in out]
