"""The ``netwerkatlas`` command line on the small fixture data: JSON shapes, exit codes, files."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import struct
from xml.etree import ElementTree

import geopandas as gpd
import pandas as pd
import pytest

from geo.cli import main
from tests.conftest import make_data_dir


def test_validate(cli):
    code, out, _ = cli("validate")
    assert code == 0 and "10 sites" in out and "7 organisations" in out
    # the fixture has 7 rows at street precision and 3 at town precision (tests/fixtures/small/sites.csv)
    assert "positions: building 0, site 0, street 7, town 3" in out


def test_validate_warns_about_sites_outside_their_pc4_area(monkeypatch, capsys):
    # The shipped data: the closed Heerhugowaard clinic is known only at the town centre, 1.3 km outside
    # the CBS polygon of its postcode 1703; every other site with a postcode lies in (or next to) its area.
    monkeypatch.delenv("NETWERKATLAS_DATA", raising=False)
    assert main(["validate"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: sites.csv, line 15, field 'postcode': (52.67144, 4.84862) lies 1.3 km outside PC4 area 1703"
    ]


def test_validate_skips_the_pc4_check_without_population(tmp_path, monkeypatch, capsys):
    data = make_data_dir(tmp_path / "data")
    shutil.rmtree(data / "population")
    monkeypatch.setenv("NETWERKATLAS_DATA", str(data))
    assert main(["validate"]) == 0
    assert capsys.readouterr().err.strip() == "PC4 check skipped: no population/ folder in the data folder"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Zwolle,Overijssel", "Zwolle,Utrecht", ["sites.csv, line 7, field 'province'"]),
        # Purmerend given Hoorn's coordinate, without saying the two are co-located
        (
            "52.50420,4.95800",
            "52.64320,5.05310",
            [
                "sites.csv, line 3, field 'colocated_with': shares its coordinate with dijklander-purmerend",
                "sites.csv, line 4, field 'colocated_with': shares its coordinate with dijklander-hoorn",
            ],
        ),
    ],
)
def test_validate_reports_bad_rows(tmp_path, monkeypatch, capsys, old, new, expected):
    bad = make_data_dir(tmp_path / "bad", edits={"sites.csv": lambda t: t.replace(old, new)})
    monkeypatch.setenv("NETWERKATLAS_DATA", str(bad))
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert all(line in err for line in expected)


def test_sites_json(cli):
    code, out, _ = cli("sites", "--specialty", "cardiology", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 4
    assert {
        "organisation",
        "site",
        "city",
        "province",
        "lat",
        "lon",
        "kind",
        "networks",
        "subregions",
    } <= set(rows[0])
    assert all(r["networks"] == ["cardionovo"] for r in rows)


def test_unknown_network_is_a_usage_error(cli):
    code, _, err = cli("sites", "--network", "nope")
    assert code == 2 and "unknown network" in err


def test_nearest_json_and_exit_status(cli):
    code, out, _ = cli(
        "nearest", "Urk", "Emeloord", "Hengelo", "--specialty", "oncology", "--limit", "2", "--json"
    )
    data = json.loads(out)
    assert code == 1  # one place could not be resolved
    assert data["Urk"]["place"]["province"] == "Flevoland"
    assert [r["rank"] for r in data["Urk"]["results"]] == [1, 2]
    km = [r["distance_km"] for r in data["Urk"]["results"]]
    assert km == sorted(km)
    assert data["Emeloord"]["error"] == "unknown place" and "Emmeloord" in data["Emeloord"]["suggestions"]
    assert data["Hengelo"]["error"] == "ambiguous" and len(data["Hengelo"]["choices"]) == 2
    code, out, _ = cli("nearest", "Urk", "--json")
    assert code == 0


def test_coverage_json_totals_add_up(cli):
    code, out, _ = cli("coverage", "--network", "noord-oost", "--km", "30", "--json")
    data = json.loads(out)
    assert code == 0
    provinces = pd.DataFrame(data["provinces"])
    assert {"name", "population", "covered", "share"} <= set(provinces.columns)
    assert provinces["population"].sum() == pytest.approx(data["total"]["population"])
    assert provinces["covered"].sum() == pytest.approx(data["total"]["covered"])
    assert 0 <= data["total"]["share"] <= 1
    assert {s["name"] for s in data["subregions"]} >= {
        "ONZ-netwerk (Twente)",
        "Oncologienetwerk Veluwe IJssel",
    }


def test_closing_a_site_lowers_coverage(cli):
    _, before, _ = cli("coverage", "--network", "cardionovo", "--km", "15", "--json")
    _, after, _ = cli(
        "coverage", "--network", "cardionovo", "--km", "15", "--close", "flevoziekenhuis-almere", "--json"
    )
    assert json.loads(after)["total"]["covered"] < json.loads(before)["total"]["covered"]


def test_bad_threshold_is_refused(cli):
    with pytest.raises(SystemExit) as info:
        cli("coverage", "--km", "1e9")
    assert info.value.code == 2


def test_sensitivity_json(cli):
    code, out, _ = cli("sensitivity", "--network", "cardionovo", "--km", "20", "--json")
    sites = json.loads(out)["sites"]
    assert code == 0 and {s["site_id"] for s in sites} == {
        "flevoziekenhuis-almere",
        "dijklander-hoorn",
        "dijklander-purmerend",
    }
    extra = [s["extra_beyond"] for s in sites]
    assert extra == sorted(extra, reverse=True)


ONCONOVO_SITES = {
    "avl-amsterdam": "Antoni van Leeuwenhoek",
    "dijklander-enkhuizen": "Dijklander buitenpolikliniek Enkhuizen",
    "dijklander-hoorn": "Dijklander, locatie Hoorn",
    "dijklander-purmerend": "Dijklander, locatie Purmerend",
    "flevoziekenhuis-almere": "Flevoziekenhuis",
}


def _export(cli, tmp_path, fmt: str, *extra: str) -> bytes:
    out = tmp_path / f"map.{fmt}"
    args = ("export", "--network", "onconovo", "--format", fmt, "--out", str(out), "--title", "Testkaart")
    code, _, err = cli(*args, *(extra or ("--km", "25")))
    assert code == 0 and "5 sites" in err  # AVL, Flevoziekenhuis, 3 Dijklander
    return out.read_bytes()


def test_export_png_has_the_page_size(cli, tmp_path):
    data = _export(cli, tmp_path, "png", "--km", "25", "--dpi", "100")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (1169, 827)  # A4 landscape, 11.69 x 8.27 in at 100 dpi


def test_export_pdf_is_one_titled_page(cli, tmp_path):
    data = _export(cli, tmp_path, "pdf")
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    assert b"(Testkaart)" in data


def test_export_svg_is_titled_svg(cli, tmp_path):
    root = ElementTree.fromstring(_export(cli, tmp_path, "svg"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    work = root.find(".//{http://creativecommons.org/ns#}Work")
    assert work.find("{http://purl.org/dc/elements/1.1/}title").text == "Testkaart"


def test_export_html_carries_every_site_and_nothing_external(cli, tmp_path):
    page = _export(cli, tmp_path, "html").decode("utf-8")
    for name in ONCONOVO_SITES.values():
        assert json.dumps(html.escape(name))[1:-1] in page
    assert not re.search(r"<script[^>]+src=", page) and not re.search(r"<link[^>]+stylesheet", page)


def test_export_csv_rows_are_the_sites(cli, tmp_path):
    table = pd.read_csv(io.BytesIO(_export(cli, tmp_path, "csv")), sep=";", encoding="utf-8-sig")
    assert dict(zip(table["Site id"], table["Site"], strict=True)) == ONCONOVO_SITES


def test_export_xlsx_sheets_name_their_unit(cli, tmp_path):
    sheets = pd.read_excel(io.BytesIO(_export(cli, tmp_path, "xlsx")), sheet_name=None)
    assert set(sheets) == {"sites", "provinces", "sensitivity"}  # OncoNoVo+ has no sub-regions
    assert set(sheets["sites"]["Site id"]) == set(ONCONOVO_SITES)
    assert {"mean_km", "p95_km"} <= set(sheets["provinces"].columns)
    assert not any(c.endswith("_min") for c in sheets["provinces"].columns)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_export_vector_files_hold_the_sites(cli, tmp_path, fmt):
    _export(cli, tmp_path, fmt)
    gdf = gpd.read_file(tmp_path / f"map.{fmt}")
    assert gdf.crs.to_epsg() == 4326
    assert dict(zip(gdf["site_id"], gdf["name"], strict=True)) == ONCONOVO_SITES
    assert (gdf.geometry.geom_type == "Point").all()


def test_minutes_export_html_speaks_of_minutes(cli, tmp_path):
    page = _export(cli, tmp_path, "html", "--minutes", "30").decode("utf-8")
    assert re.search(r"\d min tot de dichtstbijzijnde locatie", page)
    assert "km tot de dichtstbijzijnde locatie" not in page


def test_minutes_export_xlsx_names_minutes(cli, tmp_path):
    sheets = pd.read_excel(io.BytesIO(_export(cli, tmp_path, "xlsx", "--minutes", "30")), sheet_name=None)
    cols = set(sheets["provinces"].columns)
    assert {"mean_min", "p95_min"} <= cols and not {"mean_km", "p95_km"} & cols


def test_minutes_png_subtitle_states_minutes(cli, tmp_path, monkeypatch):
    seen = {}
    import geo.render.print as printing

    real = printing.render_static

    def spy(spec, **kw):
        seen["subtitle"] = spec.subtitle
        return real(spec, **kw)

    monkeypatch.setattr(printing, "render_static", spy)
    _export(cli, tmp_path, "png", "--minutes", "30", "--dpi", "50")
    threshold = seen["subtitle"].split(" · ")[-1]
    assert threshold.startswith("Reistijdgrens 30 min met de auto")


@pytest.mark.parametrize("option", ["--minutes", "--km"])
def test_threshold_errors_name_their_own_option(cli, capsys, option):
    with pytest.raises(SystemExit) as info:
        cli("coverage", option, "0")
    err = capsys.readouterr().err
    other = {"--km": "--minutes", "--minutes": "--km"}[option]
    assert info.value.code == 2 and f"{option} must be" in err and f"{other} must" not in err


def test_coverage_json_in_minutes_names_minutes(cli):
    _, out, _ = cli("coverage", "--network", "cardionovo", "--minutes", "30", "--json")
    total = json.loads(out)["total"]
    assert {"mean_min", "p95_min"} <= set(total) and "mean_km" not in total


def test_nearest_by_minutes_respects_water(cli):
    # Hoorn is nearer to Urk as the crow flies, across the IJsselmeer; by car Almere is faster.
    args = (
        "nearest",
        "Urk",
        "--specialty",
        "cardiology",
        "--kind",
        "hospital_ed",
        "--kind",
        "hospital",
        "--json",
    )
    _, by_km, _ = cli(*args)
    _, by_min, _ = cli(*args, "--by", "minutes")
    km_first = json.loads(by_km)["Urk"]["results"][0]
    min_results = json.loads(by_min)["Urk"]["results"]
    assert km_first["site_id"] == "dijklander-hoorn" and "minutes" not in km_first
    assert min_results[0]["site_id"] == "flevoziekenhuis-almere"
    assert min_results[0]["minutes"] < min_results[1]["minutes"]


def test_coverage_in_minutes_json(cli):
    code, out, _ = cli("coverage", "--network", "cardionovo", "--minutes", "30", "--json")
    data = json.loads(out)
    assert code == 0 and data["unit"] == "min" and data["threshold"] == 30
    assert 0 < data["total"]["share"] <= 1


def test_km_and_minutes_exclude_each_other(cli):
    with pytest.raises(SystemExit) as info:
        cli("coverage", "--km", "20", "--minutes", "30")
    assert info.value.code == 2


def test_missing_data_folder_says_how_to_point_at_it(tmp_path, monkeypatch, capsys):
    # As after a plain `pip install .`: the package has no data/ next to it and no NETWERKATLAS_DATA.
    import geo.data

    monkeypatch.delenv("NETWERKATLAS_DATA", raising=False)
    monkeypatch.setattr(geo.data, "DATA_DIR", tmp_path / "site-packages" / "data")
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert "no NetwerkAtlas data folder" in err and "set NETWERKATLAS_DATA" in err
    monkeypatch.setenv("NETWERKATLAS_DATA", str(tmp_path / "nowhere"))
    assert main(["sites"]) == 1
    assert f"NETWERKATLAS_DATA={tmp_path / 'nowhere'}" in capsys.readouterr().err


def test_sites_json_gives_the_dutch_name_and_the_english_remark(cli):
    code, out, _ = cli("sites", "--closed", "--json")
    rows = {r["site_id"]: r for r in json.loads(out)}
    assert code == 0
    assert (rows["ozg-delfzicht"]["site"], rows["ozg-delfzicht"]["remark"]) == (
        "OZG locatie Delfzicht",
        "former hospital",
    )
    assert (rows["isala-zwolle"]["remark"], rows["isala-zwolle"]["organisation_remark"]) == ("", "")


def test_export_csv_carries_the_remark_in_both_languages(cli, tmp_path, monkeypatch):
    edit = {
        "sites.csv": lambda t: t.replace(
            ",Flevoziekenhuis,,,hospital", ",Flevoziekenhuis,uitbreiding 2010,expansion 2010,hospital"
        )
    }
    monkeypatch.setenv("NETWERKATLAS_DATA", str(make_data_dir(tmp_path / "remark", edits=edit)))
    table = pd.read_csv(
        io.BytesIO(_export(cli, tmp_path, "csv")), sep=";", encoding="utf-8-sig", keep_default_na=False
    )
    row = table.set_index("Site id").loc["flevoziekenhuis-almere"]
    assert (row["Site"], row["Remark (Dutch)"], row["Remark (English)"]) == (
        "Flevoziekenhuis",
        "uitbreiding 2010",
        "expansion 2010",
    )
    assert set(table.set_index("Site id").drop("flevoziekenhuis-almere")["Remark (English)"]) == {""}
