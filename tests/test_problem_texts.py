"""Upload problems in the user's language: each problem has a text key, values and real plurals."""

from __future__ import annotations

import io

import pytest

from geo.data import load_provinces
from geo.errors import DataValidationError, Problem
from geo.i18n import problem_text
from geo.population import read_population_file
from geo.tabular import UploadError
from geo.uploads import read_planned_sites


@pytest.fixture(scope="module")
def provinces():
    return load_provinces()


def problems_of(raw: bytes, name: str, provinces, **kw) -> list[Problem]:
    with pytest.raises(UploadError) as err:
        read_planned_sites(raw, filename=name, provinces=provinces, **kw)
    return err.value.problems


def test_an_empty_file_in_dutch_and_english(provinces):
    [p] = problems_of(b"", "leeg.csv", provinces)
    assert p.message == "the file is empty"  # the command line and the logs keep English
    assert problem_text(p, "nl") == "leeg.csv: het bestand is leeg"
    assert problem_text(p, "en") == "leeg.csv: the file is empty"


def test_a_text_in_a_coordinate_names_line_and_field_in_dutch(provinces):
    raw = b"naam;breedtegraad;lengtegraad\nA;52,5;5,5\nB;abc;5,5\n"
    [p] = problems_of(raw, "plannen.csv", provinces)
    assert problem_text(p, "nl") == "plannen.csv, regel 3, veld 'breedtegraad': 'abc' is geen getal"
    assert problem_text(p, "en") == "plannen.csv, line 3, field 'breedtegraad': 'abc' is not a number"
    assert str(p) == problem_text(p, "en")


def test_too_many_rows_writes_the_limit_the_dutch_way(provinces):
    raw = b"name,lat,lon\n" + b"".join(b"S%d,52.5,5.5\n" % i for i in range(1500))
    [p] = problems_of(raw, "groot.csv", provinces, max_rows=1200)
    assert problem_text(p, "nl") == (
        "groot.csv: heeft meer dan de toegestane 1.200 gegevensrijen: "
        "splits het bestand of houd alleen de geplande locaties over"
    )
    assert "1,200 data rows" in problem_text(p, "en")


def test_a_position_abroad_with_its_hint(provinces):
    [p] = problems_of(b"name,lat,lon\nA,5.5,52.5\n", "om.csv", provinces)
    assert problem_text(p, "nl").startswith("om.csv, regel 2, veld 'lat/lon': (5,5; 52,5) ligt ")
    assert problem_text(p, "en").startswith("om.csv, line 2, field 'lat/lon': (5.5, 52.5) lies ")
    assert problem_text(p, "nl").endswith(" km buiten Nederland (breedte- en lengtegraad lijken verwisseld)")


def test_unlisted_problems_count_with_real_plurals():
    one = Problem("f.csv", None, None, "… and 1 more problem(s) not listed", code="unlisted", values={"n": 1})
    two = Problem("f.csv", None, None, "… and 2 more problem(s) not listed", code="unlisted", values={"n": 2})
    assert problem_text(one, "nl") == "f.csv: … en nog 1 probleem dat niet is opgesomd"
    assert problem_text(two, "nl") == "f.csv: … en nog 2 problemen die niet zijn opgesomd"
    assert problem_text(two, "en") == "f.csv: … and 2 more problems not listed"


def test_population_file_problems_in_dutch(provinces):
    raw = b"x,y,population\n120000,abc,10\n"
    with pytest.raises(DataValidationError) as err:
        read_population_file(io.BytesIO(raw), filename="grid.csv", provinces=provinces)
    texts = [problem_text(p, "nl") for p in err.value.problems]
    assert texts == ["grid.csv, regel 2, veld 'y': 'abc' is geen getal"]
