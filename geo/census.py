"""Official population layers: CBS inhabitants per postcode area (PC4) 2021 and the Eurostat 1 km census grid.

The files in ``data/population/`` (built by ``scripts/build_population.py``, described in
``data/README.md``) are validated on load: a bad row stops with a
:class:`~geo.errors.DataValidationError` naming the file, the line and the field. The parse is cached
per data folder, so only the first call reads the files.

:func:`population_layer` returns points in the shape of :func:`geo.population.load_population`
(columns ``name``, ``population``, ``province``, ``lat``, ``lon`` and a point ``geometry`` in RD New,
EPSG:28992; ``province`` is the CBS province name), so the coverage analyses take them unchanged:

- ``"pc4"``: each PC4 area's inhabitants at a point inside the area, or with ``spread=True`` spread
  over the 1 km cells the area overlaps (weights: the census population of the part of each cell
  inside the area), at the cell centres; the province is always the area's CBS province, so province
  totals equal CBS's;
- ``"grid1km"``: the Eurostat 2021 census cells whose centre lies in the Netherlands, at their centre.

``age="65+"`` takes the inhabitants of 65 and older: the CBS age bands per PC4 (spread with the same
weights) or the grid's own 65+ count. :func:`layer_caption` says which population a figure rests on.
:func:`pc4_areas` gives the areas' drawn polygons with their figures, for maps of areas.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema
from geo.crs import RD, to_wgs84
from geo.data import default_data_dir
from geo.errors import DataValidationError, Problem

Layer = Literal["pc4", "grid1km"]
Age = Literal["all", "65+"]
LAYERS: tuple[Layer, ...] = ("pc4", "grid1km")
AGES: tuple[Age, ...] = ("all", "65+")

PC4_FILE = "population/pc4.csv"
GRID_FILE = "population/grid_1km.csv"
GRID_65PLUS_FILE = "population/grid_1km_65plus.csv"
ALLOCATION_FILE = "population/pc4_grid_1km.csv"
POLYGONS_FILE = "population/pc4.geojson"
#: Extent of RD New coordinates over the European Netherlands (metres).
RD_BOUNDS = (-10_000, 300_000, 290_000, 640_000)
#: CBS rounds each age band to 5: seven 65+ bands may add up to 35 more than the rounded total.
AGE_ROUNDING = 35
#: Eurostat perturbs small cells: the 65+ count of a cell may exceed its total by a few people.
GRID_PERTURBATION = 10
#: The shares of one PC4 area over its cells are rounded to 4 decimals; their sum is 1 within this.
SHARE_TOLERANCE = 0.01
#: Most problems listed one by one; the rest are counted.
MAX_LISTED = 50
CELL_ID = re.compile(r"^CRS3035RES1000mN\d{7}E\d{7}$")


@dataclass(frozen=True)
class Caption:
    """Which population a figure rests on, in Dutch and English, with its source and licence."""

    nl: str
    en: str
    source: str
    licence: str

    def text(self, lang: str = "nl") -> str:
        """The caption in ``lang`` (``nl`` or ``en``)."""
        return self.en if lang == "en" else self.nl


_CBS = "CBS, StatLine 83503NED (inwoners per postcode) en 83502NED (naar leeftijd), 1 januari 2021"
_EUROSTAT = "Eurostat/GEOSTAT, census 2021 population grid, 1 km (EPSG:3035)"
CAPTIONS: dict[tuple[str, str, bool], Caption] = {
    ("pc4", "all", False): Caption(
        "CBS, inwoners per postcode (PC4), 1 januari 2021",
        "CBS, inhabitants per postcode area (PC4), 1 January 2021",
        _CBS,
        "CC BY 4.0, CBS",
    ),
    ("pc4", "65+", False): Caption(
        "CBS, inwoners van 65 jaar en ouder per postcode (PC4), 1 januari 2021",
        "CBS, inhabitants aged 65 and over per postcode area (PC4), 1 January 2021",
        _CBS,
        "CC BY 4.0, CBS",
    ),
    ("pc4", "all", True): Caption(
        "CBS, inwoners per postcode (PC4), 1 januari 2021, verdeeld over de 1 km-cellen van Eurostat",
        "CBS, inhabitants per postcode area (PC4), 1 January 2021, spread over Eurostat's 1 km cells",
        f"{_CBS}; {_EUROSTAT}",
        "CC BY 4.0, CBS; © European Union",
    ),
    ("pc4", "65+", True): Caption(
        "CBS, inwoners van 65 jaar en ouder per postcode (PC4), 1 januari 2021, verdeeld over de 1 km-cellen",
        "CBS, inhabitants aged 65 and over per postcode area (PC4), 1 January 2021, spread over 1 km cells",
        f"{_CBS}; {_EUROSTAT}",
        "CC BY 4.0, CBS; © European Union",
    ),
    ("grid1km", "all", False): Caption(
        "Eurostat, inwoners per km²-cel (censusraster), 2021",
        "Eurostat, inhabitants per 1 km grid cell (census grid), 2021",
        _EUROSTAT,
        "© European Union",
    ),
    ("grid1km", "65+", False): Caption(
        "Eurostat, inwoners van 65 jaar en ouder per km²-cel (censusraster), 2021",
        "Eurostat, inhabitants aged 65 and over per 1 km grid cell (census grid), 2021",
        _EUROSTAT,
        "© European Union",
    ),
}


@dataclass(frozen=True)
class Census:
    """The validated population tables (plain frames; :func:`population_layer` makes the points).

    ``pc4``: ``code`` (int), ``inhabitants``, ``inhabitants_65plus``, ``province``, ``municipality``,
    ``place``, ``places_geonames``, ``x``, ``y`` (RD New), ``area_km2``. ``grid``: ``cell_id``, ``x``,
    ``y``, ``inhabitants``, ``inhabitants_65plus``, ``province``, ``pc4`` (int, 0 where none).
    ``allocation``: ``pc4``, ``cell_id``, ``share``.
    """

    pc4: pd.DataFrame
    grid: pd.DataFrame
    allocation: pd.DataFrame


@dataclass(frozen=True)
class _Field:
    name: str
    kind: Literal["int", "float", "text"]
    required: bool = True
    lo: float | None = None
    hi: float | None = None


class _Problems:
    """Problems of the population files, listed up to :data:`MAX_LISTED` and counted beyond."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.unlisted = 0

    def add(self, file: str, line: int | None, field: str | None, message: str) -> None:
        if len(self.items) < MAX_LISTED:
            self.items.append(Problem(file, line, field, message))
        else:
            self.unlisted += 1

    def rows(self, file: str, frame: pd.DataFrame, mask: np.ndarray, field: str, message: object) -> None:
        """One problem per row where ``mask`` holds; ``message`` is text or a function of the row's value."""
        for i in np.flatnonzero(mask):
            text = message if isinstance(message, str) else message(frame[field].iloc[i])  # type: ignore[operator]
            self.add(file, int(frame["_line"].iloc[i]), field, str(text))

    def raise_if_any(self) -> None:
        if self.items:
            more = [Problem("data/population", None, None, f"... and {self.unlisted:,} more problems")]
            raise DataValidationError(self.items + (more if self.unlisted else []))


