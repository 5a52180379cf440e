"""Coverage and export flows through AppTest: threshold, what-if, uploads, sensitivity, comparison."""

from __future__ import annotations

import re
from pathlib import Path

import folium
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def run(run_app):
    """Open the app in coverage mode; ``clicked`` is a click on an empty spot of the map."""

    def go(params: dict[str, str] | None = None, steps=(), clicked: dict | None = None) -> AppTest:
        value = {"last_clicked": clicked, "last_object_clicked": None} if clicked else None
        return run_app({"mode": "coverage", **(params or {})}, steps, value)

    return go


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label.startswith(label))


def test_coverage_mode_shows_figures_and_shades_the_map(run):
    at = run()
    assert not at.exception
    share = metric(at, "Inwoners binnen 25 km").value
    assert re.fullmatch(r"\d{1,3},\d%", share)  # Dutch (CLDR) number format: 97,4%
    call = at.map_calls[-1]
    page = call.args[0].get_root().render()
    # provinces are shaded by their share (branca writes the interpolated colours as #rrggbbaa)
    assert re.search(r'"fillColor": "#[0-9a-f]{8}"', page)
    assert "last_clicked" in call.kwargs["returned_objects"]  # a click adds a hypothetical site
    # every figure says which population it counts: CBS PC4 2021 by default
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Bevolking: CBS, inwoners per postcode (PC4), 1 januari 2021") for c in captions)


def test_threshold_changes_the_share(run):
    low = metric(run({"net": "cardionovo"}), "Inwoners binnen").value
    at = run({"net": "cardionovo"}, steps=[lambda at: at.slider(key="cov_km").set_value(75)])
    assert metric(at, "Inwoners binnen 75 km").value == "100,0%"
    assert low != "100,0%"


def test_the_whatif_multiselect_offers_no_english_select_all(run):
    at = run({"net": "cardionovo"})
    closed = at.multiselect(key="cov_closed")
    assert len(closed.options) > 1  # there is something a bulk action could select
    assert closed.proto.select_all == 0  # 0: never shown (Streamlit's default is 1000)


def test_closing_a_site_shows_before_and_after(run):
    at = run(
        {"net": "cardionovo"},
        steps=[lambda at: at.multiselect(key="cov_closed").set_value(["flevoziekenhuis-almere"])],
    )
    assert not at.exception
    m = metric(at, "Inwoners binnen")
    assert m.delta and m.delta.startswith("-")
    group = at.map_calls[-1].kwargs["feature_group_to_add"]
    folium_map = folium.Map(tiles=None)
    group.add_to(folium_map)
    assert folium_map.get_root().render().count("M7 7 17 17") == 1  # the closed site is drawn as closed
    frames = [d.value for d in at.dataframe]
    assert any("Aandeel voor" in f.columns and "Aandeel na" in f.columns for f in frames)


def test_clicking_the_map_adds_a_hypothetical_site(run):
    # A new site on Urk: the share in Flevoland can only go up.
    at = run({"net": "cardionovo"}, clicked={"lat": 52.6625, "lng": 5.6014}, steps=[lambda at: None])
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    added = at.session_state["cov_added"]
    assert len(added) == 1 and added[0]["lat"] == pytest.approx(52.6625)
    m = metric(at, "Inwoners binnen")
    assert m.delta and m.delta.startswith("+")


class Upload:
    """What ``st.file_uploader`` hands its ``on_change`` callback: a name and the bytes."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self._data = name, data

    def getvalue(self) -> bytes:
        return self._data


def through_callback(monkeypatch, callback, key: str, upload: Upload) -> dict:
    """Run an upload widget's own callback on ``upload``; return the session state it leaves."""
    import streamlit

    state = {key: upload}
    with monkeypatch.context() as m:
        m.setattr(streamlit, "session_state", state)
        callback()
    state.pop(key)
    return state


def give(state: dict):
    def step(at: AppTest) -> None:
        for k, v in state.items():
            at.session_state[k] = v

    return step


def shown_problems(at: AppTest) -> list[str]:
    """The bulleted problems under "Gevonden problemen:", with Markdown's escapes undone."""
    [block] = [m.value for m in at.markdown if m.value.startswith("Gevonden problemen:")]
    return [re.sub(r"\\(.)", r"\1", line[2:]) for line in block.split("\n") if line.startswith("- ")]


