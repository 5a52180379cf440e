"""Coverage for policymakers: who lives far from a network site, per province and sub-region, and what if.

The heavy lifting is in :mod:`geo.coverage`; this module caches it per choice, draws the controls and
tables, and tells the map what to shade. Map clicks in this mode can add a hypothetical site.
"""

from __future__ import annotations

import hashlib
import html
import io
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from components import cache
from components.filters import Selection
from components.i18n import fmt_number, fmt_percent, t, tt_error_caption
from components.map import add_coverage_overlay
from components.report import share_colormap
from geo.coverage import (
    HOSPITAL_CATEGORIES,
    CoverageError,
    NetworkComparison,
    compare_networks,
    network_coverage,
    service_areas,
)
from geo.data import Atlas, default_data_dir
from geo.errors import DataValidationError
from geo.population import read_population_file
from geo.traveltime import FERRY_WAIT_MIN, minutes_query
from geo.uploads import EXAMPLE_CSV, UploadError, read_planned_sites

KM_DEFAULT, KM_MIN, KM_MAX = 25, 5, 75
MIN_DEFAULT, MIN_MIN, MIN_MAX = 30, 10, 90
POP_UPLOAD = "cov_population_upload"


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


@st.cache_resource(show_spinner=False)
def _population_geonames(data_dir: str) -> gpd.GeoDataFrame:
    from geo.data import load_provinces
    from geo.population import load_population

    return load_population(provinces=load_provinces(default_data_dir()))


@st.cache_resource(show_spinner=False, max_entries=8)
def _population_upload(digest: str, name: str, raw: bytes) -> gpd.GeoDataFrame:
    from geo.data import load_provinces

    return read_population_file(io.BytesIO(raw), filename=name, provinces=load_provinces(default_data_dir()))


def population(key: str) -> gpd.GeoDataFrame:
    """The population points in use: GeoNames places, or the user's uploaded file."""
    upload = st.session_state.get(POP_UPLOAD)
    if key != "geonames" and upload and upload["digest"] == key:
        return _population_upload(upload["digest"], upload["name"], upload["raw"])
    return _population_geonames(str(default_data_dir()))


@st.cache_data(show_spinner=False, max_entries=128)
def _compute(
    data_dir: str,
    pop_key: str,
    networks: tuple[str, ...],
    categories: tuple[str, ...],
    km: float,
    closed: tuple[str, ...],
    added: tuple[tuple[str, float, float], ...],
    areas: bool,
    unit: str = "km",
    ferry_wait: float = 15.0,
) -> dict[str, Any]:
    atlas = cache.atlas()
    nearest = minutes_query(cache.travel_model(ferry_wait)) if unit == "min" else None
    res = network_coverage(
        atlas,
        population(pop_key),
        networks,
        km=km,
        categories=categories,
        closed=closed,
        added=added,
        nearest=nearest,
    )
    out = {
        "what": res.whatif,
        "sens": res.sensitivity,
        "least": res.least,
        "partial": list(res.partial),
        "n_sites": len(res.sites) + len(added),
    }
    if areas and not res.sites.empty:
        land = atlas.provinces.to_crs("EPSG:28992").union_all()
        out["areas"] = service_areas(res.sites, land).to_crs("EPSG:4326")
    return out


def _fmt_table(df: pd.DataFrame, lang: str, km: float, *, name_header: str, unit: str = "km") -> pd.DataFrame:
    """Translate headers and format numbers the way the language writes them."""

    def num(v: Any, decimals: int = 0) -> str:
        return "—" if pd.isna(v) else fmt_number(float(v), lang, decimals=decimals)

    return pd.DataFrame(
        {
            name_header: df["name"],
            t("cov.col.population", lang): df["population"].map(num),
            t("cov.col.covered", lang, km=fmt_number(km, lang), unit=unit): df["covered"].map(num),
            t("cov.col.share", lang): df["share"].map(
                lambda v: "—" if pd.isna(v) else fmt_percent(float(v), lang)
            ),
            t(_by_unit("cov.col.mean", unit), lang): df["mean_km"].map(lambda v: num(v, 1)),
            t(_by_unit("cov.col.p95", unit), lang): df["p95_km"].map(lambda v: num(v, 1)),
            t("cov.col.beyond", lang): df["places_beyond"].map(num),
        }
    )


