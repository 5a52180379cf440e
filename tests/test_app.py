"""The app's flows through Streamlit's AppTest (no browser): filters, language, selection, bad data."""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

import pytest
import streamlit_folium
from streamlit.testing.v1 import AppTest

from tests.conftest import make_data_dir
from tests.tables import sites_table

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("NETWERKATLAS_DATA", str(make_data_dir(tmp_path / "data")))

    def run(clicked: dict | None = None, *, runs: int = 1) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        fake = {"last_object_clicked": clicked} if clicked else {"last_object_clicked": None}
        with mock.patch.object(streamlit_folium, "st_folium", return_value=fake) as fake_map:
            for _ in range(runs):
                at.run()
        at.map_calls = fake_map.call_args_list
        return at

    return run


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_default_view_shows_every_open_network_site(app):
    at = app()
    assert not at.exception
    assert at.title[0].value == "NetwerkAtlas"
    assert metrics(at) == {"Organisaties": "5", "Locaties": "8"}
    assert len(sites_table(at)) == 8
    # Only clicks come back from the browser: panning and zooming must not rerun the app.
    kwargs = at.map_calls[-1].kwargs
    assert kwargs["returned_objects"] == ["last_object_clicked"]
    assert kwargs["feature_group_to_add"] is not None  # markers swap without remounting the map


def test_map_component_receives_only_local_assets(tmp_path, monkeypatch):
    monkeypatch.setenv("NETWERKATLAS_DATA", str(make_data_dir(tmp_path / "data")))
    at = AppTest.from_file(APP, default_timeout=60).run()
    args = at.get("component_instance")[0].proto.json_args
    assert "/app/static/vendor/leaflet/leaflet.js" in args
    assert re.findall(r"https?://[^\s\"'<>]+\.(?:js|css)\b", args) == []  # no script or style from elsewhere


def test_specialty_filter_updates_counts_and_table(app):
    at = app()
    at.selectbox(key="f_specialty").set_value("cardiology").run()
    assert not at.exception
    assert metrics(at) == {"Organisaties": "2", "Locaties": "4"}
    assert set(sites_table(at)["Locatie"]) >= {"Flevoziekenhuis", "Dijklander, locatie Hoorn"}


def test_network_and_kind_pills(app):
    at = app()
    at.button_group(key="f_networks").set_value(["noord-oost"]).run()
    assert metrics(at)["Locaties"] == "3"  # Isala, MST and the MST lab; the closed OZG site stays hidden
    at.button_group(key="f_categories").set_value(["hospital_ed"]).run()
    assert metrics(at)["Locaties"] == "2"
    assert not at.exception


def test_subregion_filter(app):
    at = app()
    at.multiselect(key="f_subregions").set_value(["onz"]).run()
    assert set(sites_table(at)["Locatie"]) == {"MST Enschede", "MST laboratorium <b>test</b>"}


def test_context_and_closed_layers(app):
    at = app()
    at.checkbox(key="f_context").check().run()
    assert metrics(at)["Overige ziekenhuizen"] == "1"
    at.checkbox(key="f_closed").check().run()
    rows = sites_table(at)
    assert "gesloten" in set(rows["Status"])


def test_english_is_one_click_away(app):
    at = app()
    at.button_group(key="lang").set_value("en").run()
    assert not at.exception
    assert set(metrics(at)) == {"Organisations", "Sites"}
    assert at.sidebar.header[0].value == "Filters"
    assert at.selectbox(key="f_specialty").label == "Specialty"


def test_clicking_a_marker_shows_its_details(app):
    # In the browser st_folium's on_change callback applies the click before the rerun; here the mocked
    # return value is applied during the first run, so the panel shows it from the second run on.
    at = app(clicked={"lat": 52.51270, "lng": 6.08420}, runs=2)
    assert not at.exception
    assert at.session_state["selected_site"] == "isala-zwolle"
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "Isala Zwolle" in html and "Dokter van Heesweg 2" in html


def test_discrepancy_between_sources_is_shown(app):
    at = app()
    warnings = " ".join(w.value for w in at.warning)
    assert "13" in warnings and "11" in warnings and "medicalfacts" in warnings


def test_broken_data_shows_maintenance_notice_not_traceback(tmp_path, monkeypatch):
    folder = make_data_dir(
        tmp_path / "bad",
        edits={
            "sites.csv": lambda t: t.replace("52.51270,6.08420", "noord,6.08420"),
        },
    )
    monkeypatch.setenv("NETWERKATLAS_DATA", str(folder))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Onderhoudsmelding" in at.error[0].value
    assert "sites.csv, line 7, field 'lat'" in at.code[0].value


def test_back_to_all_specialties_shows_every_network_again(app):
    at = app()
    at.selectbox(key="f_specialty").set_value("cardiology").run()
    assert at.button_group(key="f_networks").value == ["cardionovo"]
    at.selectbox(key="f_specialty").set_value("all").run()
    assert at.button_group(key="f_networks").value == ["cardionovo", "onconovo", "noord-oost"]
    assert metrics(at)["Locaties"] == "8"