def test_bad_population_upload_is_explained(run, monkeypatch):
    from components.coverage_inputs import on_population_upload

    bad = Upload("grid.csv", b"x,y,population\n120000,abc,10\n")
    state = through_callback(monkeypatch, on_population_upload, "cov_upload", bad)
    at = run({"net": "cardionovo"}, steps=[give(state)])
    assert not at.exception
    assert at.error[0].value.startswith("Het bestand grid.csv kan niet worden gebruikt")
    assert shown_problems(at) == ["grid.csv, regel 2, veld 'y': 'abc' is geen getal"]
    assert not at.code  # a list that wraps in the narrow column, not a code block
    assert re.fullmatch(
        r"\d{1,3},\d%", metric(at, "Inwoners binnen").value
    )  # the official population instead
    assert any(c.value.startswith("Bevolking: CBS") for c in at.caption)


def test_population_upload_end_to_end(run, monkeypatch):
    from components.coverage_inputs import on_population_upload

    # Three places in Flevoland (RD metres): Lelystad, Almere and Urk, with round numbers of people.
    grid = b"x;y;population\n160000;502000;1000\n146000;487000;2000\n173500;523000;500\n"
    state = through_callback(monkeypatch, on_population_upload, "cov_upload", Upload("eigen.csv", grid))
    assert state["cov_population_upload"]["name"] == "eigen.csv"
    at = run({"net": "cardionovo", "km": "75"}, steps=[give(state)])
    assert not at.exception and not at.error
    flevoland = next(d.value for d in at.dataframe if "Flevoland" in set(d.value.get("Provincie", ())))
    row = flevoland[flevoland["Provincie"] == "Flevoland"].iloc[0]
    assert row["Inwoners"] == "3.500"  # exactly the people in the file, not CBS's
    assert "Bevolking: Eigen bestand: eigen.csv" in [c.value for c in at.caption]  # the caption follows
    assert metric(at, "Inwoners binnen 75 km").value == "100,0%"


def test_sensitivity_and_comparison_tables(run):
    at = run({"net": "cardionovo,onconovo"})
    frames = {tuple(d.value.columns): d.value for d in at.dataframe}
    sens = next(f for cols, f in frames.items() if any("Extra inwoners" in c for c in cols))
    assert set(sens["Locatie"]) >= {"Flevoziekenhuis"}
    assert any("Alleen in" in m.value for m in at.markdown)


def test_export_makes_the_file_only_when_asked(run):
    at = run({"net": "cardionovo"})

    def exports(at):
        return [
            b
            for b in at.get("download_button")
            if b.proto.id.endswith("exp_download") or "exp_download" in b.proto.id
        ]

    assert exports(at) == []  # nothing is generated up front
    formats = at.button_group(key="exp_format")
    assert set(formats.options) >= {"PNG", "PDF", "SVG", "HTML", "CSV", "XLSX", "GEOJSON", "GeoPackage"}
    at.button(key="exp_make").click().run()
    assert not at.exception
    assert exports(at)[0].proto.label.startswith("Download netwerkatlas-cardionovo.png")


def test_export_file_of_the_coverage_view(run_app):
    """The XLSX of the coverage view carries the coverage tables next to the sites."""
    import io

    import pandas as pd

    from components.filters import Selection
    from geo.data import filter_sites, load_atlas
    from geo.render.report import make_file

    at = run_app({"mode": "coverage", "net": "cardionovo"})
    view = at.session_state["_export_view"]
    atlas = load_atlas()
    sel = Selection(
        None,
        ("cardionovo",),
        (),
        ("hospital_ed", "hospital", "outpatient", "radiotherapy", "other"),
        (),
        False,
        False,
        None,
    )
    name, data = make_file(
        "xlsx",
        atlas,
        sel,
        filter_sites(atlas, networks=["cardionovo"]),
        "nl",
        title="Test",
        page="a4-landscape",
        dpi=100,
        coverage=view["coverage"],
    )
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert name == "test.xlsx" and {"Locaties", "Per provincie", "Gevoelige locaties"} <= set(sheets)
    assert len(sheets["Locaties"]) == 4


