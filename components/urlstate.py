"""The view in the URL: a link reopens the same filters, mode, selection and finder location.

Query parameters are read once, when a session starts, into the widgets' session-state keys (before the
widgets are drawn); afterwards every run writes the current state back. A parameter that is unknown,
malformed or out of range falls back to the default (a list keeps its valid items) and is named, in
words, in one short notice, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from geo.data import Atlas
from geo.defaults import FERRY_WAIT_MIN, KM_DEFAULT, KM_MAX, KM_MIN, MIN_DEFAULT, MIN_MAX, MIN_MIN
from geo.geography import VIEW_MARGIN_DEG, in_netherlands_bbox
from geo.i18n import t
from geo.schema import CATEGORIES, PROVINCES, SPECIALTIES

MAX_PARAM_CHARS = 300
READ_FLAG = "_url_read"
NOTICE = "_url_notice"


@dataclass(frozen=True)
class Param:
    """One query parameter: the session-state key it feeds and how to read and write it."""

    key: str
    parse: Callable[[str, Atlas], Any]  # raises ValueError for a bad value
    dump: Callable[[Any], str | None]  # None: leave the parameter out of the URL
    default: str | None = None  # what the page uses instead of a bad value, as the notice names it


def _choice(options: tuple[str, ...] | Callable[[Atlas], list[str]]) -> Callable[[str, Atlas], str]:
    def parse(value: str, atlas: Atlas) -> str:
        allowed = options(atlas) if callable(options) else options
        if value not in allowed:
            raise ValueError(value)
        return value

    return parse


def _list(options: tuple[str, ...] | Callable[[Atlas], list[str]]) -> Callable[[str, Atlas], list[str]]:
    def parse(value: str, atlas: Atlas) -> list[str]:
        allowed = options(atlas) if callable(options) else options
        items = [v for v in value.split(",") if v in allowed]
        if not items:  # nothing usable: the default (a partly valid list keeps its valid ids)
            raise ValueError(value)
        return items

    return parse


def _flag(value: str, _: Atlas) -> bool:
    if value not in ("0", "1"):
        raise ValueError(value)
    return value == "1"


def _int_range(lo: int, hi: int) -> Callable[[str, Atlas], int]:
    """A whole number in ``lo..hi``; anything else (text, ``-5``, ``1e9``) is refused for the default."""

    def parse(value: str, _: Atlas) -> int:
        number = float(value)  # raises ValueError for text
        if not lo <= number <= hi:  # also NaN
            raise ValueError(value)
        return round(number)

    return parse


def _latlon(value: str, _: Atlas) -> dict[str, Any]:
    lat_s, lon_s = value.split(",")
    lat, lon = float(lat_s), float(lon_s)
    if not in_netherlands_bbox(lat, lon, margin=VIEW_MARGIN_DEG):
        raise ValueError(value)
    return {"lat": lat, "lon": lon, "label": f"{lat:.4f}, {lon:.4f}", "query": ""}


def _center(value: str) -> tuple[float, float]:
    point = _latlon(value, None)  # type: ignore[arg-type]
    return (point["lat"], point["lon"])


def _dump_center(value: Any) -> str | None:
    return f"{value[0]:.4f},{value[1]:.4f}" if value else None


def _join(items: Any) -> str | None:
    return ",".join(items) if items else None


PARAMS: dict[str, Param] = {
    "mode": Param("mode", _choice(("map", "finder", "coverage")), lambda v: v if v != "map" else None),
    "spec": Param(
        "f_specialty", _choice(("all", *SPECIALTIES)), lambda v: v if v and v != "all" else None, "all"
    ),
    "net": Param(
        "f_networks", _list(lambda a: list(a.networks["network_id"])), lambda v: ",".join(v) or "none", "all"
    ),
    "sub": Param("f_subregions", _list(lambda a: list(a.subregions["subregion_id"])), _join),
    "kind": Param(
        "f_categories",
        _list(CATEGORIES),
        lambda v: None if list(v) == list(CATEGORIES) else ",".join(v) or "none",
        "all",
    ),
    "prov": Param("f_provinces", _list(PROVINCES), _join),
    "ctx": Param("f_context", _flag, lambda v: "1" if v else None),
    "closed": Param("f_closed", _flag, lambda v: "1" if v else None),
    "tiles": Param("f_tiles", _choice(("none", "nlmaps", "osm")), lambda v: v if v and v != "none" else None),
    "site": Param("selected_site", _choice(lambda a: list(a.sites["site_id"])), lambda v: v or None),
    "loc": Param("finder_loc", _latlon, lambda v: f"{v['lat']:.5f},{v['lon']:.5f}" if v else None),
    "q": Param("finder_q", lambda v, _: v, lambda v: v or None),
    "fspec": Param("finder_spec", _choice(SPECIALTIES), lambda v: v if v and v != "cardiology" else None),
    "n": Param("finder_n", _int_range(1, 10), lambda v: str(v) if v and v != 3 else None, "3"),
    "by": Param("finder_by", _choice(("minutes", "km")), lambda v: v if v and v != "minutes" else None),
    "wait": Param(
        "tt_wait",
        _int_range(0, 60),
        lambda v: str(v) if v is not None and v != FERRY_WAIT_MIN else None,
        f"{FERRY_WAIT_MIN:g}",
    ),
    "unit": Param("cov_unit", _choice(("km", "min")), lambda v: v if v and v != "km" else None),
    "km": Param(
        "cov_km",
        _int_range(KM_MIN, KM_MAX),
        lambda v: str(v) if v and v != KM_DEFAULT else None,
        str(KM_DEFAULT),
    ),
    "min": Param(
        "cov_min",
        _int_range(MIN_MIN, MIN_MAX),
        lambda v: str(v) if v and v != MIN_DEFAULT else None,
        str(MIN_DEFAULT),
    ),
    "out": Param("cov_outpatient", _flag, lambda v: "1" if v else None),
    "c": Param("map_center", lambda v, _: _center(v), _dump_center),
    "z": Param("map_zoom", _int_range(6, 17), lambda v: str(v) if v else None),
    "close": Param("cov_closed", _list(lambda a: list(a.sites["site_id"])), _join),
}
#: Read by other parts of the page (the language switch) but valid here.
PASSTHROUGH = ("lang",)
#: Values the empty URL stands for; an explicit "none" means "nothing selected".
_NONE = "none"


#: One correction the notice names: (what happened, parameter name, value as given, detail).
Correction = tuple[str, str, str, str]


def read_url(atlas: Atlas) -> list[Correction]:
    """Copy valid query parameters into session state once per session; return what was corrected."""
    if st.session_state.get(READ_FLAG):
        return st.session_state.get(NOTICE, [])
    st.session_state[READ_FLAG] = True
    corrections: list[Correction] = []
    for name in st.query_params:
        value = st.query_params.get(name, "")
        if name in PASSTHROUGH:
            continue
        param = PARAMS.get(name)
        if param is None:
            corrections.append(("unknown", name[:40], "", ""))
            continue
        if len(value) > MAX_PARAM_CHARS:
            corrections.append(("too_long", name, "", param.default or ""))
            continue
        try:
            parsed = [] if value == _NONE and name in ("net", "kind") else param.parse(value, atlas)
        except (ValueError, TypeError):
            corrections.append(("invalid", name, value[:40], param.default or ""))
            continue
        if isinstance(parsed, list) and value != _NONE:
            dropped = [v for v in value.split(",") if v and v not in parsed]
            if dropped:
                corrections.append(("dropped", name, ",".join(dropped)[:80], ""))
        st.session_state[param.key] = parsed
    if "loc" in st.query_params and "finder_loc" in st.session_state and st.query_params.get("q"):
        st.session_state["finder_loc"]["label"] = st.query_params.get("q", "")[:MAX_PARAM_CHARS]
    st.session_state[NOTICE] = corrections
    return corrections


def write_url() -> None:
    """Put the current state into the URL (only when it changed, to keep the history clean)."""
    wanted: dict[str, str] = {}
    if "lang" in st.query_params:
        wanted["lang"] = st.query_params["lang"]
    for name, param in PARAMS.items():
        if param.key in st.session_state:
            dumped = param.dump(st.session_state[param.key])
            if dumped is not None:
                wanted[name] = dumped
    if wanted.get("net") == ",".join(st.session_state.get("_all_networks", [])):
        wanted.pop("net")
    current = {k: st.query_params[k] for k in st.query_params}
    for name in ("c", "z"):  # the map writes its view into the address itself (see ViewInUrl)
        if name in current and name not in wanted and len(current[name]) <= 40:
            wanted[name] = current[name]
    if current != wanted:
        st.query_params.from_dict(wanted)


def _quoted(value: str) -> str:
    try:
        float(value)
    except ValueError:
        return "'" + value + "'"
    return value


def describe(correction: Correction, lang: str) -> str:
    """One correction in words: the parameter's name as the page calls it, the value, what is used."""
    kind, name, value, detail = correction
    if kind == "unknown":
        return t("url.unknown", lang, name=f"'{name}'")
    what = t(f"url.param.{name}", lang)
    if kind == "dropped":
        items = ", ".join(f"'{v}'" for v in value.split(","))
        return t("url.dropped", lang, what=what, items=items)
    default = t("url.default.all", lang) if detail == "all" else detail
    if kind == "too_long":
        return t("url.too_long", lang, what=what)
    if default:
        return t("url.invalid.default", lang, what=what, value=_quoted(value), default=default)
    return t("url.invalid", lang, what=what, value=_quoted(value))


def render_notice(ignored: list[Correction], lang: str) -> None:
    """Say once, in words, which link parameters were not used as given and what the page uses instead."""
    if ignored:
        st.caption("⚠️ " + t("url.ignored", lang, params="; ".join(describe(c, lang) for c in ignored)))
