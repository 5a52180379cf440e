"""Names without English: the load check on names and remarks, and how a name and its remark are shown."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from geo.data import network_names
from geo.errors import DataValidationError
from geo.names import display_name, english_word, with_remark
from geo.render.files import sites_frame
from geo.render.popups import popup_html, result_html
from tests.test_data import problems_for as _problems
from tests.test_data import replace as _replace

#: English remark words as a reader would spot them; written out here, not taken from geo.names.
ENGLISH = re.compile(
    r"\b(former|formerly|since|part of|old building|hospital|police station|location|clinic)\b", re.I
)


def _text(fragment: str) -> str:
    """The words a person reads in an HTML fragment."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_an_english_remark_in_a_site_name_stops_the_load_naming_file_line_and_field(tmp_path):
    problems = _problems(tmp_path, sites__csv=_replace("Isala Zwolle,", "Isala Zwolle (former Sophia),"))
    assert [(p.file, p.row, p.field) for p in problems] == [("sites.csv", 7, "name")]
    assert "'former'" in problems[0].message and "remark_en" in problems[0].message
    assert "sites.csv, line 7, field 'name'" in str(DataValidationError(problems))


def test_an_english_remark_in_a_street_shown_as_the_address_stops_the_load(tmp_path):
    problems = _problems(tmp_path, sites__csv=_replace("Hospitaalweg 1,", "Hospitaalweg 1 (old building),"))
    assert [(p.file, p.row, p.field) for p in problems] == [("sites.csv", 2, "street")]


def test_an_english_remark_in_an_organisation_name_or_short_name_stops_the_load(tmp_path):
    problems = _problems(
        tmp_path,
        organisations__csv=_replace(
            "rijnstate,Rijnstate,Rijnstate,",
            "rijnstate,Rijnstate (since 2025 Part Of X),Rijnstate old building,",
        ),
    )
    assert [(p.file, p.row, p.field) for p in problems] == [
        ("organisations.csv", 8, "name"),
        ("organisations.csv", 8, "short_name"),
    ]
    assert "'since'" in problems[0].message and "'old building'" in problems[1].message


def test_a_dutch_remark_without_the_english_one_stops_the_load(tmp_path):
    problems = _problems(
        tmp_path, sites__csv=_replace(",voormalig ziekenhuis,former hospital,", ",voormalig ziekenhuis,,")
    )
    assert [(p.file, p.row, p.field) for p in problems] == [("sites.csv", 10, "remark_en")]
    assert "both languages" in problems[0].message


def test_an_english_remark_without_the_dutch_one_stops_the_load_and_english_in_remark_nl_too(tmp_path):
    problems = _problems(
        tmp_path,
        sites__csv=lambda t: t.replace(
            ",voormalig ziekenhuis,former hospital,", ",,former hospital,"
        ).replace("Isala Zwolle,,,", "Isala Zwolle,former Sophia,voormalig Sophia,"),
    )
    assert {(p.file, p.row, p.field) for p in problems} == {
        ("sites.csv", 10, "remark_nl"),
        ("sites.csv", 7, "remark_nl"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "Hospitaalweg 1",
        "Sint Maartenskliniek",
        "Saxenburgh polikliniek Coevorden",
        "Amsterdam UMC, locatie AMC",
        "Medisch Centrum Leeuwarden (MCL)",
        "Dokter J.H. Jansencentrum Emmeloord",
        "ZGT buitenpost Ootmarsum",
        "Kliniek of ziekenhuis",  # 'of' is Dutch for 'or'
        "Oldenzaal",
        "Centrum Oosterwal",
    ],
)
def test_dutch_names_do_not_trip_the_check(name):
    assert english_word(name) is None


@pytest.mark.parametrize(
    ("name", "word"),
    [("Former OZG", "Former"), ("X (old   building)", "old   building"), ("PART OF Frisius", "PART OF")],
)
def test_english_words_are_found_whole_and_in_any_case(name, word):
    assert english_word(name) == word


def test_every_shipped_name_is_dutch(atlas):
    for frame, cols in ((atlas.sites, ("name", "remark_nl")), (atlas.organisations, ("name", "short_name"))):
        for col in cols:
            english = [v for v in frame[col] if ENGLISH.search(v)]
            assert english == [], col


def test_a_remark_joins_a_name_in_parentheses_or_after_a_comma():
    assert with_remark("Ziekenhuis St Jansdal, Lelystad", "voormalig MC Zuiderzee") == (
        "Ziekenhuis St Jansdal, Lelystad (voormalig MC Zuiderzee)"
    )
    assert with_remark(
        "Frisius MC, locatie Harlingen (MCL Harlingen)", "voormalig Ziekenhuis Oranjeoord"
    ) == ("Frisius MC, locatie Harlingen (MCL Harlingen), voormalig Ziekenhuis Oranjeoord")
    assert display_name({"name": "Gepland 1"}, "nl") == "Gepland 1"  # a planned site has no remark


def _site(atlas, site_id: str) -> dict:
    return atlas.sites.set_index("site_id", drop=False).loc[site_id].drop("geometry").to_dict()