def test_coverage_in_minutes(run):
    at = run({"net": "cardionovo"}, steps=[lambda at: at.button_group(key="cov_unit").set_value("min")])
    assert not at.exception
    share = metric(at, "Inwoners binnen 30 min")
    assert re.fullmatch(r"\d{1,3},\d%", share.value)
    assert any("reistijd" in c.value.lower() for c in at.caption)
    assert any("Gem. reistijd (min)" in d.value.columns for d in at.dataframe)


def test_planned_sites_upload_counts_in_the_whatif(run, monkeypatch):
    from components.coverage_inputs import _on_planned_upload

    raw = "naam;breedtegraad;lengtegraad\nNieuw <b>ziekenhuis</b> Urk;52,6625;5,6014\n".encode("cp1252")
    state = through_callback(monkeypatch, _on_planned_upload, "cov_planned", Upload("plannen.csv", raw))
    # no kind given: a hospital; no networks given: it counts for any network
    assert state["cov_planned_sites"] == [("Nieuw <b>ziekenhuis</b> Urk", 52.6625, 5.6014, "hospital", ())]
    at = run({"net": "cardionovo"}, steps=[give(state)])
    assert not at.exception
    m = metric(at, "Inwoners binnen")
    assert m.delta and m.delta.startswith("+")
    assert "1 geplande locatie toegevoegd aan de wat-als-analyse." in [c.value for c in at.caption]


def test_a_bad_planned_sites_file_is_explained_and_the_page_keeps_working(run, monkeypatch):
    from components.coverage_inputs import _on_planned_upload

    raw = b"naam;breedtegraad;lengtegraad\nA;52,5;5,5\nB;abc;5,5\n"
    state = through_callback(monkeypatch, _on_planned_upload, "cov_planned", Upload("plannen.csv", raw))
    assert "cov_planned_sites" not in state
    at = run({"net": "cardionovo"}, steps=[give(state)])
    assert not at.exception
    assert at.error[0].value.startswith("plannen.csv is niet gebruikt: 1 probleem.")
    assert shown_problems(at) == ["plannen.csv, regel 3, veld 'breedtegraad': 'abc' is geen getal"]
    assert not at.code
    assert re.fullmatch(r"\d{1,3},\d%", metric(at, "Inwoners binnen").value)


# --- official population, specialties, planned sites, water, all hospitals (issues 11, 12, 13) --------


def table_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def province_rows(at: AppTest) -> dict[str, dict]:
    frame = table_with(at, "Provincie")
    return {r["Provincie"]: r for r in frame.to_dict("records")}


def dutch_int(text: str) -> int:
    return int(text.replace(".", ""))


def test_population_and_age_switches(run):
    at = run({"net": "cardionovo"})
    assert province_rows(at)["Flevoland"]["Inwoners"] == "428.210"  # CBS, 1 January 2021
    at = run({"net": "cardionovo"}, steps=[lambda at: at.button_group(key="cov_age").set_value("65+")])
    assert not at.exception
    assert province_rows(at)["Flevoland"]["Inwoners"] == "62.240"  # CBS, 65 and older
    assert any("65 jaar en ouder" in c.value for c in at.caption if c.value.startswith("Bevolking:"))
    at = run({"net": "cardionovo"}, steps=[lambda at: at.button_group(key="cov_pop").set_value("geonames")])
    assert any(c.value.startswith("Bevolking: GeoNames") for c in at.caption)
    assert province_rows(at)["Flevoland"]["Inwoners"] != "428.210"


def test_subregions_count_only_the_noord_oost_region(run):
    # every network selected (the default view): oncology figures, Noord-Oost's four sub-regions
    at = run()
    assert not at.exception
    subs = table_with(at, "Deelregio")
    total = sum(dutch_int(v) for v in subs["Inwoners"])
    # at most Drenthe + Friesland + Groningen + Overijssel + all of Gelderland (CBS 2021), never NH/Flevoland
    assert 0 < total <= 494_705 + 651_430 + 586_920 + 1_166_335 + 2_096_460


def test_figures_are_per_specialty_never_pooled(run):
    at = run()
    assert at.button_group(key="cov_specialty").value == "oncology"  # two oncology networks: the default
    at = run(steps=[lambda at: at.button_group(key="cov_specialty").set_value("cardiology")])
    assert not at.exception
    assert set(province_rows(at)) == {"Flevoland", "Noord-Holland", "Totaal netwerkregio"}  # no Groningen


