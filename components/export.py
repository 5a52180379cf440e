"""Exports for report writers: the current map as PNG/SVG/PDF or offline HTML, and the data behind it.

Every file is generated only when its button is pressed (``data`` is a callable) and the press does not
rerun the page (``on_click="ignore"``); the callables capture plain values, never session state.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from components.filters import Selection
from components.i18n import t
from components.report import filter_line, interactive_html, snapshot_spec
from components.report import network_names as names
from geo.data import Atlas
from geo.export import (
    SnapshotSpec,
    render_static,
    sites_table,
    to_csv_bytes,
    to_geojson_bytes,
    to_gpkg_bytes,
    to_xlsx_bytes,
)
from geo.schema import CATEGORIES

PAGES = ("a4-landscape", "a4-portrait", "16:9")
DPIS = (100, 150, 300)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "netwerkatlas"


def share_link(params: dict[str, str]) -> str:
    """The page URL with the current view's parameters."""
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{urllib.parse.urlencode(params)}" if params else base


def render_export(
    atlas: Atlas,
    sel: Selection,
    sites: gpd.GeoDataFrame,
    lang: str,
    *,
    finder: Any = None,
    coverage: tuple[dict[str, Any], dict[str, Any]] | None = None,
) -> None:
    """Draw the export section: title, page format and one download button per format."""
    net_names, sub_names = names(atlas)
    shown = {n: net_names[n] for n in sel.networks}
    choice, result = coverage if coverage else ({}, None)
    km = choice.get("km") if result else None
    with st.expander(t("export.header", lang), expanded=False):
        default_title = f"NetwerkAtlas · {', '.join(shown.values()) or t('export.no_network', lang)}"
        c1, c2, c3 = st.columns([3, 2, 1])
        title = c1.text_input(t("export.title", lang), value=default_title, max_chars=120, key="exp_title")
        page = c2.selectbox(
            t("export.page", lang), PAGES, key="exp_page", format_func=lambda p: t(f"export.page.{p}", lang)
        )
        dpi = c3.selectbox(t("export.dpi", lang), DPIS, index=1, key="exp_dpi")
        drawn = sites
        if coverage and choice.get("closed"):
            drawn = sites.copy()
            drawn.loc[drawn["site_id"].isin(choice["closed"]), "status"] = "closed"
        cov_after = result["what"].after if result else None
        areas = result.get("areas") if result else None
        view = (finder.location, finder.label, finder.results) if finder is not None else None
        spec = snapshot_spec(
            atlas,
            drawn,
            lang,
            networks=sel.networks,
            title=title or default_title,
            subtitle=filter_line(
                atlas,
                lang,
                networks=sel.networks,
                specialty=sel.specialty,
                subregions=sel.subregions,
                categories=sel.categories,
                provinces=sel.provinces,
                km=km,
                unit=choice.get("unit", "km"),
            ),
            tiles=sel.tiles,
            coverage=cov_after,
            areas=areas,
            finder=view,
        )
        name = _slug(title or default_title)
        st.caption(t("export.static.help", lang))
        cols = st.columns(4)
        for col, fmt, mime in (
            (cols[0], "png", "image/png"),
            (cols[1], "svg", "image/svg+xml"),
            (cols[2], "pdf", "application/pdf"),
        ):
            col.download_button(
                fmt.upper(),
                data=_static(spec, fmt, page, int(dpi)),
                file_name=f"{name}.{fmt}",
                mime=mime,
                on_click="ignore",
                key=f"exp_{fmt}",
                icon="🖼️",
            )
        cols[3].download_button(
            "HTML",
            data=lambda: interactive_html(
                atlas,
                drawn,
                lang,
                networks=sel.networks,
                tiles=sel.tiles,
                coverage=cov_after,
                areas=areas,
                least=result["least"] if result else None,
                added=choice.get("added", ()),
                finder=view,
            ).encode("utf-8"),
            file_name=f"{name}.html",
            mime="text/html",
            on_click="ignore",
            key="exp_html",
            icon="🗺️",
            help=t("export.html.help", lang),
        )
        st.caption(t("export.data.help", lang))
        table = sites_table(
            drawn,
            network_names=net_names,
            subregion_names=sub_names,
            category_labels={c: t(f"cat.{c}", lang) for c in CATEGORIES},
        )
        sheets = {t("export.sheet.sites", lang): table}
        if result:
            sheets[t("cov.tab.provinces", lang)] = result["what"].after.by_province
            if not result["what"].after.by_subregion.empty:
                sheets[t("cov.tab.subregions", lang)] = result["what"].after.by_subregion
            sheets[t("cov.tab.sensitive", lang)] = result["sens"]
        d = st.columns(5)
        d[0].download_button(
            "CSV",
            data=lambda: to_csv_bytes(table, sep=";" if lang == "nl" else ","),
            file_name=f"{name}-locaties.csv",
            mime="text/csv",
            on_click="ignore",
            key="exp_csv",
        )
        d[1].download_button(
            "XLSX",
            data=lambda: to_xlsx_bytes(sheets),
            file_name=f"{name}.xlsx",
            on_click="ignore",
            key="exp_xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        d[2].download_button(
            "GeoJSON",
            data=lambda: to_geojson_bytes(drawn),
            file_name=f"{name}.geojson",
            mime="application/geo+json",
            on_click="ignore",
            key="exp_geojson",
        )
        d[3].download_button(
            "GeoPackage",
            data=lambda: to_gpkg_bytes(drawn),
            file_name=f"{name}.gpkg",
            mime="application/geopackage+sqlite3",
            on_click="ignore",
            key="exp_gpkg",
        )
        if result:
            cov_table = pd.concat(
                [result["what"].after.by_province, result["what"].after.by_subregion], ignore_index=True
            )
            d[4].download_button(
                t("export.coverage_csv", lang),
                data=lambda: to_csv_bytes(cov_table),
                file_name=f"{name}-bereikbaarheid.csv",
                mime="text/csv",
                on_click="ignore",
                key="exp_cov_csv",
            )
        st.caption(t("export.share", lang))
        st.code(share_link({k: st.query_params[k] for k in st.query_params}), language=None)


def _static(spec: SnapshotSpec, fmt: str, page: str, dpi: int) -> Callable[[], bytes]:
    return lambda: render_static(spec, fmt=fmt, page=page, dpi=dpi)  # type: ignore[arg-type]
