"""The accessible alternative to the map: a table of the same sites."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from geo.data import Atlas
from geo.i18n import t
from geo.render.files import sites_frame
from geo.render.htmltable import html_table


def render_table(atlas: Atlas, sites: gpd.GeoDataFrame, lang: str) -> None:
    """Draw the table of sites shown on the map (an HTML table: light, and read cell by cell)."""
    st.subheader(t("table.header", lang))
    frame = sites_frame(atlas, sites, lang)
    with st.container(key="sites_table"):
        st.html(html_table(frame, caption=t("table.caption", lang), label=t("table.header", lang)))
