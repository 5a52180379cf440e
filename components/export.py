"""Exports for report writers: the current map as PNG/SVG/PDF or offline HTML, and the data behind it.

The section is a fragment of its own: choosing a format and pressing "make the file" reruns only this
section, and the file is built only then. Downloading it does not rerun anything (``on_click="ignore"``).
The bytes are handed to the download button directly: Streamlit 1.67 drops files produced by a
deferred (callable) download as soon as any session finishes a run, which broke downloads with
several users.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import geopandas as gpd
import streamlit as st

from components.filters import Selection
from geo.data import Atlas
from geo.data import network_names as names
from geo.geography import VIEW_MARGIN_DEG, in_netherlands_bbox
from geo.i18n import fmt_number, t
from geo.render.report import make_file, view_extent

PAGES = ("a4-landscape", "a4-portrait", "16:9")
DPIS = (100, 150, 300)


def share_link(params: dict[str, str]) -> str:
    """The page URL with the current view's parameters."""
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{urllib.parse.urlencode(params)}" if params else base


EXPORT_VIEW = "_export_view"
EXPORT_FILE = "_export_file"
FORMATS: dict[str, str] = {
    "png": "image/png",
    "pdf": "application/pdf",
    "svg": "image/svg+xml",
    "html": "text/html",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}


def _screen_extent() -> tuple[float, float, float, float] | None:
    """The part of the country the map shows now, from the ``c`` and ``z`` the map keeps in the link."""
    try:
        lat, lon = (float(v) for v in st.query_params.get("c", "").split(","))
        zoom = min(17.0, max(6.0, float(st.query_params.get("z", ""))))
    except ValueError:
        return None
    if not in_netherlands_bbox(lat, lon, margin=VIEW_MARGIN_DEG):
        return None
    return view_extent((lat, lon), zoom)


def _population_label(coverage: tuple[dict[str, Any], dict[str, Any]] | None, lang: str) -> str | None:
    """The population the coverage on screen counts (official layer or upload), as an export names it."""
    caption = coverage[1]["what"].after.population if coverage else None
    return caption.text(lang) if caption is not None else None


def remember_view(
    *, finder: Any = None, coverage: tuple[dict[str, Any], dict[str, Any]] | None = None
) -> None:
    """Record what the map shows (finder result, coverage) for the export section to draw."""
    st.session_state[EXPORT_VIEW] = {"finder": finder, "coverage": coverage}


@st.fragment
def render_export(atlas: Atlas, sel: Selection, sites: gpd.GeoDataFrame, lang: str) -> None:
    """Draw the export section: title, page, format, then "make the file" and "download"."""
    view = st.session_state.get(EXPORT_VIEW) or {}
    finder, coverage = view.get("finder"), view.get("coverage")
    if coverage and coverage[1] is None:
        coverage = None
    shown = [names(atlas)[0][n] for n in sel.networks]
    with st.expander(t("export.header", lang), expanded=False):
        default_title = f"NetwerkAtlas · {', '.join(shown) or t('export.no_network', lang)}"
        c1, c2, c3 = st.columns([3, 2, 1])
        title = c1.text_input(t("export.title", lang), value=default_title, max_chars=120, key="exp_title")
        page = c2.selectbox(
            t("export.page", lang), PAGES, key="exp_page", format_func=lambda p: t(f"export.page.{p}", lang)
        )
        dpi = c3.selectbox(t("export.dpi", lang), DPIS, index=1, key="exp_dpi")
        fmt = (
            st.segmented_control(
                t("export.format", lang),
                list(FORMATS),
                key="exp_format",
                default="png",
                format_func=lambda f: f.upper() if f != "gpkg" else "GeoPackage",
            )
            or "png"
        )
        st.caption(t(f"export.help.{'map' if fmt in ('png', 'svg', 'pdf', 'html') else 'data'}", lang))
        if st.button(t("export.make", lang), key="exp_make", type="primary", icon="⚙️"):
            with st.spinner(t("export.making", lang)):
                file_name, data = make_file(
                    fmt,
                    atlas,
                    sel,
                    sites,
                    lang,
                    title=title or default_title,
                    page=page,
                    dpi=int(dpi),
                    finder=finder,
                    coverage=coverage,
                    extent=_screen_extent(),
                    population=_population_label(coverage, lang),
                )
            st.session_state[EXPORT_FILE] = (fmt, file_name, data)
        made = st.session_state.get(EXPORT_FILE)
        if made:
            made_fmt, file_name, data = made
            st.download_button(
                t("export.download", lang, name=file_name, size=fmt_number(len(data) / 1024, lang)),
                data=data,
                file_name=file_name,
                mime=FORMATS[made_fmt],
                on_click="ignore",
                key="exp_download",
                icon="⬇️",
            )
        link = share_link({k: st.query_params[k] for k in st.query_params})
        st.caption(t("export.share", lang))
        st.markdown(f"<{link}>" if link.startswith("http") else f"`{link}`")
