"""The loader and validator: good data loads, every kind of bad row is reported with file, line and field."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pytest
import shapely

from geo.data import check_postcode_areas, filter_sites, load_atlas, validate
from geo.errors import DataValidationError, UnknownIdError
from tests.conftest import make_data_dir


def problems_for(tmp_path, **edits) -> list:
    folder = make_data_dir(tmp_path / "bad", edits={k.replace("__", "."): v for k, v in edits.items()})
    with pytest.raises(DataValidationError) as info:
        validate(folder)
    return info.value.problems


def replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, f"fixture text {old!r} not found"
        return text.replace(old, new, 1)

    return edit


def test_small_fixture_loads_and_joins(small_dir):
    atlas = load_atlas(small_dir)
    sites = atlas.sites.set_index("site_id")
    assert sites.loc["flevoziekenhuis-almere", "networks"] == ("cardionovo", "onconovo")
    assert sites.loc["flevoziekenhuis-almere", "specialties"] == ("cardiology", "oncology")
    assert sites.loc["isala-zwolle", "subregions"] == ("veluwe-ijssel",)
    assert (
        sites.loc["rijnstate-arnhem", "in_network"] is False
        or not sites.loc["rijnstate-arnhem", "in_network"]
    )
    assert sites.loc["dijklander-hoorn", "category"] == "hospital_ed"
    assert sites.loc["avl-amsterdam", "category"] == "hospital"  # no 24/7 emergency department
    assert atlas.sites.crs.to_epsg() == 4326


def test_bad_coordinate_text_names_file_line_and_field(tmp_path):
    problems = problems_for(tmp_path, sites__csv=replace("52.36770,5.21920", "noord,5.21920"))
    hit = [p for p in problems if p.field == "lat"]
    assert hit and hit[0].file == "sites.csv" and hit[0].row == 2
    assert "not a number" in hit[0].message


def test_every_problem_is_reported_at_once(tmp_path):
    problems = problems_for(
        tmp_path,
        sites__csv=lambda t: t.replace(
            ",hospital,yes,open,,Hospitaalweg 1", ",clinic,yes,open,,Hospitaalweg 1"
        ).replace("8025 AB", "8025AB1"),
        organisations__csv=replace("https://www.isala.nl/", "www.isala.nl"),
    )
    fields = {(p.file, p.field) for p in problems}
    assert ("sites.csv", "kind") in fields
    assert ("sites.csv", "postcode") in fields
    assert ("organisations.csv", "website") in fields
    message = str(DataValidationError(problems))
    assert "sites.csv, line 2, field 'kind'" in message


def test_duplicate_site_id(tmp_path):
    problems = problems_for(tmp_path, sites__csv=replace("dijklander-purmerend,", "dijklander-hoorn,"))
    assert any(p.field == "site_id" and "duplicate" in p.message and p.row == 4 for p in problems)


def test_unknown_organisation_reference(tmp_path):
    problems = problems_for(tmp_path, sites__csv=replace("isala-zwolle,isala,", "isala-zwolle,isalaa,"))
    assert any(p.field == "org_id" and "isalaa" in p.message for p in problems)


def test_membership_subregion_of_other_network(tmp_path):
    problems = problems_for(
        tmp_path, memberships__csv=replace("cardionovo,dijklander,,", "cardionovo,dijklander,onz,")
    )
    assert any(
        p.file == "memberships.csv" and p.field == "subregion_id" and "noord-oost" in p.message
        for p in problems
    )


def test_site_outside_its_province(tmp_path):
    # Zwolle's coordinates claimed to be in Flevoland: far more than the 1 km tolerance.
    problems = problems_for(tmp_path, sites__csv=replace("Zwolle,Overijssel", "Zwolle,Flevoland"))
    hit = [p for p in problems if p.field == "province"]
    assert hit and "outside Flevoland" in hit[0].message and "Overijssel" in hit[0].message


def test_coordinates_outside_the_netherlands(tmp_path):
    problems = problems_for(tmp_path, sites__csv=replace("52.51270,6.08420", "48.85660,2.35220"))
    assert {p.field for p in problems} >= {"lat", "lon"}


def test_closed_site_needs_date(tmp_path):
    problems = problems_for(tmp_path, sites__csv=replace("closed,2018-06-30", "closed,"))
    assert any(p.field == "closed_on" for p in problems)


def test_missing_column_and_file(tmp_path):
    folder = make_data_dir(tmp_path / "bad")
    (folder / "claims.csv").unlink()
    text = (folder / "networks.csv").read_text()
    (folder / "networks.csv").write_text(text.replace(",founded,", ",founded_on,", 1))
    with pytest.raises(DataValidationError) as info:
        validate(folder)
    messages = [str(p) for p in info.value.problems]
    assert any("claims.csv" in m and "missing" in m for m in messages)
    assert any("networks.csv, line 1" in m and "founded" in m for m in messages)


def test_not_utf8(tmp_path):
    folder = make_data_dir(tmp_path / "bad")
    (folder / "organisations.csv").write_bytes("org_id,name\nx,Zi\xebkenhuis\n".encode("cp1252"))
    with pytest.raises(DataValidationError, match=r"organisations\.csv: not valid UTF-8"):
        validate(folder)


def test_filter_by_specialty_network_and_kind(small_atlas):
    cardio = filter_sites(small_atlas, specialty="cardiology")
    assert set(cardio["site_id"]) == {
        "flevoziekenhuis-almere",
        "dijklander-hoorn",
        "dijklander-purmerend",
        "dijklander-enkhuizen",
    }
    assert all(ns == ("cardionovo",) for ns in cardio["networks"])  # only the chosen networks are listed
    onco_hosp = filter_sites(small_atlas, networks=["onconovo"], categories=["hospital"])
    assert set(onco_hosp["site_id"]) == {"dijklander-purmerend", "avl-amsterdam"}


def test_closed_sites_only_on_request(small_atlas):
    assert "ozg-delfzicht" not in set(filter_sites(small_atlas)["site_id"])
    closed = filter_sites(small_atlas, include_closed=True)
    assert closed.set_index("site_id").loc["ozg-delfzicht", "status"] == "closed"


def test_context_and_subregion_filters(small_atlas):
    with_ctx = filter_sites(small_atlas, include_context=True)
    assert "rijnstate-arnhem" in set(with_ctx["site_id"])
    assert "rijnstate-arnhem" not in set(filter_sites(small_atlas)["site_id"])
    onz = filter_sites(small_atlas, subregions=["onz"])
    assert set(onz["site_id"]) == {"mst-enschede", "mst-lab"}


def test_unknown_ids_raise(small_atlas):
    with pytest.raises(UnknownIdError, match="unknown network: nope"):
        filter_sites(small_atlas, networks=["nope"])
    with pytest.raises(UnknownIdError, match="unknown specialty"):
        filter_sites(small_atlas, specialty="dermatology")


def test_geo_does_not_import_streamlit():
    code = "import sys, geo.data, geo.cli, geo.provenance; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ precision tied to its evidence

GISCO = (
    "https://github.com/eurostat/basic-services/blob/0783b7cd03675b65b95dd6a2fd0358ca79f0e87e/data/csv/NL.csv"
)
FLEVO_COORD = (
    "52.36770,5.21920,street,https://flevoziekenhuis.nl/english/practical-information/visiting,undated,,"
)


def test_building_precision_needs_a_coordinate_source_and_record(tmp_path):
    # the fixture's Flevoziekenhuis row cites a hospital web page, not a coordinate source
    planted = FLEVO_COORD.replace(",street,", ",building,")
    problems = problems_for(tmp_path, sites__csv=replace(FLEVO_COORD, planted))
    where = {(p.file, p.row, p.field) for p in problems}
    assert where == {("sites.csv", 2, "coord_source_url"), ("sites.csv", 2, "coord_source_id")}
    assert "needs a coordinate source" in str(DataValidationError(problems))


def test_site_precision_needs_the_same_evidence(tmp_path):
    planted = FLEVO_COORD.replace(",street,", ",site,")
    problems = problems_for(tmp_path, sites__csv=replace(FLEVO_COORD, planted))
    assert {(p.row, p.field) for p in problems} == {(2, "coord_source_url"), (2, "coord_source_id")}


def test_building_precision_with_a_pinned_source_and_record_loads(tmp_path):
    cited = f"52.36770,5.21920,building,{GISCO},2019-01-01,101901,"
    folder = make_data_dir(tmp_path / "ok", edits={"sites.csv": replace(FLEVO_COORD, cited)})
    frames, _ = validate(folder)
    assert frames["sites"].set_index("site_id").loc["flevoziekenhuis-almere", "precision"] == "building"


@pytest.mark.parametrize(
    "note",
    [
        "Town-centre point, NOT the building.",
        "Coordinate is the Almere town centre.",
        "Ligt in het stadscentrum.",
    ],
)
def test_building_note_may_not_call_the_point_a_town_centre(tmp_path, note):
    cited = f"52.36770,5.21920,building,{GISCO},2019-01-01,101901,"
    problems = problems_for(
        tmp_path,
        sites__csv=lambda t: t.replace(FLEVO_COORD, cited, 1).replace(
            "undated,Test fixture.", f'undated,"{note}"', 1
        ),
    )
    assert [(p.file, p.row, p.field) for p in problems] == [("sites.csv", 2, "notes")]
    assert "precision is 'building'" in problems[0].message


def test_shared_coordinate_needs_colocated_with_on_both_rows(tmp_path):
    # Purmerend (line 4) given Hoorn's (line 3) coordinate: both rows are reported
    problems = problems_for(tmp_path, sites__csv=replace("52.50420,4.95800", "52.64320,5.05310"))
    assert sorted((p.row, p.field) for p in problems) == [(3, "colocated_with"), (4, "colocated_with")]


def test_shared_coordinate_allowed_when_both_say_colocated(tmp_path):
    def colocate(text: str) -> str:
        text = text.replace(
            "52.50420,4.95800,street,https://www.dijklander.nl/over-ons/historie,undated,,",
            "52.64320,5.05310,street,https://www.dijklander.nl/over-ons/historie,undated,,dijklander-hoorn",
        )
        return text.replace(
            "52.64320,5.05310,street,https://www.dijklander.nl/over-ons/historie,undated,,,",
            "52.64320,5.05310,street,https://www.dijklander.nl/over-ons/historie,undated,,dijklander-purmerend,",
            1,
        )

    folder = make_data_dir(tmp_path / "ok", edits={"sites.csv": colocate})
    frames, _ = validate(folder)
    assert set(frames["sites"]["colocated_with"]) >= {"dijklander-hoorn", "dijklander-purmerend"}


def test_two_town_centres_may_share_a_point(tmp_path):
    # MST Enschede put on the laboratory's town point: a town centre stands for every site of the town
    folder = make_data_dir(
        tmp_path / "ok", edits={"sites.csv": replace("52.21460,6.89070,street", "52.22000,6.89500,town")}
    )
    frames, _ = validate(folder)
    assert (frames["sites"]["lat"] == "52.22000").sum() == 2


def test_colocated_with_must_name_another_site(tmp_path):
    problems = problems_for(
        tmp_path, sites__csv=replace(FLEVO_COORD, FLEVO_COORD.removesuffix(",") + ",flevoziekenhuis-lelystad")
    )
    assert [(p.row, p.field) for p in problems] == [(2, "colocated_with")]
    assert "flevoziekenhuis-lelystad" in problems[0].message


# ------------------------------------------------------------------ PC4 containment (warnings)


def _pc4_squares(frames, *, shift_m: dict[str, float]) -> gpd.GeoDataFrame:
    """A 1 km square (RD New) around each fixture site with a postcode, moved east by ``shift_m``."""
    sites = frames["sites"][frames["sites"]["postcode"] != ""]
    pts = gpd.GeoSeries(
        gpd.points_from_xy(sites["lon"].astype(float), sites["lat"].astype(float)), crs="EPSG:4326"
    ).to_crs("EPSG:28992")
    codes = sites["postcode"].str[:4].tolist()
    squares = [
        shapely.box(p.x - 500 + shift_m.get(c, 0), p.y - 500, p.x + 500 + shift_m.get(c, 0), p.y + 500)
        for p, c in zip(pts, codes, strict=True)
    ]
    return gpd.GeoDataFrame({"postcode": codes}, geometry=squares, crs="EPSG:28992")


def test_postcode_area_check_warns_about_a_site_outside_its_pc4(small_dir):
    frames, _ = validate(small_dir)
    # Hoorn's PC4 square moved 5 km east: its site lies 5 - 0.5 = 4.5 km outside it
    pc4 = _pc4_squares(frames, shift_m={"1624": 5_000.0}).to_crs("EPSG:4326")
    problems = check_postcode_areas(frames["sites"], pc4)
    assert [(p.file, p.row, p.field) for p in problems] == [("sites.csv", 3, "postcode")]
    assert "4.5 km outside PC4 area 1624" in problems[0].message


def test_postcode_area_check_accepts_a_mapping_and_reports_unknown_areas(small_dir):
    frames, _ = validate(small_dir)
    squares = _pc4_squares(frames, shift_m={})
    areas = dict(zip(squares["postcode"], squares.geometry, strict=True))
    del areas["8025"]  # Zwolle's area missing from the layer
    problems = check_postcode_areas(frames["sites"], areas)
    assert [(p.row, p.field, p.message) for p in problems] == [
        (7, "postcode", "PC4 area 8025 is not in the PC4 layer")
    ]
