"""Uploads of planned sites: every format and encoding, and a clear, located message for every bad file."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from geo.crs import RD, to_rd, to_wgs84
from geo.data import load_atlas, load_provinces
from geo.defaults import MAX_PROBLEMS
from geo.errors import DataValidationError, Problem
from geo.names import REMARK_COLUMNS
from geo.nearest import nearest_sites
from geo.uploads import EXAMPLE_CSV, PLANNED_ORGANISATION, UploadError, read_planned_sites

FIXTURES = Path(__file__).parent / "fixtures" / "uploads"
NETWORKS = {"cardionovo": "cardiology", "onconovo": "oncology", "noord-oost": "oncology"}
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> Zorg'


def read(data: bytes | str, filename: str = "plan.csv", **kwargs):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return read_planned_sites(data, filename=filename, **kwargs)


def refused(data: bytes | str, filename: str = "plan.csv", **kwargs) -> UploadError:
    with pytest.raises(UploadError) as info:
        read(data, filename, **kwargs)
    return info.value


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def feature(lon: object, lat: object, **props: object) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def geojson(*features: dict, crs: str | None = None) -> bytes:
    obj: dict = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        obj["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(obj).encode()


# ---------------------------------------------------------------------------------------------- formats


def test_comma_csv_gives_frame_shaped_like_the_atlas_sites(atlas):
    gdf = read((FIXTURES / "planned_comma.csv").read_bytes(), "planned_comma.csv", networks=NETWORKS)
    # every column of the shipped sites, in the same order, so planned sites join them anywhere
    site_columns = [c for c in load_atlas().sites.columns if c != "geometry"]
    assert list(gdf.columns[: len(site_columns)]) == site_columns
    assert set(atlas.sites.columns) <= set(gdf.columns)
    assert (gdf[list(REMARK_COLUMNS)] == "").all().all()  # a planned site has no remark
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf["site_id"]) == ["upload-1", "upload-2", "upload-3"]
    assert list(gdf["source_id"]) == ["P1", "P2", "P3"]
    assert list(gdf["source_row"]) == [2, 3, 4]
    first = gdf.iloc[0]
    assert first["name"] == "Nieuw Ziekenhuis Almere-Poort"
    assert (first["lat"], first["lon"]) == (52.356, 5.165)
    assert first.geometry.equals(shapely.Point(5.165, 52.356))
    assert first["networks"] == ("cardionovo", "onconovo")
    assert first["specialties"] == ("cardiology", "oncology")
    assert first["province"] == "Flevoland"
    assert list(gdf["kind"]) == ["hospital", "outpatient", "radiotherapy"]
    assert list(gdf["category"]) == ["hospital", "outpatient", "radiotherapy"]
    assert gdf.iloc[2]["networks"] == ()
    assert (gdf["emergency"] == "unknown").all()
    assert (gdf["status"] == "open").all()
    assert (gdf["precision"] == "building").all()
    assert (gdf["organisation"] == PLANNED_ORGANISATION).all()
    assert gdf["in_network"].dtype == bool
    assert gdf["in_network"].all()
    assert all(s == () for s in gdf["subregions"])


def test_uploaded_sites_work_with_the_atlas_and_the_finder(atlas):
    planned = read((FIXTURES / "planned_comma.csv").read_bytes(), networks=NETWORKS)
    both = pd.concat([atlas.sites, planned], ignore_index=True)
    assert len(both) == len(atlas.sites) + 3
    ranked = nearest_sites(52.7109, 5.7481, both, limit=1)  # on top of the planned Emmeloord clinic
    assert ranked.iloc[0]["site_id"] == "upload-2"
    assert ranked.iloc[0]["distance_km"] < 0.01


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_encodings_and_separators(encoding, sep):
    decimal = "," if sep == ";" else "."  # Dutch Excel writes ; with decimal commas
    lat, lon = f"52{decimal}0907", f"5{decimal}1214"
    text = f"naam{sep}breedtegraad{sep}lengtegraad\r\nUMC Utrecht ë{sep}{lat}{sep}{lon}\r\n"
    gdf = read(text.encode(encoding), "plan.csv")
    assert gdf.iloc[0]["name"] == "UMC Utrecht ë"
    assert gdf.iloc[0]["lat"] == pytest.approx(52.0907)
    assert gdf.iloc[0]["lon"] == pytest.approx(5.1214)
    assert gdf.iloc[0]["province"] == "Utrecht"


def test_windows_1252_fixture_with_dutch_headers():
    raw = (FIXTURES / "planned_semicolon_cp1252.csv").read_bytes()
    assert b"Ti\xebl" in raw  # the fixture really is Windows-1252, not UTF-8
    gdf = read(raw, "planned_semicolon_cp1252.csv", networks=NETWORKS)
    assert list(gdf["name"]) == ["Zorgcentrum Tiël", "Poli Zuidbroek ë"]
    assert list(gdf["kind"]) == ["hospital", "outpatient"]
    assert list(gdf["province"]) == ["Gelderland", "Groningen"]
    assert gdf.iloc[1]["networks"] == ("noord-oost",)
    assert gdf.iloc[0]["lat"] == pytest.approx(51.886)


def test_bom_is_not_part_of_the_first_header():
    gdf = read(b"\xef\xbb\xbfname,lat,lon\nA,52.1,5.1\n")
    assert gdf.iloc[0]["name"] == "A"


def test_quoted_fields_and_blank_lines_keep_true_line_numbers():
    text = (
        'name,lat,lon,note\n"Zorg, ""Oost""",52.1,5.1,\n\n'  # lines 1-3
        'B,52.2,5.2,"twee\nregels"\n'  # lines 4-5
        'C,abc,5.3,\n"Twee\nregels",52,5,\n'  # line 6, lines 7-8
    )
    err = refused(text)
    assert [(p.row, p.field) for p in err.problems] == [(6, "lat"), (7, "name")]
    assert err.problems[1].message == "contains control characters"


