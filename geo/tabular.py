"""Read an uploaded table (CSV, Excel or GeoJSON) into cells, with limits and row-level problems.

One reader for every upload (planned sites, population files): CSV with comma, semicolon or tab
(sniffed from the header line, ignoring quoted text); UTF-8 with or without byte-order mark, UTF-16
with a byte-order mark, or Windows-1252; Excel ``.xlsx`` (first sheet, unpacked size bounded); GeoJSON
points. Size and row limits are checked before any cell is parsed. Every problem is a
:class:`~geo.errors.Problem` naming file, line (CSV; the header is line 1), row (Excel) or feature
(GeoJSON), and field; at most :data:`MAX_PROBLEMS` are listed and the rest counted. Every problem
carries a ``code``, its text ``problem.<code>`` in :mod:`geo.i18n`, with the values that text needs:
the helpers here require one, and no library's English message reaches the user's language.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geo.crs import RD, WGS84
from geo.defaults import MAX_PROBLEMS, MAX_UNPACKED_BYTES
from geo.errors import DataValidationError, Problem

#: Accepted header names of a position and an id (compared after :func:`norm_header`).
POSITION_ALIASES: dict[str, tuple[str, ...]] = {
    "lat": ("lat", "latitude", "breedtegraad"),
    "lon": ("lon", "lng", "long", "longitude", "lengtegraad"),
    "x": ("x", "rd_x", "x_rd", "rdx"),
    "y": ("y", "rd_y", "y_rd", "rdy"),
}
ID_ALIASES = ("id", "site_id", "ref", "code")


def norm_header(header: str) -> str:
    """A header as compared: lower case, byte-order mark dropped, spaces and hyphens read as ``_``."""
    return re.sub(r"[\s\-]+", "_", header.strip().lstrip("\ufeff").lower())


class UploadError(DataValidationError):
    """An uploaded file was refused.

    ``problems`` lists at most :data:`MAX_PROBLEMS` problems plus, when there were more, one last
    entry that counts the rest; ``total`` is the number of problems found.
    """

    def __init__(self, problems: list[Problem], *, filename: str, unlisted: int = 0) -> None:
        total = len(problems) + unlisted
        shown = list(problems[:MAX_PROBLEMS])
        if total > MAX_PROBLEMS:
            rest = total - MAX_PROBLEMS
            msg = f"… and {rest} more problem(s) not listed"
            shown.append(Problem(filename, None, None, msg, code="unlisted", values={"n": rest}))
        super().__init__(shown)
        self.total = total
        self.filename = filename
        noun = "problem" if total == 1 else "problems"
        self.args = ("\n".join([f"{total} {noun} in {filename}:", *(f"  - {p}" for p in shown)]),)


@dataclass
class Table:
    """Cells as read from the file, before any checking."""

    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (line / row / feature number, cells)
    unit: str
    header_row: int | None = None  # where the header is (None for GeoJSON)
    crs: str | None = None  # GeoJSON: the CRS its coordinates are in


class Refused(Exception):
    """Stops reading: the problems found so far are all that can be said."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


class Problems:
    """Problems of one file, listed up to :data:`MAX_PROBLEMS` and counted beyond."""

    def __init__(self, file: str, unit: str = "line") -> None:
        self.file = file
        self.unit = unit
        self.problems: list[Problem] = []
        self.unlisted = 0

    def __bool__(self) -> bool:
        return bool(self.problems)

    def add(
        self,
        row: int | None,
        field: str | None,
        message: str,
        code: str,
        values: dict[str, Any] | None = None,
    ) -> None:
        """Record one problem (``row`` in this file's unit, or ``None`` for the whole file).

        ``code`` names the text ``problem.<code>`` of the user's language; ``message`` is the English
        of the command line and the logs.
        """
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.file, row, field, message, self.unit, code, values or {}))
        else:
            self.unlisted += 1

    def rows(
        self,
        mask: np.ndarray,
        rows: np.ndarray,
        field: str,
        message: str | Callable[[int], str],
        code: str,
        values: Callable[[int], dict[str, Any]] | None = None,
    ) -> None:
        """Add one problem per row where ``mask`` holds; ``message`` and ``values`` may depend on the row."""
        hits = np.flatnonzero(mask)
        room = max(MAX_PROBLEMS - len(self.problems), 0)
        for i in hits[:room]:
            text = message if isinstance(message, str) else message(int(i))
            self.add(int(rows[i]), field, text, code, values(int(i)) if values else None)
        self.unlisted += max(len(hits) - room, 0)

    def raise_if_any(self) -> None:
        """Raise :class:`UploadError` with the problems in row order, if there are any."""
        if not self.problems:
            return
        problems = sorted(self.problems, key=lambda p: (p.row is not None, p.row or 0))
        raise UploadError(problems, filename=self.file, unlisted=self.unlisted)


def refuse(
    file: str,
    message: str,
    *,
    row: int | None = None,
    field: str | None = None,
    unit: str = "line",
    code: str,
    **values: Any,
) -> Refused:
    """The exception that stops reading with one problem of the whole file (or of one row)."""
    return Refused([Problem(file, row, field, message, unit, code, values)])


