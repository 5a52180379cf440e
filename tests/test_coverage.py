"""Tests of geo.population and geo.coverage: hand-computed tiny cases and brute-force comparisons."""

from __future__ import annotations

import io
import itertools
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import coverage as cv
from geo import population as popmod
from geo.crs import RD, WGS84, to_rd, to_wgs84
from geo.data import load_provinces
from geo.defaults import MAX_PROBLEMS
from geo.errors import DataValidationError, UnknownIdError

DATA = Path(__file__).resolve().parents[1] / "data"


# --- fixture builders --------------------------------------------------------------------------------


def make_population(rows: list[tuple[str, float, float, float, str]]) -> gpd.GeoDataFrame:
    """Population points from (name, x, y, population, province) in RD New."""
    frame = pd.DataFrame(rows, columns=["name", "x", "y", "population", "province"])
    return gpd.GeoDataFrame(
        frame.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=RD
    )


def make_sites(rows: list[tuple[str, float, float]], *, wgs84: bool = False) -> gpd.GeoDataFrame:
    """Sites from (site_id, x, y) in RD New; optionally stored in WGS84 as the atlas stores them."""
    frame = pd.DataFrame(rows, columns=["site_id", "x", "y"])
    frame["name"] = "Site " + frame["site_id"]
    frame["organisation"] = "Org " + frame["site_id"]
    gdf = gpd.GeoDataFrame(
        frame.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=RD
    )
    return gdf.to_crs(WGS84) if wgs84 else gdf


def wgs(x: float, y: float) -> tuple[float, float]:
    """(lat, lon) of an RD New point."""
    lon, lat = to_wgs84().transform(x, y)
    return lat, lon


# The hand-computed case. Sites A (100000, 450000) and B (130000, 450000).
#   P1 (103000, 454000) pop 1000, Utrecht:    A 5 km (3-4-5), B sqrt(27²+4²) = 27.29 km
#   P2 (130000, 462000) pop 3000, Utrecht:    B 12 km, A sqrt(30²+12²) = 32.31 km
#   P3 (100000, 470000) pop 6000, Gelderland: A 20 km, B sqrt(30²+20²) = 36.06 km
HAND_POP = [
    ("P1", 103_000, 454_000, 1000, "Utrecht"),
    ("P2", 130_000, 462_000, 3000, "Utrecht"),
    ("P3", 100_000, 470_000, 6000, "Gelderland"),
]
HAND_SITES = [("A", 100_000, 450_000), ("B", 130_000, 450_000)]


