"""The app on the shipped data shows Dutch names, with each remark in the user's language (AppTest)."""

from __future__ import annotations

import html
import re
from unittest import mock

import pytest
import streamlit_folium
from streamlit.testing.v1 import AppTest

from tests.conftest import APP
from tests.tables import sites_table

#: English remark words as a reader would spot them (the load check has its own list in geo.names).
ENGLISH = re.compile(
    r"\b(former|formerly|since|part of|old building|hospital|police station|location|clinic)\b", re.I
)


@pytest.fixture
def shipped(monkeypatch):
    """Run the app on the shipped data, offline, with the map component stubbed."""
    from geo import pdok

    monkeypatch.delenv("NETWERKATLAS_DATA", raising=False)
    monkeypatch.setattr(pdok, "reachable", lambda **_: False)

    def go(**params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        for k, v in params.items():
            at.query_params[k] = v
        with mock.patch.object(streamlit_folium, "st_folium", return_value={}):
            at.run()
        assert not at.exception
        return at

    return go


def _details(at: AppTest) -> str:
    """The words of the details panel (the popup HTML that st.html shows)."""
    body = " ".join(h.proto.body for h in at.get("html") if "na-popup" in h.proto.body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_dutch_sites_table_of_every_shipped_site_has_no_english_remark(shipped, atlas):
    at = shipped(ctx="1", closed="1")
    table = sites_table(at)
    assert len(table) == len(atlas.sites)  # every shipped site, closed and context ones too
    english = [v for col in ("Locatie", "Organisatie") for v in table[col] if ENGLISH.search(v)]
    assert english == []
    assert "Ziekenhuis St Jansdal, Lelystad (voormalig MC Zuiderzee)" in set(table["Locatie"])
    assert "Tjongerschans (sinds 1 januari 2025 onderdeel van Frisius MC)" in set(table["Organisatie"])


def test_english_sites_table_shows_the_english_remark(shipped):
    table = sites_table(shipped(ctx="1", closed="1", lang="en"))
    assert "Ziekenhuis St Jansdal, Lelystad (formerly MC Zuiderzee)" in set(table["Site"])
    assert "Tergooi Blaricum (Rijksstraatweg), former hospital" in set(table["Site"])
    assert "voormalig" not in " ".join(table["Site"])


def test_dutch_details_panel_shows_the_dutch_remark_and_the_english_one_the_english(shipped):
    nl = _details(shipped(site="st_jansdal-lelystad"))
    assert nl.startswith("Ziekenhuis St Jansdal, Lelystad voormalig MC Zuiderzee Organisatie")
    assert not ENGLISH.search(nl), nl
    en = _details(shipped(site="st_jansdal-lelystad", lang="en"))
    assert en.startswith("Ziekenhuis St Jansdal, Lelystad formerly MC Zuiderzee Organisation")


def test_dutch_details_of_every_site_with_a_remark_have_no_english(shipped, atlas):
    with_remark = atlas.sites[atlas.sites["remark_nl"] != ""]
    assert len(with_remark) >= 12
    for sid in with_remark["site_id"]:
        text = _details(shipped(site=sid, ctx="1", closed="1"))
        assert text, sid
        assert not ENGLISH.search(text), (sid, text)


def test_whatif_multiselect_names_sites_with_the_remark_in_the_language(shipped):
    nl = shipped(mode="coverage", net="onconovo").multiselect(key="cov_closed").options
    assert "Ziekenhuis St Jansdal, Lelystad (voormalig MC Zuiderzee), Lelystad" in nl
    assert [o for o in nl if ENGLISH.search(o)] == []
    en = shipped(mode="coverage", net="onconovo", lang="en").multiselect(key="cov_closed").options
    assert "Ziekenhuis St Jansdal, Lelystad (formerly MC Zuiderzee), Lelystad" in en