def test_partial_province_says_how_it_is_counted(run):
    at = run({"net": "noord-oost"})
    rows = province_rows(at)
    assert rows["Gelderland"]["Geteld"] == "alleen waar een netwerkziekenhuis het dichtstbij is"
    assert rows["Gelderland"]["Inwoners provincie"] == "2.096.460"
    assert dutch_int(rows["Gelderland"]["Inwoners"]) < 2_096_460
    assert rows["Drenthe"]["Geteld"] == "hele provincie"


def test_uploaded_oncology_clinic_does_not_count_for_cardiology(run, monkeypatch):
    from components.coverage_inputs import _on_planned_upload

    raw = b"naam;breedtegraad;lengtegraad;soort;netwerken\nPoli Urk;52,6625;5,6014;polikliniek;onconovo\n"
    state = through_callback(monkeypatch, _on_planned_upload, "cov_planned", Upload("plannen.csv", raw))
    at = run(
        {"net": "cardionovo"},
        steps=[give(state), lambda at: at.toggle(key="cov_outpatient").set_value(True)],
    )
    assert not at.exception
    assert not metric(at, "Inwoners binnen").delta  # nothing changed for cardiology
    assert "1 geplande locatie telt niet mee" in " ".join(c.value for c in at.caption)


def test_a_click_on_the_ijsselmeer_is_refused(run):
    at = run({"net": "cardionovo"}, clicked={"lat": 52.75, "lng": 5.35}, steps=[lambda at: None])
    assert not at.exception
    assert "cov_added" not in at.session_state or at.session_state["cov_added"] == []
    assert any(w.value.startswith("Hier kan geen locatie komen") for w in at.warning)
    assert not metric(at, "Inwoners binnen").delta  # the figures did not change


def test_every_network_next_to_all_hospitals(run):
    at = run()
    ref = table_with(at, "Alle ziekenhuizen binnen 25 km")
    assert set(ref["Netwerk"]) == {"CardioNoVo+", "OncoNoVo+", "CCN NO Nederland i.o."}

    def pct(text: str) -> float:
        return float(text.rstrip("%").replace(",", "."))

    for own, every in zip(ref["Netwerk binnen 25 km"], ref["Alle ziekenhuizen binnen 25 km"], strict=True):
        assert pct(own) <= pct(every)  # the network's hospitals are among all hospitals


def test_coverage_map_shows_the_postcode_areas_beyond_the_threshold(run, tmp_path):
    import shutil

    from tests.conftest import DATA

    shutil.copytree(DATA / "population", tmp_path / "data" / "population", dirs_exist_ok=True)  # PC4 polygons
    at = run({"net": "cardionovo", "km": "5"})
    assert not at.exception, at.exception
    group = at.map_calls[-1].kwargs["feature_group_to_add"]
    overlays = [c for c in group._children.values() if isinstance(c, folium.raster_layers.ImageOverlay)]
    assert len(overlays) == 1 and overlays[0].url.startswith("data:image/png;base64,")
    folium_map = folium.Map(tiles=None)
    group.add_to(folium_map)
    page = folium_map.get_root().render()
    assert re.search(r'"rows":\[\[\d{4},\d+,\d+,[\d.]+,-?\d+', page)  # the hover's figures per area
    legend = page  # the legend is drawn inside the map, from the dynamic layer
    assert "Postcodegebieden verder dan de norm: 5 km tot een locatie" in legend
    assert "Aandeel inwoners binnen 5 km van een locatie, per provincie" in legend
    # the scales come first; the sites' colours and shapes are folded away, so the legend hides less map
    share = legend.index("Aandeel inwoners binnen 5 km")
    beyond = legend.index("Postcodegebieden verder dan de norm")
    folded = legend.index("<details><summary>Locaties: kleur en vorm<")  # not open: no "open" attribute
    assert share < beyond < folded < legend.index("Kleur: netwerk")


def test_coverage_without_population_files_says_so_and_keeps_the_map(run, tmp_path):
    import shutil

    shutil.rmtree(tmp_path / "data" / "population")  # a data folder without the PC4 files
    at = run({"net": "cardionovo", "km": "5"})
    assert not at.exception, at.exception
    assert at.error[0].value.startswith("**Onderhoudsmelding")
    assert "population/pc4.csv: file is missing" in at.code[0].value
    assert len(at.map_calls) == 1  # the map is still drawn, without coverage shading
