"""Coverage for policymakers: who lives far from a network site, per province and sub-region, and what if.

The heavy lifting is in :mod:`geo.coverage`; this module caches it per choice, draws the controls and
tables, and tells the map what to shade. Map clicks in this mode can add a hypothetical site.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from components import cache
from components.coverage_figures import render_population_controls, render_references, render_specialty
from components.coverage_inputs import (
    POP_UPLOAD,
    add_site,
    clear_added,
    official_key,
    on_population_upload,
    population,
    render_planned_upload,
    show_problems,
)
from geo.coverage import (
    HOSPITAL_CATEGORIES,
    CoverageError,
    NetworkComparison,
    applicable_added,
    compare_networks,
    network_coverage,
    service_areas,
)
from geo.data import Atlas, default_data_dir, network_names
from geo.defaults import FERRY_WAIT_MIN, KM_DEFAULT, KM_MAX, KM_MIN, MIN_DEFAULT, MIN_MAX, MIN_MIN
from geo.errors import DataValidationError
from geo.i18n import fmt_number, fmt_percent, t
from geo.names import display_name, organisation_labels, site_labels, with_remark
from geo.render.coverage_layer import add_beyond_layer, figures_for
from geo.render.coverage_layer import legend_html as beyond_legend
from geo.render.report import share_colormap
from geo.render.tables import (
    by_unit,
    change_table,
    counted_columns,
    least_table,
    sensitivity_table,
    summary_table,
    switched_table,
)
from geo.render.webmap import add_coverage_overlay
from geo.selection import Selection


@dataclass(frozen=True)
class CoverageView:
    """What the map draws in coverage mode."""

    shares: dict[str, float]
    least: pd.DataFrame
    closed: tuple[str, ...]
    added: tuple[tuple[str, float, float], ...]
    areas: gpd.GeoDataFrame | None = None
    unit: str = "km"
    legend: str = ""
    notes: list[str] = field(default_factory=list)
    beyond: gpd.GeoDataFrame | None = None


@st.cache_data(show_spinner=False, max_entries=128)
def _compute(
    data_dir: str,
    pop_key: str,
    networks: tuple[str, ...],
    categories: tuple[str, ...],
    threshold: float,
    closed: tuple[str, ...],
    added: tuple[tuple[str, float, float], ...],
    areas: bool,
    unit: str = "km",
    ferry_wait: float = FERRY_WAIT_MIN,
) -> dict[str, Any]:
    atlas = cache.atlas()
    res = network_coverage(
        atlas,
        population(pop_key),
        networks,
        threshold=threshold,
        measure=cache.measure(unit, ferry_wait),
        categories=categories,
        closed=closed,
        added=added,
    )
    out = {
        "what": res.whatif,
        "sens": res.sensitivity,
        "least": res.least,
        "partial": list(res.partial),
        "n_sites": len(res.sites) + len(res.added),
        "counted": res.counted,
        "networks": networks,
    }
    if areas and not res.sites.empty:
        land = atlas.provinces.to_crs("EPSG:28992").union_all()
        out["areas"] = service_areas(res.sites, land).to_crs("EPSG:4326")
    return out


def render_controls(atlas: Atlas, sel: Selection, lang: str) -> dict[str, Any]:
    """Threshold, which sites count, what-if and population source; returns the choices."""
    st.subheader(t("cov.header", lang))
    networks = render_specialty(atlas, sel, lang)
    # Defaults in session state, not in the widgets: a shared link may have set these keys already.
    for key, value in (("cov_unit", "km"), ("cov_km", KM_DEFAULT), ("cov_min", MIN_DEFAULT)):
        st.session_state.setdefault(key, value)
    unit = (
        st.segmented_control(
            t("cov.unit", lang),
            ("km", "min"),
            key="cov_unit",
            format_func=lambda u: t(f"cov.unit.{u}", lang),
        )
        or "km"
    )
    if unit == "min":
        km = st.slider(
            t("cov.min", lang),
            MIN_MIN,
            MIN_MAX,
            step=5,
            key="cov_min",
            help=t("cov.min.help", lang),
        )
    else:
        km = st.slider(t("cov.km", lang), KM_MIN, KM_MAX, step=1, key="cov_km", help=t("cov.km.help", lang))
    with_outpatient = st.toggle(
        t("cov.outpatient", lang), key="cov_outpatient", help=t("cov.outpatient.help", lang)
    )
    categories = (*HOSPITAL_CATEGORIES, "outpatient") if with_outpatient else HOSPITAL_CATEGORIES
    sites = cache.sites_for(networks, sel.specialty, (), tuple(categories), (), False, False)
    options = list(sites["site_id"])
    labels = {s["site_id"]: with_remark(display_name(s, lang), s["city"]) for s in sites.to_dict("records")}
    st.session_state["cov_closed"] = [s for s in st.session_state.get("cov_closed", []) if s in options]
    closed = st.multiselect(
        t("cov.close", lang),
        options,
        key="cov_closed",
        format_func=labels.get,
        placeholder=t("cov.close.placeholder", lang),
        select_all=False,  # Streamlit's bulk action reads "Select all" in every language
    )
    st.caption(t("cov.add.help", lang))
    if st.session_state.get("cov_click_error"):
        st.warning(t("cov.click.water", lang))
    added = st.session_state.get("cov_added", [])
    for a in added:
        st.caption(f"➕ {html.escape(a['name'])} ({a['lat']:.4f}, {a['lon']:.4f})")
    if added:
        st.button(t("cov.add.clear", lang), key="cov_add_clear", on_click=clear_added)
    planned = render_planned_upload(lang)
    counted = applicable_added(planned, networks, categories)
    if len(counted) < len(planned):
        st.caption(t("cov.planned.skipped", lang, n=len(planned) - len(counted)))
    areas = st.toggle(t("cov.areas", lang), key="cov_areas")
    source, age = render_population_controls(lang, uploaded=st.session_state.get(POP_UPLOAD) is not None)
    with st.expander(t("cov.population", lang)):
        st.caption(t("cov.population.help", lang))
        st.file_uploader(
            t("cov.upload", lang),
            type=["csv", "txt", "gpkg", "geojson", "json"],
            key="cov_upload",
            on_change=on_population_upload,
        )
    return {
        "threshold": float(km),
        "unit": unit,
        "ferry_wait": float(st.session_state.get("tt_wait", FERRY_WAIT_MIN)),
        "categories": tuple(categories),
        "closed": tuple(closed),
        "added": tuple((a["name"], a["lat"], a["lon"]) for a in added) + counted,
        "areas": areas,
        "networks": networks,
        "population": source,
        "age": age,
    }


def compute(atlas: Atlas, sel: Selection, choice: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """Run (or fetch from cache) the analysis; show a friendly message instead of failing."""
    networks = choice.get("networks", sel.networks)
    if not networks:
        return None
    upload = st.session_state.get(POP_UPLOAD)
    official = official_key(choice.get("population", "pc4"), choice.get("age", "all"))
    pop_key = upload["digest"] if upload else official
    if upload:
        try:
            population(pop_key)  # validate the upload before the cached analysis uses it
        except DataValidationError as exc:
            st.error(t("cov.upload.error", lang, name=upload["name"]))
            show_problems(exc.problems[:50], lang)
            st.session_state.pop(POP_UPLOAD, None)
            pop_key = official
    choice["pop_key"] = pop_key
    try:
        return _compute(
            str(default_data_dir()),
            pop_key,
            tuple(networks),
            choice["categories"],
            choice["threshold"],
            choice["closed"],
            choice["added"],
            choice["areas"],
            choice["unit"],
            choice["ferry_wait"],
        )
    except CoverageError as exc:
        st.warning(str(exc))
    except DataValidationError as exc:  # a population file is missing or broken: say so, keep the page
        st.error(f"**{t('error.data.title', lang)}**\n\n{t('cov.data.error', lang)}")
        st.code("\n".join(str(p) for p in exc.problems[:50]), language=None)
    return None


def view(result: dict[str, Any] | None, choice: dict[str, Any], lang: str) -> CoverageView | None:
    """What the map should draw for this result."""
    if result is None:
        return None
    after = result["what"].after
    shares = {r["name"]: float(r["share"]) for _, r in after.by_province.iterrows() if pd.notna(r["share"])}
    return CoverageView(
        shares=shares,
        least=result["least"],
        closed=choice["closed"],
        added=choice["added"],
        areas=result.get("areas"),
        unit=after.unit,
        beyond=figures_for(after),
    )


def map_options(cv: CoverageView | None, lang: str) -> dict[str, Any]:
    """Keyword arguments for :func:`components.mapview.render_map` in coverage mode."""
    opts: dict[str, Any] = {"on_map_click": partial(add_site, lang=lang)}
    if cv is not None:
        opts["shares"] = cv.shares
        opts["share_colormap"] = share_colormap(lang)
        opts["areas"] = cv.areas
        opts["overlay"] = partial(
            add_coverage_overlay, lang=lang, least=cv.least, added=cv.added, unit=cv.unit
        )
        opts["closed"] = cv.closed
        add_beyond(opts, cv, lang)
    return opts


def add_beyond(opts: dict[str, Any], cv: CoverageView, lang: str) -> None:
    """Draw the PC4 areas beyond the threshold under the other coverage overlays, with their legend."""
    if cv.beyond is None:
        return
    threshold, unit = cv.beyond.attrs["threshold"], cv.beyond.attrs["unit"]
    opts["share_colormap"] = share_colormap(lang, threshold, unit)
    if not (cv.beyond["band"] > 0).any():
        return
    first = opts.get("overlay")

    def overlay(group: Any) -> None:
        add_beyond_layer(group, cv.beyond, lang=lang)
        if first is not None:
            first(group)

    opts["overlay"] = overlay
    opts["legend_extra"] = beyond_legend(threshold, unit, lang)


def render_results(
    atlas: Atlas, sel: Selection, choice: dict[str, Any], result: dict[str, Any] | None, lang: str
) -> None:
    """Headline figures, tables per province and sub-region, what-if, sensitivity and comparison."""
    if result is None:
        return
    what = result["what"]
    labels = site_labels(atlas.sites, lang)  # names with their remark in the site tables
    km, unit = what.after.threshold, what.after.unit
    fk = {"km": fmt_number(km, lang), "unit": unit}
    total_a, total_b = what.before.total, what.after.total
    changed = bool(choice["closed"] or choice["added"])
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        t("cov.m.share", lang, **fk),
        fmt_percent(float(total_b["share"]), lang),
        delta=_delta_pct(total_a["share"], total_b["share"], lang) if changed else None,
    )
    c2.metric(
        t("cov.m.beyond", lang),
        fmt_number(float(total_b["population"]) - float(total_b["covered"]), lang),
        delta=fmt_number(
            (float(total_b["population"]) - float(total_b["covered"]))
            - (float(total_a["population"]) - float(total_a["covered"])),
            lang,
        )
        if changed
        else None,
        delta_color="inverse",
    )
    c3.metric(
        t(by_unit("cov.m.mean", unit), lang),
        f"{fmt_number(float(total_b['mean']), lang, decimals=1)} {unit}",
    )
    c4.metric(t("cov.m.p95", lang), f"{fmt_number(float(total_b['p95']), lang, decimals=1)} {unit}")
    st.caption(t(by_unit("cov.method", unit), lang, km=fmt_number(km, lang), n=result["n_sites"]))
    if unit == "min":
        from geo.traveltime import error_caption  # scipy: loaded only where minutes are shown

        st.caption(error_caption(lang))
    caption = what.after.population
    if caption is not None:
        st.caption(t("cov.pop.caption", lang, caption=caption.text(lang)))
    if result["partial"]:
        st.caption(t("cov.partial", lang, provinces=", ".join(result["partial"])))
    render_references(atlas, sel, choice, lang)

    tabs = st.tabs(
        [
            t("cov.tab.provinces", lang),
            t("cov.tab.subregions", lang),
            t("cov.tab.whatif", lang),
            t("cov.tab.sensitive", lang),
            t("cov.tab.least", lang),
            t("cov.tab.compare", lang),
        ]
    )
    with tabs[0]:
        table = pd.concat([what.after.by_province, pd.DataFrame([total_b])], ignore_index=True)
        table.loc[table.index[-1], "name"] = t("cov.total", lang)
        shown = summary_table(table, lang, threshold=km, unit=unit, name_header=t("col.province", lang))
        st.dataframe(
            counted_columns(shown, result.get("counted"), lang),
            hide_index=True,
            width="stretch",
            key="cov_table_prov",
        )
    with tabs[1]:
        if what.after.by_subregion.empty:
            st.caption(t("cov.no_subregions", lang))
        else:
            st.dataframe(
                summary_table(
                    what.after.by_subregion,
                    lang,
                    threshold=km,
                    unit=unit,
                    name_header=t("col.subregions", lang),
                ),
                hide_index=True,
                width="stretch",
                key="cov_table_sub",
            )
            st.caption(t("cov.subregion.method", lang))
    with tabs[2]:
        if not changed:
            st.caption(t("cov.whatif.hint", lang))
        else:
            st.dataframe(
                change_table(what.by_province, lang, unit=unit),
                hide_index=True,
                width="stretch",
                key="cov_change",
            )
            if not what.switched.empty:
                st.markdown(f"**{t('cov.switched', lang, n=len(what.switched))}**")
                st.dataframe(
                    switched_table(what.switched, lang, unit=unit, labels=labels),
                    hide_index=True,
                    width="stretch",
                    key="cov_switched",
                )
    with tabs[3]:
        sens = result["sens"]
        if not sens.empty:
            st.caption(t("cov.sensitive.help", lang, **fk))
            st.dataframe(
                sensitivity_table(sens, lang, threshold=km, unit=unit, labels=labels),
                hide_index=True,
                width="stretch",
                key="cov_sens",
            )
    with tabs[4]:
        st.dataframe(
            least_table(result["least"], lang, unit=unit, labels=labels),
            hide_index=True,
            width="stretch",
            key="cov_least",
        )
    with tabs[5]:
        _render_compare(atlas, choice, lang)


def _delta_pct(before: Any, after: Any, lang: str) -> str:
    diff = (float(after) - float(before)) * 100
    text = fmt_number(diff, lang, decimals=1)
    return f"{'+' if diff > 0 else ''}{text} {t('cov.pp', lang)}"


@st.cache_data(show_spinner=False, max_entries=16)
def _compare(
    data_dir: str, pop_key: str, a: str, b: str, threshold: float, unit: str, wait: float
) -> NetworkComparison:
    return compare_networks(
        cache.atlas(),
        a,
        b,
        threshold=threshold,
        population=population(pop_key),
        measure=cache.measure(unit, wait),
    )


def _render_compare(atlas: Atlas, choice: dict[str, Any], lang: str) -> None:
    cmp = _compare(
        str(default_data_dir()),
        choice.get("pop_key", official_key("pc4", "all")),
        "cardionovo",
        "onconovo",
        choice["threshold"],
        choice["unit"],
        choice.get("ferry_wait", FERRY_WAIT_MIN),
    )
    names, _ = network_names(atlas)
    orgs = organisation_labels(atlas.organisations, lang)
    st.caption(t("cov.compare.help", lang, a=names["cardionovo"], b=names["onconovo"]))
    c1, c2, c3 = st.columns(3)
    for col, title, frame in (
        (c1, t("cov.compare.both", lang), cmp.both),
        (c2, t("cov.compare.only", lang, name=names["cardionovo"]), cmp.only_a),
        (c3, t("cov.compare.only", lang, name=names["onconovo"]), cmp.only_b),
    ):
        col.markdown(f"**{html.escape(title)}** ({len(frame)})")
        col.text("\n".join(frame["org_id"].map(orgs)) or "—")
    km, unit = fmt_number(cmp.coverage_a.threshold, lang), cmp.coverage_a.unit
    st.markdown(
        f"{html.escape(names['cardionovo'])}: "
        f"**{fmt_percent(float(cmp.coverage_a.total['share']), lang)}** · "
        f"{html.escape(names['onconovo'])}: **{fmt_percent(float(cmp.coverage_b.total['share']), lang)}** "
        f"{html.escape(t('cov.compare.within', lang, km=km, unit=unit))}"
    )
