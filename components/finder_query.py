"""What the finder makes of the user's input: typed places and postcodes, clicks on the map.

Each function here runs in a widget callback and only writes session state (``finder_loc`` for a
location, ``finder_res`` for an explanation); the panel reads it. A failed query clears the old
location, so results never stand under an error about a newer query; a click that cannot be used
(water, abroad) keeps the previous state and says why.
"""

from __future__ import annotations

import streamlit as st

from components import cache
from geo.errors import DataValidationError
from geo.i18n import t
from geo.pdok import lookup_postcode as pdok_lookup
from geo.pdok import normalise_postcode
from geo.postcodes import PostcodeArea, PostcodeError, area_at, looks_like_postcode, lookup_postcode

LOC = "finder_loc"
RES = "finder_res"
QUERY = "finder_q"
FOCUS = "finder_focus"
#: Set when the query field must be emptied before it is drawn again (a click outside a callback).
CLEAR_QUERY = "_finder_clear_q"
#: Longest text taken as a place name or postcode; longer text is kept in the field and explained.
MAX_QUERY_CHARS = 200


def set_location(lat: float, lon: float, label: str, *, query: str = "", province: str = "") -> None:
    """Make ``(lat, lon)`` the finder's location (also used for clicks on the map)."""
    st.session_state[LOC] = {
        "lat": float(lat),
        "lon": float(lon),
        "label": label,
        "query": query,
        "province": province,
    }
    for key in (RES, FOCUS):
        st.session_state.pop(key, None)


def _explain(kind: str, value: object) -> None:
    """Show an explanation instead of results: the old location goes (item: no stale results)."""
    st.session_state.pop(LOC, None)
    st.session_state.pop(FOCUS, None)
    st.session_state[RES] = (kind, value)


def _census_area(text: str) -> PostcodeArea | None:
    """The PC4 area of a typed postcode, or ``None`` when this data folder ships no population files."""
    try:
        return lookup_postcode(text)
    except (DataValidationError, FileNotFoundError):
        return None


def _apply_postcode(text: str, lang: str) -> None:
    try:
        area = _census_area(text)
    except PostcodeError as exc:
        _explain("postcode_error", exc)
        return
    full = normalise_postcode(text)
    if full and cache.pdok_online():  # the exact address when PDOK answers, as before
        try:
            hit = pdok_lookup(full)
        except (OSError, ValueError):
            hit = None
        if hit:
            set_location(hit[1], hit[2], hit[0], query=text, province=area.province if area else "")
            return
    if area is None:
        _explain("postcode", full or text.strip())  # no offline areas in this data folder
        return
    label = t("finder.postcode.label", lang, postcode=area.label)
    set_location(area.lat, area.lon, label, query=text, province=area.province)
    st.session_state[LOC]["pc4"] = area.code


def apply_query() -> None:
    """Resolve the typed text (a place, coordinates or a postcode) into a location or an explanation."""
    text = st.session_state.get(QUERY, "") or ""
    lang = st.session_state.get("lang", "nl")
    st.session_state.pop("finder_click_error", None)
    if not text.strip():
        st.session_state.pop(RES, None)  # nothing typed: nothing to say
        return
    if len(text) > MAX_QUERY_CHARS:
        _explain("too_long", len(text))
        return
    if looks_like_postcode(text):
        _apply_postcode(text, lang)
        return
    res = cache.resolve(text)
    if res.status == "found" and res.place:
        p = res.place
        set_location(p.lat, p.lon, p.name if p.is_coordinate else p.label, query=text, province=p.province)
    else:
        _explain("place", res)


def postcode_message(exc: PostcodeError, lang: str) -> str:
    """A postcode problem in the user's language, with what was understood and a suggestion."""
    understood = exc.understood or ""
    text = t(
        f"postcode.reason.{exc.reason}",
        lang,
        text=exc.text.strip(),
        understood=understood,
        digits=understood[:4],
        letters=understood[5:],
    )
    if exc.suggestion:
        text += " " + t("postcode.suggestion", lang, suggestion=exc.suggestion)
    return text


def _area_at(lat: float, lon: float) -> PostcodeArea | bool | None:
    """The PC4 area of a point; ``False`` when this data folder has no PC4 areas to look in."""
    try:
        return area_at(lat, lon)
    except (DataValidationError, FileNotFoundError):
        return False


def _reachable(lat: float, lon: float) -> bool:
    """Whether the travel model can start a trip here (land in the grid, not far out on water)."""
    from geo.crs import to_rd

    x, y = to_rd().transform(float(lon), float(lat))
    snapped = cache.travel_model(st.session_state.get("tt_wait", 0)).snap([x], [y], what="map clicks")
    return bool(snapped.node[0] >= 0)


def click_location(lat: float, lon: float, *, lang: str) -> None:
    """A click on the map: the new location, named by its PC4 area; water or abroad is refused."""
    area = _area_at(lat, lon)
    if area is None or (area is False and not _reachable(lat, lon)):
        st.session_state["finder_click_error"] = True  # the previous location stays
        return
    st.session_state.pop("finder_click_error", None)
    where = f"({lat:.4f}, {lon:.4f})"
    if area:
        label = f"{t('finder.clicked_in', lang, area=area.label)} {where}"
        set_location(lat, lon, label, province=area.province)  # the click itself, not the area's centre
    else:
        set_location(lat, lon, f"{t('finder.clicked', lang)} {where}")
    st.session_state[CLEAR_QUERY] = True


def show_on_map(site_id: str) -> None:
    """ "Toon op kaart": select the site and move the map to it."""
    st.session_state["selected_site"] = site_id
    st.session_state[FOCUS] = site_id


def clear() -> None:
    """ "Locatie wissen": forget the location, the explanation and the text."""
    for key in (LOC, RES, FOCUS, "finder_click_error"):
        st.session_state.pop(key, None)
    st.session_state[QUERY] = ""
