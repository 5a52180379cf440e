"""Page-wide state: the language switch."""

from __future__ import annotations

import streamlit as st

from geo.i18n import DEFAULT_LANG, LANGS, t


def render_language(where=None) -> str:
    """Draw the NL/EN switch (in ``where``, by default the top of the sidebar); return the language code.

    The choice lives in the URL (``?lang=en``) so a shared link opens in the same language; an
    unknown value falls back to Dutch.
    """
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANG)
        st.session_state["lang"] = wanted if wanted in LANGS else DEFAULT_LANG
    lang = (where or st.sidebar).segmented_control(
        f"{t('lang.label', 'nl')} / {t('lang.label', 'en')}",
        LANGS,
        key="lang",
        format_func=str.upper,
        label_visibility="collapsed",
    ) or DEFAULT_LANG
    if st.query_params.get("lang", DEFAULT_LANG) != lang:
        st.query_params["lang"] = lang
    return lang


MODES = ("map", "finder", "coverage")


def render_mode(lang: str) -> str:
    """Draw the switch between the network map, the finder and coverage; return the mode."""
    if st.session_state.get("mode") not in MODES:
        st.session_state["mode"] = st.session_state.get(_SHOWN_MODE, "map")
    st.session_state[_SHOWN_MODE] = st.session_state["mode"]
    return (
        st.segmented_control(
            t("mode.label", lang),
            MODES,
            key="mode",
            format_func=lambda m: t(f"mode.{m}", lang),
            label_visibility="collapsed",
            on_change=_keep_mode,
        )
        or "map"
    )


_SHOWN_MODE = "_mode_shown"


def _keep_mode() -> None:
    """A click on the active segment deselects it; the mode shown stays active instead."""
    if st.session_state.get("mode") not in MODES:
        st.session_state["mode"] = st.session_state.get(_SHOWN_MODE, "map")
