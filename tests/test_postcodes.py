"""Offline postcodes: typed forms find their PC4 area, bad input says what was understood, a click an area."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo import census
from geo.cli import main
from geo.postcodes import PostcodeError, area_at, looks_like_postcode, lookup_postcode, parse_postcode
from tests.conftest import make_data_dir

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("text", "postcode"), [("8301", "8301"), ("8301AB", "8301 AB"), ("8301 ab", "8301 AB")]
)
def test_emmeloord_in_every_typed_form(text, postcode):
    area = lookup_postcode(text)
    assert (area.code, area.postcode, area.place) == ("8301", postcode, "Emmeloord")
    assert (area.municipality, area.province) == ("Noordoostpolder", "Flevoland")
    assert area.centre_of_area
    assert area.label == f"{postcode} (Emmeloord)"
    # the source's check of this area's point: 52.708 N 5.755 E
    assert area.lat == pytest.approx(52.708, abs=0.001) and area.lon == pytest.approx(5.755, abs=0.001)
    assert area.inhabitants == 2075


def test_amsterdam_zuidoost():
    area = lookup_postcode(" 1105 AZ ")
    assert (area.code, area.postcode, area.place, area.province) == (
        "1105",
        "1105 AZ",
        "Amsterdam",
        "Noord-Holland",
    )
    assert area.lat == pytest.approx(52.292, abs=0.001) and area.lon == pytest.approx(4.955, abs=0.001)


def test_9999_is_a_real_area():
    # 9999 (Stitswerd, Het Hogeland) is a CBS PC4 area, so "9999 ZZ" resolves to it.
    area = lookup_postcode("9999 ZZ")
    assert (area.code, area.place, area.province) == ("9999", "Stitswerd", "Groningen")


@pytest.mark.parametrize(
    ("text", "reason", "understood", "suggestion"),
    [
        ("83O1", "letter_for_digit", "83?1", "8301"),
        ("83o1 ab", "letter_for_digit", "83?1", "8301 AB"),
        ("0000", "starts_with_zero", "0000", None),
        ("1000 AA", "unknown_area", "1000 AA", None),  # a PO-box range, no area
        ("8300", "unknown_area", "8300", None),
        ("AB 8301", "letters_first", "8301 AB", "8301 AB"),
        ("8301 SS", "reserved_letters", "8301 SS", None),
        ("8301 A1", "bad_letters", "8301", None),
        ("8301 ABC", "bad_letters", "8301", None),
        ("Emmeloord", "not_a_postcode", None, None),
        ("   ", "empty", None, None),
    ],
)
def test_bad_postcodes_say_what_was_understood(text, reason, understood, suggestion):
    with pytest.raises(PostcodeError) as info:
        lookup_postcode(text)
    err = info.value
    assert (err.reason, err.understood, err.suggestion, err.text) == (reason, understood, suggestion, text)
    assert isinstance(err, ValueError) and str(err)


def test_a_suggestion_is_only_a_known_area():
    with pytest.raises(PostcodeError) as info:
        lookup_postcode("1O00")  # 1000 is no area: no suggestion
    assert (info.value.reason, info.value.suggestion) == ("letter_for_digit", None)


def test_parse_keeps_digits_and_letters():
    pc = parse_postcode("1105az")
    assert (pc.digits, pc.letters, str(pc)) == ("1105", "AZ", "1105 AZ")
    assert str(parse_postcode("8301")) == "8301"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8301", True),
        ("8301 ab", True),
        ("83O1", True),
        ("AB 8301", True),
        ("Emmeloord", False),
        ("Zwolle 2", False),
    ],
)
def test_looks_like_postcode(text, expected):
    assert looks_like_postcode(text) is expected


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(52.75, 5.30), (52.62, 5.40), (52.50, 3.80), (51.20, 6.90)],
    ids=["IJsselmeer", "Markermeer", "North Sea", "Germany"],
)
def test_a_click_in_water_or_abroad_finds_no_area(lat, lon):
    assert area_at(lat, lon) is None


def test_a_click_on_the_dam_is_in_1012():
    area = area_at(52.3731, 4.8926)  # Dam square, Amsterdam (Dam 1: 1012 JS)
    assert area is not None and (area.code, area.place) == ("1012", "Amsterdam")
    assert area.centre_of_area  # the position given is the area's point, not the click


def test_every_area_point_lies_in_its_own_drawn_polygon():
    pc4 = census.load_census().pc4
    wrong = []
    for code in pc4["code"].astype(str):
        area = lookup_postcode(code)
        found = area_at(area.lat, area.lon)
        if found is None or found.code != code:
            wrong.append((code, found.code if found else None))
    assert not wrong


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """``netwerkatlas`` on the small fixture data (make_data_dir copies the shipped population files)."""
    folder = make_data_dir(tmp_path / "data")
    monkeypatch.setenv("NETWERKATLAS_DATA", str(folder))

    def run(*argv: str) -> tuple[int, dict]:
        code = main(list(argv))
        return code, json.loads(capsys.readouterr().out)

    return run


def test_cli_nearest_takes_a_postcode(cli):
    code, data = cli("nearest", "8301", "8301 ab", "--specialty", "cardiology", "--limit", "2", "--json")
    assert code == 0
    for query, postcode in (("8301", "8301"), ("8301 ab", "8301 AB")):
        place = data[query]["place"]
        assert (place["pc4"], place["postcode"], place["province"]) == ("8301", postcode, "Flevoland")
        assert place["name"] == f"postcode {postcode} (Emmeloord)"
        assert place["position"] == "centre of the 4-digit postcode area"
        assert [r["rank"] for r in data[query]["results"]] == [1, 2]
        assert all(r["networks"] == ["cardionovo"] for r in data[query]["results"])


def test_cli_nearest_explains_a_bad_postcode(cli):
    code, data = cli("nearest", "83O1", "1000 AA", "Urk", "--json")
    assert code == 1  # not every query resolved
    assert data["83O1"]["error"] == "unknown postcode"
    assert (data["83O1"]["reason"], data["83O1"]["understood"], data["83O1"]["suggestions"]) == (
        "letter_for_digit",
        "83?1",
        ["8301"],
    )
    assert (data["1000 AA"]["reason"], data["1000 AA"]["suggestions"]) == ("unknown_area", [])
    assert data["Urk"]["place"]["province"] == "Flevoland"  # place names work as before
