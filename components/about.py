"""Provenance panel: per network its sources, member counts and where sources disagree."""

from __future__ import annotations

import html

import streamlit as st

from geo.data import Atlas
from geo.i18n import t
from geo.provenance import network_facts


def render_about(atlas: Atlas, network_ids: tuple[str, ...], lang: str) -> None:
    """Explain each selected network, and flag conflicting sources (e.g. 11 vs 13 members)."""
    e = html.escape
    with st.expander(t("about.header", lang), expanded=False):
        for facts in network_facts(atlas, network_ids):
            st.markdown(
                f"**{e(facts.name)}** · {t('spec.' + facts.specialty, lang)} · "
                f"{t('about.founded', lang)} {e(facts.founded)} · "
                f"[{t('about.source', lang)}]({facts.source_url})"
            )
            st.caption(
                t("about.members", lang, reported=facts.members_reported, in_data=facts.members_in_data)
            )
            if facts.name_provisional:
                st.info(t("about.provisional", lang), icon="ℹ️")
            for conflict in facts.conflicts:
                lines = [t("about.discrepancy", lang, what=t(f"about.what.{conflict.field}", lang))]
                lines += [
                    f"- **{e(c.value)}**: [{e(c.source_url)}]({c.source_url}) ({e(c.source_date)})"
                    + (f" — “{e(c.quote)}”" if c.quote else "")
                    for c in conflict.claims
                ]
                st.warning("\n".join(lines), icon="⚠️")
            if facts.inferred:
                st.caption(t("about.inferred", lang, orgs=", ".join(facts.inferred)))
        st.caption(t("about.data", lang))
