"""Exports for report writers: the current map as PNG/SVG/PDF or offline HTML, and the data behind it.

Every file is generated only when its button is pressed (``data`` is a callable) and the press does not
rerun the page (``on_click="ignore"``); the callables capture plain values, never session state.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from components.filters import Selection
from components.i18n import fmt_number, t
from components.coverage import share_colormap
from components.map import add_coverage_overlay, add_finder_overlay, build_map
from components.mapview import names
from geo.data import Atlas
from geo.export import (
    Finder,
    SnapshotLabels,
    SnapshotSpec,
    render_static,
    sites_table,
    sources_line,
    standalone_html,
    to_csv_bytes,
    to_geojson_bytes,
    to_gpkg_bytes,
    to_xlsx_bytes,
)
from geo.schema import CATEGORIES
from geo.style import network_colours

PAGES = ("a4-landscape", "a4-portrait", "16:9")
DPIS = (100, 150, 300)
MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
             "oktober", "november", "december")


def today(lang: str) -> str:
    """Today's date written out the way the language does it."""
    d = dt.date.today()
    return f"{d.day} {MONTHS_NL[d.month - 1]} {d.year}" if lang == "nl" else d.strftime("%-d %B %Y")


def filter_line(atlas: Atlas, sel: Selection, lang: str, *, km: float | None = None) -> str:
    """One line stating the active filters (and threshold) for the printed map."""
    net_names, sub_names = names(atlas)
    parts = [f"{t('filters.networks', lang)}: {', '.join(net_names[n] for n in sel.networks) or '—'}"]
    parts.append(f"{t('filters.specialty', lang)}: "
                 + (t(f"spec.{sel.specialty}", lang) if sel.specialty else t("filters.specialty.all", lang)))
    if sel.subregions:
        parts.append(f"{t('filters.subregions', lang)}: {', '.join(sub_names[s] for s in sel.subregions)}")
    if set(sel.categories) != set(CATEGORIES):
        parts.append(f"{t('filters.kinds', lang)}: {', '.join(t('catshort.' + c, lang) for c in sel.categories)}")
    if sel.provinces:
        parts.append(f"{t('filters.provinces', lang)}: {', '.join(sel.provinces)}")
    if km is not None:
        parts.append(t("export.threshold", lang, km=fmt_number(km, lang)))
    return " · ".join(parts)


def snapshot_labels(lang: str) -> SnapshotLabels:
    """The legend words of the printed map in the UI's language."""
    return SnapshotLabels(
        networks=t("legend.networks", lang), multi=t("legend.multi", lang), context=t("legend.context", lang),
        kinds=t("legend.kinds", lang), categories={c: t(f"cat.{c}", lang) for c in CATEGORIES},
        closed=t("legend.closed", lang), layers=t("export.layers", lang), region=t("legend.region", lang),
        region_partial=t("legend.region_partial", lang), service_areas=t("export.service_areas", lang),
        finder=t("export.finder", lang), finder_results=t("export.finder_lines", lang),
        no_data=t("export.no_data", lang), north="N",
    )


