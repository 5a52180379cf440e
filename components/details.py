"""The selected site's details beside the map."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from geo.data import Atlas
from geo.data import network_names as names
from geo.i18n import t
from geo.render.popups import popup_html


def render_details(atlas: Atlas, sites: gpd.GeoDataFrame, lang: str) -> None:
    """Show the selected site (if it is still in view) or a hint how to select one."""
    st.subheader(t("details.header", lang))
    sid = st.session_state.get("selected_site")
    hit = sites[sites["site_id"] == sid] if sid else sites.iloc[0:0]
    if hit.empty:
        st.caption(t("details.hint", lang))
        return
    site = hit.drop(columns="geometry").iloc[0].to_dict()
    net_names, sub_names = names(atlas)
    st.html(popup_html(site, lang=lang, network_names=net_names, subregion_names=sub_names))
    if site.get("notes"):
        with st.expander(t("popup.notes", lang)):
            st.text(site["notes"])  # plain text: never interpreted as Markdown or HTML
    if st.button(t("details.clear", lang), key="clear_selection"):
        st.session_state.pop("selected_site", None)
        st.rerun()
