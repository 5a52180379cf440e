"""The interactive map: st_folium with a stable base map and a swappable marker layer."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import streamlit as st
import streamlit_folium

from components.filters import Selection
from components.i18n import t
from components.map import build_base_map, build_site_layer, legend_html
from geo.data import Atlas

MAP_KEY = "map"
#: Only clicks come back from the browser; pan and zoom therefore never rerun the app.
RETURNED = ["last_object_clicked"]
MAP_HEIGHT = 560


def site_at(sites: gpd.GeoDataFrame, clicked: Mapping[str, Any] | None, *, tol_deg: float = 1e-5) -> str | None:
    """Return the id of the site whose marker sits at the clicked position, or ``None``.

    st_folium reports a marker click as the marker's own ``lat``/``lng``, so an exact match (within
    rounding) identifies the site without relying on tooltip text.
    """
    if not clicked or sites.empty:
        return None
    try:
        lat, lng = float(clicked["lat"]), float(clicked["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    d = np.hypot(sites["lat"].to_numpy() - lat, sites["lon"].to_numpy() - lng)
    i = int(np.argmin(d))
    return str(sites.iloc[i]["site_id"]) if d[i] <= tol_deg else None


def names(atlas: Atlas) -> tuple[dict[str, str], dict[str, str]]:
    """Display names of networks and sub-regions."""
    return (dict(zip(atlas.networks["network_id"], atlas.networks["name"], strict=True)),
            dict(zip(atlas.subregions["subregion_id"], atlas.subregions["name"], strict=True)))


def render_map(atlas: Atlas, sites: gpd.GeoDataFrame, sel: Selection, lang: str) -> str | None:
    """Draw the map and return the id of a site the user just clicked (or ``None``)."""
    net_names, sub_names = names(atlas)
    shown = {n: net_names[n] for n in sel.networks}
    region = atlas.region_provinces(sel.networks)
    partly = sorted({p for n in sel.networks for p in atlas.network(n)["partial_provinces"].split(";") if p})
    base = build_base_map(atlas.provinces, lang=lang, highlighted=region, partial=partly, tiles=sel.tiles)
    layer = build_site_layer(sites, lang=lang, network_names=shown, subregion_names=sub_names,
                             selected=st.session_state.get("selected_site"))
    out = streamlit_folium.st_folium(
        base, key=MAP_KEY, height=MAP_HEIGHT, use_container_width=True, returned_objects=RETURNED,
        feature_group_to_add=layer, on_change=partial(_on_click, sites),
    )
    cats = [c for c in sel.categories if c in set(sites["category"])]
    st.html(
        f'<div class="na-legend" style="box-shadow:none;max-width:none;padding:4px 0">'
        f"{legend_html(lang=lang, network_names=shown, categories=cats, context=sel.include_context, closed=sel.include_closed)}"
        "</div>"
    )
    return _select((out or {}).get("last_object_clicked"), sites)


def _select(clicked: Mapping[str, Any] | None, sites: gpd.GeoDataFrame) -> str | None:
    """Make a new click the selection; repeated reports of the same click change nothing."""
    if not clicked or clicked == st.session_state.get("_last_click"):
        return None
    st.session_state["_last_click"] = dict(clicked)
    sid = site_at(sites, clicked)
    if sid:
        st.session_state["selected_site"] = sid
    return sid


def _on_click(sites: gpd.GeoDataFrame) -> None:
    """Runs before the rerun a click causes, so the map redraws with the selection already set."""
    value = st.session_state.get(MAP_KEY) or {}
    _select(value.get("last_object_clicked"), sites)


def region_caption(atlas: Atlas, sel: Selection, lang: str) -> str:
    """One line naming the highlighted region, for screen readers and print."""
    return f"{t('legend.region', lang)}: {', '.join(atlas.region_provinces(sel.networks))}"