def finder_extent(finder: Any, pad: float = 0.25) -> tuple[float, float, float, float]:
    """WGS84 box around the finder's location and results, as the screen shows them."""
    lats = [finder.location[0], *finder.results["lat"]]
    lons = [finder.location[1], *finder.results["lon"]]
    dy, dx = max(max(lats) - min(lats), 0.05) * pad, max(max(lons) - min(lons), 0.08) * pad
    return (min(lons) - dx, min(lats) - dy, max(lons) + dx, max(lats) + dy)


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
    region = tuple(atlas.region_provinces(sel.networks))
    partly = tuple(sorted({p for n in sel.networks for p in atlas.network(n)["partial_provinces"].split(";") if p}))
    choice, result = coverage if coverage else ({}, None)
    km = choice.get("km") if result else None
    with st.expander(t("export.header", lang), expanded=False):
        default_title = f"NetwerkAtlas · {', '.join(shown.values()) or t('export.no_network', lang)}"
        c1, c2, c3 = st.columns([3, 2, 1])
        title = c1.text_input(t("export.title", lang), value=default_title, max_chars=120, key="exp_title")
        page = c2.selectbox(t("export.page", lang), PAGES, key="exp_page",
                            format_func=lambda p: t(f"export.page.{p}", lang))
        dpi = c3.selectbox(t("export.dpi", lang), DPIS, index=1, key="exp_dpi")
        drawn = sites
        if coverage and choice.get("closed"):
            drawn = sites.copy()
            drawn.loc[drawn["site_id"].isin(choice["closed"]), "status"] = "closed"
        shares = ({r["name"]: float(r["share"]) for _, r in result["what"].after.by_province.iterrows()
                   if pd.notna(r["share"])} if result else None)
        extra_sources = sorted({urllib.parse.urlparse(u).netloc.removeprefix("www.")
                                for u in atlas.networks.loc[atlas.networks["network_id"].isin(sel.networks),
                                                            "source_url"]})
        spec = SnapshotSpec(
            sites=drawn, provinces=atlas.provinces, title=title or default_title,
            subtitle=filter_line(atlas, sel, lang, km=km),
            date=t("export.date", lang, date=today(lang)),
            sources=sources_line(t("popup.sources", lang), extra=extra_sources, tiles=sel.tiles),
            highlighted=region, partial=partly, network_labels=shown, network_colours=network_colours(shown),
            labels=snapshot_labels(lang), province_shares=shares,
            shares_title=t("cov.legend", lang) if shares else "",
            service_areas=result.get("areas") if result else None,
            finder=Finder(finder.location[0], finder.location[1], finder.label, tuple(finder.results["site_id"]))
            if finder is not None else None,
            extent=finder_extent(finder) if finder is not None else None,
        )
        name = _slug(title or default_title)
        st.caption(t("export.static.help", lang))
        cols = st.columns(4)
        for col, fmt, mime in ((cols[0], "png", "image/png"), (cols[1], "svg", "image/svg+xml"),
                               (cols[2], "pdf", "application/pdf")):
            col.download_button(
                fmt.upper(), data=_static(spec, fmt, page, int(dpi)), file_name=f"{name}.{fmt}", mime=mime,
                on_click="ignore", key=f"exp_{fmt}", icon="🖼️",
            )
        cols[3].download_button(
            "HTML", data=_html(atlas, drawn, lang, shown, sub_names, region, partly, sel.tiles, finder, choice,
                               result),
            file_name=f"{name}.html", mime="text/html", on_click="ignore", key="exp_html", icon="🗺️",
            help=t("export.html.help", lang),
        )
        st.caption(t("export.data.help", lang))
        table = sites_table(drawn, network_names=net_names, subregion_names=sub_names,
                            category_labels={c: t(f"cat.{c}", lang) for c in CATEGORIES})
        sheets = {t("export.sheet.sites", lang): table}
        if result:
            sheets[t("cov.tab.provinces", lang)] = result["what"].after.by_province
            if not result["what"].after.by_subregion.empty:
                sheets[t("cov.tab.subregions", lang)] = result["what"].after.by_subregion
            sheets[t("cov.tab.sensitive", lang)] = result["sens"]
        d = st.columns(5)
        d[0].download_button("CSV", data=lambda: to_csv_bytes(table, sep=";" if lang == "nl" else ","),
                             file_name=f"{name}-locaties.csv", mime="text/csv", on_click="ignore", key="exp_csv")
        d[1].download_button(
            "XLSX", data=lambda: to_xlsx_bytes(sheets), file_name=f"{name}.xlsx", on_click="ignore", key="exp_xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        d[2].download_button("GeoJSON", data=lambda: to_geojson_bytes(drawn), file_name=f"{name}.geojson",
                             mime="application/geo+json", on_click="ignore", key="exp_geojson")
        d[3].download_button("GeoPackage", data=lambda: to_gpkg_bytes(drawn), file_name=f"{name}.gpkg",
                             mime="application/geopackage+sqlite3", on_click="ignore", key="exp_gpkg")
        if result:
            cov_table = pd.concat([result["what"].after.by_province, result["what"].after.by_subregion],
                                  ignore_index=True)
            d[4].download_button(t("export.coverage_csv", lang), data=lambda: to_csv_bytes(cov_table),
                                 file_name=f"{name}-bereikbaarheid.csv", mime="text/csv", on_click="ignore",
                                 key="exp_cov_csv")
        st.caption(t("export.share", lang))
        st.code(share_link({k: st.query_params[k] for k in st.query_params}), language=None)


def _static(spec: SnapshotSpec, fmt: str, page: str, dpi: int) -> Callable[[], bytes]:
    return lambda: render_static(spec, fmt=fmt, page=page, dpi=dpi)  # type: ignore[arg-type]


def _html(atlas: Atlas, sites: gpd.GeoDataFrame, lang: str, shown: dict[str, str], sub_names: dict[str, str],
          region: tuple[str, ...], partly: tuple[str, ...], tiles: str | None, finder: Any,
          choice: dict[str, Any], result: dict[str, Any] | None) -> Callable[[], bytes]:
    def make() -> bytes:
        shares = ({r["name"]: float(r["share"]) for _, r in result["what"].after.by_province.iterrows()
                   if pd.notna(r["share"])} if result else None)
        m = build_map(atlas.provinces, sites, lang=lang, network_names=shown, subregion_names=sub_names,
                      highlighted=region, partial=partly, tiles=tiles, shares=shares,
                      share_colormap=share_colormap(lang) if result else None,
                      areas=result.get("areas") if result else None)
        group = next(c for c in m._children.values() if getattr(c, "layer_name", "") == "sites")
        if finder is not None:
            add_finder_overlay(group, lang=lang, location=finder.location, label=finder.label,
                               results=finder.results)
        if result:
            add_coverage_overlay(group, lang=lang, least=result["least"], added=choice.get("added", ()))
        return standalone_html(m.get_root().render()).encode("utf-8")

    return make
