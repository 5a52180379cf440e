"""Turn the sites into files: CSV, XLSX, GeoJSON and GeoPackage.

Text is exported as plain text (never HTML-escaped); spreadsheet cells that a spreadsheet would run as
a formula get a leading apostrophe.
"""

from __future__ import annotations

import io
import math
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from geo.crs import WGS84
from geo.data import Atlas
from geo.data import network_names as names
from geo.i18n import t
from geo.names import display_names, organisation_names

#: Known site columns in export order, with their default (English) headers.
SITE_COLUMNS: dict[str, str] = {
    "site_id": "Site id",
    "name": "Site",
    "remark_nl": "Remark (Dutch)",
    "remark_en": "Remark (English)",
    "organisation": "Organisation",
    "org_remark_nl": "Organisation remark (Dutch)",
    "org_remark_en": "Organisation remark (English)",
    "org_id": "Organisation id",
    "category": "Kind of site",
    "kind": "Kind",
    "emergency": "24/7 emergency department",
    "status": "Status",
    "closed_on": "Closed on",
    "street": "Street",
    "postcode": "Postcode",
    "city": "City",
    "province": "Province",
    "lat": "Latitude",
    "lon": "Longitude",
    "precision": "Position precision",
    "networks": "Networks",
    "subregions": "Sub-regions",
    "specialties": "Specialties",
    "in_network": "In a network",
    "website": "Website",
    "source_url": "Source",
    "source_date": "Source date",
    "coord_source_url": "Coordinate source",
    "coord_source_date": "Coordinate source date",
    "notes": "Notes",
    "scenario": "Scenario",
}
_INTERNAL = {"geometry", "org_short"}
#: First characters that make a spreadsheet read a cell as a formula (also full-width forms).
_FORMULA_START = tuple("=+-@\t\r＝＋－＠")


def _join(value: Any, names: Mapping[str, str] | None = None) -> Any:
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        items = sorted(value) if isinstance(value, set | frozenset) else list(value)
        return "; ".join(str((names or {}).get(v, v)) for v in items)
    return value


