"""Travel time over the committed friction surface: topology, ferries, closures, cache, exactness."""

from __future__ import annotations

import heapq
import json
import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo import traveltime as tt
from geo.crs import GEOD, WGS84
from geo.data import DATA_DIR
from geo.errors import UnknownIdError

#: (lat, lon) of places used below (GeoNames centres).
URK = (52.6625, 5.60139)
EMMELOORD = (52.71083, 5.74861)
HUIZEN = (52.29917, 5.24167)
ALMERE_HAVEN = (52.335, 5.215)  # across the Gooimeer from Huizen
ALMERE_STAD = (52.37025, 5.21413)
LELYSTAD = (52.5186, 5.4714)
DEN_BURG = (53.05417, 4.79722)
#: Sites the tests need; registering only these keeps the session build well under a second.
SITE_IDS = [
    "flevoziekenhuis-almere",
    "dijklander-hoorn",
    "st_jansdal-lelystad",
    "isala-zwolle",
    "noordwest-den-helder",
    "noordwest-alkmaar",
    "noordwest-texel",
    "amsterdam_umc-amc",
    "tergooi-hilversum",
    "mcl-leeuwarden",
]
FLEVOLAND_LINKS = [
    "hollandse_brug",
    "stichtse_brug",
    "nijkerkerbrug",
    "aquaduct_veluwemeer",
    "elburgerbrug",
    "roggebotbrug",
    "ketelbrug",
    "houtribdijk",
]


def crow_minutes(a: tuple[float, float], b: tuple[float, float], kmh: float = tt.TRUNK_KMH) -> float:
    """Straight-line minutes at the fastest land speed (the trunk layer) plus the overhead."""
    _, _, d = GEOD.inv(a[1], a[0], b[1], b[0])
    return d / 1000 / kmh * 60 + tt.OVERHEAD_MIN


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("traveltime-cache")


@pytest.fixture(scope="session")
def sites(atlas) -> pd.DataFrame:
    return atlas.sites[atlas.sites["site_id"].isin(SITE_IDS)]


@pytest.fixture(scope="session")
def model(sites: pd.DataFrame, cache_dir: Path) -> tt.TravelModel:
    return tt.load_model(sites, cache_dir=cache_dir)


def to(model: tt.TravelModel, here: tuple[float, float], site_id: str) -> float:
    return float(tt.minutes_to_sites(*here, model, [site_id])[0])


# --- the committed data ---------------------------------------------------------------------------------


def test_surface_is_small_and_consistent() -> None:
    folder = DATA_DIR / "traveltime"
    assert (folder / "landmask.npz").stat().st_size < 20_000
    s = tt.load_surface()
    assert s.shape == (670, 620)
    assert s.res_m == 500.0
    assert 0.5 < s.land.mean() < 0.8
    burned = s.links[s.links["number"] > 0]
    assert set(np.unique(s.link)) == {0, *burned["number"]}
    meta = json.loads((folder / "grid.json").read_text())
    assert meta["mask_sha256"] == s.mask_sha256


def test_links_and_ferries_have_sources_and_touch_land() -> None:
    s = tt.load_surface()
    for table in (s.links, s.ferries):
        assert table["source_urls"].str.startswith("http").all()
        assert (table["source_date"] != "").all()
    assert (s.links["speed_kmh"].between(40, 130)).all()
    report = json.loads((DATA_DIR / "traveltime" / "grid.json").read_text())["link_report"]
    assert {r["link_id"] for r in report} == set(s.links["link_id"])
    for r in report:
        if r["status"] == "burned":
            assert max(r["extended_m"]) <= 3000
            assert r["water_cells"] > 0
        else:  # only links this coarse mask does not need may be left out
            assert "crosses no water" in r["status"], r
    assert set(FLEVOLAND_LINKS) <= {r["link_id"] for r in report if r["status"] == "burned"}


# --- topology -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", [URK, EMMELOORD], ids=["Urk", "Emmeloord"])
def test_no_route_crosses_the_ijsselmeer(model: tt.TravelModel, place: tuple[float, float]) -> None:
    hoorn, almere = (52.64805, 5.05318), (52.36984, 5.22334)
    assert crow_minutes(place, hoorn) < crow_minutes(place, almere)  # Hoorn is nearer as the crow flies
    to_hoorn, to_almere = to(model, place, "dijklander-hoorn"), to(model, place, "flevoziekenhuis-almere")
    assert to_almere < to_hoorn  # ... but by car Almere is faster: the IJsselmeer is in the way
    assert to_hoorn > 1.4 * crow_minutes(place, hoorn)