@pytest.fixture
def hand() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The hand-computed population and its two sites (stored in WGS84 to exercise reprojection)."""
    return make_population(HAND_POP), make_sites(HAND_SITES, wgs84=True)


def random_case(seed: int, n_pop: int = 400, n_sites: int = 15) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Random places in three provinces over a 100 by 100 km square and random sites, one pair colocated."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(100_000, 200_000, n_pop)
    y = rng.uniform(400_000, 500_000, n_pop)
    pop = rng.integers(0, 50_000, n_pop).astype(float)
    prov = rng.choice(["Utrecht", "Gelderland", "Overijssel"], n_pop)
    population = make_population([(f"p{i}", x[i], y[i], pop[i], prov[i]) for i in range(n_pop)])
    sx = rng.uniform(100_000, 200_000, n_sites)
    sy = rng.uniform(400_000, 500_000, n_sites)
    sx[1], sy[1] = sx[0], sy[0]  # two sites at one spot
    sites = make_sites([(f"s{j:02d}", sx[j], sy[j]) for j in range(n_sites)])
    return population, sites


# --- brute force -------------------------------------------------------------------------------------


def brute_nearest(population: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> list[tuple[float, int]]:
    """(distance in m, site position) of every place by a plain loop over all sites."""
    pts = [(g.x, g.y) for g in population.to_crs(RD).geometry]
    sts = [(g.x, g.y) for g in sites.to_crs(RD).geometry]
    out = []
    for px, py in pts:
        best = min(range(len(sts)), key=lambda j: math.hypot(px - sts[j][0], py - sts[j][1]))
        out.append((math.hypot(px - sts[best][0], py - sts[best][1]), best))
    return out


def brute_summary(dist_km: list[float], weight: list[float], km: float) -> dict[str, float]:
    """Population-weighted figures by plain loops; p95 is the smallest distance reaching 95 % of people."""
    total = sum(weight)
    covered = sum(w for d, w in zip(dist_km, weight, strict=True) if d <= km)
    mean = sum(d * w for d, w in zip(dist_km, weight, strict=True)) / total
    acc, p95 = 0.0, math.nan
    for d, w in sorted(zip(dist_km, weight, strict=True), key=lambda t: t[0]):
        acc += w
        if acc >= 0.95 * total:
            p95 = d
            break
    return {
        "population": total,
        "covered": covered,
        "share": covered / total,
        "mean": mean,
        "p95": p95,
        "places_beyond": sum(1 for d in dist_km if d > km),
    }


# --- hand-computed case ------------------------------------------------------------------------------


def test_nearest_distances_hand(hand):
    population, sites = hand
    dist, idx = cv.nearest_distances(population, sites)
    assert dist == pytest.approx([5_000, 12_000, 20_000], abs=0.01)
    assert list(sites["site_id"].to_numpy()[idx]) == ["A", "B", "A"]


def test_coverage_hand(hand):
    population, sites = hand
    r = cv.coverage(population, sites, threshold=10)
    # Only P1 (1000 of 10000 inhabitants) is within 10 km: one place in three, but a tenth of the people.
    assert r.total["population"] == 10_000
    assert r.total["covered"] == 1_000
    assert r.total["share"] == pytest.approx(0.1)
    assert r.total["mean"] == pytest.approx((1000 * 5 + 3000 * 12 + 6000 * 20) / 10_000, abs=1e-6)
    assert r.total["p95"] == pytest.approx(20, abs=1e-6)  # 95 % of the people is reached only at P3
    assert r.total["places_beyond"] == 2
    prov = r.by_province.set_index("name")
    assert list(r.by_province["name"]) == ["Gelderland", "Utrecht"]
    assert prov.loc["Utrecht", "population"] == 4_000
    assert prov.loc["Utrecht", "share"] == pytest.approx(0.25)
    assert prov.loc["Utrecht", "mean"] == pytest.approx((5_000 + 36_000) / 4_000, abs=1e-6)
    assert prov.loc["Utrecht", "p95"] == pytest.approx(12, abs=1e-6)  # 3800 people reached at P2
    assert prov.loc["Gelderland", "covered"] == 0
    assert prov.loc["Gelderland", "places_beyond"] == 1
    assert list(r.points["site_id"]) == ["A", "B", "A"]
    assert list(r.points["covered"]) == [True, False, False]
    assert list(r.by_province.columns) == cv.SUMMARY_COLUMNS


def test_coverage_counts_only_region_provinces(hand):
    population, sites = hand
    r = cv.coverage(population, sites, threshold=10, provinces=["Utrecht"])
    assert list(r.by_province["name"]) == ["Utrecht"]
    assert r.total["population"] == 4_000
    assert set(r.points["name"]) == {"P1", "P2"}


def test_coverage_province_without_places_is_listed_empty(hand):
    population, sites = hand
    r = cv.coverage(population, sites, threshold=10, provinces=["Utrecht", "Zeeland"])
    zeeland = r.by_province.set_index("name").loc["Zeeland"]
    assert zeeland["population"] == 0
    assert math.isnan(zeeland["share"])


def test_subregions_hand(hand):
    population, sites = hand
    r = cv.coverage(population, sites, threshold=10, subregion_sites={"West": ["A"], "East": ["B", "gone"]})
    sub = r.by_subregion.set_index("name")
    assert sub.loc["West", "population"] == 7_000  # P1 and P3 are nearest to A
    assert sub.loc["East", "population"] == 3_000
    assert list(r.points["subregion"]) == ["West", "East", "West"]


def test_sensitivity_hand(hand):
    population, sites = hand
    s = cv.sensitivity(population, sites, threshold=25)
    # Closing A sends P1 (27.3 km) and P3 (36.1 km) beyond 25 km; closing B sends P2 (32.3 km).
    assert list(s["site_id"]) == ["A", "B"]
    assert list(s["extra_beyond"]) == [7_000, 3_000]
    assert s["extra_share"].tolist() == pytest.approx([0.7, 0.3])
    assert list(s.columns[:5]) == ["site_id", "name", "organisation", "extra_beyond", "extra_share"]
    # At 40 km the other site always lies within reach: no site is sensitive.
    assert cv.sensitivity(population, sites, threshold=40)["extra_beyond"].sum() == 0


def test_whatif_hand(hand):
    population, sites = hand
    c_lat, c_lon = wgs(100_000, 472_000)  # 2 km from P3, sqrt(3² + 18²) = 18.25 km from P1
    w = cv.coverage_whatif(population, sites, threshold=10, closed=["A"], added=[("C", c_lat, c_lon)])
    assert w.before.total["covered"] == 1_000
    assert w.after.total["covered"] == 6_000  # P3 now within 2 km; P1 lost A
    assert w.total["covered_change"] == 5_000
    sw = w.switched.set_index("name")
    assert set(sw.index) == {"P1", "P3"}
    assert sw.loc["P3", "to_site"] == "C"
    assert sw.loc["P3", "distance_after"] == pytest.approx(2, abs=1e-3)
    assert sw.loc["P1", "distance_after"] == pytest.approx(math.hypot(3, 18), abs=1e-3)
    assert sw.loc["P1", "from_site_id"] == "A"
    assert list(w.switched["name"]) == ["P3", "P1"]  # most inhabitants first
    prov = w.by_province.set_index("name")
    assert prov.loc["Utrecht", "covered_change"] == -1_000
    assert prov.loc["Gelderland", "covered_change"] == 6_000


def test_least_served_hand(hand):
    population, sites = hand
    r = cv.coverage(population, sites, threshold=10)
    worst = cv.least_served(r, n=2)
    assert list(worst["name"]) == ["P3", "P2"]
    assert worst["distance"].tolist() == pytest.approx([20, 12], abs=1e-6)
    assert len(cv.least_served(r)) == 3


# --- properties on random data -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nearest_matches_brute_force(seed):
    population, sites = random_case(seed)
    dist, idx = cv.nearest_distances(population, sites)
    brute = brute_nearest(population, sites)
    assert dist == pytest.approx([d for d, _ in brute], abs=1e-6)
    # Ties (the colocated pair) may pick either site: check the distance to the chosen one.
    xy_s = shapely.get_coordinates(sites.geometry.to_numpy())
    xy_p = shapely.get_coordinates(population.geometry.to_numpy())
    chosen = np.hypot(*(xy_p - xy_s[idx]).T)
    assert chosen == pytest.approx(dist, abs=1e-6)


@pytest.mark.parametrize(("seed", "km"), [(4, 5.0), (5, 15.0), (6, 40.0)])
def test_coverage_matches_brute_force(seed, km):
    population, sites = random_case(seed)
    region = ["Utrecht", "Overijssel"]
    r = cv.coverage(population, sites, threshold=km, provinces=region)
    brute = brute_nearest(population, sites)
    rows = list(zip(population["province"], population["population"], brute, strict=True))
    for name in region:
        mine = [(d / 1000, w) for p, w, (d, _) in rows if p == name]
        want = brute_summary([d for d, _ in mine], [w for _, w in mine], km)
        got = r.by_province.set_index("name").loc[name]
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (name, key)
    inside = [(d / 1000, w) for p, w, (d, _) in rows if p in region]
    want = brute_summary([d for d, _ in inside], [w for _, w in inside], km)
    for key, value in want.items():
        assert r.total[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
    assert len(r.points) == len(inside)


@pytest.mark.parametrize("seed", [7, 8])
def test_totals_add_up(seed):
    population, sites = random_case(seed)
    ids = list(sites["site_id"])
    groups = {"North": ids[:5], "Middle": ids[5:9], "South": ids[9:]}  # every site in one sub-region
    r = cv.coverage(population, sites, threshold=12, subregion_sites=groups)
    for table in (r.by_province, r.by_subregion):
        for key in ("population", "covered", "places_beyond"):
            assert table[key].sum() == pytest.approx(r.total[key]), key
    assert r.total["population"] == pytest.approx(population["population"].sum())


@pytest.mark.parametrize("seed", [9, 10, 11])
def test_sensitivity_matches_recomputing_without_each_site(seed):
    population, sites = random_case(seed, n_pop=250, n_sites=10)
    km = 14.0
    base = cv.coverage(population, sites, threshold=km).total
    beyond_now = base["population"] - base["covered"]
    fast = cv.sensitivity(population, sites, threshold=km).set_index("site_id")
    for sid in sites["site_id"]:
        without = cv.coverage(population, sites[sites["site_id"] != sid], threshold=km).total
        extra = (without["population"] - without["covered"]) - beyond_now
        assert fast.loc[sid, "extra_beyond"] == pytest.approx(extra, abs=1e-6), sid
        assert fast.loc[sid, "extra_share"] == pytest.approx(extra / base["population"], abs=1e-12)
    # The colocated pair back each other up.
    assert fast.loc["s00", "extra_beyond"] == 0
    assert fast.loc["s01", "extra_beyond"] == 0
    ranked = cv.sensitivity(population, sites, threshold=km)["extra_beyond"].to_numpy()
    assert (np.diff(ranked) <= 0).all()


def test_closed_site_disappears_from_every_metric():
    population, sites = random_case(12)
    ids = list(sites["site_id"])
    target = ids[4]
    groups = {"Solo": [target], "Rest": [i for i in ids if i != target]}
    w = cv.coverage_whatif(population, sites, threshold=10, closed=[target], subregion_sites=groups)
    assert target in set(w.before.points["site_id"])
    assert target not in set(w.after.points["site_id"])
    assert target not in set(w.after.points["site_name"].str.removeprefix("Site "))
    assert set(w.switched["from_site_id"]) == {target}  # only the closure moves anybody
    assert target not in set(w.switched["to_site_id"])
    solo = w.after.by_subregion.set_index("name").loc["Solo"]
    assert solo["population"] == 0  # its only site is gone, so nobody counts in it
    assert w.after.by_subregion["population"].sum() == pytest.approx(w.after.total["population"])
    # "after" is exactly coverage without the site.
    direct = cv.coverage(population, sites[sites["site_id"] != target], threshold=10, subregion_sites=groups)
    pd.testing.assert_frame_equal(w.after.by_province, direct.by_province)
    pd.testing.assert_frame_equal(w.after.by_subregion, direct.by_subregion)


def test_whatif_without_changes_changes_nothing():
    population, sites = random_case(13)
    w = cv.coverage_whatif(population, sites, threshold=10)
    assert w.switched.empty
    assert (w.by_province["covered_change"] == 0).all()


def test_whatif_rejects_unknown_and_bad_sites(hand):
    population, sites = hand
    with pytest.raises(UnknownIdError, match="closed"):
        cv.coverage_whatif(population, sites, threshold=10, closed=["nope"])
    with pytest.raises(cv.CoverageError, match="added"):
        cv.coverage_whatif(population, sites, threshold=10, added=[("Paris", 48.85, 2.35)])
    with pytest.raises(cv.CoverageError, match="added"):
        cv.coverage_whatif(population, sites, threshold=10, added=[("no coordinates",)])


@pytest.mark.parametrize("km", [0, -1, 500.5, float("nan"), "ten", None])
def test_km_is_validated(hand, km):
    population, sites = hand
    with pytest.raises(cv.CoverageError, match="threshold must be a number of km"):
        cv.coverage(population, sites, threshold=km)
    with pytest.raises(ValueError, match="threshold must be a number of km"):
        cv.sensitivity(population, sites, threshold=km)


def test_arguments_are_validated(hand):
    population, sites = hand
    with pytest.raises(cv.CoverageError, match="`population`"):
        cv.coverage(population.drop(columns="province"), sites, threshold=10)
    with pytest.raises(cv.CoverageError, match="`sites`"):
        cv.coverage(population, sites.set_crs(None, allow_override=True), threshold=10)
    with pytest.raises(UnknownIdError, match="provinces"):
        cv.coverage(population, sites, threshold=10, provinces=["Atlantis"])
    with pytest.raises(cv.CoverageError, match="`n`"):
        cv.least_served(cv.coverage(population, sites, threshold=10), n=-1)


def test_no_sites_means_nobody_covered(hand):
    population, sites = hand
    r = cv.coverage(population, sites.iloc[:0], threshold=10)
    assert r.total["covered"] == 0
    assert r.total["places_beyond"] == 3


# --- service areas ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provinces() -> gpd.GeoDataFrame:
    return load_provinces(DATA)


def test_service_areas_cover_land_without_overlap(provinces):
    land = shapely.union_all(provinces.to_crs(RD).geometry.to_numpy())
    rng = np.random.default_rng(20)
    pts = []
    while len(pts) < 25:  # random sites on land
        x, y = rng.uniform(20_000, 280_000), rng.uniform(310_000, 620_000)
        if land.contains(shapely.Point(x, y)):
            pts.append((x, y))
    pts.append(pts[3])  # a second site at the same spot
    sites = make_sites([(f"s{i:02d}", x, y) for i, (x, y) in enumerate(pts)], wgs84=True)
    areas = cv.service_areas(sites, provinces)
    assert len(areas) == len(sites)
    assert list(areas["site_id"]) == list(sites["site_id"])
    assert areas.crs == RD
    distinct = areas.drop_duplicates("colocated")
    assert len(distinct) == 25
    assert distinct.area.sum() == pytest.approx(land.area, rel=1e-6)
    overlap = sum(a.intersection(b).area for a, b in itertools.combinations(distinct.geometry, 2))
    assert overlap < 1e-6 * land.area
    # Each cell holds its own site, and every point of it is nearer to that site than to any other.
    for (x, y), cell in zip(pts, areas.geometry, strict=True):
        assert cell.buffer(1).contains(shapely.Point(x, y))
    probes = gpd.GeoDataFrame(geometry=distinct.geometry.representative_point(), crs=RD)
    nearest = sites["site_id"].to_numpy()[cv.nearest_distances(probes, sites)[1]]
    for site_id, together in zip(nearest, distinct["colocated"], strict=True):
        assert site_id in together
    assert areas.loc[areas["site_id"] == "s03", "colocated"].item() == ("s03", "s25")


def test_service_areas_one_site_gets_all_land(provinces):
    sites = make_sites([("only", 155_000, 463_000)])
    areas = cv.service_areas(sites, provinces)
    land = shapely.union_all(provinces.to_crs(RD).geometry.to_numpy())
    assert areas.area.sum() == pytest.approx(land.area, rel=1e-9)


# --- networks ------------------------------------------------------------------------------------------


def test_compare_networks(small_atlas):
    population = make_population(
        [
            ("Almere", *_rd(52.3700, 5.2200), 200_000, "Flevoland"),  # next to the Flevoziekenhuis
            ("Den Helder", *_rd(52.9563, 4.7600), 55_000, "Noord-Holland"),  # ~40 km from Hoorn
            ("Zwolle", *_rd(52.5125, 6.0944), 130_000, "Overijssel"),  # outside both regions
        ]
    )
    c = cv.compare_networks(small_atlas, "onconovo", "cardionovo", threshold=20, population=population)
    assert list(c.both["org_id"]) == ["dijklander", "flevoziekenhuis"]
    assert list(c.only_a["org_id"]) == ["avl"]
    assert c.only_b.empty
    assert c.coverage_a.provinces == ("Flevoland", "Noord-Holland")
    assert c.coverage_a.total["population"] == 255_000  # Zwolle lies outside the region
    assert c.coverage_a.total["covered"] == 200_000
    assert c.coverage_b.total["covered"] == 200_000
    with pytest.raises(UnknownIdError):
        cv.compare_networks(small_atlas, "onconovo", "nope", threshold=20, population=population)


def _rd(lat: float, lon: float) -> tuple[float, float]:
    from geo.crs import to_rd

    return to_rd().transform(lon, lat)


def test_network_subregion_sites(small_atlas):
    subs = cv.network_subregion_sites(small_atlas, "noord-oost")
    assert subs["ONZ-netwerk (Twente)"] == ("mst-enschede", "mst-lab")
    assert subs["Oncologienetwerk Veluwe IJssel"] == ("isala-zwolle",)
    assert subs["Oncologisch Netwerk Friesland (ONF)"] == ()


# --- built-in population --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builtin(provinces) -> gpd.GeoDataFrame:
    return popmod.load_population(provinces=provinces)


def test_load_population(builtin, provinces):
    assert builtin.crs == RD
    assert len(builtin) > 1_500
    assert (builtin["population"] >= 500).all()
    assert builtin["province"].notna().all()
    assert set(builtin["province"]) == set(provinces["name"])
    assert {"name", "population", "province", "lat", "lon", "geometry"} <= set(builtin.columns)
    # Coastal and border places off the coarse outline still get their province.
    by_name = builtin.drop_duplicates("name").set_index("name")["province"]
    assert by_name["Westkapelle"] == "Zeeland"
    assert by_name["Vaals"] == "Limburg"
    assert by_name["Amsterdam"] == "Noord-Holland"
    # lat/lon agree with the RD geometry.
    back = builtin.to_crs(WGS84).geometry
    assert np.allclose(back.y, builtin["lat"], atol=1e-5)
    assert np.allclose(back.x, builtin["lon"], atol=1e-5)


# --- user population files --------------------------------------------------------------------------------


def read_csv_text(text: str, name: str = "pop.csv", provinces: gpd.GeoDataFrame | None = None):
    return popmod.read_population_file(io.BytesIO(text.encode()), filename=name, provinces=provinces)


def problems_of(exc: pytest.ExceptionInfo[DataValidationError]) -> dict[int | None, list]:
    out: dict[int | None, list] = {}
    for p in exc.value.problems:
        out.setdefault(p.row, []).append(p)
    return out


def test_read_csv_rd_and_latlon_agree(provinces):
    x, y = 121_000, 487_000  # Amsterdam
    lat, lon = wgs(x, y)
    rd = read_csv_text(f"x,y,population,name\n{x},{y},800,A\n155000,463000,50.5,B\n", provinces=provinces)
    ll = read_csv_text(f"lat,lon,population\n{lat},{lon},800\n", provinces=provinces)
    assert list(rd["province"]) == ["Noord-Holland", "Utrecht"]
    assert list(rd["name"]) == ["A", "B"]
    assert rd["population"].tolist() == [800, 50.5]
    assert ll["province"].item() == "Noord-Holland"
    assert ll.geometry.x.item() == pytest.approx(x, abs=0.01)
    assert rd.crs == RD
    assert list(rd["row"]) == [2, 3]


def test_read_csv_semicolon_decimal_comma(provinces):
    lat, lon = wgs(155_000, 463_000)
    lat_nl, lon_nl = (f"{v:.6f}".replace(".", ",") for v in (lat, lon))
    text = f"lat;lon;inwoners\n{lat_nl};{lon_nl};12\n"
    gdf = read_csv_text(text, provinces=provinces)
    assert gdf["province"].item() == "Utrecht"
    assert gdf["population"].item() == 12


def test_read_csv_bad_rows_name_line_and_field(provinces):
    text = (
        "x,y,population\n"
        "155000,463000,100\n"  # line 2: fine
        "abc,463000,100\n"  # line 3: text in x
        "155000,463000,-5\n"  # line 4: negative population
        "\n"  # line 5: blank, skipped
        "155000,900000,10\n"  # line 6: far north of the country
        "52.1,5.1,10\n"  # line 7: degrees in RD columns
        "155000,,10\n"  # line 8: empty y
        "86000,359400,10\n"  # line 9: inside the RD extent but in Antwerp, 14 km from the border
    )
    with pytest.raises(DataValidationError) as exc:
        read_csv_text(text, provinces=provinces)
    found = problems_of(exc)
    assert set(found) == {3, 4, 6, 7, 8, 9}
    assert found[3][0].field == "x"
    assert "'abc' is not a number" in found[3][0].message
    assert found[4][0].field == "population"
    assert "negative" in found[4][0].message
    assert "outside the Netherlands" in found[6][0].message
    assert "degrees" in found[7][0].message
    assert found[8][0].field == "y"
    assert "outside the Dutch provinces" in found[9][0].message
    assert all(p.file == "pop.csv" for p in exc.value.problems)
    assert "pop.csv, line 3, field 'x'" in str(exc.value)


def test_read_csv_latlon_errors(provinces):
    text = "lat,lon,population\n5.1,52.1,10\n48.85,2.35,10\n52.1,five,10\n"
    with pytest.raises(DataValidationError) as exc:
        read_csv_text(text, provinces=provinces)
    found = problems_of(exc)
    assert "swapped" in found[2][0].message
    assert "outside the Netherlands" in found[3][0].message
    assert found[4][0].field == "lon"


def test_read_csv_clean_numbers_still_checked(provinces):
    # Every cell is a number, so the fast numeric parse is used: it must still catch a negative count.
    with pytest.raises(DataValidationError) as exc:
        read_csv_text("x,y,population\n155000,463000,5\n155000,463000,-3\n", provinces=provinces)
    (p,) = exc.value.problems
    assert (p.row, p.field) == (3, "population")


def test_read_csv_missing_columns(provinces):
    with pytest.raises(DataValidationError) as exc:
        read_csv_text("x,y,people\n155000,463000,10\n", provinces=provinces)
    (p,) = exc.value.problems
    assert p.row == 1
    assert "population" in p.message


def test_read_file_row_cap(provinces, monkeypatch):
    monkeypatch.setattr(popmod, "MAX_ROWS", 3)
    lines = ["155000,463000,1\n"] * 4
    with pytest.raises(DataValidationError, match="more than 3 rows"):
        read_csv_text("x,y,population\n" + "".join(lines), provinces=provinces)
    assert len(read_csv_text("x,y,population\n" + "".join(lines[:3]), provinces=provinces)) == 3


def test_read_file_lists_at_most_some_problems(provinces):
    body = "".join(f"abc,463000,{i}\n" for i in range(200))
    with pytest.raises(DataValidationError) as exc:
        read_csv_text("x,y,population\n" + body, provinces=provinces)
    assert len(exc.value.problems) == MAX_PROBLEMS + 1
    assert exc.value.problems[-1].message == "… and 150 more problem(s) not listed"


def test_read_geojson(provinces, tmp_path):
    lat, lon = wgs(155_000, 463_000)
    cell = shapely.Point(lon, lat).buffer(0.001)
    features = [
        {"type": "Feature", "properties": {"population": 40}, "geometry": shapely.geometry.mapping(cell)},
        {
            "type": "Feature",
            "properties": {"population": -99997},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        },
    ]
    path = tmp_path / "grid.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(DataValidationError) as exc:
        popmod.read_population_file(path, provinces=provinces)
    (p,) = exc.value.problems
    assert (p.file, p.row, p.field) == ("grid.geojson", 2, "population")
    features.pop()
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    gdf = popmod.read_population_file(path, provinces=provinces)
    assert gdf["province"].item() == "Utrecht"
    assert gdf.geometry.x.item() == pytest.approx(155_000, abs=150)


def test_read_file_unsupported_type():
    with pytest.raises(DataValidationError, match="unsupported file type"):
        popmod.read_population_file(io.BytesIO(b""), filename="pop.xlsx")


# --- the catchment rule for provinces only partly in a region -----------------------------------------


def test_partial_province_keeps_only_places_a_network_hospital_serves_first():
    # Gelderland is only partly in the region. G1 is nearer the network site N (5 km) than the other
    # hospital O (25 km): it stays. G2 is nearer O (5 km vs 25 km): it is left out. U1 in Utrecht (a full
    # province of the region) stays although O is nearer, and a tie (G3, 15 km from both) counts as served.
    pop = make_population(
        [
            ("G1", 105_000, 450_000, 100, "Gelderland"),
            ("G2", 125_000, 450_000, 200, "Gelderland"),
            ("G3", 115_000, 450_000, 300, "Gelderland"),
            ("U1", 125_000, 452_000, 400, "Utrecht"),
        ]
    )
    network = make_sites([("N", 100_000, 450_000)])
    other = make_sites([("O", 130_000, 450_000)])
    kept = cv.limit_to_catchment(pop, network, other, partial=["Gelderland"])
    assert list(kept["name"]) == ["G1", "G3", "U1"]
    assert list(cv.limit_to_catchment(pop, network, other, partial=[])["name"]) == ["G1", "G2", "G3", "U1"]
    assert list(cv.limit_to_catchment(pop, network, other.iloc[:0], partial=["Gelderland"])["name"]) == [
        "G1",
        "G2",
        "G3",
        "U1",
    ]


def test_network_coverage_applies_the_catchment_rule(small_atlas):
    # In the fixture Gelderland is only partly in the Noord-Oost region, and Rijnstate Arnhem is a
    # hospital outside the networks. Hattem is served first by Isala Zwolle (Noord-Oost), Arnhem by
    # Rijnstate: only Hattem's people count, even at a threshold that reaches both.
    assert small_atlas.partial_provinces(["noord-oost"]) == ["Gelderland"]
    rows = [
        ("Hattem", *to_rd().transform(6.0600, 52.4750), 1000, "Gelderland"),
        ("Arnhem", *to_rd().transform(5.8990, 51.9850), 9000, "Gelderland"),
    ]
    res = cv.network_coverage(small_atlas, make_population(rows), ["noord-oost"], threshold=200)
    gelderland = res.whatif.after.by_province.set_index("name").loc["Gelderland"]
    assert gelderland["population"] == 1000 and gelderland["covered"] == 1000
    assert set(res.whatif.after.points["name"]) == {"Hattem"}


# --- minutes ------------------------------------------------------------------------------------------


def test_minutes_coverage_equals_thresholding_the_minutes_of_each_place(small_atlas, tmp_path):
    from geo import traveltime as tt

    sites = small_atlas.sites[small_atlas.sites["status"] == "open"].iloc[:4]
    model = tt.load_model(sites, cache_dir=tmp_path)
    pop = make_population(
        [
            ("Urk", *to_rd().transform(5.6014, 52.6625), 20_000, "Flevoland"),
            ("Enkhuizen", *to_rd().transform(5.2925, 52.7033), 18_000, "Noord-Holland"),
            ("Zwolle", *to_rd().transform(6.0944, 52.5125), 130_000, "Overijssel"),
            ("Den Burg", *to_rd().transform(4.7975, 53.0547), 7_000, "Noord-Holland"),
        ]
    )
    minutes, _ = tt.population_minutes(pop, sites, model)
    for threshold in (20, 45, 90):
        res = cv.coverage(pop, sites, threshold=threshold, measure=cv.travel_time(model))
        assert res.unit == "min" and res.threshold == threshold
        expected = float(pop["population"][minutes <= threshold].sum())
        assert res.total["covered"] == pytest.approx(expected)
        np.testing.assert_allclose(res.points["distance"].to_numpy(), minutes)
