"""The official population files: totals as documented and published, coverage-ready layers, bad rows."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from geo import census, schema
from geo.coverage import coverage
from geo.errors import DataValidationError

DATA = Path(__file__).resolve().parents[1] / "data"
README = (DATA / "README.md").read_text(encoding="utf-8")

#: CBS's published population on 1 January 2021 (StatLine 83503NED / the issue that asked for this data).
CBS_PUBLISHED = {"Groningen": 586_920, "Friesland": 651_430, "Drenthe": 494_705, "Nederland": 17_472_870}


def readme_totals() -> dict[str, dict[str, int]]:
    """The totals table of data/README.md's population section: province -> column -> number."""
    section = README.split("### population/", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in section.splitlines() if ln.startswith("| ")]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| province | CBS PC4"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    out = {}
    for ln in lines[start + 1 :]:  # the |---| line does not start with "| "
        cells = [c.strip() for c in ln.strip("|").split("|")]
        out[cells[0]] = {h: int(v.replace(",", "")) for h, v in zip(header[1:], cells[1:], strict=True)}
    return out


def by_province(frame, column: str) -> dict[str, int]:
    sums = frame.groupby("province")[column].sum()
    return {**{p: int(v) for p, v in sums.items()}, "Nederland": int(sums.sum())}


def test_readme_cbs_totals_are_cbs_published_figures():
    table = readme_totals()
    assert set(table) == {*schema.PROVINCES, "Nederland"}
    for name, published in CBS_PUBLISHED.items():
        assert table[name]["CBS PC4"] == published
    assert sum(table[p]["CBS PC4"] for p in schema.PROVINCES) == table["Nederland"]["CBS PC4"]


@pytest.mark.parametrize(
    ("table_column", "frame", "column"),
    [
        ("CBS PC4", "pc4", "inhabitants"),
        ("65+ CBS PC4", "pc4", "inhabitants_65plus"),
        ("1 km grid", "grid", "inhabitants"),
        ("65+ 1 km grid", "grid", "inhabitants_65plus"),
    ],
)
def test_shipped_totals_equal_the_readme_table(table_column, frame, column):
    shipped = by_province(getattr(census.load_census(), frame), column)
    documented = {name: row[table_column] for name, row in readme_totals().items()}
    assert shipped == documented


def test_shipped_pc4_totals_equal_cbs_published():
    shipped = by_province(census.load_census().pc4, "inhabitants")
    assert {k: shipped[k] for k in CBS_PUBLISHED} == CBS_PUBLISHED


def test_tables_are_whole():
    c = census.load_census()
    assert len(c.pc4) == 4067 and c.pc4["code"].is_unique
    assert len(c.grid) == 29_666 and c.grid["cell_id"].is_unique
    emmeloord = c.pc4.set_index("code").loc[8301]
    assert (emmeloord["place"], emmeloord["municipality"], emmeloord["province"]) == (
        "Emmeloord",
        "Noordoostpolder",
        "Flevoland",
    )
    # Every area spreads over cells that exist, with shares adding up to one.
    shares = c.allocation.groupby("pc4")["share"].sum()
    assert set(shares.index) == set(c.pc4["code"])
    assert np.allclose(shares.to_numpy(), 1.0, atol=census.SHARE_TOLERANCE)


LAYERS = [("pc4", False), ("pc4", True), ("grid1km", False)]


@pytest.mark.parametrize(("layer", "spread"), LAYERS)
@pytest.mark.parametrize("age", census.AGES)
def test_layer_has_the_shape_coverage_consumes(layer, spread, age):
    gdf = census.population_layer(layer, age, spread=spread)
    assert isinstance(gdf, gpd.GeoDataFrame) and gdf.crs.to_epsg() == 28992
    assert {"name", "population", "province", "lat", "lon", "pc4", "geometry"} <= set(gdf.columns)
    assert set(gdf["province"]) == set(schema.PROVINCES)
    assert (gdf["population"] > 0).all()
    assert (gdf.geometry.geom_type == "Point").all()
    # lat/lon are the same points as the RD geometry
    wgs = gdf.geometry.to_crs(4326)
    assert np.allclose(wgs.y, gdf["lat"], atol=1e-5) and np.allclose(wgs.x, gdf["lon"], atol=1e-5)
    assert gdf.attrs["caption"] == census.layer_caption(layer, age, spread=spread)