def test_rd_coordinates_are_converted():
    gdf = read((FIXTURES / "planned_rd.csv").read_bytes(), "planned_rd.csv")
    amersfoort = gdf.iloc[0]
    lon, lat = to_wgs84().transform(155000, 463000)
    assert (amersfoort["lat"], amersfoort["lon"]) == pytest.approx((lat, lon))
    assert amersfoort["lat"] == pytest.approx(52.1552, abs=1e-3)
    assert amersfoort["province"] == "Utrecht"
    assert gdf.iloc[1]["province"] == "Overijssel"


def test_xlsx_with_numbers_and_text_cells():
    data = xlsx_bytes(
        [
            ["Naam", "Breedtegraad", "Lengtegraad", "Soort", "Netwerken"],
            ["Gepland Zwolle ë", 52.5168, 6.0830, "Radiotherapie", "noord-oost"],
            [None, None, None, None, None],
            ["Gepland Assen", "52,9925", "6,5649", None, "noord-oost, onconovo"],
        ]
    )
    gdf = read(data, "plan.xlsx", networks=NETWORKS)
    assert list(gdf["name"]) == ["Gepland Zwolle ë", "Gepland Assen"]
    assert list(gdf["source_row"]) == [2, 4]  # sheet rows, blank rows skipped
    assert list(gdf["kind"]) == ["radiotherapy", "hospital"]
    assert gdf.iloc[1]["networks"] == ("noord-oost", "onconovo")
    assert gdf.iloc[1]["lat"] == pytest.approx(52.9925)


def test_xlsx_problems_name_the_sheet_row():
    data = xlsx_bytes([["name", "lat", "lon"], ["A", 52.1, 5.1], ["B", "noord", 5.2]])
    err = refused(data, "plan.xlsx")
    assert [(p.row, p.field) for p in err.problems] == [(3, "lat")]
    assert str(err.problems[0]) == "plan.xlsx, row 3, field 'lat': 'noord' is not a number"