def test_gooimeer_is_driven_around(model: tt.TravelModel) -> None:
    across = tt.travel_minutes(model, *HUIZEN, *ALMERE_HAVEN)
    assert across > 1.3 * crow_minutes(HUIZEN, ALMERE_HAVEN)
    assert to(model, HUIZEN, "flevoziekenhuis-almere") > crow_minutes(HUIZEN, (52.36984, 5.22334))


def test_texel_only_by_ferry_and_the_wait_counts_one_to_one(model: tt.TravelModel) -> None:
    base = to(model, DEN_BURG, "noordwest-den-helder")
    assert base > crow_minutes(DEN_BURG, (52.95824, 4.74633)) + 20  # the 20 min crossing at least
    for wait in (0.0, 30.0, 60.0):
        assert to(model.replace(ferry_wait_min=wait), DEN_BURG, "noordwest-den-helder") == pytest.approx(
            base + wait - model.ferry_wait_min, abs=1e-9
        )
    no_ferries = model.replace(ferries=())
    assert math.isinf(to(no_ferries, DEN_BURG, "noordwest-den-helder"))
    assert math.isfinite(to(no_ferries, DEN_BURG, "noordwest-texel"))  # on the island itself
    assert math.isinf(to(no_ferries, LELYSTAD, "noordwest-texel"))


def test_flevoland_connects_only_through_its_links(model: tt.TravelModel) -> None:
    open_ = to(model, ALMERE_STAD, "amsterdam_umc-amc")
    no_bridge = to(model.replace(closed_links=["hollandse_brug"]), ALMERE_STAD, "amsterdam_umc-amc")
    assert open_ < no_bridge < math.inf
    island = model.replace(closed_links=FLEVOLAND_LINKS)
    assert math.isinf(to(island, ALMERE_STAD, "amsterdam_umc-amc"))
    assert math.isinf(to(island, LELYSTAD, "isala-zwolle"))
    assert math.isfinite(to(island, URK, "isala-zwolle"))  # the Noordoostpolder touches Overijssel by land
    assert to(island, LELYSTAD, "flevoziekenhuis-almere") == pytest.approx(
        to(model, LELYSTAD, "flevoziekenhuis-almere"), abs=0.05
    )


def test_closing_a_site_changes_times(model: tt.TravelModel, sites: pd.DataFrame) -> None:
    from geo.population import load_population

    population = load_population()
    population = population[population["province"].isin(["Flevoland", "Noord-Holland"])]
    site_gdf = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=WGS84)
    before, idx = tt.population_minutes(population, site_gdf, model)
    kept = site_gdf[site_gdf["site_id"] != "flevoziekenhuis-almere"]
    after, idx_after = tt.population_minutes(population, kept, model)
    assert (after >= before - 1e-9).all()
    almere = (population["name"] == "Almere Stad").to_numpy()
    assert after[almere][0] > before[almere][0] + 5
    assert site_gdf["site_id"].iloc[idx[almere][0]] == "flevoziekenhuis-almere"
    assert (idx_after >= 0).all() and (idx_after < len(kept)).all()


def test_no_sites_gives_inf_and_minus_one(model: tt.TravelModel) -> None:
    minutes, idx = tt.nearest_minutes_xy(model, np.empty((0, 2)), np.array([[150_000.0, 480_000.0]]))
    assert math.isinf(minutes[0]) and idx[0] == -1
    q = tt.minutes_query(model)
    site_xy = np.array([[150_000.0, 480_000.0], [160_000.0, 480_000.0]])
    two, two_idx = q(site_xy, np.array([[151_000.0, 480_000.0]]), k=2)
    assert two.shape == (1, 2) and two[0, 0] <= two[0, 1] and list(two_idx[0]) == [0, 1]


# --- queries --------------------------------------------------------------------------------------------


def test_nearest_by_time_ranks_by_minutes_or_km(model: tt.TravelModel, sites: pd.DataFrame) -> None:
    by_time = tt.nearest_by_time(*URK, sites, model, limit=3)
    assert list(by_time["rank"]) == [1, 2, 3]
    assert by_time["minutes"].is_monotonic_increasing
    assert {"minutes", "distance_km", "site_id"} <= set(by_time.columns)
    by_km = tt.nearest_by_time(*URK, sites, model, limit=len(sites), by="km")
    assert by_km["distance_km"].is_monotonic_increasing
    pair = sites[sites["site_id"].isin(["dijklander-hoorn", "flevoziekenhuis-almere"])]
    assert tt.nearest_by_time(*URK, pair, model, by="km")["site_id"].iloc[0] == "dijklander-hoorn"
    assert tt.nearest_by_time(*URK, pair, model)["site_id"].iloc[0] == "flevoziekenhuis-almere"
    closed = pair.assign(status="closed")
    assert tt.nearest_by_time(*URK, closed, model).empty
    with pytest.raises(tt.TravelTimeError, match="limit"):
        tt.nearest_by_time(*URK, sites, model, limit=0)