@pytest.mark.parametrize("spread", [False, True])
def test_pc4_layers_keep_cbs_province_totals(spread):
    table = readme_totals()
    for age, column in (("all", "CBS PC4"), ("65+", "65+ CBS PC4")):
        sums = census.population_layer("pc4", age, spread=spread).groupby("province")["population"].sum()
        for name in schema.PROVINCES:
            assert sums[name] == pytest.approx(table[name][column], abs=0.5)


def test_spread_layer_puts_an_area_on_its_cells():
    spread = census.population_layer("pc4", spread=True)
    emmeloord = spread[spread["pc4"] == 8301]
    assert len(emmeloord) >= 2  # the town's area overlaps several 1 km cells
    assert emmeloord["population"].sum() == pytest.approx(2075)
    assert set(emmeloord["name"]) == {"8301 Emmeloord"}
    # cell centres near the area's point, not across the country
    point = census.population_layer("pc4").set_index("pc4").geometry[8301]
    assert emmeloord.distance(point).max() < 2_000


def test_captions_name_the_source_in_both_languages():
    cap = census.layer_caption("pc4")
    assert cap.text("nl") == "CBS, inwoners per postcode (PC4), 1 januari 2021"
    assert cap.text("en") == "CBS, inhabitants per postcode area (PC4), 1 January 2021"
    assert "83503NED" in cap.source and cap.licence.startswith("CC BY 4.0")
    assert "65 jaar en ouder" in census.layer_caption("pc4", "65+").nl
    assert census.layer_caption("grid1km").licence == "© European Union"
    with pytest.raises(ValueError, match="spread"):
        census.population_layer("grid1km", spread=True)
    with pytest.raises(ValueError, match="unknown population layer"):
        census.population_layer("gemeente")  # type: ignore[arg-type]


def test_pc4_layer_drops_into_coverage():
    pop = census.population_layer("pc4")
    sites = gpd.GeoDataFrame(
        {"site_id": ["emmeloord"], "name": ["Emmeloord"]},
        geometry=gpd.points_from_xy([5.755], [52.708]),
        crs=4326,
    )
    result = coverage(pop, sites, threshold=10.0, provinces=["Flevoland"])
    row = result.by_province.set_index("name").loc["Flevoland"]
    assert row["population"] == 428_210
    assert 0 < row["covered"] < row["population"]
    assert result.points.set_index("pc4").loc[8301, "covered"]
    assert not result.points.set_index("pc4").loc[1311, "covered"]  # Almere, 50 km away


def test_polygons_cover_every_area_once():
    polys = census.load_pc4_polygons()
    assert polys.crs.to_epsg() == 4326
    assert sorted(polys["code"]) == sorted(census.load_census().pc4["code"])
    assert polys.geometry.is_valid.all()


# --- broken copies ---------------------------------------------------------------------------------


