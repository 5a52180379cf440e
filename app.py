"""NetwerkAtlas: the Dutch regional hospital networks on an offline map."""

from pathlib import Path

import streamlit as st

from components import cache
from components.about import render_about
from components.details import render_details
from components.export import remember_view, render_export
from components.filters import render_counts, render_filters
from components.finder import apply_query, render_finder
from components.finder import map_options as finder_map_options
from components.layout import PAGE_CSS
from components.mapview import render_map
from components.sites_table import render_table
from components.state import render_language, render_mode
from components.urlstate import read_url, render_notice, write_url
from geo.errors import DataValidationError
from geo.i18n import t
from geo.render.assets import vendored_problem

st.set_page_config(page_title="NetwerkAtlas", page_icon="🗺️", layout="wide")
st.html(PAGE_CSS)
head, switch = st.columns([5, 1], vertical_alignment="center")
lang = render_language(switch)  # in the page, so a phone shows it without opening the sidebar
if problem := vendored_problem(Path(__file__).parent / "static" / "vendor"):  # vendored by `make setup`
    st.warning(t("error.assets", lang))
    st.caption(problem)
head.title(t("app.title", lang))
head.caption(t("app.tagline", lang))

try:
    atlas = cache.atlas()
except DataValidationError as exc:
    st.error(f"**{t('error.data.title', lang)}**\n\n{t('error.data.body', lang)}")
    st.code("\n".join(str(p) for p in exc.problems), language=None)
    st.stop()

ignored = read_url(atlas)
if (
    st.session_state.get("finder_q")
    and "finder_loc" not in st.session_state
    and "finder_res" not in st.session_state
):
    apply_query()  # a shared link with ?q=Emmeloord
sel = render_filters(atlas, lang)
sites = cache.sites_for(*sel.cache_args())
render_counts(sites, sel, lang)
render_notice(ignored, lang)


@st.fragment
def map_and_panel() -> None:
    """Mode switch, map and side panel: a click on the map or a mode switch reruns only these."""
    mode = render_mode(lang)
    left, right = st.container(key="na_map_block").columns([3, 2] if mode != "map" else [3, 1])
    options: dict = {}
    found, coverage = None, None
    with right:
        if mode == "finder":
            found = render_finder(atlas, sel, lang)
            options = finder_map_options(found, lang)
        elif mode == "coverage":
            from components import coverage as cov  # scipy and the population load only when asked

            choice = cov.render_controls(atlas, sel, lang)
            coverage = (choice, cov.compute(atlas, sel, choice, lang))
            options = cov.map_options(cov.view(coverage[1], choice, lang), lang)
        render_details(atlas, sites, lang)
    with left:
        render_map(atlas, sites, sel, lang, **options)
    if coverage:
        from components import coverage as cov

        cov.render_results(atlas, sel, *coverage, lang)
    write_url()
    remember_view(finder=found, coverage=coverage)


map_and_panel()
render_export(atlas, sel, sites, lang)
render_table(atlas, sites, lang)
render_about(atlas, sel.networks, lang)
cache.warm_up()  # the finder's and coverage's data, while the visitor looks at the map