def _fmt_change(df: pd.DataFrame, lang: str, unit: str = "km") -> pd.DataFrame:
    def pct(v: Any) -> str:
        return "—" if pd.isna(v) else fmt_percent(float(v), lang)

    def signed(v: Any, decimals: int = 0) -> str:
        if pd.isna(v):
            return "—"
        text = fmt_number(float(v), lang, decimals=decimals)
        return text if float(v) <= 0 else f"+{text}"

    return pd.DataFrame(
        {
            t("cov.col.name", lang): df["name"],
            t("cov.col.share_before", lang): df["share_before"].map(pct),
            t("cov.col.share_after", lang): df["share_after"].map(pct),
            t("cov.col.covered_change", lang): df["covered_change"].map(signed),
            t(_by_unit("cov.col.mean_change", unit), lang): df["mean_km_change"].map(lambda v: signed(v, 1)),
        }
    )


def _add_site(lat: float, lon: float, *, lang: str) -> None:
    added = list(st.session_state.get("cov_added", []))
    if len(added) < 10:
        added.append({"name": f"{t('cov.added_name', lang)} {len(added) + 1}", "lat": lat, "lon": lon})
    st.session_state["cov_added"] = added


def _clear_added() -> None:
    st.session_state["cov_added"] = []


PLANNED_MAX_ROWS = 500


def _on_planned_upload() -> None:
    """Read an uploaded file of planned sites; keep either the sites or the problems, never a traceback."""
    f = st.session_state.get("cov_planned")
    st.session_state.pop("cov_planned_sites", None)
    st.session_state.pop("cov_planned_error", None)
    if f is None:
        return
    atlas = cache.atlas()
    specialties = dict(zip(atlas.networks["network_id"], atlas.networks["specialty"], strict=True))
    try:
        sites = read_planned_sites(
            f.getvalue(),
            filename=f.name,
            max_rows=PLANNED_MAX_ROWS,
            provinces=atlas.provinces,
            networks=specialties,
        )
    except UploadError as exc:
        st.session_state["cov_planned_error"] = (exc.filename, [str(p) for p in exc.problems], exc.total)
        return
    st.session_state["cov_planned_sites"] = [
        (str(r.name), float(r.lat), float(r.lon)) for r in sites.itertuples()
    ]


def _render_planned_upload(lang: str) -> list[tuple[str, float, float]]:
    with st.expander(t("cov.planned", lang)):
        st.caption(t("cov.planned.help", lang, n=PLANNED_MAX_ROWS))
        st.file_uploader(
            t("cov.planned.upload", lang),
            type=["csv", "txt", "xlsx", "geojson", "json"],
            key="cov_planned",
            on_change=_on_planned_upload,
        )
        st.download_button(
            t("cov.planned.example", lang),
            data=EXAMPLE_CSV,
            file_name="geplande-locaties.csv",
            mime="text/csv",
            on_click="ignore",
            key="cov_planned_example",
        )
    error = st.session_state.get("cov_planned_error")
    if error:
        name, problems, total = error
        st.error(t("cov.planned.error", lang, name=name, n=total))
        st.code("\n".join(problems), language=None)
    planned = st.session_state.get("cov_planned_sites", [])
    if planned:
        st.caption(t("cov.planned.ok", lang, n=len(planned)))
    return planned


def _on_upload() -> None:
    f = st.session_state.get("cov_upload")
    if f is None:
        st.session_state.pop(POP_UPLOAD, None)
        return
    raw = f.getvalue()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    st.session_state[POP_UPLOAD] = {"digest": digest, "name": f.name, "raw": raw}


def _by_unit(key: str, unit: str) -> str:
    """The catalogue key for a minutes threshold where the wording differs (``cov.col.mean.min``)."""
    return f"{key}.min" if unit == "min" else key


