"""Cached access to the domain layer: load and validate once per process, filter once per selection."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from pathlib import Path

from geo.data import Atlas, default_data_dir, filter_sites, load_atlas


def atlas() -> Atlas:
    """The validated data of the current data folder, loaded once per process (read-only afterwards)."""
    return _atlas(str(default_data_dir()))


@st.cache_resource(show_spinner=False)
def _atlas(data_dir: str) -> Atlas:
    return load_atlas(Path(data_dir))


def sites_for(*args: object) -> gpd.GeoDataFrame:
    """Return the sites of one filter selection (see :meth:`Selection.cache_args`), cached per selection."""
    return _sites_for(str(default_data_dir()), *args)


@st.cache_data(show_spinner=False, max_entries=256)
def _sites_for(
    data_dir: str,
    networks: tuple[str, ...],
    specialty: str | None,
    subregions: tuple[str, ...],
    categories: tuple[str, ...],
    provinces: tuple[str, ...],
    include_context: bool,
    include_closed: bool,
) -> gpd.GeoDataFrame:
    return filter_sites(
        _atlas(data_dir),
        networks=list(networks),
        specialty=specialty,
        subregions=list(subregions) or None,
        categories=list(categories),
        provinces=list(provinces) or None,
        include_context=include_context,
        include_closed=include_closed,
    )
