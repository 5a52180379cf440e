"""Sidebar filters: specialty, networks, sub-regions, kinds of site, provinces and layers."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from geo.data import Atlas
from geo.i18n import t
from geo.schema import CATEGORIES, PROVINCES, SPECIALTIES
from geo.selection import Selection

TILE_CHOICES = ("none", "nlmaps", "osm")


def render_counts(sites: gpd.GeoDataFrame, sel: Selection, lang: str) -> None:
    """The counts above the map: organisations and open network sites, closed and other sites apart.

    Says why there is nothing to count when no network or no kind of site is chosen.
    """
    network_sites = sites[sites["in_network"]]
    is_open = network_sites["status"] == "open"
    cols = st.container(key="na_metrics").columns([1, 1, 1, 1, 2])  # compact: layout.PAGE_CSS
    cols[0].metric(t("metric.orgs", lang), network_sites.loc[is_open, "org_id"].nunique())
    cols[1].metric(t("metric.sites", lang), int(is_open.sum()))
    if sel.include_closed:
        cols[2].metric(t("metric.closed", lang), int((~is_open).sum()))
    if sel.include_context:
        cols[3].metric(t("metric.context", lang), len(sites) - len(network_sites))
    if not sel.networks:
        st.info(t("filters.no_networks", lang))
    elif not sel.categories:
        st.info(t("filters.no_kinds", lang))


def _keep_valid(key: str, options: list[str]) -> None:
    """Drop stale choices (e.g. a network of another specialty) before the widget is drawn."""
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]


def render_filters(atlas: Atlas, lang: str) -> Selection:
    """Draw the filters in the sidebar and return the selection."""
    nets = atlas.networks.set_index("network_id")
    sb = st.sidebar
    sb.header(t("filters.header", lang))
    spec_options = ["all", *SPECIALTIES]
    spec = sb.selectbox(
        t("filters.specialty", lang),
        spec_options,
        key="f_specialty",
        format_func=lambda s: t("filters.specialty.all", lang) if s == "all" else t(f"spec.{s}", lang),
    )
    specialty = None if spec == "all" else spec
    net_options = atlas.network_ids(specialty)
    st.session_state["_all_networks"] = net_options  # the default, left out of shared links
    # A new specialty shows all of its networks; a choice made within one specialty is kept.
    if (
        st.session_state.get("_prev_specialty", specialty) != specialty
        or "f_networks" not in st.session_state
    ):
        st.session_state["f_networks"] = list(net_options)
    st.session_state["_prev_specialty"] = specialty
    _keep_valid("f_networks", net_options)
    networks = (
        sb.pills(
            t("filters.networks", lang),
            net_options,
            key="f_networks",
            selection_mode="multi",
            format_func=lambda n: str(nets.loc[n, "name"]),
        )
        or []
    )
    subs = atlas.subregions[atlas.subregions["network_id"].isin(networks)]
    sub_names = dict(zip(subs["subregion_id"], subs["name"], strict=True))
    _keep_valid("f_subregions", list(sub_names))
    chosen_subs = sb.multiselect(
        t("filters.subregions", lang),
        list(sub_names),
        key="f_subregions",
        format_func=lambda s: sub_names.get(s, s),
        help=t("filters.subregions.help", lang),
        disabled=not sub_names,
        placeholder=t("filters.all", lang),
        select_all=False,  # Streamlit's bulk action reads "Select all" in every language
    )
    # Every sub-region is the same as "Alle": networks without sub-regions stay on the map.
    subregions = [] if set(chosen_subs) >= set(sub_names) else chosen_subs
    if subregions and set(networks) - set(atlas.subregions["network_id"]):
        sb.caption(t("filters.subregions.only", lang))
    if "f_categories" not in st.session_state:
        st.session_state["f_categories"] = list(CATEGORIES)
    categories = (
        sb.pills(
            t("filters.kinds", lang),
            list(CATEGORIES),
            key="f_categories",
            selection_mode="multi",
            format_func=lambda c: t(f"catshort.{c}", lang),
        )
        or []
    )
    provinces = sb.multiselect(
        t("filters.provinces", lang),
        list(PROVINCES),
        key="f_provinces",
        placeholder=t("filters.all", lang),
        select_all=False,  # English only in Streamlit 1.67; "Alle" is the empty choice
    )
    include_context = sb.checkbox(t("filters.context", lang), key="f_context")
    include_closed = sb.checkbox(t("filters.closed", lang), key="f_closed")
    tiles = sb.selectbox(
        t("filters.tiles", lang),
        TILE_CHOICES,
        key="f_tiles",
        help=t("filters.tiles.help", lang),
        format_func=lambda c: t(f"tiles.{c}", lang),
    )
    return Selection(
        specialty=specialty,
        networks=tuple(networks),
        subregions=tuple(subregions),
        categories=tuple(categories),
        provinces=tuple(provinces),
        include_context=include_context,
        include_closed=include_closed,
        tiles=None if tiles == "none" else tiles,
    )