def render_controls(atlas: Atlas, sel: Selection, lang: str) -> dict[str, Any]:
    """Threshold, which sites count, what-if and population source; returns the choices."""
    st.subheader(t("cov.header", lang))
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
    sites = cache.sites_for(sel.networks, sel.specialty, (), tuple(categories), (), False, False)
    options = list(sites["site_id"])
    labels = dict(zip(sites["site_id"], sites["name"] + " (" + sites["city"] + ")", strict=True))
    st.session_state["cov_closed"] = [s for s in st.session_state.get("cov_closed", []) if s in options]
    closed = st.multiselect(
        t("cov.close", lang),
        options,
        key="cov_closed",
        format_func=labels.get,
        placeholder=t("cov.close.placeholder", lang),
    )
    st.caption(t("cov.add.help", lang))
    added = st.session_state.get("cov_added", [])
    for a in added:
        st.caption(f"➕ {html.escape(a['name'])} ({a['lat']:.4f}, {a['lon']:.4f})")
    if added:
        st.button(t("cov.add.clear", lang), key="cov_add_clear", on_click=_clear_added)
    planned = _render_planned_upload(lang)
    areas = st.toggle(t("cov.areas", lang), key="cov_areas")
    with st.expander(t("cov.population", lang)):
        st.caption(t("cov.population.help", lang))
        st.file_uploader(
            t("cov.upload", lang),
            type=["csv", "txt", "gpkg", "geojson", "json"],
            key="cov_upload",
            on_change=_on_upload,
        )
    return {
        "km": float(km),
        "unit": unit,
        "ferry_wait": float(st.session_state.get("tt_wait", FERRY_WAIT_MIN)),
        "categories": tuple(categories),
        "closed": tuple(closed),
        "added": tuple((a["name"], a["lat"], a["lon"]) for a in added) + tuple(planned),
        "areas": areas,
    }


def compute(atlas: Atlas, sel: Selection, choice: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """Run (or fetch from cache) the analysis; show a friendly message instead of failing."""
    if not sel.networks:
        return None
    upload = st.session_state.get(POP_UPLOAD)
    pop_key = upload["digest"] if upload else "geonames"
    if upload:
        try:
            population(pop_key)  # validate the upload before the cached analysis uses it
        except DataValidationError as exc:
            st.error(t("cov.upload.error", lang, name=upload["name"]))
            st.code("\n".join(str(p) for p in exc.problems[:50]), language=None)
            st.session_state.pop(POP_UPLOAD, None)
            pop_key = "geonames"
    try:
        return _compute(
            str(default_data_dir()),
            pop_key,
            sel.networks,
            choice["categories"],
            choice["km"],
            choice["closed"],
            choice["added"],
            choice["areas"],
            choice["unit"],
            choice["ferry_wait"],
        )
    except CoverageError as exc:
        st.warning(str(exc))
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
        unit=choice.get("unit", "km"),
    )


def map_options(cv: CoverageView | None, lang: str) -> dict[str, Any]:
    """Keyword arguments for :func:`components.mapview.render_map` in coverage mode."""
    opts: dict[str, Any] = {"on_map_click": partial(_add_site, lang=lang)}
    if cv is not None:
        opts["shares"] = cv.shares
        opts["share_colormap"] = share_colormap(lang)
        opts["areas"] = cv.areas
        opts["overlay"] = partial(
            add_coverage_overlay, lang=lang, least=cv.least, added=cv.added, unit=cv.unit
        )
        opts["closed"] = cv.closed
    return opts