def test_geojson_points_fixture():
    gdf = read((FIXTURES / "planned.geojson").read_bytes(), "planned.geojson", networks=NETWORKS)
    assert list(gdf["name"]) == ["Gepland Groningen", "Gepland Haarlem"]
    assert list(gdf["source_id"]) == ["g1", "g2"]
    assert list(gdf["kind"]) == ["hospital", "outpatient"]
    assert list(gdf["networks"]) == [("noord-oost",), ("cardionovo",)]
    assert list(gdf["province"]) == ["Groningen", "Noord-Holland"]
    assert gdf.iloc[1]["lon"] == pytest.approx(4.6462)


def test_geojson_in_rd_new():
    data = geojson(feature(155000, 463000, name="Amersfoort"), crs="urn:ogc:def:crs:EPSG::28992")
    gdf = read(data, "plan.geojson")
    assert gdf.iloc[0]["lat"] == pytest.approx(52.1552, abs=1e-3)


def test_workbook_with_csv_extension_is_still_read():
    data = xlsx_bytes([["name", "lat", "lon"], ["A", 52.1, 5.1]])
    assert read(data, "plan.csv").iloc[0]["name"] == "A"


def test_example_file_reads():
    gdf = read(EXAMPLE_CSV, "voorbeeld.csv", networks=NETWORKS)
    assert len(gdf) == 2
    assert gdf.iloc[1]["networks"] == ("onconovo", "noord-oost")


def test_html_in_names_stays_plain_text_in_every_format():
    csv_text = f'name,lat,lon\n"{HOSTILE.replace(chr(34), chr(34) * 2)}",52.1,5.1\n'
    for data, filename in [
        (csv_text.encode(), "plan.csv"),
        (xlsx_bytes([["name", "lat", "lon"], [HOSTILE, 52.1, 5.1]]), "plan.xlsx"),
        (geojson(feature(5.1, 52.1, name=HOSTILE)), "plan.geojson"),
    ]:
        gdf = read(data, filename)
        assert gdf.iloc[0]["name"] == HOSTILE, filename  # not escaped, not stripped: the UI escapes


# ----------------------------------------------------------------------------------------------- errors


def test_error_is_a_data_validation_error_with_problems():
    err = refused("name,lat,lon\nA,abc,5.1\n", "mijn plan.csv")
    assert isinstance(err, DataValidationError)
    assert all(isinstance(p, Problem) for p in err.problems)
    assert err.problems[0].file == "mijn plan.csv"
    assert "mijn plan.csv, line 2, field 'lat': 'abc' is not a number" in str(err)
    assert err.total == 1


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("naam,breedte,lengte", "lat and lon"),
        ("lat,lon", "name"),
        ("name,lat", "lat and lon"),
        ("name;x", "lat and lon"),
    ],
)
def test_wrong_or_missing_columns(header, missing):
    err = refused(f"{header}\nA,52.1,5.1\n")
    (problem,) = err.problems
    assert problem.row == 1
    assert "missing column(s)" in problem.message
    assert missing in problem.message
    assert "Columns found:" in problem.message


def test_duplicate_header_is_named():
    err = refused("name,lat,lon,Lat\nA,52.1,5.1,52.1\n")
    assert [(p.row, p.field) for p in err.problems] == [(1, "Lat")]
    assert "twice" in err.problems[0].message


def test_text_in_coordinates_names_row_and_field():
    err = refused("naam;breedtegraad;lengtegraad\nA;52,1;5,1\nB;52,2;oost\nC;;5,3\n")
    assert [(p.row, p.field, p.message) for p in err.problems] == [
        (3, "lengtegraad", "'oost' is not a number"),
        (4, "breedtegraad", "is empty"),
    ]


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_non_finite_coordinates_are_refused(value):
    err = refused(f"name,lat,lon\nA,{value},5.1\n")
    assert [(p.row, p.field) for p in err.problems] == [(2, "lat")]


def test_coordinates_outside_the_netherlands():
    text = "name,lat,lon\nParijs,48.8566,2.3522\nBrussel,50.8503,4.3517\nOK,52.1,5.1\nSwapped,5.1,52.1\n"
    err = refused(text)
    rows = [(p.row, p.field) for p in err.problems]
    assert rows == [(2, "lat/lon"), (3, "lat/lon"), (5, "lat/lon")]
    assert re.search(r"lies 2\d\d km outside the Netherlands$", err.problems[0].message)
    assert "look swapped" in err.problems[2].message