def broken(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    """A copy of data/population with one edit; returns the data folder and the edited line's number."""
    target = tmp_path / "data"
    shutil.copytree(DATA / "population", target / "population")
    path = target / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target, line


def problems(folder: Path) -> list:
    with pytest.raises(DataValidationError) as info:
        census.load_census(folder)
    return info.value.problems


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "message"),
    [
        (census.PC4_FILE, "8301,2075,", "8301,twee,", "inhabitants", "'twee' is not a number"),
        (
            census.PC4_FILE,
            "8301,2075,810,Flevoland",
            "8301,2075,810,Flevopolder",
            "province",
            "unknown province",
        ),
        (census.PC4_FILE, "8301,2075,810,", "8301,2075,-810,", "inhabitants_65plus", "below 0"),
        (census.PC4_FILE, ",Noordoostpolder,Emmeloord,", ",Noordoostpolder,,", "place", "is empty"),
        (
            census.GRID_FILE,
            "CRS3035RES1000mN3262000E3974000,",
            "CRS3035RES1000mN326E3974000,",
            "cell_id",
            "not a 1 km",
        ),
        (
            census.GRID_FILE,
            ",Noord-Holland,1011\n",
            ",Noord-Holland,1000\n",
            "pc4",
            "unknown PC4 area '1000'",
        ),
        (census.GRID_FILE, ",Noord-Holland,1011\n", ",Noord-Holland,1011.5\n", "pc4", "not a whole number"),
        (
            census.GRID_65PLUS_FILE,
            "CRS3035RES1000mN3262000E3974000,",
            "CRS3035RES1000mN3262000E3974000,-",
            "inhabitants_65plus",
            "below 0",
        ),
        (
            census.ALLOCATION_FILE,
            "1011,CRS3035RES1000mN3262000E3974000,",
            "1011,CRS3035RES1000mN3262000E3974000,1",
            "share",
            "above 1",
        ),
        (
            census.ALLOCATION_FILE,
            "1011,CRS3035RES1000mN3262000E3974000,",
            "1011,CRS3035RES1000mN3262001E3974000,",
            "cell_id",
            "unknown cell",
        ),
    ],
)
def test_a_bad_row_stops_with_file_line_and_field(tmp_path, file, old, new, field, message):
    folder, line = broken(tmp_path, file, old, new)
    found = problems(folder)
    hit = [p for p in found if p.file == file and p.field == field]
    assert hit, found
    assert hit[0].row == line and message in hit[0].message
    assert f"{file}, line {line}, field '{field}'" in str(DataValidationError(found))


def test_a_missing_column_and_a_short_row_are_reported(tmp_path):
    folder, _ = broken(tmp_path, census.PC4_FILE, ",area_km2\n", "\n")
    (hit,) = problems(folder)
    assert (hit.file, hit.row) == (census.PC4_FILE, 1) and "missing column(s): area_km2" in hit.message
    folder, line = broken(tmp_path / "b", census.GRID_65PLUS_FILE, "CRS3035RES1000mN3262000E3974000,", "x,y,")
    (hit,) = problems(folder)
    assert (hit.file, hit.row) == (census.GRID_65PLUS_FILE, line) and "3 fields" in hit.message


def test_a_missing_file_is_named(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA / "population", target / "population")
    (target / census.ALLOCATION_FILE).unlink()
    (hit,) = problems(target)
    assert hit.file == census.ALLOCATION_FILE and "missing" in hit.message


def test_a_bad_polygon_feature_is_named(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA / "population", target / "population")
    path = target / census.POLYGONS_FILE
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["features"][2]["properties"]["code"] = 1000
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        census.load_pc4_polygons(target)
    (hit,) = info.value.problems
    assert (hit.file, hit.row, hit.field, hit.unit) == (census.POLYGONS_FILE, 3, "code", "feature")
    assert re.search(r"unknown PC4 area '1000'", hit.message)


def test_pc4_areas_of_a_region_carry_their_figures():
    areas = census.pc4_areas(["Flevoland"])
    assert areas.crs.to_epsg() == 4326
    assert set(areas["province"]) == {"Flevoland"}
    assert int(areas["inhabitants"].sum()) == readme_totals()["Flevoland"]["CBS PC4"]
    emmeloord = areas.set_index("code").loc[8301]
    assert emmeloord["place"] == "Emmeloord" and emmeloord.geometry.contains(
        gpd.points_from_xy([5.755], [52.708])[0]
    )
