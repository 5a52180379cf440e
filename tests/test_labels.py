"""Place names of the offline map: which names show per zoom, never overlapping; markers grouped."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from geo.geonames import dutch_places
from geo.render.labels import (
    MIN_POPULATION,
    PLACE_ZOOMS,
    labels_payload,
    map_labels,
    overlaps,
    pixel,
    place_names,
    text_box,
)


@pytest.fixture(scope="module")
def labels(atlas):
    return map_labels(dutch_places(), atlas.provinces)


def test_pixel_is_web_mercator():
    assert pixel(0.0, 0.0, 0) == pytest.approx((128.0, 128.0))
    assert pixel(0.0, 180.0, 1) == pytest.approx((512.0, 256.0))
    x, y = pixel(52.0, 5.0, 8)
    merc = math.log(math.tan(math.pi / 4 + math.radians(52.0) / 2))  # the textbook form
    assert (x, y) == pytest.approx((185 / 360 * 65536, (0.5 - merc / (2 * math.pi)) * 65536))


def test_a_smaller_place_that_would_overlap_a_larger_one_is_left_out():
    cands = [
        ("a", "Amsterdam", 52.37, 4.89, "city", 900_000.0),
        ("b", "Amstelveen", 52.37, 4.90, "city", 90_000.0),  # 700 m east: same spot at zoom 8
        ("c", "Groningen", 53.22, 6.57, "city", 200_000.0),
    ]
    assert place_names(cands, 8) == ["a", "c"]
    assert place_names(cands, 15) == ["a", "c", "b"]  # far enough apart at zoom 15


def test_names_never_overlap_at_any_zoom(labels):
    for z in range(6, max(PLACE_ZOOMS) + 1):
        shown = [lab for lab in labels if z in lab.zooms]
        boxes = [text_box(lab.name, lab.kind, *pixel(lab.lat, lab.lon, z)) for lab in shown]
        pairs = itertools.combinations(zip(shown, boxes, strict=True), 2)
        clash = [(a.name, b.name) for (a, ba), (b, bb) in pairs if overlaps(ba, bb)]
        assert clash == [], f"zoom {z}: {clash[:5]}"


def test_provinces_at_the_overview_places_from_zoom_8_more_with_each_zoom(labels):
    def at(z, places=True):
        return {lab.name for lab in labels if z in lab.zooms and (lab.kind != "province") == places}

    assert {"Friesland", "Groningen", "Drenthe", "Noord-Holland", "Flevoland", "Gelderland"} <= at(7, False)
    assert at(7) == set()  # no places at the overview
    assert {"Amsterdam", "Rotterdam", "Den Haag", "Groningen", "Eindhoven"} <= at(8)
    counts = [len(at(z)) for z in PLACE_ZOOMS]
    assert counts == sorted(counts) and counts[-1] > 5 * counts[0]
    assert "Urk" in at(11) and "Urk" not in at(8)


def test_small_places_are_not_named(labels):
    places = dutch_places()
    tiny = set(places.loc[places["population"] < min(MIN_POPULATION.values()), "name"])
    big = set(places.loc[places["population"] >= min(MIN_POPULATION.values()), "name"])
    named = {lab.name for lab in labels if lab.kind != "province"}
    assert named and not (named & (tiny - big))


def test_payload_carries_zoom_masks_and_water_names(labels):
    rows = labels_payload(labels)
    ams = next(r for r in rows if r[0] == "Amsterdam")
    assert ams[3] == "c" and ams[4] & (1 << 8) and not ams[4] & (1 << 7)
    water = {r[0] for r in rows if r[3] == "w"}
    assert {"Noordzee", "Waddenzee", "IJsselmeer"} <= water


def test_duplicate_names_keep_the_largest_place():
    places = pd.DataFrame(
        {
            "name": ["Hengelo", "Hengelo"],
            "population": [80_000, 8_000],
            "lat": [52.27, 52.05],
            "lon": [6.79, 6.31],
        }
    )
    from geo.data import load_atlas

    out = [lab for lab in map_labels(places, load_atlas().provinces) if lab.name == "Hengelo"]
    assert [(lab.lat, lab.lon) for lab in out] == [(52.27, 6.79)]