def test_rd_values_in_degree_columns_get_a_hint():
    err = refused("name,lat,lon\nA,463000,155000\n")
    assert "RD New" in err.problems[0].message


def test_one_kilometre_tolerance_at_the_coast():
    provinces = load_provinces()
    land = shapely.union_all(provinces.to_crs(RD).geometry.to_numpy())
    # Walk west from the beach at Scheveningen into the North Sea.
    x0, y0 = to_rd().transform(4.2700, 52.1050)
    near = far = None
    for dx in np.arange(0, 8000, 50):
        d = shapely.distance(land, shapely.Point(x0 - dx, y0))
        if near is None and 300 < d < 800:
            near = (x0 - dx, y0)
        if 2000 < d < 4000:
            far = (x0 - dx, y0)
            break
    assert near, "test set-up: no point 300-800 m off the coast"
    assert far, "test set-up: no point 2-4 km off the coast"
    (lon_n, lon_f), (lat_n, lat_f) = to_wgs84().transform([near[0], far[0]], [near[1], far[1]])
    ok = read(f"name,lat,lon\nNear,{lat_n:.6f},{lon_n:.6f}\n", provinces=provinces)
    assert ok.iloc[0]["province"] == "Zuid-Holland"
    err = refused(f"name,lat,lon\nFar,{lat_f:.6f},{lon_f:.6f}\n", provinces=provinces)
    assert err.problems[0].row == 2
    assert "outside the Netherlands" in err.problems[0].message


def test_duplicate_names_and_ids():
    text = "name,lat,lon,id\nZorg A,52.1,5.1,1\n  zorg   a ,52.2,5.2,2\nZorg B,52.3,5.3,1\n"
    err = refused(text)
    assert [(p.row, p.field) for p in err.problems] == [(3, "name"), (4, "id")]
    assert "also on line 2" in err.problems[0].message
    assert "duplicate id '1'" in err.problems[1].message


def test_unknown_kind_and_network():
    text = (
        "name,lat,lon,kind,networks\nA,52.1,5.1,kliniek,\n"
        "B,52.2,5.2,hospital,cardionovo;pizza\nC,52.3,5.3,,Bad Id\n"
    )
    err = refused(text, networks=NETWORKS)
    assert [(p.row, p.field) for p in err.problems] == [(2, "kind"), (3, "networks"), (4, "networks")]
    assert "unknown network(s) pizza" in err.problems[1].message


def test_wrong_number_of_fields():
    err = refused("name,lat,lon\nA,52.1,5.1\nB,52,2,5,2\n")
    assert [(p.row, p.field) for p in err.problems] == [(3, None)]
    assert "has 5 fields, the header has 3" in err.problems[0].message


def test_100000_rows_are_refused_quickly():
    data = b"name,lat,lon\n" + b"".join(b"s%d,52.1,5.1\n" % i for i in range(100_000))
    assert len(data) < 2_000_000  # refused for its rows, not its size
    start = time.perf_counter()
    err = refused(data)
    assert time.perf_counter() - start < 1.0
    (problem,) = err.problems
    assert "more than 5,000 data rows" in problem.message
    assert "100,001 lines" in problem.message


def test_row_limit_is_exact_and_applies_to_every_format():
    rows = "".join(f"s{i},52.1,5.1\n" for i in range(10))
    assert len(read("name,lat,lon\n" + rows, max_rows=10)) == 10
    assert "more than 9 data rows" in refused("name,lat,lon\n" + rows, max_rows=9).problems[0].message
    sheet = xlsx_bytes([["name", "lat", "lon"], *([f"s{i}", 52.1, 5.1] for i in range(10))])
    assert "more than 9 data rows" in str(refused(sheet, "plan.xlsx", max_rows=9))
    feats = geojson(*(feature(5.1, 52.1, name=f"s{i}") for i in range(10)))
    assert "10 features; the limit is 9" in str(refused(feats, "plan.geojson", max_rows=9))