def _flat(
    sites: pd.DataFrame,
    *,
    network_names: Mapping[str, str] | None = None,
    subregion_names: Mapping[str, str] | None = None,
    category_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Known columns first, then any others; list values joined with ``"; "``; no geometry."""
    cols = [c for c in SITE_COLUMNS if c in sites.columns]
    cols += [
        c
        for c in sites.columns
        if c not in SITE_COLUMNS and c not in _INTERNAL and c != getattr(sites, "_geometry_column_name", None)
    ]
    out = pd.DataFrame(sites[cols]).copy()
    maps = {"networks": network_names, "subregions": subregion_names}
    for c in cols:
        if out[c].dtype == object:
            names = maps.get(c)
            out[c] = [_join(v, names) for v in out[c]]
    if category_labels and "category" in out:
        out["category"] = out["category"].map(lambda v: category_labels.get(v, v))
    return out.reset_index(drop=True)


def sites_table(
    sites: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    network_names: Mapping[str, str] | None = None,
    subregion_names: Mapping[str, str] | None = None,
    category_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return the sites as a flat table for people: readable headers, lists joined with ``"; "``.

    Parameters
    ----------
    sites
        Sites (e.g. :func:`geo.data.filter_sites` output); extra columns such as a distance are kept
        after the known ones. The geometry is dropped (``Latitude``/``Longitude`` remain).
    headers
        Header per column name, e.g. translated ones; unnamed columns get :data:`SITE_COLUMNS` headers
        or keep their name.
    network_names, subregion_names
        Names to show instead of network and sub-region ids.
    category_labels
        Labels to show instead of category ids.
    """
    flat = _flat(
        sites, network_names=network_names, subregion_names=subregion_names, category_labels=category_labels
    )
    names = {**SITE_COLUMNS, **(headers or {})}
    return flat.rename(columns={c: names.get(c, c) for c in flat.columns})


def _neutralise(value: Any) -> Any:
    """Return text that a spreadsheet will not run as a formula (leading apostrophe when needed)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [_neutralise(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            out.isetitem(i, col.map(lambda v: _neutralise(_join(v))).astype(object))
    return out


def to_csv_bytes(df: pd.DataFrame, *, sep: str = ",") -> bytes:
    """Return ``df`` as CSV in UTF-8 with a byte-order mark (so Excel reads ë), formulas neutralised.

    Dutch-locale Excel splits columns on ``;``: pass ``sep=";"`` for such users.
    """
    text = _safe_frame(df).to_csv(index=False, sep=sep, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def _sheet_title(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'") or "Sheet"
    base = base[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _cell_value(value: Any) -> Any:
    value = _join(value)
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, bool | int | float):
        return value
    return _neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """Return an Excel workbook with one sheet per frame: bold frozen header, filters, fitted widths.

    Text cells are stored as text (never as formulas); text that a spreadsheet would read as a
    formula gets a leading apostrophe, as in :func:`to_csv_bytes`.
    """
    if not sheets:
        msg = "to_xlsx_bytes needs at least one sheet"
        raise ValueError(msg)
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EDEDED")
    for name, df in sheets.items():
        ws = wb.create_sheet(_sheet_title(name, taken))
        headers = [_cell_value(str(c)) for c in df.columns]
        ws.append(headers)
        for cell in ws[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(vertical="top")
        widths = [len(str(h)) for h in headers]
        for row in df.itertuples(index=False, name=None):
            values = [_cell_value(v) for v in row]
            ws.append(values)
            for cell, v in zip(ws[ws.max_row], values, strict=True):
                if isinstance(v, str):
                    cell.data_type = "s"  # text, even when it looks like a formula
            widths = [
                max(w, len(str(v)) if v is not None else 0) for w, v in zip(widths, values, strict=True)
            ]
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(max(w + 2, 8), 60)
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(ws.max_row, 1)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _geo_frame(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(sites, gpd.GeoDataFrame) or sites.crs is None:
        msg = "sites must be a GeoDataFrame with a CRS"
        raise ValueError(msg)
    flat = _flat(sites)
    return gpd.GeoDataFrame(
        flat, geometry=sites.geometry.to_crs(WGS84).reset_index(drop=True).values, crs=WGS84
    )


def to_geojson_bytes(sites: gpd.GeoDataFrame) -> bytes:
    """Return the sites as a GeoJSON FeatureCollection (WGS84, UTF-8, lists joined with ``"; "``)."""
    return _geo_frame(sites).to_json(drop_id=True, ensure_ascii=False, na="null").encode("utf-8")


def to_gpkg_bytes(sites: gpd.GeoDataFrame, layer: str = "sites") -> bytes:
    """Return the sites as a GeoPackage with one layer (WGS84), written through a temporary file."""
    if not layer or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", layer):
        msg = f"layer must be a simple name (letters, digits, _ and -), got {layer!r}"
        raise ValueError(msg)
    gdf = _geo_frame(sites)
    with tempfile.TemporaryDirectory(prefix="netwerkatlas-") as tmp:
        path = Path(tmp) / "export.gpkg"
        gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
        return path.read_bytes()


def sites_frame(atlas: Atlas, sites: gpd.GeoDataFrame, lang: str) -> pd.DataFrame:
    """Return the visible sites as a flat table with translated headers and values.

    Site and organisation read as :func:`geo.names.display_name` gives them: the name with its remark
    in ``lang`` in parentheses.
    """
    net_names, sub_names = names(atlas)
    return pd.DataFrame(
        {
            t("col.organisation", lang): organisation_names(sites, lang),
            t("col.site", lang): display_names(sites, lang),
            t("col.city", lang): sites["city"],
            t("col.province", lang): sites["province"],
            t("col.kind", lang): sites["category"].map(lambda c: t(f"cat.{c}", lang)),
            t("col.ed", lang): sites["emergency"].map(lambda e: t(f"ed.{e}", lang)),
            t("col.networks", lang): sites["networks"].map(lambda ns: ", ".join(net_names[n] for n in ns)),
            t("col.subregions", lang): sites["subregions"].map(
                lambda ss: ", ".join(sub_names[s] for s in ss)
            ),
            t("col.precision", lang): sites["precision"].map(lambda p: t(f"prec.{p}", lang)),
            t("col.status", lang): sites["status"].map(lambda s: t(f"status.{s}", lang)),
        }
    ).reset_index(drop=True)
