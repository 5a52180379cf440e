"""The accessible alternative to the map: a sortable table of the same sites."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from geo.data import Atlas
from geo.i18n import t
from geo.render.files import sites_frame


def render_table(atlas: Atlas, sites: gpd.GeoDataFrame, lang: str) -> None:
    """Draw the table of sites shown on the map."""
    st.subheader(t("table.header", lang))
    st.caption(t("table.caption", lang))
    st.dataframe(sites_frame(atlas, sites, lang), hide_index=True, width="stretch", key="sites_table")