def test_broken_csv_records_are_reported_not_raised():
    huge = f'"{"x" * 200_000}",52.1,5.1\n'  # a field longer than the csv module's limit
    rows = "".join(f"s{i},52.1,5.1\n" for i in range(20))
    cases = [
        ("name,lat,lon\n" + huge, "cannot be read as CSV"),  # few lines: no pre-count
        ("name,lat,lon\n" + huge + rows, "cannot be read as CSV"),  # the pre-count stops at the bad record
        ("name,lat,lon\n" + rows + huge, "more than 10 data rows"),  # too many rows before it
    ]
    for text, expected in cases:
        err = refused(text, max_rows=10)
        (problem,) = err.problems
        assert expected in problem.message
    assert refused("name,lat,lon\n" + huge).problems[0].row == 2


def test_file_over_the_size_limit():
    data = b"name,lat,lon\n" + b"A,52.1,5.1\n" * 200
    err = refused(data, max_bytes=1000)
    (problem,) = err.problems
    assert problem.row is None
    assert "the limit is 1 kB" in problem.message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\r\n  \n", b";;;\n ; ;\n"])
def test_empty_file(data):
    err = refused(data)
    assert [(p.row, p.message) for p in err.problems] == [(None, "the file is empty")]


def test_header_without_rows():
    err = refused("name,lat,lon\n\n")
    assert err.problems[0].message == "has a header but no sites"


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"PK\x03\x04 this is not really a zip", "plan.xlsx", "damaged"),
        (b"name,lat,lon\nA,52.1,5.1\n", "plan.xlsx", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "plan.xls", "old Excel .xls"),
        (bytes(range(256)) * 4, "plan.csv", "cannot be read as text"),
        (b"name,lat\x00,lon\nA,52.1,5.1\n", "plan.csv", "cannot be read as text"),
        (b'{"type": "FeatureCollection", "features": [', "plan.geojson", "not valid JSON"),
        (b'{"type": "Topology"}', "plan.geojson", "not a GeoJSON FeatureCollection"),
        (b"name,lat,lon\nA,52.1,5.1\n", "plan.shp", "unsupported file type '.shp'"),
    ],
)
def test_unreadable_or_corrupt_files(data, filename, expected):
    err = refused(data, filename)
    assert expected in str(err)
    assert err.problems[0].file == filename


def test_truncated_workbook_is_reported_as_damaged():
    data = xlsx_bytes([["name", "lat", "lon"], ["A", 52.1, 5.1]])
    err = refused(data[: len(data) // 2], "plan.xlsx")
    assert "damaged" in err.problems[0].message


def test_geojson_feature_problems_name_the_feature():
    data = geojson(
        feature(5.1, 52.1, name="A"),
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []}, "properties": {"name": "B"}},
        feature(5.1, "hoog", name="C"),
    )
    err = refused(data, "plan.geojson")
    assert [(p.row, p.field) for p in err.problems] == [(2, "geometry")]
    assert str(err.problems[0]).startswith("plan.geojson, feature 2, field 'geometry': geometry is Polygon")
    data = geojson(feature(5.1, 52.1, name="A"), feature(5.1, "hoog", name="C"))
    err = refused(data, "plan.geojson")
    assert str(err.problems[0]) == "plan.geojson, feature 2, field 'lat': 'hoog' is not a number"


def test_at_most_50_problems_are_listed_and_the_rest_counted():
    rows = "".join(f"s{i},noord,5.1\n" for i in range(120))
    err = refused("name,lat,lon\n" + rows)
    assert err.total == 120
    assert len(err.problems) == MAX_PROBLEMS + 1
    assert [p.row for p in err.problems[:MAX_PROBLEMS]] == list(range(2, 52))
    assert err.problems[-1].message == "… and 70 more problem(s) not listed"
    assert str(err).startswith("120 problems in plan.csv:")


def test_rejects_non_bytes():
    with pytest.raises(TypeError, match="bytes"):
        read_planned_sites("name,lat,lon", filename="plan.csv")  # type: ignore[arg-type]


def test_module_does_not_import_streamlit():
    code = "import sys, geo.uploads; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
