"""Every problem an upload can have is shown in the user's language: broken files driven through the readers.

Each case builds a real broken file (truncated JSON, a ZIP that is no workbook, a PNG, a line where a
point belongs, a negative population, ...), reads it with the public reader the app uses and checks
that every problem has a text key present in both languages and that the Dutch text is Dutch. A scan
of the upload modules makes sure no problem there is created without a key, and that every key they
use is driven by a case here.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import shapely

import geo.population
import geo.population_checks
from components.coverage_inputs import water_problem
from geo.data import load_provinces
from geo.errors import DataValidationError, Problem
from geo.i18n import catalogue, problem_text
from geo.population import read_population_file
from geo.tabular import Problems, refuse
from geo.uploads import read_planned_sites

ROOT = Path(__file__).resolve().parents[1]
#: Every module that reads or checks what a user uploads.
UPLOAD_MODULES = [
    "geo/tabular.py",
    "geo/uploads.py",
    "geo/upload_positions.py",
    "geo/population.py",
    "geo/population_checks.py",
    "components/coverage_inputs.py",
]
#: English words that must not appear in a Dutch problem text (outside the names of formats and columns).
ENGLISH = re.compile(
    r"\b(the|not|cannot|must|only|file|column|columns|missing|found|line|row|rows|has|have|lies|outside|"
    r"negative|duplicate|unknown|empty|damaged|valid|invalid|supported|unsupported|read|number|too|many|"
    r"more|than|with|and|or|expecting|error|delimiter|character|characters|contains|geometry|workbook|"
    r"sheet|sheets|limit|looks|like|degrees|save|use|archive|table|field|fields|header|value|"
    r"properties|abroad|sea|lake|aggregate|coarser|grid|at|on|to|nested|deeply|digits|features|none)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def provinces():
    return load_provinces()


def _geojson(*features: object, **extra: object) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features), **extra}).encode()


def _feature(geometry: object, **properties: object) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _point(lon: float = 5.5, lat: float = 52.5) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


LINE = {"type": "LineString", "coordinates": [[5.5, 52.5], [5.6, 52.6]]}


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip(**members: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _workbook_without_sheets() -> bytes:
    """A real .xlsx whose workbook lists no sheets."""
    src = zipfile.ZipFile(io.BytesIO(_xlsx([])))
    members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members["xl/workbook.xml"] = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", members["xl/workbook.xml"])
    return _zip(**members)


def _gpkg_without_crs(tmp_path: Path) -> bytes:
    frame = gpd.GeoDataFrame({"inwoners": [10]}, geometry=[shapely.Point(120_000, 480_000)], crs=None)
    with warnings.catch_warnings():  # pyogrio warns that the file has no CRS: that is the point
        warnings.simplefilter("ignore", UserWarning)
        frame.to_file(tmp_path / "zonder.gpkg")
    return (tmp_path / "zonder.gpkg").read_bytes()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
SITES = "naam,breedtegraad,lengtegraad"

ZIP = _zip(**{"a.txt": b"tekst"})
ONE = _geojson(_feature(_point(), naam="A"))
TWO = _geojson(_feature(_point(), naam="A"), _feature(_point(5.4, 52.4), naam="A"))
IDS = _geojson({**_feature(_point(), naam="A"), "id": 7}, {**_feature(_point(5.4, 52.4), naam="B"), "id": 7})
BAD_PROPERTIES = _geojson({"type": "Feature", "properties": [1], "geometry": _point()})
SHORT_POINT = _geojson(_feature({"type": "Point", "coordinates": [5.5]}, naam="A"))
POP = b"x,y,inwoners\n"


def _sites(text: str) -> bytes:
    return f"{SITES}{text}".encode()


#: Case id (``sites-...`` or ``population-...``: the reader) -> file name, bytes, the code expected.
#: The bytes may be a function of the test's temporary folder (built lazily: large or on disk).
CASES: dict[str, tuple[str, bytes | Callable[[Path], bytes | Path], str]] = {
    # planned sites: the file as a whole
    "sites-empty": ("plan.csv", b"", "empty"),
    "sites-too-big": ("plan.csv", lambda _: b"A,52.5,5.5\n" * 200_000, "too_big"),
    "sites-xls": ("plan.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls"),
    "sites-zip": ("plan.geojson", ZIP, "zip"),
    "sites-csv-as-xlsx": ("plan.xlsx", b"naam,lat,lon\nA,52.5,5.5\n", "not_xlsx"),
    "sites-zip-as-xlsx": ("plan.xlsx", ZIP, "not_xlsx"),
    "sites-truncated-xlsx": ("plan.xlsx", _xlsx([["naam", "lat", "lon"]])[:300], "not_xlsx"),
    "sites-zip-bomb": ("plan.xlsx", lambda _: _zip(**{"a.xml": b"\x00" * 50_000_001}), "unpacked_too_big"),
    "sites-no-sheets": ("plan.xlsx", _workbook_without_sheets(), "no_sheets"),
    "sites-empty-sheet": ("plan.xlsx", _xlsx([]), "empty_sheet"),
    "sites-png": ("plan.csv", PNG + bytes(range(256)), "not_text"),
    "sites-huge-field": ("plan.csv", _sites(f'\n"{"x" * 200_000}",52.5,5.5\n'), "not_csv"),
    "sites-too-many": ("plan.csv", _sites("\n" + "A,52.5,5.5\n" * 5_100), "too_many_rows"),
    "sites-file-type": ("plan.shp", b"naam,lat,lon\nA,52.5,5.5\n", "file_type"),
    # planned sites: GeoJSON
    "sites-truncated-json": ("plan.geojson", ONE[:40], "not_json"),
    "sites-deep-json": ("plan.geojson", b"[" * 100_000, "too_deep"),
    "sites-long-number": ("plan.geojson", b'{"type": "Feature", "id": ' + b"9" * 5000 + b"}", "long_number"),
    "sites-topology": ("plan.geojson", b'{"type": "Topology", "objects": {}}', "not_geojson"),
    "sites-not-a-feature": ("plan.geojson", _geojson(17), "not_feature"),
    "sites-properties": ("plan.geojson", BAD_PROPERTIES, "properties_not_object"),
    "sites-no-geometry": ("plan.geojson", _geojson(_feature(None, naam="A")), "no_geometry"),
    "sites-line": ("plan.geojson", _geojson(_feature(LINE, naam="A")), "not_point"),
    "sites-point-1d": ("plan.geojson", SHORT_POINT, "point_coordinates"),
    # planned sites: columns and cells
    "sites-duplicate-column": ("plan.csv", _sites(",breedtegraad\nA,52.5,5.5,52.5\n"), "duplicate_column"),
    "sites-no-columns": ("plan.csv", b"soort\nziekenhuis\n", "missing_columns.both"),
    "sites-no-name": ("plan.csv", b"breedtegraad,lengtegraad\n52.5,5.5\n", "missing_columns.name"),
    "sites-no-position": ("plan.csv", b"naam,soort\nA,ziekenhuis\n", "missing_columns.position"),
    "sites-field-count": ("plan.csv", _sites("\nA,52.5\n"), "field_count"),
    "sites-empty-cell": ("plan.csv", _sites("\n,52.5,5.5\n"), "is_empty"),
    "sites-text-cell": ("plan.csv", _sites("\nA,noord,5.5\n"), "not_number"),
    "sites-long-name": ("plan.csv", _sites(f"\n{'A' * 161},52.5,5.5\n"), "too_long"),
    "sites-control-characters": ("plan.csv", _sites("\nA\x01B,52.5,5.5\n"), "control_characters"),
    "sites-duplicate-name": ("plan.csv", _sites("\nA,52.5,5.5\na,52.4,5.4\n"), "duplicate.line"),
    "sites-duplicate-name-xlsx": (
        "plan.xlsx",
        _xlsx([["naam", "lat", "lon"], ["A", 52.5, 5.5], ["A", 52.4, 5.4]]),
        "duplicate.row",
    ),
    "sites-duplicate-name-geojson": ("plan.geojson", TWO, "duplicate.feature"),
    "sites-kind": ("plan.csv", _sites(",soort\nA,52.5,5.5,kliniek\n"), "unknown_kind"),
    "sites-network-id": ("plan.csv", _sites(",netwerken\nA,52.5,5.5,Cardio Novo!\n"), "not_network_id"),
    "sites-network": ("plan.csv", _sites(",netwerken\nA,52.5,5.5,hartnet;longnet\n"), "unknown_networks"),
    "sites-duplicate-id": ("plan.csv", _sites(",id\nA,52.5,5.5,7\nB,52.4,5.4,7\n"), "duplicate_id.line"),
    "sites-duplicate-id-xlsx": (
        "plan.xlsx",
        _xlsx([["naam", "lat", "lon", "id"], ["A", 52.5, 5.5, 7], ["B", 52.4, 5.4, 7]]),
        "duplicate_id.row",
    ),
    "sites-duplicate-id-geojson": ("plan.geojson", IDS, "duplicate_id.feature"),
    "sites-header-only": ("plan.csv", _sites("\n"), "no_sites"),
    "sites-abroad": ("plan.csv", _sites("\nA,48.85,2.35\n"), "outside"),
    "sites-not-degrees": ("plan.csv", _sites("\nA,152.5,5.5\n"), "not_degrees"),
    "sites-unlisted": ("plan.csv", _sites("\n" + "".join(f"S{i},abc,5.5\n" for i in range(60))), "unlisted"),
    # population files
    "population-file-type": ("bevolking.xlsx", _xlsx([["x", "y", "inwoners"]]), "population_file_type"),
    "population-missing-path": ("", lambda tmp: tmp / "weg.csv", "unreadable"),
    "population-png": ("bevolking.csv", PNG + bytes(range(256)), "not_text"),
    "population-empty": ("bevolking.csv", b"", "empty"),
    "population-open-quote": ("bevolking.csv", b'x,y,inwoners\n"120000,480000,5\n', "not_csv"),
    "population-duplicate-column": ("bevolking.csv", b"x,X,y,inwoners\n1,2,480000,5\n", "duplicate_column"),
    "population-no-columns": ("bevolking.csv", b"naam\nA\n", "missing_population_columns.both"),
    "population-no-count": (
        "bevolking.csv",
        b"x,y,naam\n120000,480000,A\n",
        "missing_population_columns.population",
    ),
    "population-no-position": (
        "bevolking.csv",
        b"inwoners,naam\n5,A\n",
        "missing_population_columns.position",
    ),
    "population-header-only": ("bevolking.csv", POP, "no_rows"),
    "population-empty-cell": ("bevolking.csv", POP + b"120000,480000,\n", "is_empty"),
    "population-text-cell": ("bevolking.csv", POP + b"120000,noord,5\n", "not_number"),
    "population-negative": ("bevolking.csv", POP + b"120000,480000,-99997\n", "negative"),
    "population-degrees-as-rd": ("bevolking.csv", POP + b"5.5,52.5,5\n", "degrees_not_rd"),
    "population-rd-far": ("bevolking.csv", POP + b"500000,100000,5\n", "outside_rd"),
    "population-abroad": ("bevolking.csv", b"lat,lon,inwoners\n40.4,-3.7,5\n", "outside_nl"),
    "population-at-sea": ("bevolking.csv", POP + b"10000,600000,5\n", "outside_provinces"),
    "population-truncated-json": ("bevolking.geojson", ONE[:50], "not_vector"),
    "population-no-features": ("bevolking.geojson", _geojson(), "no_features"),
    "population-no-count-json": ("bevolking.geojson", ONE, "missing_population_columns.population"),
    "population-no-crs": ("bevolking.gpkg", _gpkg_without_crs, "no_crs"),
    "population-no-geometry": ("bevolking.geojson", _geojson(_feature(None, inwoners=5)), "no_geometry"),
    "population-line": ("bevolking.geojson", _geojson(_feature(LINE, inwoners=5)), "not_point_or_area"),
    "population-negative-json": ("bevolking.geojson", _geojson(_feature(_point(), inwoners=-3)), "negative"),
}
#: Cases that need a smaller row limit than the real one (two million rows would be a slow test).
LIMITED = {
    "population-too-many": (
        "bevolking.csv",
        POP + b"120000,480000,5\n130000,470000,6\n",
        "too_many_population_rows",
    ),
    "population-too-many-features": (
        "bevolking.geojson",
        _geojson(_feature(_point(), inwoners=5), _feature(_point(5.4, 52.4), inwoners=6)),
        "too_many_population_features",
    ),
}


def read_problems(reader: str, name: str, data: bytes | Path, provinces) -> list[Problem]:
    """The problems the app would show for this upload (the reader must refuse it)."""
    known = {"cardionovo": "cardiology", "onconovo": "oncology"}

    def read() -> object:
        if reader == "sites":
            return read_planned_sites(data, filename=name, provinces=provinces, networks=known)
        source = data if isinstance(data, Path) else io.BytesIO(data)
        return read_population_file(source, filename=name or None, provinces=provinces)

    with pytest.raises(DataValidationError) as err:
        read()
    return err.value.problems


def dutch_message(problem: Problem) -> str:
    """The Dutch text of a problem without its place (file, line, field), after checking it is no fallback."""
    assert problem.code, f"no text key: {problem}"
    key = f"problem.{problem.code}"
    assert key in catalogue("nl") and key in catalogue("en"), key
    text = problem_text(problem, "nl")
    assert "problem." not in text and text != problem_text(problem, "en"), text
    return text.split(": ", 1)[1]


def assert_in_dutch(problems: list[Problem]) -> None:
    for p in problems:
        message = dutch_message(p)
        assert not ENGLISH.findall(message), (message, ENGLISH.findall(message))


@pytest.mark.parametrize("case", list(CASES))
def test_every_upload_problem_has_a_dutch_text(case, provinces, tmp_path):
    name, data, code = CASES[case]
    data = data(tmp_path) if callable(data) else data
    problems = read_problems(case.split("-")[0], name, data, provinces)
    assert code in {p.code for p in problems}, [(p.code, p.message) for p in problems]
    assert_in_dutch(problems)


@pytest.mark.parametrize("case", list(LIMITED))
def test_too_many_population_rows_in_dutch(case, provinces, monkeypatch):
    name, data, code = LIMITED[case]
    monkeypatch.setattr(geo.population, "MAX_ROWS", 1)
    monkeypatch.setattr(geo.population_checks, "POPULATION_MAX_ROWS", 1)
    problems = read_problems("population", name, data, provinces)
    assert [p.code for p in problems] == [code]
    assert_in_dutch(problems)
    assert problem_text(problems[0], "nl") == f"{name}: heeft meer dan 1 " + (
        "rij: voeg het samen tot een grover raster"
        if code.endswith("rows")
        else "object: voeg het samen tot een grover raster"
    )


def test_a_water_site_from_the_app_has_a_dutch_text():
    assert_in_dutch([water_problem("plan.csv", 2, 52.7, 5.3)])


def texts(reader: str, name: str, data: bytes, provinces) -> list[str]:
    return [problem_text(p, "nl") for p in read_problems(reader, name, data, provinces)]


def test_exact_dutch_texts_of_broken_files(provinces):
    truncated = b'{"type": "FeatureCollection",\n "features": [{"type": "Feature", "geometry": '
    assert texts("sites", "plan.geojson", truncated, provinces) == [
        "plan.geojson, regel 2: is geen geldige JSON: het bestand is beschadigd of onvolledig (bij teken 47)"
    ]
    assert texts("sites", "plan.xlsx", _zip(**{"a.txt": b"tekst"}), provinces) == [
        "plan.xlsx: kan niet worden gelezen als Excel-werkmap (.xlsx): "
        "het bestand is beschadigd of geen werkmap"
    ]
    assert texts("sites", "plan.csv", PNG + bytes(range(256)), provinces) == [
        "plan.csv: kan niet als tekst worden gelezen (geen UTF-8 of Windows-1252): "
        "is het een binair of beschadigd bestand?"
    ]
    assert texts("sites", "plan.geojson", _geojson(_feature(LINE, naam="A")), provinces) == [
        "plan.geojson, object 1, veld 'geometry': "
        "de geometrie is een LineString; alleen punten (Point) worden ondersteund"
    ]
    assert texts("sites", "plan.csv", f"{SITES},netwerken\nA,52.5,5.5,hartnet\n".encode(), provinces) == [
        "plan.csv, regel 2, veld 'netwerken': 1 onbekend netwerk: hartnet; bekend zijn: cardionovo, onconovo"
    ]
    assert texts("sites", "plan.csv", f"{SITES},breedtegraad\nA,52.5,5.5,52.5\n".encode(), provinces) == [
        "plan.csv, regel 1, veld 'breedtegraad': kolom komt twee keer voor in de kopregel"
    ]
    negative = b"x,y,inwoners\n120000,480000,-99997\n"
    assert texts("population", "bevolking.csv", negative, provinces) == [
        "bevolking.csv, regel 2, veld 'inwoners': -99.997 is negatief (het CBS geeft geheimgehouden "
        "cellen aan met negatieve codes zoals -99997: laat ze weg of zet ze op 0)"
    ]
    assert texts("population", "bevolking.geojson", _geojson(), provinces) == [
        "bevolking.geojson: heeft geen objecten"
    ]
    assert texts("population", "bevolking.geojson", _geojson(_feature(LINE, inwoners=5)), provinces) == [
        "bevolking.geojson, object 1, veld 'geometry': "
        "de geometrie is een LineString; alleen punten en vlakken (polygonen) worden ondersteund"
    ]


def test_positions_are_written_the_dutch_way(provinces):
    [p] = read_problems("sites", "plan.csv", _sites("\nA,48.8566,2.3522\n"), provinces)
    assert re.fullmatch(
        r"plan\.csv, regel 2, veld '.+': \(48,8566; 2,3522\) ligt \d+ km buiten Nederland",
        problem_text(p, "nl"),
    )
    assert re.fullmatch(
        r"plan\.csv, line 2, field '.+': \(48\.8566, 2\.3522\) lies \d+ km outside the Netherlands",
        problem_text(p, "en"),
    )
    water = water_problem("plan.csv", 2, 52.7, 5.3)
    assert (
        problem_text(water, "nl") == "plan.csv, regel 2: (52,7; 5,3) ligt in het water of in het buitenland"
    )
    assert problem_text(water, "en") == "plan.csv, line 2: (52.7, 5.3) lies in water or abroad"
    assert water.message == "(52.70000, 5.30000) lies in water or abroad"  # the command line's English


def test_sizes_and_distances_are_written_the_dutch_way(provinces):
    big = f"{SITES}\n".encode() + b"A,52.5,5.5\n" * 210_000  # 2.3 MB
    [p] = read_problems("sites", "plan.csv", big, provinces)
    assert problem_text(p, "nl") == "plan.csv: het bestand is 2,3 MB; de grens is 2,0 MB"
    assert problem_text(p, "en") == "plan.csv: the file is 2.3 MB; the limit is 2.0 MB"
    assert p.message == "the file is 2.3 MB; the limit is 2.0 MB"  # the command line keeps its English
    sea = b"x,y,inwoners\n10000,600000,5\n"
    [p] = read_problems("population", "bevolking.csv", sea, provinces)
    assert re.fullmatch(
        r"bevolking\.csv, regel 2, veld 'x, y': ligt \d+,\d km buiten de Nederlandse provincies: "
        r"in het buitenland, op zee of in een meer",
        problem_text(p, "nl"),
    )
    assert problem_text(p, "nl").split(" km")[0].split("ligt ")[1] == f"{p.values['km']:.1f}".replace(
        ".", ","
    )


# --- no problem without a text key ----------------------------------------------------------------


def _modules() -> list[tuple[str, ast.Module]]:
    return [(m, ast.parse((ROOT / m).read_text(encoding="utf-8"))) for m in UPLOAD_MODULES]


#: Helpers that record a problem, with the position of their ``code`` argument.
CODE_POSITION = {"Problem": 5, "add": 3, "rows": 4, "bad": 3}


def _code_argument(call: ast.Call) -> ast.expr | bool | None:
    """The ``code`` argument of a problem-making call; False when the call makes no problem."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name not in CODE_POSITION and name != "refuse":
        return False
    for kw in call.keywords:
        if kw.arg == "code":
            return kw.value
    pos = CODE_POSITION.get(name)
    return call.args[pos] if pos is not None and len(call.args) > pos else None