def test_the_dutch_popup_of_lelystad_shows_the_dutch_remark_and_no_english(atlas):
    nets, subs = network_names(atlas)
    site = _site(atlas, "st_jansdal-lelystad")
    nl = popup_html(site, lang="nl", network_names=nets, subregion_names=subs)
    assert re.search(
        r"<h4>Ziekenhuis St Jansdal, Lelystad</h4><div class=\"na-remark\"[^>]*>voormalig MC Zuiderzee<", nl
    )
    assert not ENGLISH.search(_text(nl)), _text(nl)
    en = popup_html(site, lang="en", network_names=nets, subregion_names=subs)
    assert "formerly MC Zuiderzee" in _text(en) and "voormalig" not in en


def test_the_popup_shows_the_organisation_remark_under_the_organisation(atlas):
    nets, subs = network_names(atlas)
    nl = popup_html(_site(atlas, "mcl-harlingen"), lang="nl", network_names=nets, subregion_names=subs)
    cell = re.search(r"<th>Organisatie</th><td>(.*?)</td>", nl).group(1)
    assert " ".join(_text(cell).split()) == (
        "Medisch Centrum Leeuwarden (MCL) sinds 1 januari 2025 onderdeel van Frisius MC"
    )
    assert "voormalig Ziekenhuis Oranjeoord" in _text(nl) and not ENGLISH.search(_text(nl))


def test_a_remark_is_escaped_in_popups_and_finder_cards():
    site = {
        "name": "A",
        "remark_nl": "<img src=x onerror=alert(1)>",
        "remark_en": "x",
        "organisation": "O",
        "org_remark_nl": "`${x}`",
    }
    out = popup_html(site, lang="nl", network_names={}, subregion_names={})
    assert "<img" not in out and "&lt;img src=x" in out
    assert "${" not in out and "`" not in out
    row = {
        **site,
        "rank": 1,
        "distance_km": 1.0,
        "networks": (),
        "subregions": (),
        "street": "",
        "postcode": "",
        "city": "",
        "lat": 52.0,
        "lon": 5.0,
        "category": "hospital",
        "emergency": "yes",
        "kind": "hospital",
        "precision": "building",
        "website": "",
    }
    card = result_html(pd.Series(row), lang="nl", net_names={}, sub_names={}, origin=(52.1, 5.1))
    assert "<img" not in card and "&lt;img src=x" in card


def test_the_sites_table_names_sites_and_organisations_with_the_remark_in_the_language(atlas):
    sites = atlas.sites[atlas.sites["site_id"].isin(["st_jansdal-lelystad", "tjongerschans-lemmer"])]
    nl = sites_frame(atlas, sites, "nl").set_index("Locatie")
    assert (
        nl.loc["Ziekenhuis St Jansdal, Lelystad (voormalig MC Zuiderzee)", "Organisatie"]
        == "Ziekenhuis St Jansdal"
    )
    assert nl.loc["Frisius MC (Tjongerschans), polikliniek Lemmer", "Organisatie"] == (
        "Tjongerschans (sinds 1 januari 2025 onderdeel van Frisius MC)"
    )
    en = sites_frame(atlas, sites, "en").set_index("Site")
    assert (
        en.loc["Ziekenhuis St Jansdal, Lelystad (formerly MC Zuiderzee)", "Organisation"]
        == "Ziekenhuis St Jansdal"
    )


def test_coverage_site_tables_name_sites_by_their_label_and_keep_planned_ones(atlas):
    from geo.names import site_labels
    from geo.render.tables import least_table, sensitivity_table

    labels = site_labels(atlas.sites, "nl")
    sens = pd.DataFrame(
        {
            "site_id": ["st_jansdal-lelystad", "added-0"],
            "name": ["Ziekenhuis St Jansdal, Lelystad", "Gepland 1"],
            "organisation": ["Ziekenhuis St Jansdal", ""],
            "extra_beyond": [10.0, 0.0],
            "extra_share": [0.001, 0.0],
        }
    )
    shown = sensitivity_table(sens, "nl", threshold=25, unit="km", labels=labels)
    assert list(shown["Locatie"]) == ["Ziekenhuis St Jansdal, Lelystad (voormalig MC Zuiderzee)", "Gepland 1"]
    least = pd.DataFrame(
        {
            "name": ["Urk"],
            "province": ["Flevoland"],
            "population": [21000],
            "distance": [28.0],
            "site_id": ["st_jansdal-lelystad"],
            "site_name": ["Ziekenhuis St Jansdal, Lelystad"],
        }
    )
    en = least_table(least, "en", unit="km", labels=site_labels(atlas.sites, "en"))
    assert en.iloc[0, -1] == "Ziekenhuis St Jansdal, Lelystad (formerly MC Zuiderzee)"


def test_planned_sites_without_remark_columns_join_the_shipped_ones_and_show_their_name(atlas):
    from geo.render.scenario import scenario_sites
    from geo.uploads import EXAMPLE_CSV, read_planned_sites

    planned = read_planned_sites(EXAMPLE_CSV, filename="gepland.csv", provinces=atlas.provinces)
    lelystad = atlas.sites[atlas.sites["site_id"] == "st_jansdal-lelystad"]
    both = scenario_sites(lelystad, "nl", added=planned)
    table = sites_frame(atlas, both, "nl")
    assert list(table["Locatie"]) == [
        "Ziekenhuis St Jansdal, Lelystad (voormalig MC Zuiderzee)",
        *planned["name"],
    ]
    nets, subs = network_names(atlas)
    out = popup_html(both.iloc[-1].to_dict(), lang="nl", network_names=nets, subregion_names=subs)
    assert "na-remark" not in out and "nan" not in _text(out).split()
