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
from components.finder_query import (
    CLEAR_QUERY,
    FOCUS,
    LOC,
    MAX_QUERY_CHARS,
    QUERY,
    RES,
    apply_query,
    clear,
    click_location,
    postcode_message,
    set_location,
    show_on_map,
)
from geo.data import Atlas
from geo.data import network_names as names
from geo.defaults import FERRY_WAIT_MIN
from geo.i18n import fmt_number, t
from geo.names import display_name
from geo.render.popups import result_html
from geo.render.webmap import add_finder_overlay, view_for
from geo.schema import SPECIALTIES


@dataclass(frozen=True)
class FinderView:
    """What the map draws for the finder: the location and the ranked sites."""

    location: tuple[float, float]
    label: str
    results: pd.DataFrame
    specialty: str = "cardiology"
    by: str = "minutes"


def _on_choice() -> None:
    place_id = st.session_state.get("finder_choice")
    place = cache.place(place_id) if place_id else None
    if place:
        set_location(place.lat, place.lon, place.label, query=place.label, province=place.province)
        st.session_state[QUERY] = place.label


def _use_suggestion(text: str) -> None:
    st.session_state[QUERY] = text
    apply_query()


def _show_resolution(lang: str) -> None:
    """Explain an unresolved query: a choice for ambiguous names, suggestions for unknown ones."""
    kind, value = st.session_state[RES]
    if kind == "postcode":
        st.info(t("finder.postcode", lang), icon="📮")
        return
    if kind == "postcode_error":
        st.warning(postcode_message(value, lang))
        return
    if kind == "too_long":
        st.warning(t("finder.too_long", lang, n=value, max=MAX_QUERY_CHARS))
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


def _province(atlas: Atlas, loc: dict[str, Any]) -> str:
    """The province of the finder's location: from the gazetteer or PC4 area, else from the polygons."""
    if loc.get("province"):
        return str(loc["province"])
    from geo.crs import to_rd
    from geo.geography import province_codes

    x, y = to_rd().transform(loc["lon"], loc["lat"])
    codes, _ = province_codes([x], [y], atlas.provinces)
    return str(atlas.provinces.iloc[int(codes[0])]["name"])


def _nearest(loc: dict[str, Any], sites: pd.DataFrame, model: Any, by: str, limit: int) -> pd.DataFrame:
    from geo.traveltime import nearest_by_time

    return nearest_by_time(loc["lat"], loc["lon"], sites, model, limit=limit, by=by)  # type: ignore[arg-type]


def _hospitals(sites: pd.DataFrame, only: bool) -> pd.DataFrame:
    return sites[sites["kind"] == "hospital"] if only else sites


def _uncovered_notice(
    atlas: Atlas, sel: Selection, loc: dict[str, Any], specialty: str, province: str, ctx: dict[str, Any]
) -> str | None:
    """Say that no network of ``specialty`` covers the province, and what is near instead; else ``None``."""
    lang = ctx["lang"]
    own = atlas.network_ids(specialty)
    if not own or province in atlas.region_provinces(own):
        return None
    from babel.lists import format_list

    net_names, _ = names(atlas)
    spec_name = t(f"spec.{specialty}", lang).lower()
    where = [
        t(
            "finder.outside.network",
            lang,
            network=net_names[n],
            provinces=format_list(atlas.region_provinces([n]), locale=lang),
        )
        for n in own
    ]
    place = loc["label"].split(" (")[0] if loc.get("province") else loc["label"]
    parts = [
        t(
            "finder.outside",
            lang,
            place=place,
            province=province,
            specialty=spec_name,
            networks="; ".join(where),
        )
    ]
    for other in SPECIALTIES:
        covering = [n for n in atlas.network_ids(other) if province in atlas.region_provinces([n])]
        if other == specialty or not covering:
            continue
        sites = cache.sites_for(tuple(covering), other, (), sel.categories, (), False, False)
        hit = _nearest(loc, _hospitals(sites, ctx["only"]), ctx["model"], ctx["by"], 1)
        if not hit.empty:
            r = hit.iloc[0]
            net = ", ".join(net_names.get(n, n) for n in r["networks"] if n in covering)
            parts.append(
                t(
                    "finder.outside.other",
                    lang,
                    specialty=t(f"spec.{other}", lang).lower(),
                    site=display_name(r, lang),
                    network=net,
                    km=fmt_number(r["distance_km"], lang, decimals=1),
                )
            )
    if sel.include_context:
        everything = cache.sites_for((), None, (), sel.categories, (), True, False)
        outside = everything[~everything["in_network"]]
        hit = _nearest(loc, _hospitals(outside, ctx["only"]), ctx["model"], ctx["by"], 1)
        if not hit.empty:
            r = hit.iloc[0]
            parts.append(
                t(
                    "finder.outside.context",
                    lang,
                    site=display_name(r, lang),
                    km=fmt_number(r["distance_km"], lang, decimals=1),
                )
            )
    return " ".join(parts)


