"""The finder as a new user meets it (issue 13, issue 11 section 5): clicks on water, postcodes, places
outside the networks' regions, hospitals only, the input box and "Toon op kaart"."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, DATA, make_data_dir

NO_TIME_NL = "Hier is geen reistijd te berekenen: klik op land in Nederland."
NO_TIME_EN = "No travel time can be computed here: click on land in the Netherlands."
WATER = {
    "IJsselmeer": (52.80, 5.25),
    "Noordzee": (52.60, 4.30),
    "Duitsland": (52.30, 7.30),
}


class Driver:
    """The app in AppTest on the small data plus the shipped population, with a stub map whose report
    (a click) can change between runs."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import streamlit_folium

        from geo import pdok

        folder = make_data_dir(tmp_path / "data")
        shutil.copytree(DATA / "population", folder / "population", dirs_exist_ok=True)
        monkeypatch.setenv("NETWERKATLAS_DATA", str(folder))
        monkeypatch.setattr(pdok, "reachable", lambda **_: False)
        self.map_value: dict = {}
        self._patch = mock.patch.object(
            streamlit_folium, "st_folium", side_effect=lambda *a, **k: self.map_value
        )
        self.fake = self._patch.start()
        self.at: AppTest | None = None

    def open(self, params: dict[str, str] | None = None) -> AppTest:
        self.at = AppTest.from_file(APP, default_timeout=120)
        for k, v in (params or {}).items():
            self.at.query_params[k] = v
        self.at.run()
        return self.at

    def click(self, lat: float, lon: float) -> AppTest:
        self.map_value = {"last_clicked": {"lat": lat, "lng": lon}}
        self.at.run()  # the map reports the click
        self.at.run()  # and the panel shows what it did
        return self.at

    def type(self, text: str) -> AppTest:
        self.at.text_input(key="finder_q").input(text).run()
        return self.at

    @property
    def last_map(self) -> dict:
        return self.fake.call_args_list[-1].kwargs


@pytest.fixture
def app(tmp_path, monkeypatch):
    d = Driver(tmp_path, monkeypatch)
    yield d
    d._patch.stop()


def cards(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html") if "na-result" in h.proto.body]


def warnings(at: AppTest) -> list[str]:
    """The warnings of the finder panel (the about section's note on disagreeing sources left out)."""
    about = ("Bronnen spreken elkaar tegen", "Sources disagree")
    return [w.value for w in at.warning if not w.value.startswith(about)]


def texts(at: AppTest) -> list[str]:
    return [
        e.value for kind in ("warning", "info", "error", "caption", "markdown") for e in getattr(at, kind)
    ]


def finder(d: Driver, params: dict[str, str] | None = None) -> AppTest:
    return d.open({"mode": "finder", **(params or {})})


# -- item 1: a click on water or outside the land ----------------------------------------------------


@pytest.mark.parametrize("by", ["minutes", "km"])
@pytest.mark.parametrize("where", sorted(WATER))
def test_click_on_water_or_abroad_says_so_and_keeps_the_previous_place(app, where, by):
    at = finder(app, {"by": by} if by == "km" else {})
    app.type("Emmeloord")
    before = cards(at)
    assert len(before) == 3
    at = app.click(*WATER[where])
    assert not at.exception
    assert warnings(at) == [NO_TIME_NL]
    assert at.session_state["finder_loc"]["label"].startswith("Emmeloord")
    assert cards(at) == before
    assert at.button(key="finder_clear").label == "Locatie wissen"


def test_click_on_water_without_a_place_yet(app):
    at = finder(app, {"lang": "en"})
    at = app.click(*WATER["IJsselmeer"])
    assert not at.exception
    assert warnings(at) == [NO_TIME_EN]
    assert "finder_loc" not in at.session_state
    assert cards(at) == []


def test_click_on_land_names_its_postcode_area(app):
    finder(app)
    at = app.click(52.7105, 5.7480)  # Emmeloord's centre
    assert not at.exception
    assert at.session_state["finder_loc"]["label"].startswith("Punt op de kaart in postcode 8302 (Emmeloord)")
    # the click itself is the position, not the area's centre
    assert not any("midden van het postcodegebied" in c.value for c in at.caption)
    assert len(cards(at)) == 3


# -- issue 11 section 5: postcodes offline -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("8301", "postcode 8301 (Emmeloord)"),
        ("8301AB", "postcode 8301 AB (Emmeloord)"),
        ("8301 ab", "postcode 8301 AB (Emmeloord)"),
        ("1105 AZ", "postcode 1105 AZ (Amsterdam)"),
    ],
)
def test_postcode_resolves_offline_to_its_area(app, typed, label):
    finder(app)
    at = app.type(typed)
    assert not at.exception
    assert at.session_state["finder_loc"]["label"] == label
    assert f"Vanaf {label}" in [m.value.strip("*") for m in at.markdown]
    assert any("midden van het postcodegebied" in c.value for c in at.caption)
    assert len(cards(at)) == 3


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0000", "Postcode '0000' bestaat niet: Nederlandse postcodes lopen van 1000 tot 9999."),
        ("1000 AA", "Postcode 1000 AA: 1000 is geen postcodegebied (4 cijfers) in de CBS-lijst van 2021."),
        ("83O1", "'83O1' heeft een letter tussen de 4 cijfers (gelezen als 83?1). Bedoelde u 8301?"),
    ],
)
def test_bad_postcode_says_what_was_understood(app, typed, expected):
    finder(app)
    app.type("Emmeloord")
    at = app.type(typed)
    assert not at.exception
    assert warnings(at) == [expected]
    assert cards(at) == []  # the old results are gone (item 13)


