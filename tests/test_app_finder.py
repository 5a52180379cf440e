"""The finder and shared links through AppTest: place search, choices, suggestions, URL state."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def run(run_app):
    return run_app


def cards(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html") if "na-result" in h.proto.body]


def finder(at: AppTest) -> None:
    at.button_group(key="mode").set_value("finder")


def test_place_gives_ranked_results_and_map_overlay(run):
    at = run(steps=[finder, lambda at: at.text_input(key="finder_q").input("Emmeloord")])
    assert not at.exception
    found = cards(at)
    assert len(found) == 3  # default limit
    assert all("km hemelsbreed" in c for c in found)
    assert "1. " in found[0] and "2. " in found[1]
    kwargs = at.map_calls[-1].kwargs
    assert "last_clicked" in kwargs["returned_objects"]  # a click on the map sets the location too
    assert kwargs["zoom"] is not None and kwargs["center"] is not None  # fitted to the results
    assert at.query_params["q"] == "Emmeloord" and at.query_params["mode"] == "finder"


def test_ambiguous_name_offers_a_choice_with_province(run):
    at = run(steps=[finder, lambda at: at.text_input(key="finder_q").input("Hengelo")])
    choice = at.radio(key="finder_choice")
    labels = [str(o) for o in choice.options]
    assert any("Overijssel" in x for x in labels) and any("Gelderland" in x for x in labels)
    assert cards(at) == []
    matches = at.session_state["finder_res"][1].matches
    gelderland = next(m.place_id for m in matches if m.province == "Gelderland")
    choice.set_value(gelderland).run()
    assert not at.exception
    assert at.session_state["finder_loc"]["label"] == "Hengelo (Gelderland)"
    # Cardiology (the default) has no network in Gelderland: said so, no far-away ranking (issue 13 item 6)
    assert any(
        w.value.startswith("Geen netwerk in de atlas dekt Hengelo (provincie Gelderland)") for w in at.warning
    )
    assert cards(at) == []


def test_unknown_place_suggests_and_a_suggestion_resolves(run):
    at = run(steps=[finder, lambda at: at.text_input(key="finder_q").input("Emeloord")])
    assert "niet gevonden" in at.warning[0].value
    buttons = [b for b in at.button if b.key and b.key.startswith("finder_sugg_")]
    assert "Emmeloord" in [b.label for b in buttons]
    next(b for b in buttons if b.label == "Emmeloord").click().run()
    assert at.session_state["finder_loc"]["label"].startswith("Emmeloord")
    assert len(cards(at)) == 3


def test_html_in_the_query_is_shown_as_text(run):
    at = run(steps=[finder, lambda at: at.text_input(key="finder_q").input("<script>alert(1)</script>")])
    assert not at.exception
    assert "<script>alert(1)</script>" in at.warning[0].value  # Markdown text, not HTML: never executed
    bodies = [h.proto.body for h in at.get("html")]
    assert bodies  # the page does write HTML (site details), none of it from the query
    assert not any("alert(1)" in b for b in bodies)


def test_postcode_without_population_files_or_internet_says_so(run):
    # A data folder without the PC4 files (an older copy): the postcode can only come from PDOK, offline here.
    import os
    import shutil

    shutil.rmtree(os.path.join(os.environ["NETWERKATLAS_DATA"], "population"))
    at = run(steps=[finder, lambda at: at.text_input(key="finder_q").input("8302 AB")])
    assert "internetverbinding" in at.info[0].value


def test_specialty_and_limit(run):
    at = run(
        steps=[
            finder,
            lambda at: at.text_input(key="finder_q").input("Urk"),
            lambda at: at.button_group(key="finder_spec").set_value("oncology"),
            lambda at: at.slider(key="finder_n").set_value(5),
        ]
    )
    found = cards(at)
    assert len(found) == 5
    assert all("OncoNoVo+" in c or "CCN NO" in c for c in found)


def test_shared_link_restores_finder(run):
    at = run({"mode": "finder", "q": "Urk", "fspec": "oncology", "n": "2", "lang": "en"})
    assert not at.exception
    found = cards(at)
    assert len(found) == 2 and "km in a straight line" in found[0]
    assert at.session_state["finder_loc"]["label"].startswith("Urk")


def ignored_params(at: AppTest) -> list[str]:
    """The parameters the link notice names, in order (empty when there is no notice)."""
    prefix = "⚠️ Niet alles uit de link is gebruikt: "
    notices = [c.value for c in at.caption if c.value.startswith(prefix)]
    assert len(notices) <= 1
    return notices[0].removeprefix(prefix).split("; ") if notices else []


def test_garbage_parameters_are_ignored_with_a_notice(run):
    at = run({"n": "abc", "zzz": "1", "net": "bogus", "site": "x" * 10_000, "loc": "91,200", "lang": "xx"})
    assert not at.exception
    assert sorted(ignored_params(at)) == [  # in words; lang falls back quietly
        "aantal ziekenhuizen 'abc' is ongeldig: de standaardwaarde 3 is gebruikt",
        "gekozen locatie is te lang en genegeerd",
        "netwerken 'bogus' is ongeldig: de standaardwaarde (alle) is gebruikt",
        "onbekende parameter 'zzz' genegeerd",
        "vertrekpunt (coördinaten) '91,200' is ongeldig en genegeerd",
    ]
    assert at.metric[0].label == "Organisaties"  # unknown language falls back to Dutch
    assert at.metric[1].value == "8"  # the default view


def test_absurd_numbers_fall_back_to_the_default_with_a_notice(run):
    at = run({"mode": "coverage", "km": "1e9", "n": "-5", "wait": "99999"})
    assert not at.exception
    assert ignored_params(at) == [
        "afstandsgrens (km) 1e9 is ongeldig: de standaardwaarde 25 is gebruikt",
        "aantal ziekenhuizen -5 is ongeldig: de standaardwaarde 3 is gebruikt",
        "wachttijd veerboot (min) 99999 is ongeldig: de standaardwaarde 15 is gebruikt",
    ]
    assert at.slider(key="cov_km").value == 25


def test_shared_link_restores_filters_and_selection(run):
    at = run({"spec": "cardiology", "site": "dijklander-hoorn", "ctx": "1"})
    assert at.selectbox(key="f_specialty").value == "cardiology"
    assert at.session_state["selected_site"] == "dijklander-hoorn"
    assert any("Dijklander, locatie Hoorn" in h.proto.body for h in at.get("html"))


def test_travel_time_ranks_across_the_ijsselmeer_correctly(run):
    # From Urk the hospital in Hoorn is nearer as the crow flies, but only across the IJsselmeer; by car
    # the Flevoziekenhuis in Almere comes first (outpatient clinics left out: the issue is about hospitals).
    hospitals = {"kind": "hospital_ed,hospital"}
    by_km = run(
        hospitals,
        steps=[
            finder,
            lambda at: at.text_input(key="finder_q").input("Urk"),
            lambda at: at.button_group(key="finder_by").set_value("km"),
        ],
    )
    assert "Dijklander, locatie Hoorn" in cards(by_km)[0]
    by_time = run(hospitals, steps=[finder, lambda at: at.text_input(key="finder_q").input("Urk")])
    first = cards(by_time)[0]
    assert "Flevoziekenhuis" in first and "min met de auto" in first and "km hemelsbreed" in first


def test_ferry_wait_changes_texel_times_one_to_one(run):
    def minutes(at: AppTest) -> int:
        import re

        return int(re.search(r"≈ (\d+) min", cards(at)[0]).group(1))

    base = run(steps=[finder, lambda at: at.text_input(key="finder_q").input("Den Burg")])
    longer = run(
        steps=[
            finder,
            lambda at: at.text_input(key="finder_q").input("Den Burg"),
            lambda at: at.slider(key="tt_wait").set_value(45),
        ]
    )
    assert minutes(longer) - minutes(base) == 30


def test_map_centre_and_zoom_from_the_link(run):
    at = run({"c": "52.3700,4.8900", "z": "12"})
    kwargs = at.map_calls[-1].kwargs
    assert kwargs["center"] == (52.37, 4.89) and kwargs["zoom"] == 12
    assert at.query_params["c"] == "52.3700,4.8900" and at.query_params["z"] == "12"
    assert ignored_params(at) == []
    bad = run({"c": "north", "z": "-5"})
    assert ignored_params(bad) == [
        "kaartmidden 'north' is ongeldig en genegeerd",
        "zoomniveau -5 is ongeldig en genegeerd",
    ]


#: One valid value, not the default, for every link parameter, with what else the view needs to show it.
ROUND_TRIPS = {
    "mode": ({}, "finder"),
    "spec": ({}, "oncology"),
    "net": ({}, "onconovo"),
    "sub": ({"net": "noord-oost"}, "onz"),
    "kind": ({}, "hospital_ed,hospital"),
    "prov": ({}, "Flevoland"),
    "ctx": ({}, "1"),
    "closed": ({}, "1"),
    "tiles": ({}, "osm"),
    "site": ({}, "dijklander-hoorn"),
    "loc": ({"mode": "finder"}, "52.66250,5.60140"),
    "q": ({"mode": "finder"}, "Urk"),
    "fspec": ({"mode": "finder"}, "oncology"),
    "n": ({"mode": "finder"}, "5"),
    "by": ({"mode": "finder"}, "km"),
    "wait": ({"mode": "finder"}, "30"),
    "unit": ({"mode": "coverage"}, "min"),
    "km": ({"mode": "coverage"}, "40"),
    "min": ({"mode": "coverage", "unit": "min"}, "45"),
    "out": ({"mode": "coverage"}, "1"),
    "c": ({}, "52.3700,4.8900"),
    "z": ({}, "12"),
    "close": ({"mode": "coverage", "net": "cardionovo"}, "flevoziekenhuis-almere"),
}


def test_every_link_parameter_has_a_round_trip():
    from components.urlstate import PARAMS

    assert set(ROUND_TRIPS) == set(PARAMS)


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_link_parameter_round_trip(run, name):
    context, value = ROUND_TRIPS[name]
    at = run({**context, name: value})
    assert not at.exception
    assert ignored_params(at) == []
    assert at.query_params[name] == value  # read into the page, and written back unchanged
    for other, given in context.items():
        assert at.query_params[other] == given
