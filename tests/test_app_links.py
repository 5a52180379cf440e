"""Loose ends of issue 13 through AppTest: the mode switch (12), link parameters (15), empty filters and
counts (16)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.tables import sites_table

NOTICE_NL = "⚠️ Niet alles uit de link is gebruikt: "
NOTICE_EN = "⚠️ Not everything in the link was used: "


@pytest.fixture
def run(run_app):
    return run_app


def notice(at: AppTest, prefix: str = NOTICE_NL) -> list[str]:
    """The corrections the link notice lists (empty when there is none)."""
    found = [c.value for c in at.caption if c.value.startswith(prefix)]
    assert len(found) <= 1
    return found[0].removeprefix(prefix).split("; ") if found else []


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# -- item 12 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["finder", "coverage", "map"])
def test_clicking_the_active_mode_keeps_it(run, mode):
    at = run({"mode": mode} if mode != "map" else {})
    at.button_group(key="mode").set_value(None).run()  # a click on the active segment deselects it
    assert not at.exception
    assert at.session_state["mode"] == mode
    assert at.button_group(key="mode").value == mode
    assert at.query_params.get("mode", "map") == mode


# -- item 15 ---------------------------------------------------------------------------------------


def test_negative_km_falls_back_to_the_default_and_says_so(run):
    at = run({"mode": "coverage", "km": "-5"})
    assert not at.exception
    assert at.slider(key="cov_km").value == 25
    assert notice(at) == ["afstandsgrens (km) -5 is ongeldig: de standaardwaarde 25 is gebruikt"]


def test_a_list_keeps_its_valid_ids(run):
    at = run({"mode": "coverage", "close": "bogus,flevoziekenhuis-almere"})
    assert not at.exception
    assert at.session_state["cov_closed"] == ["flevoziekenhuis-almere"]
    assert at.query_params["close"] == "flevoziekenhuis-almere"
    assert notice(at) == ["gesloten locaties (wat-als): onbekend 'bogus' weggelaten"]


def test_the_notice_names_parameters_in_words_and_matches_the_page(run):
    at = run({"n": "abc", "zzz": "1", "net": "bogus", "wait": "99999", "mode": "finder"})
    assert not at.exception
    assert notice(at) == [
        "aantal ziekenhuizen 'abc' is ongeldig: de standaardwaarde 3 is gebruikt",
        "onbekende parameter 'zzz' genegeerd",
        "netwerken 'bogus' is ongeldig: de standaardwaarde (alle) is gebruikt",
        "wachttijd veerboot (min) 99999 is ongeldig: de standaardwaarde 15 is gebruikt",
    ]
    assert at.slider(key="finder_n").value == 3
    assert at.slider(key="tt_wait").value == 15
    assert metrics(at)["Locaties"] == "8"  # every network, as the notice says


def test_the_notice_in_english(run):
    at = run({"km": "-5", "mode": "coverage", "lang": "en"})
    assert notice(at, NOTICE_EN) == ["distance threshold (km) -5 is not valid: the default 25 is used"]


# -- item 16 ---------------------------------------------------------------------------------------


def test_no_kind_of_site_says_why_there_are_none(run):
    at = run({"kind": "none"})
    assert not at.exception
    assert metrics(at)["Locaties"] == "0"
    assert (
        "Geen soort locatie gekozen: kies onder 'Soort locatie' minstens één soort om locaties te zien."
        in [i.value for i in at.info]
    )


def test_sites_counts_open_ones_and_closed_separately(run):
    at = run({"closed": "1"})
    assert metrics(at)["Locaties"] == "8"  # the open network sites, as without closed sites
    assert metrics(at)["Gesloten locaties"] == "1"  # OZG locatie Delfzicht (voormalig ziekenhuis)
    assert "Gesloten locaties" not in metrics(run())


def test_all_subregions_is_the_same_as_all(run):
    import csv

    from tests.conftest import SMALL

    with (SMALL / "subregions.csv").open(encoding="utf-8") as f:
        ids = [r["subregion_id"] for r in csv.DictReader(f)]
    assert len(ids) == 4
    every = run()
    all_four = run({"sub": ",".join(ids)})
    assert not all_four.exception
    assert metrics(all_four) == metrics(every)
    assert set(sites_table(all_four)["Locatie"]) == set(sites_table(every)["Locatie"])


# -- item 14 (part): no English "Select all" in the Dutch sidebar -------------------------------------------


def test_sidebar_multiselects_offer_no_english_select_all(run):
    at = run()
    for key in ("f_subregions", "f_provinces"):
        assert at.multiselect(key=key).proto.select_all == 0  # 0: never shown (Streamlit's default is 1000)