def test_unknown_ids_and_bad_parameters_are_refused(model: tt.TravelModel) -> None:
    with pytest.raises(UnknownIdError, match="not registered"):
        tt.minutes_to_sites(*URK, model, ["no-such-site"])
    with pytest.raises(tt.TravelTimeError, match="closed_links"):
        model.replace(closed_links=["golden_gate"])
    with pytest.raises(tt.TravelTimeError, match="land_kmh"):
        model.replace(land_kmh=0)
    with pytest.raises(tt.TravelTimeError, match="latitude"):
        tt.minutes_to_sites(float("nan"), 5.0, model, ["isala-zwolle"])


def test_points_in_water_are_snapped_and_logged(
    model: tt.TravelModel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="geo.traveltime")
    near_shore = (52.66, 5.585)  # in the IJsselmeer just off Urk
    assert math.isfinite(to(model, near_shore, "st_jansdal-lelystad"))
    assert any("moved onto land: the location" in r.getMessage() for r in caplog.records)
    far_out = (52.9, 3.9)  # North Sea, 60 km offshore
    assert math.isinf(to(model, far_out, "st_jansdal-lelystad"))
    assert any(r.levelno == logging.WARNING and "the location" in r.getMessage() for r in caplog.records)


def test_fields_are_cached_on_disk(
    model: tt.TravelModel, sites: pd.DataFrame, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = list(cache_dir.glob("fields-*"))
    assert folders and any(f.glob("n*.npy") for f in folders)

    def boom(*_: object) -> np.ndarray:
        raise AssertionError("the fields should come from the cache")

    monkeypatch.setattr(tt.graph, "shortest_seconds", boom)
    fresh = tt.load_model(sites, cache_dir=cache_dir)
    assert to(fresh, URK, "isala-zwolle") == pytest.approx(to(model, URK, "isala-zwolle"))


def test_calibration_figures(model: tt.TravelModel) -> None:
    result = tt.trips(model)
    summary = tt.calibration_summary(result)
    assert summary["pairs"] == len(pd.read_csv(DATA_DIR / "calibration.csv")) >= 8
    assert summary["median_abs_error_min"] < 5
    assert result["model_min"].map(math.isfinite).all()


# --- exactness on a synthetic grid ----------------------------------------------------------------------


def brute_force_seconds(
    passable: np.ndarray,
    speed: np.ndarray,
    res: float,
    source: tuple[int, int],
    extra_edges: dict[tuple[int, int], list[tuple[tuple[int, int], float]]] | None = None,
) -> dict[tuple[int, int], float]:
    """Textbook Dijkstra over cells with the same movement rules, written independently."""
    h, w = passable.shape
    best = {source: 0.0}
    heap = [(0.0, source)]
    done: set[tuple[int, int]] = set()
    while heap:
        d, (r, c) = heapq.heappop(heap)
        if (r, c) in done:
            continue
        done.add((r, c))
        steps = []
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                rr, cc = r + dr, c + dc
                if (dr, dc) == (0, 0) or not (0 <= rr < h and 0 <= cc < w) or not passable[rr, cc]:
                    continue
                if dr and dc and not (passable[r, cc] or passable[rr, c]):
                    continue  # both cells cut past are water
                length = res * (math.sqrt(2) if dr and dc else 1)
                steps.append(((rr, cc), length / 2 * (3.6 / speed[r, c] + 3.6 / speed[rr, cc])))
        steps += (extra_edges or {}).get((r, c), [])
        for nxt, cost in steps:
            if d + cost < best.get(nxt, math.inf):
                best[nxt] = d + cost
                heapq.heappush(heap, (d + cost, nxt))
    return best


def synthetic() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two land masses split by water, a one-cell diagonal water line, a link, an island."""
    h, w = 14, 18
    land = np.ones((h, w), bool)
    land[:, 8:10] = False  # a two-cell strait
    for i in range(h):  # a diagonal line of single water cells in the west part
        if i < 8:
            land[i, i] = False
    land[10:, 14:] = False  # sea in the south-east corner ...
    land[12:, 16:] = True  # ... with an island in it
    land[11, 15] = False
    link = np.zeros((h, w), np.uint8)
    link[6, 8:10] = 1  # a bridge over the strait
    return land, link, np.where(land, 60.0, np.where(link > 0, 90.0, 0.0))


def test_fast_method_equals_brute_force() -> None:
    land, link, speed = synthetic()
    passable = land | (link > 0)
    graph, node = tt.build_graph(passable, speed, 500.0)
    sources = [(0, 1), (13, 0), (6, 12), (0, 17)]
    fast = tt.shortest_seconds(graph, [int(node[s]) for s in sources])
    for row, src in zip(fast, sources, strict=True):
        slow = brute_force_seconds(passable, speed, 500.0, src)
        for (r, c), n in np.ndenumerate(node):
            if n >= 0:
                assert row[n] == pytest.approx(slow.get((r, c), math.inf), rel=1e-12), (src, (r, c))
    # The diagonal water line is not leaked through: (0, 1) and (1, 0) are on different sides.
    assert math.isinf(fast[0][node[1, 0]])


def synthetic_model(tmp_path: Path, wait: float) -> tuple[tt.TravelModel, np.ndarray, np.ndarray]:
    land, link, _ = synthetic()
    links = pd.DataFrame({"link_id": ["bridge"], "number": [1], "speed_kmh": [90.0]})
    x = lambda c: -20_000 + (c + 0.5) * 500  # noqa: E731
    y = lambda r: 625_000 - (r + 0.5) * 500  # noqa: E731
    from geo.crs import to_wgs84

    (lon_a, lon_b), (lat_a, lat_b) = to_wgs84().transform([x(13), x(17)], [y(9), y(13)])
    ferries = pd.DataFrame(
        {
            "ferry_id": ["boat"],
            "from_name": ["quay"],
            "to_name": ["island"],
            "from_lon": [lon_a],
            "from_lat": [lat_a],
            "to_lon": [lon_b],
            "to_lat": [lat_b],
            "crossing_min": [10.0],
            "car_ferry": ["yes"],
            "only_access": ["yes"],
        }
    )
    surface = tt.Surface(
        land=land,
        link=link,
        links=links,
        ferries=ferries,
        x_min=-20_000.0,
        y_max=625_000.0,
        res_m=500.0,
        mask_sha256=tt.mask_hash(land, link),
    )
    model = tt.TravelModel(  # one layer at the brute force's 60 km/h, no access time
        surface,
        land_kmh=60.0,
        trunk_kmh=None,
        access_max_min=0.0,
        ferry_wait_min=wait,
        ferries=("boat",),
        min_component_km2=0.0,
        cache_dir=tmp_path,
    )
    return model, np.array([x(c) for c in range(18)]), np.array([y(r) for r in range(14)])


def test_ferry_portals_equal_brute_force(tmp_path: Path) -> None:
    wait = 7.0
    model, xs, ys = synthetic_model(tmp_path, wait)
    land, link, speed = synthetic()
    passable = land | (link > 0)
    quay, island = (9, 13), (13, 17)
    hop = (10.0 + wait) * 60
    edges = {quay: [(island, hop)], island: [(quay, hop)]}
    for src in [(0, 1), (13, 16), (6, 12)]:
        slow = brute_force_seconds(passable, speed, 500.0, src, edges)
        cells = [rc for rc in np.ndindex(land.shape) if passable[rc]]
        got = model.site_minutes(
            xs[[c for _, c in cells]], ys[[r for r, _ in cells]], xs[[src[1]]], ys[[src[0]]]
        )[:, 0]
        want = np.array([slow.get(rc, math.inf) / 60 + model.overhead_min for rc in cells])
        np.testing.assert_allclose(got, want, atol=0.2)  # fields are stored in tenths of a minute
    assert math.isfinite(model.site_minutes(xs[[17]], ys[[13]], xs[[1]], ys[[0]])[0, 0])
    assert math.isinf(model.replace(ferries=()).site_minutes(xs[[17]], ys[[13]], xs[[1]], ys[[0]])[0, 0])


def test_layered_graph_is_local_or_trunk_plus_two_ramps() -> None:
    land, link, speed = synthetic()
    passable = land | (link > 0)
    local, node = tt.build_graph(passable, speed, 500.0)
    trunk, _ = tt.build_graph(passable, np.where(passable, 120.0, 0.0), 500.0)
    n = local.shape[0]
    src = [int(node[0, 1]), int(node[13, 0])]
    only_local = tt.shortest_seconds(local, src)
    only_trunk = tt.shortest_seconds(trunk, src)
    ramp = 60.0
    both = tt.shortest_seconds(tt.graph.layered_graph(local, trunk, ramp), src)[:, :n]
    # a trip stays local or pays both ramps to ride the trunk layer, whichever is faster
    np.testing.assert_allclose(both, np.minimum(only_local, only_trunk + 2 * ramp), rtol=1e-12)
    assert (both < only_local).any() and (both == only_local).any()
    huge = tt.shortest_seconds(tt.graph.layered_graph(local, trunk, 1e9), src)[:, :n]
    np.testing.assert_allclose(huge, only_local, rtol=1e-12)
