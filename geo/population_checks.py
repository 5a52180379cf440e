"""Parse and check the cells of a user-supplied population file: CSV text, columns, numbers and positions."""

from __future__ import annotations

import contextlib
import csv
import io

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.defaults import POPULATION_MAX_ROWS, POPULATION_TOLERANCE_M
from geo.geography import province_codes
from geo.tabular import Problems, Refused, decode, sniff_delimiter

#: Column names accepted for the population and the coordinates (lower case).
POPULATION_COLUMNS = ("population", "inwoners", "aantal_inwoners")
LAT_COLUMNS = ("lat", "latitude")
LON_COLUMNS = ("lon", "lng", "longitude")


def pick_column(columns: list[str], options: tuple[str, ...]) -> str | None:
    return next((c for c in options if c in columns), None)


def parse_numbers(values: pd.Series, *, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse text to floats; return (numbers, empty mask, not-a-finite-number mask)."""
    if pd.api.types.is_numeric_dtype(values):  # parsed as numbers already (a clean CSV, a GeoPackage)
        num = values.to_numpy(dtype=float)
        empty = np.isnan(num)
        return num, empty, ~np.isfinite(num) & ~empty
    text = values.astype(str).str.strip()
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    empty = (text == "").to_numpy()
    num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(num) & ~empty
    return num, empty, bad


def check_population(
    pop: pd.Series, rows: np.ndarray, field: str, out: Problems, *, decimal_comma: bool
) -> np.ndarray:
    num, empty, bad = parse_numbers(pop, decimal_comma=decimal_comma)
    out.rows(empty, rows, field, "is empty", "is_empty")

    def text(i: int) -> str:
        return f"'{pop.iloc[i]}' is not a number"

    out.rows(bad, rows, field, text, "not_number", lambda i: {"value": pop.iloc[i]})
    negative = np.isfinite(num) & (num < 0)
    hint = "CBS marks suppressed cells with negative codes such as -99997: drop them or set them to 0"
    out.rows(
        negative,
        rows,
        field,
        lambda i: f"{num[i]:g} is negative ({hint})",
        "negative",
        lambda i: {"value": int(num[i]) if num[i].is_integer() else float(num[i])},
    )
    return num


def check_outside(
    x: np.ndarray,
    y: np.ndarray,
    ok: np.ndarray,
    rows: np.ndarray,
    field: str,
    out: Problems,
    provinces: gpd.GeoDataFrame,
) -> np.ndarray:
    """Flag points farther than the tolerance from every province; return each point's province code."""
    codes = np.full(len(x), -1, dtype=np.int64)
    idx = np.flatnonzero(ok)
    if not len(idx):
        return codes
    codes[idx], outside_m = province_codes(x[idx], y[idx], provinces)
    far = outside_m > POPULATION_TOLERANCE_M
    for i, d in zip(idx[far], outside_m[far], strict=True):
        msg = f"lies {d / 1000:.1f} km outside the Dutch provinces: abroad, at sea or in a lake"
        out.add(int(rows[i]), field, msg, "outside_provinces", {"km": round(float(d) / 1000, 1)})
    ok[idx[far]] = False
    return codes


def needed_columns(cols: list[str]) -> tuple[str | None, tuple[str, str] | None]:
    """The population column and the coordinate pair (``x, y`` first, else ``lat, lon``) of a table."""
    lat_col, lon_col = pick_column(cols, LAT_COLUMNS), pick_column(cols, LON_COLUMNS)
    pair = ("x", "y") if "x" in cols and "y" in cols else (lat_col, lon_col) if lat_col and lon_col else None
    return pick_column(cols, POPULATION_COLUMNS), pair


def _parse_csv(text: str, sep: str, *, typed: bool) -> pd.DataFrame:
    """Read CSV text; ``typed`` lets the C parser read numbers (fast), else every cell stays text."""
    opts: dict[str, object] = {
        "sep": sep,
        "skip_blank_lines": False,
        "nrows": POPULATION_MAX_ROWS + 1,
        "engine": "c",
    }
    if typed:
        opts["decimal"] = "," if sep == ";" else "."
    else:
        opts |= {"dtype": str, "keep_default_na": False}
    frame = pd.read_csv(io.StringIO(text), **opts)  # type: ignore[call-overload]
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    blank = frame.isna().all(axis=1) if typed else (frame.fillna("") == "").all(axis=1)
    frame = frame if typed else frame.fillna("")  # a short row leaves its last fields missing
    frame["_row"] = np.arange(len(frame)) + 2  # line number: the header is line 1
    frame.attrs["decimal_comma"] = sep == ";"
    return frame[~blank.to_numpy()]


def _is_clean(frame: pd.DataFrame) -> bool:
    """Whether the typed parse found every needed column and a number in every needed cell."""
    pop_col, pair = needed_columns(list(frame.columns))
    if pop_col is None or pair is None:
        return False
    needed = frame[[pop_col, *pair]]
    numeric = all(pd.api.types.is_numeric_dtype(t) for t in needed.dtypes)
    return numeric and bool(np.isfinite(needed.to_numpy(dtype=float)).all())


def read_csv_frame(raw: bytes, out: Problems) -> pd.DataFrame | None:
    """Parse a CSV file: numbers directly when it is clean, else as text to say what is wrong where."""
    try:
        text = decode(raw, out.file)
    except Refused as exc:
        out.problems += exc.problems
        return None
    sep = sniff_delimiter(text)
    if _duplicate_columns(text, sep, out):
        return None
    try:
        with contextlib.suppress(ValueError):  # a parse that fails here is diagnosed as text below
            frame = _parse_csv(text, sep, typed=True)
            if _is_clean(frame):
                return frame
        return _parse_csv(text, sep, typed=False)
    except pd.errors.EmptyDataError:
        out.add(None, None, "file is empty", "empty")
    except pd.errors.ParserError as exc:
        out.add(None, None, f"is not a valid CSV file: {exc}", "not_csv")
    return None


def _duplicate_columns(text: str, sep: str, out: Problems) -> bool:
    """Record every header name that appears twice (case ignored: ``x`` and ``X``); whether there was one."""
    with contextlib.suppress(csv.Error):  # a broken header is left to the parser's own message
        header = next(csv.reader([text.split("\n", 1)[0]], delimiter=sep), [])
        names = [h.strip().lower() for h in header]
        twice = [h.strip() for i, h in enumerate(header) if names[i] and names[i] in names[:i]]
        for name in twice:
            out.add(1, name, "column appears twice in the header", "duplicate_column")
        return bool(twice)
    return False