def _read(path: Path, file: str, fields: tuple[_Field, ...], out: _Problems) -> pd.DataFrame | None:
    """Read one CSV file, typed; report missing columns and empty, non-numeric or out-of-range cells."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        out.add(file, None, None, "file is missing; rebuild it with scripts/build_population.py")
        return None
    except UnicodeDecodeError as exc:
        out.add(file, None, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), keep_default_na=False, skip_blank_lines=False, engine="c")
    except pd.errors.EmptyDataError:
        out.add(file, None, None, "file is empty")
        return None
    except pd.errors.ParserError as exc:  # e.g. "Expected 6 fields in line 12, saw 7"
        hit = re.search(r"line (\d+), saw (\d+)", str(exc))
        line = int(hit.group(1)) if hit else None
        out.add(file, line, None, f"has {hit.group(2)} fields" if hit else f"is not valid CSV: {exc}")
        return None
    names = [f.name for f in fields]
    missing = [n for n in names if n not in frame.columns]
    unknown = [c for c in frame.columns if c not in names]
    if missing or unknown:
        what = [f"missing column(s): {', '.join(missing)}"] if missing else []
        what += [f"unknown column(s): {', '.join(map(str, unknown))}"] if unknown else []
        out.add(file, 1, None, "; ".join(what))
        return None
    frame["_line"] = np.arange(len(frame)) + 2  # the header is line 1
    for f in fields:
        col = frame[f.name]
        if pd.api.types.is_numeric_dtype(col):  # a clean column: the C parser read numbers
            empty = np.isnan(col.to_numpy(dtype=float))
        else:
            empty = col.isna().to_numpy() | (col.astype(str).str.strip() == "").to_numpy()
        if f.required:
            out.rows(file, frame, empty, f.name, "is empty")
        if f.kind == "text":
            frame[f.name] = col.astype(str).where(~empty, "")
            continue
        num = pd.to_numeric(col.where(~empty, None), errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(num) & ~empty
        out.rows(file, frame, bad, f.name, lambda v: f"'{v}' is not a number")
        ok = ~np.isnan(num)
        if f.kind == "int":
            out.rows(file, frame, ok & (num != np.round(num)), f.name, lambda v: f"{v} is not a whole number")
        if f.lo is not None:
            out.rows(file, frame, ok & (num < f.lo), f.name, lambda v, lo=f.lo: f"{v} is below {lo:g}")
        if f.hi is not None:
            out.rows(file, frame, ok & (num > f.hi), f.name, lambda v, hi=f.hi: f"{v} is above {hi:g}")
        frame[f.name] = np.where(ok, num, 0).astype(np.int64 if f.kind == "int" else float)
    return frame


_X = (RD_BOUNDS[0], RD_BOUNDS[1])
_Y = (RD_BOUNDS[2], RD_BOUNDS[3])
PC4_FIELDS = (
    _Field("code", "int", lo=1000, hi=9999),
    _Field("inhabitants", "int", lo=0),
    _Field("inhabitants_65plus", "int", lo=0),
    _Field("province", "text"),
    _Field("municipality", "text"),
    _Field("place", "text"),
    _Field("places_geonames", "text", required=False),
    _Field("x", "int", lo=_X[0], hi=_X[1]),
    _Field("y", "int", lo=_Y[0], hi=_Y[1]),
    _Field("area_km2", "float", lo=0),
)
GRID_FIELDS = (
    _Field("cell_id", "text"),
    _Field("x", "int", lo=_X[0], hi=_X[1]),
    _Field("y", "int", lo=_Y[0], hi=_Y[1]),
    _Field("inhabitants", "int", lo=0),
    _Field("province", "text"),
    _Field("pc4", "int", required=False, lo=1000, hi=9999),
)
GRID_65PLUS_FIELDS = (_Field("cell_id", "text"), _Field("inhabitants_65plus", "int", lo=0))
ALLOCATION_FIELDS = (
    _Field("pc4", "int", lo=1000, hi=9999),
    _Field("cell_id", "text"),
    _Field("share", "float", lo=0, hi=1),
)


def _check_keys(out: _Problems, file: str, frame: pd.DataFrame, field: str) -> None:
    dup = frame[field].duplicated(keep="first").to_numpy()
    out.rows(file, frame, dup, field, lambda v: f"duplicate {field} {v}")


def _check_known(out: _Problems, file: str, frame: pd.DataFrame, field: str, known: set, what: str) -> None:
    # a set lookup per value: Series.isin on Arrow strings is ten times slower here
    mask = np.array([v not in known for v in frame[field].to_numpy(dtype=object)], dtype=bool)
    out.rows(file, frame, mask, field, lambda v: f"unknown {what} '{v}'")


@cache
def _load(data_dir: str) -> Census:
    root = Path(data_dir)
    out = _Problems()
    pc4 = _read(root / PC4_FILE, PC4_FILE, PC4_FIELDS, out)
    grid = _read(root / GRID_FILE, GRID_FILE, GRID_FIELDS, out)
    old = _read(root / GRID_65PLUS_FILE, GRID_65PLUS_FILE, GRID_65PLUS_FIELDS, out)
    alloc = _read(root / ALLOCATION_FILE, ALLOCATION_FILE, ALLOCATION_FIELDS, out)
    out.raise_if_any()
    assert pc4 is not None and grid is not None and old is not None and alloc is not None
    provinces = set(schema.PROVINCES)
    _check_keys(out, PC4_FILE, pc4, "code")
    _check_known(out, PC4_FILE, pc4, "province", provinces, "province")
    over = (pc4["inhabitants_65plus"] > pc4["inhabitants"] + AGE_ROUNDING).to_numpy()
    out.rows(PC4_FILE, pc4, over, "inhabitants_65plus", lambda v: f"{v} is more than the inhabitants")
    _check_keys(out, GRID_FILE, grid, "cell_id")
    out.rows(
        GRID_FILE,
        grid,
        ~grid["cell_id"].str.match(CELL_ID).to_numpy(),
        "cell_id",
        lambda v: f"'{v}' is not a 1 km cell id like CRS3035RES1000mN3262000E3974000",
    )
    _check_known(out, GRID_FILE, grid, "province", provinces, "province")
    codes = set(pc4["code"])
    _check_known(out, GRID_FILE, grid[grid["pc4"] != 0], "pc4", codes, "PC4 area")
    cells = set(grid["cell_id"])
    _check_keys(out, GRID_65PLUS_FILE, old, "cell_id")
    _check_known(out, GRID_65PLUS_FILE, old, "cell_id", cells, "cell")
    _check_known(out, ALLOCATION_FILE, alloc, "pc4", codes, "PC4 area")
    _check_known(out, ALLOCATION_FILE, alloc, "cell_id", cells, "cell")
    total = alloc.groupby("pc4")["share"].transform("sum").to_numpy()
    first = ~alloc["pc4"].duplicated().to_numpy()
    off = first & (np.abs(total - 1) > SHARE_TOLERANCE)
    out.rows(ALLOCATION_FILE, alloc, off, "share", lambda v: "the shares of this PC4 area do not add up to 1")
    without = sorted(codes - set(alloc["pc4"]))
    if without:
        out.add(ALLOCATION_FILE, None, "pc4", f"no cells for PC4 area(s) {', '.join(map(str, without[:10]))}")
    out.raise_if_any()
    grid = grid.merge(old[["cell_id", "inhabitants_65plus"]], on="cell_id", how="left", validate="1:1")
    if grid["inhabitants_65plus"].isna().any():
        lines = grid.loc[grid["inhabitants_65plus"].isna(), "_line"].head(5).tolist()
        msg = f"cells without a 65+ count in {GRID_65PLUS_FILE}, lines {lines}"
        raise DataValidationError([Problem(GRID_FILE, int(lines[0]), "cell_id", msg)])
    over = (grid["inhabitants_65plus"] > grid["inhabitants"] + GRID_PERTURBATION).to_numpy()
    out.rows(GRID_FILE, grid, over, "inhabitants", lambda v: f"{v} is fewer than the 65+ count of the cell")
    out.raise_if_any()
    return Census(
        pc4=pc4.drop(columns="_line"),
        grid=grid.drop(columns="_line").astype({"inhabitants_65plus": np.int64}),
        allocation=alloc.drop(columns="_line"),
    )


def load_census(data_dir: Path | None = None) -> Census:
    """Read and validate the population files of ``data_dir`` (default: the shipped ``data/``), cached.

    Raises
    ------
    DataValidationError
        Listing every problem (up to :data:`MAX_LISTED`) with file, line and field: a missing file
        or column, an empty, non-numeric or out-of-range cell, a duplicate code or cell, an unknown
        province, PC4 area or cell, shares of an area that do not add up to 1.
    """
    return _load(str((data_dir or default_data_dir()).resolve()))


def _points(rows: pd.DataFrame, extra: list[str]) -> gpd.GeoDataFrame:
    """Points from ``name``, ``population``, ``province``, ``x``, ``y`` (RD) and the ``extra`` columns."""
    x, y = rows["x"].to_numpy(dtype=float), rows["y"].to_numpy(dtype=float)
    lon, lat = to_wgs84().transform(x, y)
    data = {
        "name": rows["name"].to_numpy(dtype=object),
        "population": rows["population"].to_numpy(dtype=float),
        "province": rows["province"].to_numpy(dtype=object),
        "lat": np.round(lat, 6),
        "lon": np.round(lon, 6),
        **{c: rows[c].to_numpy() for c in extra},
    }
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(x, y), crs=RD)


@cache
def _layer(data_dir: str, layer: str, age: str, spread: bool) -> gpd.GeoDataFrame:
    c = _load(data_dir)
    col = "inhabitants" if age == "all" else "inhabitants_65plus"
    labels = dict(zip(c.pc4["code"], c.pc4["code"].astype(str) + " " + c.pc4["place"], strict=True))
    if layer == "grid1km":  # a cell is named by the PC4 area of its centre
        rows = c.grid[c.grid[col] > 0]
        names = [labels.get(code, cell) for code, cell in zip(rows["pc4"], rows["cell_id"], strict=True)]
        rows, extra = rows.assign(name=names, population=rows[col]), ["pc4", "cell_id"]
    elif not spread:
        rows = c.pc4[c.pc4[col] > 0].rename(columns={"code": "pc4"})
        rows, extra = rows.assign(name=rows["pc4"].map(labels), population=rows[col]), ["pc4"]
    else:
        rows = c.allocation.merge(c.pc4[["code", col, "province"]], left_on="pc4", right_on="code")
        rows = rows.merge(c.grid[["cell_id", "x", "y"]], on="cell_id")
        rows = rows[rows[col] > 0]
        share = rows["share"] / rows.groupby("pc4")["share"].transform("sum")  # rounded shares add to 1 again
        rows = rows.assign(name=rows["pc4"].map(labels), population=rows[col] * share)
        extra = ["pc4", "cell_id"]
    gdf = _points(rows, extra)
    gdf.attrs["caption"] = layer_caption(layer, age, spread=spread)  # type: ignore[arg-type]
    return gdf


def population_layer(
    layer: Layer = "pc4", age: Age = "all", *, spread: bool = False, data_dir: Path | None = None
) -> gpd.GeoDataFrame:
    """Population points of one official layer, ready for :func:`geo.coverage.coverage`.

    Parameters
    ----------
    layer
        ``"pc4"`` (CBS inhabitants per PC4 area, 1 January 2021) or ``"grid1km"`` (Eurostat census
        2021, 1 km cells).
    age
        ``"all"`` inhabitants or ``"65+"`` (65 and older).
    spread
        ``pc4`` only: spread each area's inhabitants over its 1 km cells instead of one point.
    data_dir
        The data folder; default :func:`geo.data.default_data_dir`.

    Returns
    -------
    GeoDataFrame
        In EPSG:28992, one row per point with people: ``name`` (``"8301 Emmeloord"``; for a grid cell
        the PC4 area of its centre, else its cell id), ``population`` (float), ``province`` (CBS
        name), ``lat``, ``lon``, ``pc4`` (int; 0 for a grid cell in no area), for ``grid1km`` and
        spread layers ``cell_id``, and point ``geometry``. ``attrs["caption"]`` is its
        :class:`Caption`. A fresh copy on each call (the parse is cached).
    """
    if layer not in LAYERS:
        raise ValueError(f"unknown population layer '{layer}'; known: {', '.join(LAYERS)}")
    if age not in AGES:
        raise ValueError(f"unknown age group '{age}'; known: {', '.join(AGES)}")
    if spread and layer != "pc4":
        raise ValueError("`spread` applies to the pc4 layer only")
    root = str((data_dir or default_data_dir()).resolve())
    return _layer(root, layer, age, spread).copy()  # the copy keeps ``attrs``


def layer_caption(layer: Layer, age: Age = "all", *, spread: bool = False) -> Caption:
    """The caption of a population layer (see :data:`CAPTIONS`)."""
    try:
        return CAPTIONS[(layer, age, spread)]
    except KeyError:
        raise ValueError(f"no population layer {layer!r} with age {age!r} and spread={spread}") from None


@cache
def _polygons(data_dir: str) -> gpd.GeoDataFrame:
    path = Path(data_dir) / POLYGONS_FILE
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types; the message names the file either way
        raise DataValidationError([Problem(POLYGONS_FILE, None, None, f"cannot be read: {exc}")]) from exc
    problems = []
    if "code" not in gdf.columns:
        problems.append(Problem(POLYGONS_FILE, None, "code", "missing property", unit="feature"))
    else:
        codes = set(_load(data_dir).pc4["code"])
        for i, (code, geom) in enumerate(zip(gdf["code"], gdf.geometry, strict=True), start=1):
            if code not in codes:
                problems.append(
                    Problem(POLYGONS_FILE, i, "code", f"unknown PC4 area '{code}'", unit="feature")
                )
            elif geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
                problems.append(Problem(POLYGONS_FILE, i, "geometry", "is not a polygon", unit="feature"))
            if len(problems) >= MAX_LISTED:
                break
    if problems:
        raise DataValidationError(problems)
    return gdf.set_crs("EPSG:4326", allow_override=True)[["code", "geometry"]]


def load_pc4_polygons(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """The PC4 polygons simplified for drawing (EPSG:4326): ``code`` (int), ``geometry``; cached, validated.

    Simplified as one coverage (neighbours share their edges: no gaps, no overlaps) to 75 m; join
    :attr:`Census.pc4` on ``code`` for the figures.
    """
    return _polygons(str((data_dir or default_data_dir()).resolve()))


def pc4_areas(
    provinces: list[str] | tuple[str, ...] | None = None, *, data_dir: Path | None = None
) -> gpd.GeoDataFrame:
    """The drawn PC4 polygons (EPSG:4326) with their figures, for maps of areas (beyond a threshold, ...).

    Columns ``code`` (int), ``place``, ``municipality``, ``province``, ``inhabitants``,
    ``inhabitants_65plus`` and ``geometry``; only the areas of ``provinces`` when given. Join a
    coverage result's ``points`` on ``pc4`` (the :func:`population_layer` column) for distances.
    """
    root = (data_dir or default_data_dir()).resolve()
    cols = ["code", "place", "municipality", "province", "inhabitants", "inhabitants_65plus"]
    areas = load_pc4_polygons(root).merge(load_census(root).pc4[cols], on="code", validate="1:1")
    if provinces is not None:
        areas = areas[areas["province"].isin(list(provinces))]
    return areas[[*cols, "geometry"]].reset_index(drop=True)
