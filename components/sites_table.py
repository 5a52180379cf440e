"""The accessible alternative to the map: a sortable table of the same sites."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from components.i18n import t
from components.report import network_names as names
from geo.data import Atlas


def sites_frame(atlas: Atlas, sites: gpd.GeoDataFrame, lang: str) -> pd.DataFrame:
    """Return the visible sites as a flat table with translated headers and values."""
    net_names, sub_names = names(atlas)
    return pd.DataFrame(
        {
            t("col.organisation", lang): sites["organisation"],
            t("col.site", lang): sites["name"],
            t("col.city", lang): sites["city"],
            t("col.province", lang): sites["province"],
            t("col.kind", lang): sites["category"].map(lambda c: t(f"cat.{c}", lang)),
            t("col.ed", lang): sites["emergency"].map(lambda e: t(f"ed.{e}", lang)),
            t("col.networks", lang): sites["networks"].map(lambda ns: ", ".join(net_names[n] for n in ns)),
            t("col.subregions", lang): sites["subregions"].map(
                lambda ss: ", ".join(sub_names[s] for s in ss)
            ),
            t("col.precision", lang): sites["precision"].map(lambda p: t(f"prec.{p}", lang)),
            t("col.status", lang): sites["status"].map(lambda s: t(f"status.{s}", lang)),
        }
    ).reset_index(drop=True)


def render_table(atlas: Atlas, sites: gpd.GeoDataFrame, lang: str) -> None:
    """Draw the table of sites shown on the map."""
    st.subheader(t("table.header", lang))
    st.caption(t("table.caption", lang))
    st.dataframe(sites_frame(atlas, sites, lang), hide_index=True, width="stretch", key="sites_table")