def render_results(
    atlas: Atlas, sel: Selection, choice: dict[str, Any], result: dict[str, Any] | None, lang: str
) -> None:
    """Headline figures, tables per province and sub-region, what-if, sensitivity and comparison."""
    if result is None:
        return
    what = result["what"]
    km = choice["km"]
    unit = choice.get("unit", "km")
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
        t(_by_unit("cov.m.mean", unit), lang),
        f"{fmt_number(float(total_b['mean_km']), lang, decimals=1)} {unit}",
    )
    c4.metric(t("cov.m.p95", lang), f"{fmt_number(float(total_b['p95_km']), lang, decimals=1)} {unit}")
    st.caption(t(_by_unit("cov.method", unit), lang, km=fmt_number(km, lang), n=result["n_sites"]))
    if unit == "min":
        st.caption(tt_error_caption(lang))
    if result["partial"]:
        st.caption(t("cov.partial", lang, provinces=", ".join(result["partial"])))

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
        st.dataframe(
            _fmt_table(table, lang, km, name_header=t("col.province", lang), unit=unit),
            hide_index=True,
            width="stretch",
            key="cov_table_prov",
        )
    with tabs[1]:
        if what.after.by_subregion.empty:
            st.caption(t("cov.no_subregions", lang))
        else:
            st.dataframe(
                _fmt_table(
                    what.after.by_subregion, lang, km, name_header=t("col.subregions", lang), unit=unit
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
                _fmt_change(what.by_province, lang, unit), hide_index=True, width="stretch", key="cov_change"
            )
            if not what.switched.empty:
                st.markdown(f"**{t('cov.switched', lang, n=fmt_number(len(what.switched), lang))}**")
                sw = what.switched
                st.dataframe(
                    pd.DataFrame(
                        {
                            t("cov.col.name", lang): sw["name"],
                            t("col.province", lang): sw["province"],
                            t("cov.col.population", lang): sw["population"].map(
                                lambda v: fmt_number(float(v), lang)
                            ),
                            t("cov.col.from", lang): sw["from_site"],
                            t("cov.col.to", lang): sw["to_site"],
                            t("cov.col.km_before", lang, unit=unit): sw["km_before"].map(
                                lambda v: fmt_number(float(v), lang, decimals=1)
                            ),
                            t("cov.col.km_after", lang, unit=unit): sw["km_after"].map(
                                lambda v: fmt_number(float(v), lang, decimals=1)
                            ),
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                    key="cov_switched",
                )
    with tabs[3]:
        sens = result["sens"]
        if not sens.empty:
            st.caption(t("cov.sensitive.help", lang, **fk))
            st.dataframe(
                pd.DataFrame(
                    {
                        t("col.site", lang): sens["name"],
                        t("col.organisation", lang): sens["organisation"],
                        t("cov.col.extra", lang, **fk): sens["extra_beyond"].map(
                            lambda v: fmt_number(float(v), lang)
                        ),
                        t("cov.col.extra_share", lang): sens["extra_share"].map(
                            lambda v: fmt_percent(float(v), lang, decimals=2)
                        ),
                    }
                ),
                hide_index=True,
                width="stretch",
                key="cov_sens",
            )
    with tabs[4]:
        least = result["least"]
        st.dataframe(
            pd.DataFrame(
                {
                    t("cov.col.name", lang): least["name"],
                    t("col.province", lang): least["province"],
                    t("cov.col.population", lang): least["population"].map(
                        lambda v: fmt_number(float(v), lang)
                    ),
                    t(_by_unit("cov.col.distance", unit), lang): least["distance_km"].map(
                        lambda v: fmt_number(float(v), lang, decimals=1)
                    ),
                    t("cov.col.nearest", lang): least["site_name"],
                }
            ),
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
    data_dir: str, pop_key: str, a: str, b: str, km: float, unit: str, wait: float
) -> NetworkComparison:
    nearest = minutes_query(cache.travel_model(wait)) if unit == "min" else None
    return compare_networks(cache.atlas(), a, b, km=km, population=population(pop_key), nearest=nearest)


def _render_compare(atlas: Atlas, choice: dict[str, Any], lang: str) -> None:
    upload = st.session_state.get(POP_UPLOAD)
    cmp = _compare(
        str(default_data_dir()),
        upload["digest"] if upload else "geonames",
        "cardionovo",
        "onconovo",
        choice["km"],
        choice.get("unit", "km"),
        choice.get("ferry_wait", FERRY_WAIT_MIN),
    )
    names = dict(zip(atlas.networks["network_id"], atlas.networks["name"], strict=True))
    st.caption(t("cov.compare.help", lang, a=names["cardionovo"], b=names["onconovo"]))
    c1, c2, c3 = st.columns(3)
    for col, title, frame in (
        (c1, t("cov.compare.both", lang), cmp.both),
        (c2, t("cov.compare.only", lang, name=names["cardionovo"]), cmp.only_a),
        (c3, t("cov.compare.only", lang, name=names["onconovo"]), cmp.only_b),
    ):
        col.markdown(f"**{html.escape(title)}** ({len(frame)})")
        col.text("\n".join(frame["organisation"]) or "—")
    km = fmt_number(choice["km"], lang)
    st.markdown(
        f"{html.escape(names['cardionovo'])}: "
        f"**{fmt_percent(float(cmp.coverage_a.total['share']), lang)}** · "
        f"{html.escape(names['onconovo'])}: **{fmt_percent(float(cmp.coverage_b.total['share']), lang)}** "
        f"{html.escape(t('cov.compare.within', lang, km=km, unit=choice.get('unit', 'km')))}"
    )