def read_table(data: bytes, file: str, *, max_bytes: int, max_rows: int) -> Table:
    """Read ``data`` into a :class:`Table` after the size check, by format; raise :class:`Refused`."""
    if len(data) > max_bytes:
        msg = f"the file is {_size(len(data))}; the limit is {_size(max_bytes)}"
        raise refuse(file, msg, code="too_big", **_size_values(len(data), max_bytes))
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise refuse(file, "the file is empty", code="empty")
    kind = _format(data, file)
    if kind == "xlsx":
        return _read_xlsx(data, file, max_rows=max_rows)
    text = decode(data, file)
    if kind == "geojson":
        return _read_geojson(text, file, max_rows=max_rows)
    return _read_csv(text, file, max_rows=max_rows)


def _size_number(n: int) -> tuple[float | int, str]:
    """A size in bytes as a number and its unit: MB with one decimal from 100 kB, else whole kB."""
    return (round(n / 1_000_000, 1), "MB") if n >= 100_000 else (round(n / 1000), "kB")


def _size(n: int) -> str:
    number, unit = _size_number(n)
    return f"{number:.1f} {unit}" if unit == "MB" else f"{number} {unit}"


def _size_values(size: int, limit: int) -> dict[str, Any]:
    """A size and its limit as the values of a problem text: numbers for Babel, each with its unit."""
    (s, s_unit), (lim, lim_unit) = _size_number(size), _size_number(limit)
    return {"size": s, "size_unit": s_unit, "limit": lim, "limit_unit": lim_unit}


def _format(data: bytes, file: str) -> str:
    """Pick the reader from the extension, or from the content when the extension says nothing."""
    ext = Path(file).suffix.lower()
    head = data[:8].lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse(file, "old Excel .xls files are not supported: save it as .xlsx or as CSV", code="xls")
    if data.startswith(b"PK\x03\x04"):
        if ext in ("", ".xlsx", ".xlsm", ".csv", ".txt"):  # a workbook renamed to .csv still reads fine
            return "xlsx"
        raise refuse(file, "this is a ZIP archive, not a table: upload CSV, .xlsx or GeoJSON", code="zip")
    if ext == ".xlsx":
        msg = "cannot be read as an Excel workbook (.xlsx): damaged, or not a workbook"
        raise refuse(file, msg, code="not_xlsx")
    if ext in (".geojson", ".json") or (ext not in (".csv", ".txt", ".tsv") and head.startswith(b"{")):
        return "geojson"
    if ext in (".csv", ".txt", ".tsv", ""):
        return "csv"
    msg = f"unsupported file type '{ext}': upload CSV (.csv), Excel (.xlsx) or GeoJSON (.geojson)"
    raise refuse(file, msg, code="file_type", ext=ext)


def decode(data: bytes, file: str) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with a BOM, or else Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp1252")
    for enc in encodings:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    msg = "cannot be read as text (not UTF-8 or Windows-1252): is it a binary or damaged file?"
    raise refuse(file, msg, code="not_text")


def _read_csv(text: str, file: str, *, max_rows: int) -> Table:
    delimiter = sniff_delimiter(text)
    # Cheap bound first: fewer line breaks than the limit means few enough records.
    if text.count("\n") > max_rows + 1:
        n = 0
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        with contextlib.suppress(csv.Error):  # a broken record is reported by the full read below
            for record in records:
                n += any(v.strip() for v in record)
                if n > max_rows + 1:
                    break
        if n > max_rows + 1:
            msg = (
                f"has more than {max_rows:,} data rows (about {text.count(chr(10)):,} lines); "
                f"the limit is {max_rows:,}: split the file or keep only the planned sites"
            )
            raise refuse(file, msg, code="too_many_rows", n=max_rows)
    rows: list[tuple[int, list[Any]]] = []
    header: list[str] | None = None
    header_row = 1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    done = 0  # physical lines read before the current record (quoted newlines span lines)
    try:
        for record in reader:
            start, done = done + 1, reader.line_num
            if not any(v.strip() for v in record):
                continue
            if header is None:
                header, header_row = record, start
                continue
            rows.append((start, record))
    except csv.Error as exc:
        raise refuse(file, f"cannot be read as CSV: {exc}", row=done + 1, code="not_csv") from None
    if header is None:
        raise refuse(file, "the file is empty", code="empty")
    return Table(header=header, rows=rows, unit="line", header_row=header_row)


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the first line of ``text`` has most of outside quotes."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=lambda d: sum(part.count(d) for part in first.split('"')[::2]))


