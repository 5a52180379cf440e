"""Cached access to the domain layer: load and validate once per process, filter once per selection."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from geo.data import Atlas, filter_sites, load_atlas


@st.cache_resource(show_spinner=False)
def atlas() -> Atlas:
    """Load and validate the shipped data once per server process (read-only afterwards)."""
    return load_atlas()


@st.cache_data(show_spinner=False, max_entries=256)
def sites_for(
    networks: tuple[str, ...],
    specialty: str | None,
    subregions: tuple[str, ...],
    categories: tuple[str, ...],
    provinces: tuple[str, ...],
    include_context: bool,
    include_closed: bool,
) -> gpd.GeoDataFrame:
    """Return the sites of one filter selection (cached per selection)."""
    return filter_sites(
        atlas(),
        networks=list(networks),
        specialty=specialty,
        subregions=list(subregions) or None,
        categories=list(categories),
        provinces=list(provinces) or None,
        include_context=include_context,
        include_closed=include_closed,
    )
