"""Coverage controls and figures beside the main tables: specialty, population, age, and all hospitals.

Figures are never pooled across specialties: when the chosen networks span two, one is picked here
and every figure (headline, tables, map) is for it. Each network is shown next to every open
hospital of its region (:func:`geo.coverage.network_references`), on the same population.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components import cache
from components.coverage_inputs import population
from geo.coverage import network_references, reference_table
from geo.data import Atlas, default_data_dir, network_names
from geo.defaults import FERRY_WAIT_MIN
from geo.i18n import t
from geo.population import AGES, SOURCES
from geo.render.tables import reference_display
from geo.selection import Selection


def render_specialty(atlas: Atlas, sel: Selection, lang: str) -> tuple[str, ...]:
    """The networks the figures are for: all selected ones, or those of one specialty when they span two."""
    spec = dict(zip(atlas.networks["network_id"], atlas.networks["specialty"], strict=True))
    groups: dict[str, list[str]] = {}
    for n in sel.networks:
        groups.setdefault(spec[n], []).append(n)
    if len(groups) < 2:
        return tuple(sel.networks)
    options = sorted(groups, key=lambda s: (-len(groups[s]), s))  # most networks first: the default
    if st.session_state.get("cov_specialty") not in options:
        st.session_state["cov_specialty"] = options[0]
    chosen = st.segmented_control(
        t("cov.specialty", lang),
        options,
        key="cov_specialty",
        format_func=lambda s: t(f"spec.{s}", lang),
        help=t("cov.specialty.help", lang),
    )
    return tuple(groups[chosen or options[0]])


def render_population_controls(lang: str, *, uploaded: bool) -> tuple[str, str]:
    """The population layer (CBS PC4 by default) and the patient population; returns ``(source, age)``."""
    st.session_state.setdefault("cov_pop", SOURCES[0])
    st.session_state.setdefault("cov_age", "all")
    source = (
        st.segmented_control(
            t("cov.pop", lang),
            SOURCES,
            key="cov_pop",
            format_func=lambda s: t(f"cov.pop.{s}", lang),
            help=t("cov.pop.help", lang),
            disabled=uploaded,
        )
        or SOURCES[0]
    )
    no_ages = uploaded or source == "geonames"
    age = (
        st.segmented_control(
            t("cov.age", lang),
            AGES,
            key="cov_age",
            format_func=lambda a: t(f"cov.age.{a}", lang),
            help=t("cov.age.help", lang),
            disabled=no_ages,
        )
        or "all"
    )
    if no_ages and age != "all":
        st.caption(t("cov.age.none", lang))
        age = "all"
    return source, age


@st.cache_data(show_spinner=False, max_entries=32)
def _references(
    data_dir: str,
    pop_key: str,
    networks: tuple[str, ...],
    categories: tuple[str, ...],
    threshold: float,
    unit: str,
    ferry_wait: float,
) -> pd.DataFrame:
    refs = network_references(
        cache.atlas(),
        population(pop_key),
        networks,
        threshold=threshold,
        measure=cache.measure(unit, ferry_wait),
        categories=categories,
    )
    return reference_table(refs)


def render_references(atlas: Atlas, sel: Selection, choice: dict[str, Any], lang: str) -> None:
    """Every selected network next to all hospitals of its region (status quo, not the what-if)."""
    if not sel.networks or "pop_key" not in choice:
        return
    table = _references(
        str(default_data_dir()),
        choice["pop_key"],
        tuple(sel.networks),
        tuple(choice["categories"]),
        float(choice["threshold"]),
        choice["unit"],
        float(choice.get("ferry_wait", FERRY_WAIT_MIN)),
    )
    names, _ = network_names(atlas)
    st.markdown(f"**{t('cov.ref.header', lang)}**")
    st.dataframe(
        reference_display(table, lang, threshold=choice["threshold"], unit=choice["unit"], names=names),
        hide_index=True,
        width="stretch",
        key="cov_reference",
    )
    st.caption(t("cov.ref.help", lang))