def test_bad_postcode_in_english(app):
    finder(app, {"lang": "en"})
    at = app.type("0000")
    assert warnings(at) == ["Postcode '0000' does not exist: Dutch postcodes run from 1000 to 9999."]


def test_place_names_still_resolve(app):
    finder(app)
    at = app.type("Emmeloord")
    assert at.session_state["finder_loc"]["label"] == "Emmeloord (Flevoland)"


# -- item 13: the input box ---------------------------------------------------------------------------


def test_failed_query_clears_the_old_results(app):
    finder(app)
    app.type("Emmeloord")
    at = app.type("Xyzzyqq")
    assert "niet gevonden" in warnings(at)[0]
    assert cards(at) == []
    assert not any(m.value.startswith("**Vanaf") for m in at.markdown)


def test_enter_on_an_empty_field_says_nothing_wrong(app):
    finder(app)
    app.type("Xyzzyqq")
    at = app.type("")
    assert not at.exception
    assert warnings(at) == []
    assert not any('""' in v for v in texts(at))


def test_too_long_text_is_kept_and_explained(app):
    finder(app)
    long = "Emmeloord " * 25  # 250 characters
    at = app.type(long)
    assert not at.exception
    assert at.text_input(key="finder_q").value == long
    assert warnings(at) == ["Die tekst is te lang (250 tekens): typ hoogstens 200 tekens."]
    assert cards(at) == []


def test_show_on_map_moves_the_map_to_the_site_and_selects_it(app):
    finder(app)
    at = app.type("Emmeloord")
    first = re.search(r"<b>1\. ([^<]+)</b>", cards(at)[0]).group(1)
    button = next(b for b in at.button if b.key and b.key.startswith("finder_show_"))
    site_id = button.key.removeprefix("finder_show_")
    button.click().run()
    assert at.session_state["selected_site"] == site_id
    kwargs = app.last_map
    assert kwargs["zoom"] >= 13
    row = app_site(site_id)
    assert kwargs["center"] == pytest.approx((row["lat"], row["lon"]), abs=1e-6)
    assert any(first in h.proto.body and "na-popup" in h.proto.body for h in at.get("html"))  # its details


def app_site(site_id: str) -> dict:
    from geo.data import default_data_dir, load_atlas

    s = load_atlas(default_data_dir()).sites.set_index("site_id").loc[site_id]
    return {"lat": float(s["lat"]), "lon": float(s["lon"])}


# -- item 6: a place outside every network of the specialty ---------------------------------------------


def test_place_outside_the_specialtys_networks_gets_a_notice_not_a_silent_answer(app):
    finder(app)
    at = app.type("Groningen")
    assert not at.exception
    notice = warnings(at)[0]
    assert notice.startswith(
        "Geen netwerk in de atlas dekt Groningen (provincie Groningen) voor cardiologie: "
        "CardioNoVo+ werkt in Flevoland en Noord-Holland."
    )
    assert cards(at) == []  # no 130-minute answer from Noord-Holland
    assert at.session_state["finder_loc"]["label"] == "Groningen (Groningen)"
    # What there is instead: the nearest site of the oncology network that does cover Groningen
    assert "Wel dichtbij voor oncologie: Isala Zwolle (CCN NO Nederland i.o.)" in notice


def test_place_inside_the_region_has_no_such_notice(app):
    finder(app)
    at = app.type("Emmeloord")
    assert not any("Geen netwerk in de atlas dekt" in w for w in warnings(at))


# -- item 7: hospitals only --------------------------------------------------------------------------


def test_hospitals_only_is_on_by_default_in_the_finder(app):
    finder(app)
    at = app.type("Enkhuizen")
    assert at.toggle(key="finder_hospitals").value is True
    assert at.toggle(key="finder_hospitals").label == "Alleen ziekenhuizen"
    assert not any("buitenpolikliniek" in c.lower() for c in cards(at))
    at.toggle(key="finder_hospitals").set_value(False).run()
    assert "Dijklander buitenpolikliniek Enkhuizen" in cards(at)[0]
