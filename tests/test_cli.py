"""The ``netwerkatlas`` command line on the small fixture data: JSON shapes, exit codes, files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geo.cli import main
from tests.conftest import make_data_dir


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NETWERKATLAS_DATA", str(make_data_dir(tmp_path / "data")))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_validate(cli):
    code, out, _ = cli("validate")
    assert code == 0 and "10 sites" in out and "7 organisations" in out
    # the fixture has 7 rows at street precision and 3 at town precision (tests/fixtures/small/sites.csv)
    assert "positions: building 0, site 0, street 7, town 3" in out


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


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg", "html", "csv", "xlsx", "geojson", "gpkg"])
def test_export_every_format(cli, tmp_path, fmt):
    out = tmp_path / f"map.{fmt}"
    code, _, err = cli("export", "--network", "onconovo", "--km", "25", "--format", fmt, "--out", str(out))
    assert code == 0 and out.stat().st_size > 500 and "5 sites" in err  # AVL, Flevoziekenhuis, 3 Dijklander


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
