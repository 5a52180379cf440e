"""Exports that say what they show (issue 13 items 8 and 18): a what-if is named in the file itself,
`netwerkatlas export` scripts the same scenario as the app, the HTML export has a title, sources, a date
and a sea that is not grey, and the finder's print map lists the ranked sites."""

from __future__ import annotations

import io
import json
import re
from xml.etree import ElementTree

import geopandas as gpd
import pandas as pd
import pytest

from geo.render.style import WATER

DC = "{http://purl.org/dc/elements/1.1/}"
CC = "{http://creativecommons.org/ns#}"


@pytest.fixture
def planned(tmp_path):
    from geo.uploads import EXAMPLE_CSV

    path = tmp_path / "gepland.csv"
    path.write_bytes(EXAMPLE_CSV)  # Nieuw ziekenhuis Lelystad (cardionovo), Polikliniek Emmeloord (oncology)
    return path


def export(cli, tmp_path, fmt: str, *extra: str) -> bytes:
    out = tmp_path / f"map.{fmt}"
    args = ("export", "--network", "cardionovo", "--format", fmt, "--out", str(out), "--title", "Testkaart")
    code, _, err = cli(*args, *extra)
    assert code == 0, err
    return out.read_bytes()


def svg_text(data: bytes) -> tuple[str, str]:
    work = ElementTree.fromstring(data).find(f".//{CC}Work")
    return work.find(f"{DC}title").text, work.find(f"{DC}description").text


# -- item 8: what-if in exports ----------------------------------------------------------------------


def test_print_map_of_a_whatif_names_scenario_threshold_and_population(cli, tmp_path):
    title, subtitle = svg_text(
        export(cli, tmp_path, "svg", "--km", "25", "--close", "flevoziekenhuis-almere")
    )
    assert title == "Testkaart · wat-als-scenario"
    parts = subtitle.split(" · ")
    assert parts[0] == "Wat-als (geen feitelijke situatie): gesloten: Flevoziekenhuis"
    assert parts[1] == (
        "Bevolking: CBS, inwoners per postcode (PC4), 1 januari 2021, "
        "verdeeld over de 1 km-cellen van Eurostat"
    )
    assert parts[-1] == "Afstandsgrens 25 km hemelsbreed"


@pytest.mark.parametrize(
    ("lang", "closed"),
    [
        ("nl", "gesloten: Flevoziekenhuis (uitbreiding 2010)"),
        ("en", "closed: Flevoziekenhuis (expansion 2010)"),
    ],
)
def test_a_whatif_names_a_closed_site_with_its_remark_in_the_language(
    cli, tmp_path, monkeypatch, lang, closed
):
    from tests.conftest import make_data_dir

    remark = ",Flevoziekenhuis,uitbreiding 2010,expansion 2010,hospital"
    edit = {"sites.csv": lambda t: t.replace(",Flevoziekenhuis,,,hospital", remark)}
    monkeypatch.setenv("NETWERKATLAS_DATA", str(make_data_dir(tmp_path / "remark", edits=edit)))
    data = export(cli, tmp_path, "svg", "--km", "25", "--close", "flevoziekenhuis-almere", "--lang", lang)
    assert svg_text(data)[1].split(" · ")[0].endswith(closed)


def test_print_map_without_whatif_is_not_called_one(cli, tmp_path):
    title, subtitle = svg_text(export(cli, tmp_path, "svg", "--km", "25"))
    assert title == "Testkaart"
    assert "Wat-als" not in subtitle


def test_csv_of_a_whatif_says_which_sites_close_in_the_scenario(cli, tmp_path):
    table = pd.read_csv(
        io.BytesIO(export(cli, tmp_path, "csv", "--km", "25", "--close", "flevoziekenhuis-almere")),
        sep=";",
        encoding="utf-8-sig",
        keep_default_na=False,
    )
    rows = table.set_index("Site id")
    assert rows.loc["flevoziekenhuis-almere", "Status"] == "closed"
    assert rows.loc["flevoziekenhuis-almere", "Scenario"] == "wat-als: gesloten (geen feitelijke sluiting)"
    assert set(rows.drop(index="flevoziekenhuis-almere")["Scenario"]) == {""}


def test_geojson_of_a_whatif_carries_planned_sites_and_the_scenario(cli, tmp_path, planned):
    export(cli, tmp_path, "geojson", "--km", "25", "--planned", str(planned), "--close", "dijklander-hoorn")
    gdf = gpd.read_file(tmp_path / "map.geojson")
    by_name = gdf.set_index("name")
    assert (
        by_name.loc["Nieuw ziekenhuis Lelystad", "scenario"]
        == "wat-als: gepland (toegevoegd in het scenario)"
    )
    assert (
        by_name.loc["Dijklander, locatie Hoorn", "scenario"] == "wat-als: gesloten (geen feitelijke sluiting)"
    )
    assert "Polikliniek Emmeloord" not in by_name.index  # an oncology clinic is not part of a cardiology map


def test_csv_without_whatif_has_no_scenario_column(cli, tmp_path):
    table = pd.read_csv(io.BytesIO(export(cli, tmp_path, "csv")), sep=";", encoding="utf-8-sig")
    assert "Scenario" not in table.columns


def test_export_planned_sites_change_the_print_subtitle(cli, tmp_path, planned):
    _, subtitle = svg_text(export(cli, tmp_path, "svg", "--km", "25", "--planned", str(planned)))
    assert (
        subtitle.split(" · ")[0] == "Wat-als (geen feitelijke situatie): gepland: Nieuw ziekenhuis Lelystad"
    )