def test_no_problem_in_the_upload_modules_is_made_without_a_text_key():
    offenders = []
    for module, tree in _modules():
        for node in ast.walk(tree):
            arg = _code_argument(node) if isinstance(node, ast.Call) else False
            if arg is None or (isinstance(arg, ast.Constant) and arg.value is None):
                offenders.append(f"{module}:{node.lineno}")
            if isinstance(node, ast.FunctionDef | ast.Lambda):  # a helper may not make the key optional
                args = node.args
                positional = args.posonlyargs + args.args
                defaults = dict(zip([a.arg for a in positional][::-1], args.defaults[::-1], strict=False))
                defaults |= {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d}
                if "code" in defaults:
                    offenders.append(f"{module}:{node.lineno} (code has a default)")
    assert not offenders
    for helper in (Problems.add, Problems.rows, refuse):
        assert inspect.signature(helper).parameters["code"].default is inspect.Parameter.empty


def _literal_codes() -> set[str]:
    """Every text key written out (or as an f-string pattern) where the upload modules make a problem."""
    found = set()
    for _, tree in _modules():
        for node in ast.walk(tree):
            arg = _code_argument(node) if isinstance(node, ast.Call) else False
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(re.escape(arg.value))
            elif isinstance(arg, ast.JoinedStr):
                found.add(
                    "".join(re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in arg.values)
                )
    return found


def test_every_text_key_of_the_upload_modules_is_driven_by_a_case():
    driven = {c[-1] for c in CASES.values()} | {c[-1] for c in LIMITED.values()} | {"water"}
    patterns = _literal_codes()
    assert len(patterns) > 30  # the scan sees the problems
    assert [p for p in patterns if not any(re.fullmatch(p, code) for code in driven)] == []
