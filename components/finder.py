"""Patient finder: the nearest network hospitals from a place name or a click on the map.

Every action (typing a place, choosing among places of the same name, clicking the map, following a
suggestion) runs in a widget callback that sets ``finder_loc``; the panel then only reads state, so the
latest action always wins and a rerun never resolves the same text twice.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from components import cache
from components.filters import Selection
from geo.data import Atlas
from geo.data import network_names as names
from geo.defaults import FERRY_WAIT_MIN
from geo.i18n import fmt_number, t
from geo.pdok import lookup_postcode, normalise_postcode
from geo.render.popups import result_html
from geo.render.webmap import add_finder_overlay, view_for
from geo.schema import SPECIALTIES

LOC = "finder_loc"
RES = "finder_res"
QUERY = "finder_q"


@dataclass(frozen=True)
class FinderView:
    """What the map draws for the finder: the location and the ranked sites."""

    location: tuple[float, float]
    label: str
    results: pd.DataFrame


def set_location(lat: float, lon: float, label: str, *, query: str = "") -> None:
    """Make ``(lat, lon)`` the finder's location (also used for clicks on the map)."""
    st.session_state[LOC] = {"lat": float(lat), "lon": float(lon), "label": label, "query": query}
    st.session_state.pop(RES, None)


def apply_query() -> None:
    """Resolve the typed text (or a postcode) into the finder's location or an explanation."""
    text = st.session_state.get(QUERY, "")
    postcode = normalise_postcode(text)
    if postcode:
        st.session_state[RES] = ("postcode", postcode)
        if cache.pdok_online():
            try:
                hit = lookup_postcode(postcode)
            except (OSError, ValueError):
                hit = None
            if hit:
                set_location(hit[1], hit[2], hit[0], query=text)
            else:
                st.session_state[RES] = ("postcode_unknown", postcode)
        return
    res = cache.resolve(text)
    if res.status == "found" and res.place:
        p = res.place
        set_location(p.lat, p.lon, p.name if p.is_coordinate else p.label, query=text)
    else:
        st.session_state[RES] = ("place", res)


def _on_choice() -> None:
    place_id = st.session_state.get("finder_choice")
    place = cache.place(place_id) if place_id else None
    if place:
        set_location(place.lat, place.lon, place.label, query=place.label)
        st.session_state[QUERY] = place.label


def _use_suggestion(text: str) -> None:
    st.session_state[QUERY] = text
    apply_query()


def _clear() -> None:
    st.session_state.pop(LOC, None)
    st.session_state.pop(RES, None)
    st.session_state[QUERY] = ""


def _show_resolution(lang: str) -> None:
    """Explain an unresolved query: a choice for ambiguous names, suggestions for unknown ones."""
    kind, value = st.session_state[RES]
    if kind == "postcode":
        st.info(t("finder.postcode", lang), icon="📮")
        return
    if kind == "postcode_unknown":
        st.warning(t("finder.postcode.unknown", lang, postcode=value))
        return
    res = value
    if res.status == "ambiguous":
        st.info(t("finder.ambiguous", lang))
        labels = {
            m.place_id: t("finder.choice", lang, place=m.label, pop=fmt_number(m.population, lang))
            for m in res.matches
        }
        st.radio(
            t("finder.choose", lang),
            list(labels),
            format_func=labels.get,
            key="finder_choice",
            index=None,
            on_change=_on_choice,
            label_visibility="collapsed",
        )
        return
    message = t(f"finder.reason.{res.reason}", lang) if res.reason not in ("", "no_match") else ""
    st.warning(f"{t('finder.unknown', lang, query=res.query[:80])} {message}".strip())
    if res.suggestions:
        st.caption(t("finder.didyoumean", lang))
        cols = st.columns(min(3, len(res.suggestions)))
        for i, s in enumerate(res.suggestions[:6]):
            cols[i % len(cols)].button(s, key=f"finder_sugg_{i}", on_click=_use_suggestion, args=(s,))




