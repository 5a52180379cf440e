"""Inputs of the coverage mode: the population in use, uploaded planned sites and sites added by a click.

Every upload is read in its ``on_change`` callback by :mod:`geo.tabular`-based readers; the result or
the problems are kept in session state, so a bad file shows a message and never a traceback.
"""

from __future__ import annotations

import hashlib
import html
import io
import re

import geopandas as gpd
import streamlit as st

from components import cache
from geo.data import default_data_dir
from geo.defaults import PLANNED_MAX_ROWS
from geo.errors import Problem
from geo.i18n import problem_text, t
from geo.population import read_population_file
from geo.uploads import EXAMPLE_CSV, UploadError, read_planned_sites

POP_UPLOAD = "cov_population_upload"


@st.cache_resource(show_spinner=False, max_entries=8)
def _population_upload(digest: str, name: str, raw: bytes) -> gpd.GeoDataFrame:
    from geo.data import load_provinces

    return read_population_file(io.BytesIO(raw), filename=name, provinces=load_provinces(default_data_dir()))


def official_key(source: str, age: str) -> str:
    """The cache key of an official population layer (an upload's key is its digest)."""
    return f"{source}:{age}"


def population(key: str) -> gpd.GeoDataFrame:
    """The population points in use: an official layer (``"pc4:all"``, ...) or the user's uploaded file."""
    upload = st.session_state.get(POP_UPLOAD)
    if ":" not in key and upload and upload["digest"] == key:
        return _population_upload(upload["digest"], upload["name"], upload["raw"])
    source, _, age = key.partition(":") if ":" in key else ("pc4", "", "all")
    return cache.population(source, age)


def add_site(lat: float, lon: float, *, lang: str) -> None:
    """Add a hypothetical site where the map was clicked (at most ten); a click on water is refused."""
    from geo.coverage import on_land

    if not on_land(lat, lon):
        st.session_state["cov_click_error"] = True
        return
    st.session_state.pop("cov_click_error", None)
    added = list(st.session_state.get("cov_added", []))
    if len(added) < 10:
        added.append({"name": f"{t('cov.added_name', lang)} {len(added) + 1}", "lat": lat, "lon": lon})
    st.session_state["cov_added"] = added


def clear_added() -> None:
    """Forget the sites added by clicking."""
    st.session_state["cov_added"] = []


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
        st.session_state["cov_planned_error"] = (exc.filename, list(exc.problems), exc.total)
        return
    from geo.coverage import on_land

    wet = [r for r in sites.itertuples() if not on_land(float(r.lat), float(r.lon))]
    if wet:  # within the coarse province outline, but on water or across the border
        problems = [water_problem(f.name, int(r.source_row), float(r.lat), float(r.lon)) for r in wet]
        st.session_state["cov_planned_error"] = (f.name, problems, len(problems))
        return
    # kind and networks travel with each site: it counts only where they match (applicable_added)
    st.session_state["cov_planned_sites"] = [
        (str(r.name), float(r.lat), float(r.lon), str(r.category), tuple(r.networks))
        for r in sites.itertuples()
    ]


def render_planned_upload(lang: str) -> list[tuple[object, ...]]:
    """The planned-sites uploader, its example file and its problems; returns the sites read.

    Each site is ``(name, lat, lon, category, networks)``, as :func:`geo.coverage.applicable_added` takes it.
    """
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
        show_problems(problems, lang)
    planned = st.session_state.get("cov_planned_sites", [])
    if planned:
        st.caption(t("cov.planned.ok", lang, n=len(planned)))
    return planned


def on_population_upload() -> None:
    """Keep the uploaded population file (bytes and digest); it is read when the analysis runs."""
    f = st.session_state.get("cov_upload")
    if f is None:
        st.session_state.pop(POP_UPLOAD, None)
        return
    raw = f.getvalue()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    st.session_state[POP_UPLOAD] = {"digest": digest, "name": f.name, "raw": raw}


def water_problem(file: str, line: int, lat: float, lon: float) -> Problem:
    """A planned site inside the province outlines but on water or across the border."""
    shown = f"({lat:.5f}, {lon:.5f})"
    msg = f"{shown} lies in water or abroad"
    return Problem(file, line, None, msg, code="water", values={"position": (round(lat, 5), round(lon, 5))})


def escape_markdown(text: str) -> str:
    """``text`` shown literally by ``st.markdown``: HTML, emphasis, links, code and maths escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+!|~$:])", r"\\\1", html.escape(text, quote=False))


def show_problems(problems: list[Problem], lang: str) -> None:
    """The problems of an upload in ``lang`` as a bulleted list that wraps in a narrow column."""
    items = "\n".join(f"- {escape_markdown(problem_text(p, lang))}" for p in problems)
    st.markdown(f"{t('cov.problems.shown', lang)}\n\n{items}")
