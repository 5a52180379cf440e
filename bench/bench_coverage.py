"""Time the coverage analyses of :mod:`geo.coverage`.

Run ``python bench/bench_coverage.py``. Uses the open sites of CardioNoVo+ when
:func:`geo.data.load_atlas` loads, else ~30 synthetic sites inside Noord-Holland and Flevoland, with
the built-in population (:func:`geo.population.load_population`). Prints median/min/max over several
runs and writes ``bench/results/coverage.json``. Targets:

- every metric for one network and threshold (coverage with sub-regions, sensitivity, least served,
  service areas): 50 ms;
- sensitivity of every site: 1 s;
- coverage of 1,000,000 synthetic population points: 2 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a plain script: make ``geo`` importable without installing

from timing import report, timed, write_results  # noqa: E402 - bench/timing.py (the script's folder is on sys.path)

from geo import coverage as cv  # noqa: E402
from geo.crs import RD, WGS84  # noqa: E402
from geo.data import DATA_DIR, filter_sites, load_atlas, load_provinces  # noqa: E402
from geo.population import load_population  # noqa: E402

OUT = ROOT / "bench" / "results" / "coverage.json"
NETWORK = "cardionovo"
REGION = ["Flevoland", "Noord-Holland"]
KM = 20.0
RUNS = 9
BIG_RUNS = 5
BIG_N = 1_000_000
TARGETS_MS = {"all_metrics": 50.0, "sensitivity": 1000.0, "coverage_1m": 2000.0}


def synthetic_sites(provinces: gpd.GeoDataFrame, n: int = 30, seed: int = 3) -> gpd.GeoDataFrame:
    """``n`` sites inside Noord-Holland and Flevoland."""
    rng = np.random.default_rng(seed)
    region = shapely.union_all(provinces[provinces["name"].isin(REGION)].to_crs(RD).geometry.to_numpy())
    minx, miny, maxx, maxy = region.bounds
    pts: list[tuple[float, float]] = []
    while len(pts) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if region.contains(shapely.Point(x, y)):
            pts.append((x, y))
    frame = pd.DataFrame(
        {
            "site_id": [f"site-{i:02d}" for i in range(n)],
            "name": [f"Locatie {i}" for i in range(n)],
            "organisation": [f"Ziekenhuis {i // 2}" for i in range(n)],
        }
    )
    geom = gpd.points_from_xy([p[0] for p in pts], [p[1] for p in pts], crs=RD)
    return gpd.GeoDataFrame(frame, geometry=geom, crs=RD).to_crs(WGS84)


def network_sites() -> tuple[gpd.GeoDataFrame, dict[str, tuple[str, ...]], gpd.GeoDataFrame, str]:
    """Sites and sub-regions of the benchmarked network: real when the data loads, else synthetic."""
    try:
        atlas = load_atlas()
    except Exception as exc:  # the real site data may not exist yet
        print(f"real data does not load ({type(exc).__name__}); using 30 synthetic sites")
        provinces = load_provinces(DATA_DIR)
        sites = synthetic_sites(provinces)
        ids = sites["site_id"].to_numpy()
        subs = {f"Sub-regio {k}": tuple(ids[k::3]) for k in range(3)}
        return sites, subs, provinces, "synthetic: 30 sites in Noord-Holland and Flevoland"
    sites = filter_sites(atlas, networks=[NETWORK], categories=cv.PATIENT_CATEGORIES)
    return sites, cv.network_subregion_sites(atlas, NETWORK), atlas.provinces, f"real: {NETWORK} open sites"


def synthetic_population(n: int, provinces: gpd.GeoDataFrame, seed: int = 5) -> gpd.GeoDataFrame:
    """``n`` points spread over the bounding box of the region, half in each province label."""
    rng = np.random.default_rng(seed)
    region = provinces[provinces["name"].isin(REGION)].to_crs(RD)
    minx, miny, maxx, maxy = region.total_bounds
    x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
    return gpd.GeoDataFrame(
        {
            "name": np.arange(n).astype(str),
            "population": rng.integers(0, 200, n).astype(float),
            "province": rng.choice(REGION, n),
        },
        geometry=gpd.points_from_xy(x, y, crs=RD),
        crs=RD,
    )


def main() -> int:
    """Run every benchmark, print a table and write the JSON results; exit 1 when a target is missed."""
    sites, subs, provinces, source = network_sites()
    population = load_population(provinces=provinces)
    land = shapely.union_all(provinces.to_crs(RD).geometry.to_numpy())  # the app caches this once
    print(f"{source}; {len(sites)} sites, {len(population)} population points, km={KM:g}")

    def all_metrics() -> None:
        result = cv.coverage(population, sites, threshold=KM, provinces=REGION, subregion_sites=subs)
        cv.sensitivity(population, sites, threshold=KM, provinces=REGION)
        cv.least_served(result, n=10)
        cv.service_areas(sites, land)

    first = sites["site_id"].iloc[0]
    parts = {
        "coverage": lambda: cv.coverage(
            population, sites, threshold=KM, provinces=REGION, subregion_sites=subs
        ),
        "whatif_close_one": lambda: cv.coverage_whatif(
            population, sites, threshold=KM, closed=[first], provinces=REGION, subregion_sites=subs
        ),
        "service_areas": lambda: cv.service_areas(sites, land),
    }
    big = synthetic_population(BIG_N, provinces)
    results = {
        "all_metrics": timed(all_metrics, RUNS),
        "sensitivity": timed(lambda: cv.sensitivity(population, sites, threshold=KM, provinces=REGION), RUNS),
        "coverage_1m": timed(lambda: cv.coverage(big, sites, threshold=KM, provinces=REGION), BIG_RUNS),
        **{name: timed(fn, RUNS) for name, fn in parts.items()},
    }
    failed = []
    failed += report(results, TARGETS_MS, width=18)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_results(
        OUT,
        data=source,
        sites=len(sites),
        population_points=len(population),
        big_population_points=BIG_N,
        km=KM,
        results=results,
    )
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
