"""Broken uploads through the app's own file uploaders (AppTest): the problem in Dutch, the page intact."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

TRUNCATED = b'{"type": "FeatureCollection",\n "features": [{"type": "Feature", "geometry": '
LINE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"inwoners": 500},
            "geometry": {"type": "LineString", "coordinates": [[5.5, 52.5], [5.6, 52.6]]},
        }
    ],
}


@pytest.fixture
def upload(run_app):
    """Open coverage mode for CardioNoVo+ and hand ``data`` to the uploader ``key`` as file ``name``."""

    def go(key: str, name: str, data: bytes, lang: str = "nl") -> AppTest:
        def choose(at: AppTest) -> None:
            at.file_uploader(key=key).set_value((name, data, "application/octet-stream"))

        return run_app({"mode": "coverage", "net": "cardionovo", "lang": lang}, [choose], None)

    return go


def problems_shown(at: AppTest, heading: str) -> list[str]:
    """The bulleted problems under ``heading``, with Markdown's escapes undone."""
    [block] = [m.value for m in at.markdown if m.value.startswith(heading)]
    return [re.sub(r"\\(.)", r"\1", line[2:]) for line in block.split("\n") if line.startswith("- ")]


def assert_page_intact(at: AppTest, label: str) -> None:
    """No traceback; the coverage figures and the map are still drawn."""
    assert not at.exception
    share = next(m for m in at.metric if m.label.startswith(label)).value
    assert re.fullmatch(r"\d{1,3}[,.]\d%", share)
    assert at.map_calls and at.map_calls[-1].args[0].get_root().render().count("fillColor") > 1


def test_a_broken_geojson_of_planned_sites_is_explained_in_dutch(upload):
    at = upload("cov_planned", "plan.geojson", TRUNCATED)
    assert [e.value for e in at.error] == [
        "plan.geojson is niet gebruikt: 1 probleem. De rest van de pagina werkt gewoon door."
    ]
    assert problems_shown(at, "Gevonden problemen:") == [
        "plan.geojson, regel 2: is geen geldige JSON: het bestand is beschadigd of onvolledig (bij teken 47)"
    ]
    assert "cov_planned_sites" not in at.session_state
    assert_page_intact(at, "Inwoners binnen")


def test_the_same_file_in_the_english_ui(upload):
    at = upload("cov_planned", "plan.geojson", TRUNCATED, lang="en")
    assert problems_shown(at, "Problems found:") == [
        "plan.geojson, line 2: is not valid JSON: the file is damaged or incomplete (at character 47)"
    ]
    assert_page_intact(at, "Inhabitants within")


def test_a_population_file_of_lines_is_explained_in_dutch(upload):
    at = upload("cov_upload", "bevolking.geojson", json.dumps(LINE).encode())
    assert at.error[0].value.startswith("Het bestand bevolking.geojson kan niet worden gebruikt")
    assert problems_shown(at, "Gevonden problemen:") == [
        "bevolking.geojson, object 1, veld 'geometry': "
        "de geometrie is een LineString; alleen punten en vlakken (polygonen) worden ondersteund"
    ]
    assert_page_intact(at, "Inwoners binnen")  # the official population is used instead
    assert any(c.value.startswith("Bevolking: CBS") for c in at.caption)
