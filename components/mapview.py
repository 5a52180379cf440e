"""The interactive map: st_folium with a stable base map and a swappable marker layer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import folium
import geopandas as gpd
import streamlit as st
import streamlit_folium

from components.filters import Selection
from geo.data import Atlas, default_data_dir
from geo.data import network_names as names
from geo.i18n import t
from geo.nearest import site_at
from geo.render.popups import escape
from geo.render.report import region_of
from geo.render.symbols import legend_html, share_legend_html
from geo.render.weblayers import FitViewport, LegendContent, LegendControl, PlaceNames, place_names_json
from geo.render.webmap import ViewInUrl, build_base_map, build_site_layer

MAP_KEY = "map"
#: Only clicks come back from the browser; pan and zoom therefore never rerun the app.
RETURNED = ["last_object_clicked"]
#: In finder mode a click on an empty spot of the map sets the patient's location as well.
RETURNED_WITH_CLICKS = ["last_object_clicked", "last_clicked"]
#: The height sent to st_folium; in the browser the map then fills the window (FitViewport).
MAP_HEIGHT = 700
NEIGHBOURS_FILE = "neighbours.geojson"


def render_map(
    atlas: Atlas,
    sites: gpd.GeoDataFrame,
    sel: Selection,
    lang: str,
    *,
    overlay: Callable[[folium.FeatureGroup], None] | None = None,
    view: tuple[tuple[float, float], float] | None = None,
    on_map_click: Callable[[float, float], None] | None = None,
    shares: Mapping[str, float] | None = None,
    share_colormap: Any = None,
    areas: gpd.GeoDataFrame | None = None,
    closed: tuple[str, ...] = (),
    legend_extra: str = "",
) -> None:
    """Draw the map with its legend.

    ``overlay`` draws extra layers (finder lines, coverage) into the dynamic group, ``view`` moves the
    map to a centre and zoom without remounting it, and ``on_map_click`` receives clicks on empty map.
    In coverage mode ``shares`` and ``areas`` shade the provinces and outline service areas, and the
    ``closed`` sites of a what-if are drawn as closed; ``legend_extra`` (escaped HTML) ends the legend.
    """
    net_names, sub_names = names(atlas)
    shown = {n: net_names[n] for n in sel.networks}
    region, partly = region_of(atlas, sel.networks)
    base = build_base_map(
        atlas.provinces,
        lang=lang,
        highlighted=region,
        partial=partly,
        tiles=sel.tiles,
        shares=shares,
        share_colormap=share_colormap,
        areas=areas,
        neighbours=default_data_dir() / NEIGHBOURS_FILE,
    )
    base.add_child(ViewInUrl())
    base.add_child(FitViewport())
    base.add_child(PlaceNames(place_names_json(atlas.provinces)))
    base.add_child(LegendControl(escape(t("legend.title", lang))))
    drawn = sites
    if closed:
        drawn = sites.copy()
        drawn.loc[drawn["site_id"].isin(closed), "status"] = "closed"
    layer = build_site_layer(
        drawn,
        lang=lang,
        network_names=shown,
        subregion_names=sub_names,
        selected=st.session_state.get("selected_site"),
        cluster_label=t("map.cluster", lang, n="{n}"),
    )
    if overlay:
        overlay(layer)
    if view is None and st.session_state.get("map_center") and st.session_state.get("map_zoom"):
        view = (st.session_state["map_center"], st.session_state["map_zoom"])  # from a shared link
    elif view is not None:
        st.session_state["map_center"], st.session_state["map_zoom"] = view  # so the link reopens this view
    center, zoom = view if view else (None, None)
    layer.add_child(
        LegendContent(_legend(sites, sel, shown, shares, share_colormap, closed, lang, legend_extra))
    )
    out = streamlit_folium.st_folium(
        base,
        key=MAP_KEY,
        height=MAP_HEIGHT,
        use_container_width=True,
        returned_objects=RETURNED_WITH_CLICKS if on_map_click else RETURNED,
        feature_group_to_add=layer,
        center=center,
        zoom=zoom,
        on_change=partial(_on_change, sites, on_map_click),
    )
    handle_click(out, sites, on_map_click)  # also covers a click whose callback did not run


def _legend(
    sites: gpd.GeoDataFrame,
    sel: Selection,
    shown: Mapping[str, str],
    shares: Mapping[str, float] | None,
    share_colormap: Any,
    closed: tuple[str, ...],
    lang: str,
    extra: str = "",
) -> str:
    """The legend's HTML for what the map shows (drawn inside the map, see LegendControl); ``extra``
    (escaped HTML) follows the coverage scales."""
    cats = [c for c in sel.categories if c in set(sites["category"])]
    legend = legend_html(
        lang=lang,
        network_names=shown,
        categories=cats,
        context=sel.include_context,
        closed=sel.include_closed or bool(closed),
        region=shares is None,
    )
    if shares is not None and share_colormap is not None:
        # The coverage scales come first; the sites' colours and shapes fold away so the legend hides
        # less of the map (the same key as on the network map, one click to open).
        folded = f"<details><summary>{escape(t('legend.sites', lang))}</summary>{legend}</details>"
        return share_legend_html(share_colormap, share_colormap.caption, lang) + extra + folded
    return legend + extra


def handle_click(
    value: Mapping[str, Any] | None,
    sites: gpd.GeoDataFrame,
    on_map_click: Callable[[float, float], None] | None = None,
) -> str | None:
    """Apply what st_folium reported: a marker click selects its site, an empty-map click goes to
    ``on_map_click``. Repeated reports of the same click change nothing. Returns the selected id."""
    value = value or {}
    obj = value.get("last_object_clicked")
    if obj and obj != st.session_state.get("_last_obj"):
        st.session_state["_last_obj"] = dict(obj)
        sid = site_at(sites, obj)
        if sid:
            st.session_state["selected_site"] = sid
            return sid
    spot = value.get("last_clicked")
    if on_map_click and spot and spot != st.session_state.get("_last_spot"):
        st.session_state["_last_spot"] = dict(spot)
        if site_at(sites, spot) is None:
            on_map_click(float(spot["lat"]), float(spot["lng"]))
    return None


def _on_change(sites: gpd.GeoDataFrame, on_map_click: Callable[[float, float], None] | None) -> None:
    """Runs before the rerun a click causes, so the map redraws with the selection already set."""
    handle_click(st.session_state.get(MAP_KEY), sites, on_map_click)
