"""Tests of the nearest-site ranking and the route link (:mod:`geo.nearest`)."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from geo.crs import to_rd
from geo.nearest import nearest_sites, osm_route_url

DAM = (52.3731, 4.8926)  # Amsterdam, Dam square
DOM = (52.0908, 5.1217)  # Utrecht, Dom tower

# site_id, kind, status, lat, lon: a tiny hand-made atlas around Amsterdam and Utrecht.
ROWS = [
    ("ams-other", "other", "open", 52.3732, 4.8927),  # nearest of all, but not a treating site
    ("ams-closed", "hospital", "closed", 52.3740, 4.8930),  # next nearest, but closed
    ("ams-olvg", "hospital", "open", 52.3597, 4.9158),
    ("hfd-spaarne", "hospital", "open", 52.2898, 4.6916),
    ("utr-dom", "outpatient", "open", *DOM),
    ("utr-umc", "hospital", "open", 52.0851, 5.1795),
    ("zwo-isala", "radiotherapy", "open", 52.5165, 6.0836),
    ("alm-b", "hospital", "open", 52.3700, 5.2100),  # two sites at one spot: ties
    ("alm-a", "outpatient", "open", 52.3700, 5.2100),
]
TREATING_OPEN = {r[0] for r in ROWS if r[1] != "other" and r[2] == "open"}


def make_sites(rows=ROWS) -> gpd.GeoDataFrame:
    df = pd.DataFrame(rows, columns=["site_id", "kind", "status", "lat", "lon"])
    df["name"] = df["site_id"].str.upper()
    df["org_id"] = df["site_id"].str.split("-").str[0]
    df["emergency"] = "unknown"
    df["province"] = "Utrecht"
    df["networks"] = [("cardionovo",)] * len(df)
    df["in_network"] = True
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


@pytest.fixture
def sites() -> gpd.GeoDataFrame:
    return make_sites()


def geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return Geod(ellps="WGS84").inv(a[1], a[0], b[1], b[0])[2] / 1000.0


def test_ranks_open_treating_sites_nearest_first(sites):
    got = nearest_sites(*DAM, sites, limit=3)
    assert list(got["site_id"]) == ["ams-olvg", "hfd-spaarne", "alm-a"]
    assert list(got["rank"]) == [1, 2, 3]
    assert got["distance_km"].is_monotonic_increasing


def test_order_matches_independent_geodesics(sites):
    got = nearest_sites(*DAM, sites, limit=100)
    expected = sorted(
        (round(geodesic_km(DAM, (la, lo)), 9), sid) for sid, kind, st, la, lo in ROWS if sid in TREATING_OPEN
    )
    assert list(got["site_id"]) == [sid for _, sid in expected]
    assert np.allclose(got["distance_km"], [d for d, _ in expected], rtol=0, atol=1e-6)


def test_closed_and_other_sites_are_never_returned(sites):
    for limit in (1, 3, 50):
        got = nearest_sites(DAM[0] + 1e-4, DAM[1] + 1e-4, sites, limit=limit)
        assert not set(got["site_id"]) & {"ams-other", "ams-closed"}
        assert (got["kind"] != "other").all()
        assert (got["status"] == "open").all()


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8, 100])
def test_limit_is_respected(sites, limit):
    got = nearest_sites(*DOM, sites, limit=limit)
    assert len(got) == min(limit, len(TREATING_OPEN))
    assert list(got["rank"]) == list(range(1, len(got) + 1))


def test_dam_to_dom_distance(sites):
    got = nearest_sites(*DAM, sites, limit=100).set_index("site_id")
    d = got.loc["utr-dom", "distance_km"]
    assert d == pytest.approx(geodesic_km(DAM, DOM), abs=1e-6)
    assert d == pytest.approx(35.10, abs=0.05)  # by hand: 35.096 km on WGS84
    # Independent check in the Dutch grid: RD's scale error is below 0.02 % in the Netherlands.
    (x1, x2), (y1, y2) = to_rd().transform([DAM[1], DOM[1]], [DAM[0], DOM[0]])
    assert d == pytest.approx(math.hypot(x2 - x1, y2 - y1) / 1000.0, rel=3e-4)


def test_distance_along_a_meridian():
    # One degree of latitude at 52.5 degrees N, by hand: a (1 - e2) / (1 - e2 sin2(52.5))^1.5 * pi / 180
    # = 111.278 km on the WGS84 ellipsoid (a sphere of radius 6371 km gives 111.195).
    sites = make_sites([("n", "hospital", "open", 53.0, 5.5)])
    got = nearest_sites(52.0, 5.5, sites)
    assert got.loc[0, "distance_km"] == pytest.approx(111.278, abs=0.002)


def test_ties_are_broken_by_site_id_whatever_the_input_order():
    rows = [r for r in ROWS if r[0].startswith("alm") or r[0] == "utr-umc"]
    for perm in itertools.permutations(rows):
        got = nearest_sites(52.37, 5.21, make_sites(list(perm)), limit=3)
        assert list(got["site_id"]) == ["alm-a", "alm-b", "utr-umc"]
        assert got.loc[0, "distance_km"] == got.loc[1, "distance_km"] == 0.0


def test_keeps_every_column_and_the_frame_type(sites):
    before = sites.copy()
    got = nearest_sites(*DAM, sites)
    assert isinstance(got, gpd.GeoDataFrame)
    assert got.crs == sites.crs
    assert list(got.columns) == [*sites.columns, "distance_km", "rank"]
    assert list(got.index) == [0, 1, 2]
    assert got["rank"].dtype == "int64"
    assert got["distance_km"].dtype == "float64"
    pd.testing.assert_frame_equal(pd.DataFrame(sites), pd.DataFrame(before))  # input untouched


def test_plain_dataframe_works(sites):
    got = nearest_sites(*DAM, pd.DataFrame(sites.drop(columns="geometry")), limit=2)
    assert type(got) is pd.DataFrame
    assert list(got["site_id"]) == ["ams-olvg", "hfd-spaarne"]


def test_no_candidates_gives_an_empty_frame(sites):
    got = nearest_sites(*DAM, sites[sites["site_id"].isin(["ams-other", "ams-closed"])])
    assert got.empty
    assert {"distance_km", "rank", "site_id"} <= set(got.columns)
    assert nearest_sites(*DAM, sites.iloc[0:0]).empty


def test_sites_without_coordinates_are_skipped(sites):
    sites.loc[sites["site_id"] == "ams-olvg", ["lat", "lon"]] = np.nan
    got = nearest_sites(*DAM, sites, limit=100)
    assert "ams-olvg" not in set(got["site_id"])
    assert len(got) == len(TREATING_OPEN) - 1


@pytest.mark.parametrize(
    ("lat", "lon", "limit"),
    [
        (math.nan, 4.9, 3),
        (52.0, math.inf, 3),
        (95.0, 4.9, 3),
        ("52", 4.9, 3),
        (52.0, 4.9, 0),
        (52.0, 4.9, 2.5),
    ],
)
def test_bad_arguments_raise(sites, lat, lon, limit):
    with pytest.raises(ValueError, match="must be"):
        nearest_sites(lat, lon, sites, limit=limit)


def test_missing_columns_are_named(sites):
    with pytest.raises(ValueError, match="status"):
        nearest_sites(*DAM, sites.drop(columns="status"))


def test_osm_route_url():
    url = osm_route_url(*DAM, *DOM)
    assert url == (
        "https://www.openstreetmap.org/directions?engine=fossgis_osrm_car"
        "&route=52.3731%2C4.8926%3B52.0908%2C5.1217"
    )
    assert "route=52.123457%2C" not in osm_route_url(52.1234567, 5.0, 52.0, 5.0)
    assert "route=52.12346%2C5%3B52%2C5" in osm_route_url(52.1234567, 5.0, 52.0, 5.0)
    with pytest.raises(ValueError, match="destination"):
        osm_route_url(*DAM, math.nan, 5.0)


def test_domain_modules_do_not_import_streamlit():
    code = "import sys, geo.places, geo.nearest; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
