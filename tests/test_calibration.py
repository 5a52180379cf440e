"""Calibration against Eurostat: the shipped inputs, the shares, the committed result, the docs."""

from __future__ import annotations

import csv
import json
import math
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo import traveltime as tt
from geo.cli import main
from geo.data import DATA_DIR
from geo.errors import DataValidationError
from geo.schema import PROVINCES
from geo.traveltime import calibration as cal

ROOT = DATA_DIR.parent
HAS_GRID = (DATA_DIR / cal.GRID_FILE).exists()


def committed() -> dict:
    return json.loads((DATA_DIR / cal.RESULT_FILE).read_text(encoding="utf-8"))


# --- the shipped inputs ---------------------------------------------------------------------------------


def test_facilities_are_gisco_2019_with_source_lines() -> None:
    f = cal.load_facilities()
    assert len(f) == 245
    assert f["type"].value_counts().to_dict() == {
        "outpatient_clinic": 128,
        "general_hospital": 101,
        "academic_hospital": 8,
        "childrens_hospital": 7,
        "port_hospital": 1,
    }
    assert f["source_line"].astype(int).is_unique
    umcg = f[f["name"] == "Universitair Medisch Centrum Groningen"].iloc[0]
    assert (umcg["city"], round(umcg["lat"], 3), round(umcg["lon"], 3)) == ("Groningen", 53.221, 6.577)
    assert f["x"].between(0, 290_000).all() and f["y"].between(300_000, 625_000).all()


def test_eurostat_figures_cover_every_province_both_years() -> None:
    es = cal.load_eurostat()
    assert set(es.index.get_level_values(0)) == {*PROVINCES, cal.NATIONAL}
    assert list(es.columns) == ["2020", "2023"]
    # Published figures quoted in the issue and the source README
    assert es.loc[("Nederland", 20), "2023"] == 1.44
    assert es.loc[("Friesland", 20), "2020"] == 17.64
    assert es.loc[("Nederland", 5), "2020"] == 77.58
    # a share beyond a longer time is never larger than beyond a shorter one
    for region in es.index.get_level_values(0).unique():
        for year in es.columns:
            v = [es.loc[(region, t), year] for t in cal.THRESHOLDS]
            assert v[0] >= v[1] >= v[2], (region, year, v)


def test_a_bad_facility_row_names_file_line_and_field(small_dir: Path) -> None:
    (small_dir / "calibration").mkdir(exist_ok=True)
    src = DATA_DIR / cal.FACILITIES_FILE
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("general_hospital", "castle").replace("academic_hospital", "castle")
    (small_dir / cal.FACILITIES_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"gisco_healthcare_nl.csv, line 4, field 'type'"):
        cal.load_facilities(small_dir)