def test_export_bad_planned_file_is_a_message_not_a_traceback(cli, tmp_path):
    bad = tmp_path / "leeg.csv"
    bad.write_bytes(b"")
    code, _, err = cli(
        "export", "--format", "png", "--out", str(tmp_path / "x.png"), "--km", "25", "--planned", str(bad)
    )
    assert code == 1
    assert err.startswith("netwerkatlas: ") and "leeg.csv" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_coverage_takes_planned_sites(cli, planned):
    _, before, _ = cli("coverage", "--network", "cardionovo", "--km", "10", "--json")
    _, after, _ = cli(
        "coverage", "--network", "cardionovo", "--km", "10", "--json", "--planned", str(planned)
    )
    b, a = json.loads(before), json.loads(after)
    assert a["added"] == ["Nieuw ziekenhuis Lelystad"]
    assert a["total"]["covered"] > b["total"]["covered"]  # Lelystad is beyond 10 km of every shipped site


# -- item 18: the HTML export and the finder's print map --------------------------------------------------


def test_html_export_has_title_sources_date_and_a_sea_that_is_not_grey(cli, tmp_path):
    page = export(cli, tmp_path, "html", "--km", "25").decode("utf-8")
    assert re.search(r"<title>Testkaart</title>", page)
    head = re.search(r'<div class="na-report-head">(.*?)</div>\s*</div>', page, re.S)
    assert head, "no title block"
    block = head.group(1)
    assert "Testkaart" in block and "Bronnen:" in block and "skipr.nl" in block
    assert re.search(r"\d{1,2} \w+ 20\d\d", block)  # the date, written out in Dutch
    # The background Leaflet gives the map wins unless ours comes later or is !important.
    rules = re.findall(r"\.leaflet-container\s*\{[^}]*?background(?:-color)?:\s*([^;}]+)", page)
    important = [r for r in rules if "!important" in r]
    winner = (important or rules)[-1].replace("!important", "").strip()
    assert winner.lower() == WATER.lower()


def test_finder_print_map_lists_the_ranked_sites_with_minutes_and_the_specialty(small_atlas, monkeypatch):
    from types import SimpleNamespace

    import geo.render.print as printing
    from geo.render.report import make_file
    from geo.selection import Selection

    results = pd.DataFrame(
        {
            "site_id": ["flevoziekenhuis-almere", "dijklander-hoorn"],
            "name": ["Flevoziekenhuis", "Dijklander, locatie Hoorn"],
            "lat": [52.3677, 52.6504],
            "lon": [5.2187, 5.0569],
            "minutes": [31.6, 48.2],
            "distance_km": [38.04, 27.5],
            "rank": [1, 2],
        }
    )
    found = SimpleNamespace(
        location=(52.71, 5.75),
        label="Emmeloord (Flevoland)",
        results=results,
        specialty="cardiology",
        by="minutes",
    )
    sel = Selection(None, ("cardionovo", "onconovo", "noord-oost"), (), (), (), False, False, None)
    seen = {}
    real = printing.render_static

    def spy(spec, **kw):
        seen["spec"] = spec
        return real(spec, **kw)

    monkeypatch.setattr(printing, "render_static", spy)
    make_file(
        "png", small_atlas, sel, small_atlas.sites, "nl", title="T", page="a4-landscape", dpi=50, finder=found
    )
    spec = seen["spec"]
    assert "Specialisme: Cardiologie" in spec.subtitle.split(" · ")
    assert spec.finder.ranking == (
        "1. Flevoziekenhuis · ≈ 32 min met de auto · 38,0 km hemelsbreed",
        "2. Dijklander, locatie Hoorn · ≈ 48 min met de auto · 27,5 km hemelsbreed",
    )
    fig = printing._compose(spec, "a4-landscape", (11.69, 8.27))
    drawn = {t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))}
    assert set(spec.finder.ranking) <= drawn
    assert "Vanaf Emmeloord (Flevoland)" in drawn


def _make(at, fmt: str) -> bytes:
    at.button_group(key="exp_format").set_value(fmt).run()
    at.button(key="exp_make").click().run()
    assert not at.exception
    made_fmt, _, data = at.session_state["_export_file"]
    assert made_fmt == fmt
    return data


def test_app_export_of_a_whatif_names_it(run_app):
    at = run_app({"mode": "coverage", "net": "cardionovo", "close": "flevoziekenhuis-almere"})
    title, subtitle = svg_text(_make(at, "svg"))
    assert title.endswith(" · wat-als-scenario")
    parts = subtitle.split(" · ")
    assert parts[0] == "Wat-als (geen feitelijke situatie): gesloten: Flevoziekenhuis"
    assert parts[1] == (
        "Bevolking: CBS, inwoners per postcode (PC4), 1 januari 2021, "
        "verdeeld over de 1 km-cellen van Eurostat"
    )
    assert parts[-1] == "Afstandsgrens 25 km hemelsbreed"
    table = pd.read_csv(io.BytesIO(_make(at, "csv")), sep=";", encoding="utf-8-sig", keep_default_na=False)
    rows = table.set_index("Site id")
    assert rows.loc["flevoziekenhuis-almere", "Scenario"] == "wat-als: gesloten (geen feitelijke sluiting)"


def test_app_finder_export_names_the_ranked_specialty(run_app):
    at = run_app(
        {"mode": "finder", "spec": "all", "fspec": "oncology"},
        steps=[lambda at: at.text_input(key="finder_q").input("Urk")],
    )
    _, subtitle = svg_text(_make(at, "svg"))
    assert "Specialisme: Oncologie" in subtitle.split(" · ")
    assert "Alle specialismen" not in subtitle