def _read_xlsx(data: bytes, file: str, *, max_rows: int) -> Table:
    import openpyxl  # only needed for workbooks
    from openpyxl.utils.exceptions import InvalidFileException

    unit = "row"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        msg = "cannot be read as an Excel workbook (.xlsx): the file is damaged"
        raise refuse(file, msg, code="not_xlsx") from None
    if unpacked > MAX_UNPACKED_BYTES:
        msg = f"the workbook unpacks to {_size(unpacked)}; the limit is {_size(MAX_UNPACKED_BYTES)}"
        raise refuse(file, msg, code="unpacked_too_big", **_size_values(unpacked, MAX_UNPACKED_BYTES))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not wb.worksheets:
                    raise refuse(file, "the workbook has no sheets", code="no_sheets")
                ws = wb.worksheets[0]
                header: list[str] | None = None
                header_row = 1
                rows: list[tuple[int, list[Any]]] = []
                for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                    cells = list(values)
                    if not any(filled(v) for v in cells):
                        continue
                    if header is None:
                        header, header_row = ["" if v is None else str(v) for v in cells], number
                        continue
                    if len(rows) >= max_rows:
                        size = f" ({ws.max_row:,} rows in the sheet)" if ws.max_row else ""
                        msg = (
                            f"has more than {max_rows:,} data rows{size}; the limit is {max_rows:,}: "
                            "split the file or keep only the planned sites"
                        )
                        raise refuse(file, msg, row=number, unit=unit, code="too_many_rows", n=max_rows)
                    rows.append((number, cells))
            finally:
                wb.close()
    except Refused:
        raise
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        zlib.error,  # a damaged deflate stream inside the archive
        ET.ParseError,  # damaged XML inside it
        KeyError,
        ValueError,
        TypeError,
        OSError,
        EOFError,
    ) as exc:
        msg = f"cannot be read as an Excel workbook (.xlsx): the file is damaged ({type(exc).__name__})"
        raise refuse(file, msg, code="not_xlsx") from None
    if header is None:
        raise refuse(file, "the first sheet of the workbook is empty", code="empty_sheet")
    return Table(header=header, rows=rows, unit=unit, header_row=header_row)


def filled(value: Any) -> bool:
    """Whether a cell holds something other than blanks."""
    return value is not None and str(value).strip() != ""


def _read_geojson(text: str, file: str, *, max_rows: int) -> Table:
    unit = "feature"
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:  # the decoder's English stays out of the user's language
        msg = f"is not valid JSON: {exc.msg} (column {exc.colno})"
        raise refuse(file, msg, row=exc.lineno, code="not_json", column=exc.colno) from None
    except RecursionError:
        raise refuse(file, "is not valid GeoJSON: nested too deeply", code="too_deep") from None
    except ValueError:  # an integer of more digits than Python converts (4,300)
        raise refuse(file, "is not valid GeoJSON: a number has too many digits", code="long_number") from None
    kind = obj.get("type") if isinstance(obj, dict) else None
    if kind == "FeatureCollection" and isinstance(obj.get("features"), list):
        features = obj["features"]
    elif kind == "Feature":
        features = [obj]
    else:
        raise refuse(file, "is not a GeoJSON FeatureCollection of points", code="not_geojson")
    if len(features) > max_rows:
        msg = f"has {len(features):,} features; the limit is {max_rows:,}: keep only the planned sites"
        raise refuse(file, msg, code="too_many_rows", n=max_rows)
    crs_name = (
        str(((obj.get("crs") or {}).get("properties") or {}).get("name", ""))
        if isinstance(obj.get("crs"), dict)
        else ""
    )
    rd = "28992" in crs_name
    xy = ("x", "y") if rd else ("lon", "lat")
    position_keys = {a for names in POSITION_ALIASES.values() for a in names}
    keys: list[str] = []
    records: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []

    def bad(number: int, fld: str | None, msg: str, code: str, **values: Any) -> None:
        problems.append(Problem(file, number, fld, msg, unit, code, values))

    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            bad(number, None, "is not a GeoJSON Feature", "not_feature")
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            bad(number, "properties", "must be an object", "properties_not_object")
            continue
        geom = feature.get("geometry")
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if not isinstance(geom, dict) or not geom.get("type"):
            bad(number, "geometry", "geometry is missing; only Point geometries are supported", "no_geometry")
            continue
        if geom.get("type") != "Point":
            what = str(geom.get("type"))[:40]
            msg = f"geometry is {what}; only Point geometries are supported"
            bad(number, "geometry", msg, "not_point", type=what)
            continue
        if not isinstance(coords, list) or len(coords) < 2:
            bad(number, "geometry", "a Point needs [longitude, latitude]", "point_coordinates")
            continue
        rec = {k: v for k, v in props.items() if norm_header(str(k)) not in position_keys}
        if feature.get("id") is not None and not any(norm_header(str(k)) in ID_ALIASES for k in rec):
            rec["id"] = feature["id"]
        rec[xy[0]], rec[xy[1]] = coords[0], coords[1]
        for k in rec:
            if k not in keys:
                keys.append(k)
        records.append((number, rec))
    if problems:
        raise Refused(problems)
    rows = [(n, [rec.get(k) for k in keys]) for n, rec in records]
    return Table(header=[str(k) for k in keys], rows=rows, unit=unit, crs=RD if rd else WGS84)