def render_finder(atlas: Atlas, sel: Selection, lang: str) -> FinderView | None:
    """Draw the finder panel; return what the map should draw, or ``None`` without a location."""
    st.subheader(t("finder.header", lang))
    if st.session_state.pop(CLEAR_QUERY, False):
        st.session_state[QUERY] = ""  # a click set the location; its text is no longer the query
    st.text_input(
        t("finder.place", lang),
        key=QUERY,
        on_change=apply_query,
        max_chars=MAX_QUERY_CHARS * 5,  # longer text is kept and explained, not cut off by the browser
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
        ("finder_hospitals", True),
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
    only_hospitals = st.toggle(
        t("finder.hospitals", lang), key="finder_hospitals", help=t("finder.hospitals.help", lang)
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
    if st.session_state.get("finder_click_error"):
        st.warning(t("finder.no_time", lang))
    loc = st.session_state.get(LOC)
    if not loc:
        if RES not in st.session_state and not st.session_state.get("finder_click_error"):
            st.caption(t("finder.start", lang))
        return None
    networks = tuple(n for n in sel.networks if n in atlas.network_ids(specialty))
    sites = cache.sites_for(networks, specialty, sel.subregions, sel.categories, (), False, False)
    with st.spinner(t("tt.loading", lang)):
        model = cache.travel_model(wait)
    st.markdown(f"**{html.escape(t('finder.from', lang, place=loc['label']))}**")
    if loc.get("pc4"):
        st.caption(t("finder.postcode.centre", lang, code=loc["pc4"]))
    ctx = {"lang": lang, "only": only_hospitals, "model": model, "by": by}
    notice = _uncovered_notice(atlas, sel, loc, specialty, _province(atlas, loc), ctx)
    if notice:
        st.warning(notice)
        results = _nearest(loc, sites.iloc[0:0], model, by, limit)
    else:
        results = _nearest(loc, _hospitals(sites, only_hospitals), model, by, limit)
        if not results.empty and not results["minutes"].map(lambda m: m < float("inf")).any():
            st.warning(t("finder.no_time", lang))  # a location no trip can start from
            results = results.iloc[0:0]
        elif results.empty:
            st.warning(t("finder.none", lang))
    net_names, sub_names = names(atlas)
    for _, r in results.iterrows():
        with st.container(border=True):
            st.html(
                result_html(
                    r, lang=lang, net_names=net_names, sub_names=sub_names, origin=(loc["lat"], loc["lon"])
                )
            )
            st.button(
                t("finder.show", lang),
                key=f"finder_show_{r['site_id']}",
                on_click=show_on_map,
                args=(r["site_id"],),
            )
    st.caption(t("finder.method", lang))
    st.button(t("finder.clear", lang), key="finder_clear", on_click=clear)
    return FinderView((loc["lat"], loc["lon"]), loc["label"], results, specialty, by)


#: Zoom the map goes to for "Toon op kaart": the site and its streets.
FOCUS_ZOOM = 14


def map_options(found: FinderView | None, lang: str) -> dict[str, Any]:
    """Keyword arguments for :func:`components.mapview.render_map` in finder mode."""
    opts: dict[str, Any] = {"on_map_click": partial(click_location, lang=lang)}
    if found is not None:
        opts["overlay"] = partial(
            add_finder_overlay, lang=lang, location=found.location, label=found.label, results=found.results
        )
        focus = found.results[found.results["site_id"] == st.session_state.get(FOCUS)]
        if not focus.empty:
            opts["view"] = ((float(focus.iloc[0]["lat"]), float(focus.iloc[0]["lon"])), FOCUS_ZOOM)
        else:
            points = [found.location, *zip(found.results["lat"], found.results["lon"], strict=True)]
            opts["view"] = view_for(points)
    return opts
