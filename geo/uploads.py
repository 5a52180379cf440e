"""Read planned or hypothetical sites that a policymaker uploads, and refuse bad files clearly.

Accepted: CSV (comma, semicolon or tab; UTF-8 with or without byte-order mark, UTF-16 with a
byte-order mark, or Windows-1252), Excel ``.xlsx`` (first sheet) and GeoJSON (points). Required are a
name and a position: ``name``/``naam`` with ``lat``/``lon`` (``breedtegraad``/``lengtegraad``) in
WGS84 degrees, or ``x``/``y`` in the Dutch grid RD New (EPSG:28992). Optional are ``kind``
(hospital, outpatient, radiotherapy; Dutch words too), ``networks`` (ids, separated by ``;``, ``,``
or ``|``) and an ``id`` of the user's own.

Every problem with the file becomes one :class:`~geo.errors.Problem` naming file, line (CSV), row
(Excel) or feature (GeoJSON), and field; :func:`read_planned_sites` raises them together as an
:class:`UploadError`, a :class:`~geo.errors.DataValidationError`. Limits are checked before any cell
is parsed, so a 100,000-row file is refused in milliseconds. Names are kept as typed, HTML included:
escaping is the job of whoever renders them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.crs import RD, WGS84
from geo.defaults import (
    UPLOAD_MAX_BYTES,
    UPLOAD_MAX_NAME_LENGTH,
    UPLOAD_MAX_ROWS,
)
from geo.errors import Problem
from geo.names import REMARK_COLUMNS
from geo.schema import check_id
from geo.tabular import (
    ID_ALIASES,
    POSITION_ALIASES,
    Refused,
    Table,
    UploadError,
    filled,
    norm_header,
    read_table,
)
from geo.upload_positions import check_positions

#: Default limits (the app may pass smaller ones).
MAX_BYTES = UPLOAD_MAX_BYTES
MAX_ROWS = UPLOAD_MAX_ROWS
MAX_NAME_LENGTH = UPLOAD_MAX_NAME_LENGTH
#: What every uploaded site is shown as.
PLANNED_ORG_ID = "planned"
PLANNED_ORGANISATION = "Gepland / planned"
PLANNED_SHORT = "Gepland"
EXTENSIONS = (".csv", ".txt", ".xlsx", ".geojson", ".json")

#: Accepted header names (compared lower-case, with spaces and hyphens read as ``_``).
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "naam", "locatie", "locatienaam", "site_name", "naam_locatie"),
    **POSITION_ALIASES,
    "kind": ("kind", "soort", "type"),
    "networks": ("networks", "network", "network_ids", "netwerk", "netwerken"),
    "id": ID_ALIASES,
}
KINDS: dict[str, str] = {
    "hospital": "hospital",
    "ziekenhuis": "hospital",
    "outpatient": "outpatient",
    "polikliniek": "outpatient",
    "buitenpolikliniek": "outpatient",
    "poli": "outpatient",
    "radiotherapy": "radiotherapy",
    "radiotherapie": "radiotherapy",
}
_LIST_SEP = re.compile(r"[;,|]+")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
#: A small example file for the upload screen.
EXAMPLE_CSV = (
    b"naam;breedtegraad;lengtegraad;soort;netwerken\n"
    b"Nieuw ziekenhuis Lelystad;52,5085;5,4750;ziekenhuis;cardionovo\n"
    b"Polikliniek Emmeloord;52,7100;5,7500;polikliniek;onconovo, noord-oost\n"
)


def read_planned_sites(
    data: bytes,
    *,
    filename: str,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    provinces: gpd.GeoDataFrame | None = None,
    networks: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Read an uploaded file of planned sites into a frame shaped like :attr:`geo.data.Atlas.sites`.

    Parameters
    ----------
    data
        The file's bytes.
    filename
        The name the user gave the file; its extension picks the format (the content decides when
        the extension is unknown) and every problem names it.
    max_bytes, max_rows
        Larger files, and files with more data rows (or features), are refused before parsing cells.
    provinces
        Province polygons that define "inside the Netherlands" (with a 1 km tolerance); default
        :func:`geo.data.load_provinces`.
    networks
        Known network ids mapped to their specialty. When given, unknown ids are problems and the
        ``specialties`` column is filled; when ``None``, ids are only checked for their form.

    Returns
    -------
    GeoDataFrame
        One row per site in file order, EPSG:4326, with every column of ``Atlas.sites``: ``site_id``
        ``upload-1``, ``upload-2``, ...; ``status`` open; ``emergency`` unknown; ``organisation``
        :data:`PLANNED_ORGANISATION`; ``in_network`` True; ``precision`` building; ``province`` the
        province it lies in. Extra columns ``source_row`` (line, row or feature number) and
        ``source_id`` (the file's own id, or empty).

    Raises
    ------
    UploadError
        A :class:`~geo.errors.DataValidationError` listing every problem (at most 50, the rest counted).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        msg = f"data must be the file's bytes, got {type(data).__name__}"
        raise TypeError(msg)
    data = bytes(data)
    name = Path(filename or "upload").name or "upload"
    try:
        table = read_table(data, name, max_bytes=max_bytes, max_rows=max_rows)
        frame = _check_rows(table, name, provinces=provinces, networks=networks)
    except Refused as exc:
        raise UploadError(exc.problems, filename=name) from None
    return frame


def _map_columns(table: Table, file: str) -> dict[str, int]:
    """Map canonical names (name, lat, lon, x, y, kind, networks, id) to column positions."""
    problems: list[Problem] = []
    where = table.header_row
    seen: dict[str, int] = {}
    for i, h in enumerate(table.header):
        key = norm_header(h)
        if key and key in seen:
            msg = "column appears twice in the header"
            problems.append(Problem(file, where, h.strip(), msg, table.unit, "duplicate_column"))
        seen.setdefault(key, i)
    found: dict[str, int] = {}
    for canon, names in ALIASES.items():
        hits = [seen[n] for n in names if n in seen]
        if hits:
            found[canon] = hits[0]
    missing = []
    if "name" not in found:
        missing.append("name (or naam)")
    has_degrees = "lat" in found and "lon" in found
    has_rd = "x" in found and "y" in found
    if not has_degrees and not has_rd:
        missing.append("lat and lon (or breedtegraad and lengtegraad; or x and y in RD New)")
    if missing:
        got = ", ".join(repr(h.strip()) for h in table.header if h.strip())
        msg = f"missing column(s): {'; '.join(missing)}. Columns found: {got or 'none'}"
        which = "both" if len(missing) == 2 else "name" if "name" not in found else "position"
        code = f"missing_columns.{which}"
        problems.append(Problem(file, where, None, msg, table.unit, code, {"found": got or "–"}))
    if problems:
        raise Refused(problems)
    if has_degrees:  # degrees win when both are given
        found.pop("x", None)
        found.pop("y", None)
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _NotANumber(ValueError):
    """A coordinate that is not a number; ``shown`` is the value as quoted to the user."""

    def __init__(self, shown: str) -> None:
        super().__init__(f"'{shown}' is not a number")
        self.shown = shown


def _number(value: Any) -> float:
    """Parse a coordinate; raise :class:`_NotANumber` with the message for the user."""
    if isinstance(value, bool):
        raise _NotANumber(str(value))
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float, as JSON allows
            raise _NotANumber(str(value)[:40] + "…") from None
    else:
        text = str(value).strip().replace("\u00a0", "")
        if _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise _NotANumber(text if len(text) <= 40 else text[:40] + "…") from None
    if not math.isfinite(number):
        raise _NotANumber(str(value))
    return number


def _check_rows(
    table: Table,
    file: str,
    *,
    provinces: gpd.GeoDataFrame | None,
    networks: Mapping[str, str] | None,
) -> gpd.GeoDataFrame:
    cols = _map_columns(table, file)
    unit = table.unit
    rd = "x" in cols or table.crs == RD
    problems: list[Problem] = []

    def bad(row: int | None, fld: str | None, msg: str, code: str, **values: Any) -> None:
        problems.append(Problem(file, row, fld, msg, unit, code, values))

    def header_of(canon: str) -> str:
        return table.header[cols[canon]].strip() or canon

    width = len(table.header)
    good: list[dict[str, Any]] = []
    names_seen: dict[str, int] = {}
    ids_seen: dict[str, int] = {}
    for row, cells in table.rows:
        if unit == "line" and len(cells) != width:
            msg = f"has {len(cells)} fields, the header has {width} (check separators and quotes)"
            bad(row, None, msg, "field_count", n=len(cells), width=width)
            continue

        def cell(canon: str, cells: list[Any] = cells) -> Any:
            i = cols.get(canon)
            return cells[i] if i is not None and i < len(cells) else None

        ok = True
        name = _text(cell("name"))
        if not name:
            bad(row, header_of("name"), "is empty", "is_empty")
            ok = False
        elif len(name) > MAX_NAME_LENGTH:
            msg = f"is longer than {MAX_NAME_LENGTH} characters"
            bad(row, header_of("name"), msg, "too_long", n=MAX_NAME_LENGTH)
            ok = False
        elif any(ord(c) < 32 and c != "\t" for c in name):
            bad(row, header_of("name"), "contains control characters", "control_characters")
            ok = False
        else:
            key = " ".join(name.casefold().split())
            if key in names_seen:
                msg = f"duplicate name '{name}' (also on {unit} {names_seen[key]})"
                bad(row, header_of("name"), msg, f"duplicate.{unit}", name=name, other=names_seen[key])
                ok = False
            names_seen.setdefault(key, row)
        pos: list[float] = []
        for canon in ("y", "x") if rd else ("lat", "lon"):
            raw = cell(canon)
            if not filled(raw):
                bad(row, header_of(canon) if canon in cols else canon, "is empty", "is_empty")
                ok = False
                continue
            try:
                pos.append(_number(raw))
            except _NotANumber as exc:
                fld = header_of(canon) if canon in cols else canon
                bad(row, fld, str(exc), "not_number", value=exc.shown)
                ok = False
        kind = "hospital"
        if "kind" in cols and filled(cell("kind")):
            given = _text(cell("kind")).lower()
            kind = KINDS.get(given, "")
            if not kind:
                shown = _text(cell("kind"))[:40]
                msg = (
                    f"'{shown}' is not one of hospital, outpatient, radiotherapy "
                    "(ziekenhuis, polikliniek, radiotherapie)"
                )
                bad(row, header_of("kind"), msg, "unknown_kind", value=shown)
                ok = False
        nets: tuple[str, ...] = ()
        if "networks" in cols:
            nets, wrong = _networks(cell("networks"), networks)
            if wrong:
                msg, code, values = wrong
                bad(row, header_of("networks"), msg, code, **values)
                ok = False
        source_id = _text(cell("id")) if "id" in cols else ""
        if source_id:
            if source_id in ids_seen:
                shown, other = source_id[:40], ids_seen[source_id]
                msg = f"duplicate id '{shown}' (also on {unit} {other})"
                bad(row, header_of("id"), msg, f"duplicate_id.{unit}", value=shown, other=other)
                ok = False
            ids_seen.setdefault(source_id, row)
        if ok:
            good.append(
                {
                    "row": row,
                    "name": name,
                    "a": pos[0],
                    "b": pos[1],
                    "kind": kind,
                    "networks": nets,
                    "source_id": source_id,
                }
            )
    if not table.rows:
        bad(None, None, "has a header but no sites", "no_sites")
    problems += check_positions(good, file, unit, rd=rd, provinces=provinces, cols=cols, header=table.header)
    if problems:
        raise Refused(sorted(problems, key=lambda p: -1 if p.row is None else p.row))
    return _frame(good, file, networks=networks)


def _networks(
    value: Any, known: Mapping[str, str] | None
) -> tuple[tuple[str, ...], tuple[str, str, dict[str, Any]] | None]:
    """The network ids of a cell, or what is wrong with them: (English message, text key, values)."""
    items = [_text(v) for v in value] if isinstance(value, list | tuple) else _LIST_SEP.split(_text(value))
    ids = tuple(dict.fromkeys(i.strip().lower() for i in items if i and i.strip()))
    wrong = [i for i in ids if check_id(i)]
    if wrong:
        shown = wrong[0][:40]
        return (), (
            f"'{shown}' is not a network id (lower-case letters, digits, _ and -)",
            "not_network_id",
            {"value": shown},
        )
    if known is not None:
        unknown = [i for i in ids if i not in known]
        if unknown:
            listed, names = ", ".join(unknown), ", ".join(sorted(known))
            msg = f"unknown network(s) {listed}; known: {names}"
            return (), (msg, "unknown_networks", {"n": len(unknown), "networks": listed, "known": names})
    return ids, None


def _frame(
    good: Iterable[dict[str, Any]], file: str, *, networks: Mapping[str, str] | None
) -> gpd.GeoDataFrame:
    records = []
    for n, g in enumerate(good, start=1):
        unit_note = f"{file}, {g['row']}"
        records.append(
            {
                "site_id": f"upload-{n}",
                "org_id": PLANNED_ORG_ID,
                "name": g["name"],
                "kind": g["kind"],
                "emergency": "unknown",
                "status": "open",
                "closed_on": "",
                "street": "",
                "postcode": "",
                "city": "",
                "province": g["province"],
                "lat": g["lat"],
                "lon": g["lon"],
                "precision": "building",
                "coord_source_url": "",
                "coord_source_date": "",
                "coord_source_id": "",
                "colocated_with": "",
                "source_url": "",
                "source_date": "",
                "notes": f"Uploaded: {unit_note}",
                "networks": g["networks"],
                "subregions": (),
                "specialties": tuple(sorted({networks[i] for i in g["networks"]})) if networks else (),
                "in_network": True,
                "organisation": PLANNED_ORGANISATION,
                "org_short": PLANNED_SHORT,
                **dict.fromkeys(REMARK_COLUMNS, ""),  # a planned site has no remark
                "website": "",
                "category": g["kind"],  # emergency unknown: drawn as without a confirmed 24/7 ED
                "source_row": g["row"],
                "source_id": g["source_id"],
            }
        )
    columns = [
        "site_id",
        "org_id",
        "name",
        "remark_nl",
        "remark_en",
        "kind",
        "emergency",
        "status",
        "closed_on",
        "street",
        "postcode",
        "city",
        "province",
        "lat",
        "lon",
        "precision",
        "coord_source_url",
        "coord_source_date",
        "coord_source_id",
        "colocated_with",
        "source_url",
        "source_date",
        "notes",
        "networks",
        "subregions",
        "specialties",
        "in_network",
        "organisation",
        "org_short",
        "org_remark_nl",
        "org_remark_en",
        "website",
        "category",
        "source_row",
        "source_id",
    ]
    df = pd.DataFrame.from_records(records, columns=columns)
    df["lat"] = df["lat"].astype(float)
    df["lon"] = df["lon"].astype(float)
    df["in_network"] = df["in_network"].astype(bool)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)