def render_finder(atlas: Atlas, sel: Selection, lang: str) -> FinderView | None:
    """Draw the finder panel; return what the map should draw, or ``None`` without a location."""
    st.subheader(t("finder.header", lang))
    st.text_input(
        t("finder.place", lang),
        key=QUERY,
        on_change=apply_query,
        max_chars=200,
        placeholder=t("finder.place.placeholder", lang),
        help=t("finder.place.help", lang),
    )
    # Defaults go into session state, not into the widgets: a shared link may have set these keys
    # already, and Streamlit warns on the page when a widget gets both.
    for key, value in (
        ("finder_spec", "cardiology"),
        ("finder_n", 3),
        ("finder_by", "minutes"),
        ("tt_wait", int(FERRY_WAIT_MIN)),
    ):
        st.session_state.setdefault(key, value)
    specialty = sel.specialty
    if specialty is None:
        specialty = (
            st.segmented_control(
                t("finder.specialty", lang),
                list(SPECIALTIES),
                key="finder_spec",
                format_func=lambda s: t(f"spec.{s}", lang),
            )
            or "cardiology"
        )
    limit = st.slider(t("finder.limit", lang), 1, 10, key="finder_n")
    by = (
        st.segmented_control(
            t("finder.by", lang),
            ("minutes", "km"),
            key="finder_by",
            format_func=lambda b: t(f"finder.by.{b}", lang),
            help=t("finder.by.help", lang),
        )
        or "minutes"
    )
    with st.expander(t("tt.settings", lang)):
        wait = st.slider(
            t("tt.wait", lang),
            0,
            60,
            step=5,
            key="tt_wait",
            help=t("tt.wait.help", lang),
        )
        st.caption(t("tt.method", lang))
        from geo.traveltime import error_caption  # scipy: loaded only where minutes are shown

        st.caption(error_caption(lang))
    if RES in st.session_state:
        _show_resolution(lang)
    loc = st.session_state.get(LOC)
    if not loc:
        if RES not in st.session_state:
            st.caption(t("finder.start", lang))
        return None
    networks = tuple(n for n in sel.networks if n in atlas.network_ids(specialty))
    sites = cache.sites_for(networks, specialty, sel.subregions, sel.categories, (), False, False)
    from geo.traveltime import nearest_by_time

    with st.spinner(t("tt.loading", lang)):
        model = cache.travel_model(wait)
    results = nearest_by_time(loc["lat"], loc["lon"], sites, model, limit=limit, by=by)
    st.markdown(f"**{html.escape(t('finder.from', lang, place=loc['label']))}**")
    if results.empty:
        st.warning(t("finder.none", lang))
    net_names, sub_names = names(atlas)
    for _, r in results.iterrows():
        with st.container(border=True):
            st.html(
                result_html(
                    r, lang=lang, net_names=net_names, sub_names=sub_names, origin=(loc["lat"], loc["lon"])
                )
            )
            if st.button(t("finder.show", lang), key=f"finder_show_{r['site_id']}"):
                st.session_state["selected_site"] = r["site_id"]
    st.caption(t("finder.method", lang))
    st.button(t("finder.clear", lang), key="finder_clear", on_click=_clear)
    return FinderView((loc["lat"], loc["lon"]), loc["label"], results)


def _click_location(lat: float, lon: float, *, lang: str) -> None:
    set_location(lat, lon, f"{t('finder.clicked', lang)} ({lat:.4f}, {lon:.4f})")
    st.session_state[QUERY] = ""


def map_options(found: FinderView | None, lang: str) -> dict[str, Any]:
    """Keyword arguments for :func:`components.mapview.render_map` in finder mode."""
    opts: dict[str, Any] = {"on_map_click": partial(_click_location, lang=lang)}
    if found is not None:
        opts["overlay"] = partial(
            add_finder_overlay, lang=lang, location=found.location, label=found.label, results=found.results
        )
        points = [found.location, *zip(found.results["lat"], found.results["lon"], strict=True)]
        opts["view"] = view_for(points)
    return opts