def test_missing_grid_is_a_clear_error(small_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    (small_dir / "population" / "grid_1km.csv").unlink()  # test folders carry the population coverage counts
    with pytest.raises(tt.TravelTimeError, match=r"grid_1km.csv is missing.*1 km population grid"):
        cal.load_grid(small_dir)
    monkeypatch.setenv("NETWERKATLAS_DATA", str(small_dir))
    assert main(["calibrate"]) == 1
    assert "grid_1km.csv is missing" in capsys.readouterr().err


# --- the computation ------------------------------------------------------------------------------------


def test_shares_beyond_weigh_inhabitants_per_province() -> None:
    grid = pd.DataFrame(
        {
            "inhabitants": [100, 300, 600, 1000],
            "province": ["Drenthe", "Drenthe", "Drenthe", "Utrecht"],
        }
    )
    minutes = np.array([4.0, 6.0, 30.0, 50.0])
    shares = cal.shares_beyond(grid, minutes)
    assert shares.loc["Drenthe", 5] == pytest.approx(90.0)  # 300 + 600 of 1,000
    assert shares.loc["Drenthe", 20] == pytest.approx(60.0)
    assert shares.loc["Drenthe", 45] == 0.0
    assert shares.loc["Utrecht", 45] == 100.0
    assert shares.loc["Nederland", 20] == pytest.approx(80.0)  # 600 + 1,000 of 2,000


def test_access_time_grows_with_density_without_new_fields(tmp_path: Path) -> None:
    model = tt.load_model(cache_dir=tmp_path, access_max_min=2.0, access_half_density=1000.0)
    assert model.access_minutes(np.array([0.0, 1000.0, 3000.0])) == pytest.approx([0.0, 1.0, 1.5])
    flat = model.replace(access_max_min=0.0)
    assert flat.core is model.core  # same fields: access is added after the gather
    amsterdam, schiermonnikoog = (52.3731, 4.8925), (53.4797, 6.1590)
    dense = tt.travel_minutes(model, *amsterdam, 52.36, 4.90) - tt.travel_minutes(
        flat, *amsterdam, 52.36, 4.90
    )
    assert 2.0 < dense < 4.0  # both ends in the city: about 1.5-1.9 min each
    sparse = tt.travel_minutes(model, *schiermonnikoog, 53.47, 6.20) - tt.travel_minutes(
        flat, *schiermonnikoog, 53.47, 6.20
    )
    assert sparse < dense


def test_fields_are_keyed_by_the_speed_parameters(tmp_path: Path) -> None:
    model = tt.load_model(cache_dir=tmp_path)
    keys = {model.core.key}
    for change in ({"land_kmh": model.land_kmh + 1}, {"trunk_kmh": 70.0}, {"ramp_min": 9.0}):
        keys.add(model.replace(**change).core.key)
    assert len(keys) == 4
    assert model.replace(overhead_min=9.0, ferry_wait_min=1.0).core.key == model.core.key


# --- the committed result and the docs ------------------------------------------------------------------


def test_error_summary_is_read_from_the_committed_result() -> None:
    result = committed()
    rows = [r for r in result["regions"] if r["region"] != cal.NATIONAL]
    gt20 = [abs(r["diff_2020_pt"]) for r in rows if r["threshold_min"] == 20]
    gt5 = [abs(r["diff_2020_pt"]) for r in rows if r["threshold_min"] == 5]
    s = tt.error_summary()
    assert len(gt20) == len(gt5) == 12
    assert s.mean_abs_diff_gt20_pt == pytest.approx(sum(gt20) / 12, abs=0.006)
    assert s.mean_abs_diff_gt5_pt == pytest.approx(sum(gt5) / 12, abs=0.006)
    assert s.median_trip_error_min == pytest.approx(
        statistics.median(abs(t["error_min"]) for t in result["trips"]), abs=0.06
    )
    assert s.trips == 8 and s.doc.startswith("docs/traveltime.md")


def test_committed_result_meets_the_targets() -> None:
    """Issue 12: every province within 1.5 points at > 20 min, within 5 at > 5 min; trips median <= 3."""
    result = committed()
    for r in result["regions"]:
        if r["threshold_min"] == 20 and r["region"] != cal.NATIONAL:
            assert abs(r["diff_2020_pt"]) <= 1.5, r
        if r["threshold_min"] == 5:
            assert abs(r["diff_2020_pt"]) <= 5.0, r
    assert statistics.median(abs(t["error_min"]) for t in result["trips"]) <= 3.0


@pytest.mark.parametrize(("doc", "short"), [("docs/traveltime.md", False), ("README.md", True)])
def test_docs_show_the_committed_result(doc: str, short: bool) -> None:
    block = cal.read_block((ROOT / doc).read_text(encoding="utf-8"))
    assert block, f"{doc} lacks the calibrate block"
    assert block == cal.markdown(committed(), short=short).strip(), (
        f"{doc} is stale: run `netwerkatlas calibrate --write`"
    )
    nl = next(r for r in committed()["regions"] if r["region"] == cal.NATIONAL and r["threshold_min"] == 20)
    assert f"| {nl['model_pct']:.2f} | {nl['eurostat_2020_pct']:.2f} |" in block


def test_committed_result_matches_the_model_parameters() -> None:
    assert committed()["parameters"] == cal.model_parameters(tt.load_model(cache_dir=False))


@pytest.mark.skipif(not HAS_GRID, reason="data/population/grid_1km.csv is not in this checkout yet")
def test_calibrate_reproduces_the_committed_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tt.CACHE_ENV, str(tmp_path / "cache"))
    cells_csv = tmp_path / "cells.csv"
    assert main(["calibrate", "--json", "--cells", str(cells_csv)]) == 0
    fresh, _ = cal.run_calibration(tt.load_model())
    want = committed()
    assert fresh["inputs"] == want["inputs"], "inputs changed: run `netwerkatlas calibrate --write`"
    for got, exp in zip(fresh["regions"], want["regions"], strict=True):
        assert got["region"] == exp["region"] and got["threshold_min"] == exp["threshold_min"]
        assert got["model_pct"] == pytest.approx(exp["model_pct"], abs=0.011), got
    for got, exp in zip(fresh["trips"], want["trips"], strict=True):
        assert got["model_min"] == pytest.approx(exp["model_min"], abs=0.11), got
    with cells_csv.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == want["cells"]
    assert {"x", "y", "inhabitants", "minutes"} <= set(rows[0])
    people = sum(int(r["inhabitants"]) for r in rows)
    beyond20 = sum(int(r["inhabitants"]) for r in rows if float(r["minutes"]) > 20)
    nl = next(r for r in want["regions"] if r["region"] == cal.NATIONAL and r["threshold_min"] == 20)
    assert 100 * beyond20 / people == pytest.approx(nl["model_pct"], abs=0.011)
    assert all(math.isfinite(float(r["minutes"])) for r in rows)
