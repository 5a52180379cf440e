"""Time the travel-time model of :mod:`geo.traveltime`.

Run ``python bench/bench_traveltime.py``. Uses the shipped sites and the built-in population
(:func:`geo.population.load_population`). Prints median/min/max and writes
``bench/results/traveltime.json``. Targets (issue 7):

- building the surface and the per-site fields of every site, cold (empty cache): 15 s; the same
  from the disk cache is reported beside it;
- a nearest-by-time query (all open treating sites, one location): 20 ms;
- coverage in minutes for one network (CardioNoVo+ open patient sites over its region, with
  sub-regions): 200 ms (100 ms in issue 12); a what-if closure of one site is reported beside it;
- ``netwerkatlas calibrate`` (245 GISCO facilities over 29,666 census cells, plus the published
  trips): 60 s cold (empty field cache), 5 s warm (issue 12); skipped when the census grid is missing.

Coverage in minutes runs :func:`geo.coverage.coverage` with the
:func:`~geo.coverage.measure.travel_time` measure of the model.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a plain script: make ``geo`` importable without installing

from timing import report, timed, write_results  # noqa: E402 - bench/timing.py (the script's folder is on sys.path)

from geo import coverage as cv  # noqa: E402
from geo import traveltime as tt  # noqa: E402
from geo.coverage import travel_time  # noqa: E402
from geo.data import default_data_dir, filter_sites, load_atlas  # noqa: E402
from geo.population import load_population  # noqa: E402
from geo.traveltime import calibration  # noqa: E402

OUT = ROOT / "bench" / "results" / "traveltime.json"
NETWORK = "cardionovo"
MINUTES = 30.0
RUNS = 9
BUILD_RUNS = 3
TARGETS_MS = {
    "build_cold": 15_000.0,
    "nearest_by_time": 20.0,
    "coverage_minutes": 100.0,
    "calibrate_cold": 60_000.0,
    "calibrate_warm": 5_000.0,
}
#: Query locations for the nearest-by-time benchmark: Urk, Den Burg, Almere, Zwolle, Dokkum.
PLACES = [
    (52.6625, 5.60139),
    (53.05417, 4.79722),
    (52.37025, 5.21413),
    (52.5125, 6.09444),
    (53.32224, 5.99697),
]


def main() -> int:
    """Run every benchmark, print a table and write the JSON results; exit 1 when a target is missed."""
    atlas = load_atlas()
    sites = atlas.sites
    population = load_population(provinces=atlas.provinces)
    net_sites = filter_sites(atlas, networks=[NETWORK], categories=cv.PATIENT_CATEGORIES)
    region = atlas.region_provinces([NETWORK])
    subs = cv.network_subregion_sites(atlas, NETWORK)
    open_sites = sites[sites["status"] == "open"]

    def build(cache: Path) -> tt.TravelModel:
        return tt.load_model(sites, cache_dir=cache)

    cold_dirs = [Path(tempfile.mkdtemp(prefix="tt-bench-")) for _ in range(BUILD_RUNS)]
    it = iter(cold_dirs)
    results = {"build_cold": timed(lambda: build(next(it)), BUILD_RUNS, warm=False)}
    results["build_cached"] = timed(lambda: build(cold_dirs[0]), BUILD_RUNS, warm=False)
    model = build(cold_dirs[0])
    fields = len(model.core.store.mem)
    results["load_surface"] = timed(tt.load_surface, RUNS)

    k = iter(range(10**9))
    results["nearest_by_time"] = timed(
        lambda: tt.nearest_by_time(*PLACES[next(k) % len(PLACES)], open_sites, model, limit=5), RUNS * 5
    )
    minutes = travel_time(model)
    first = net_sites["site_id"].iloc[0]
    opts = {"threshold": MINUTES, "measure": minutes, "provinces": region, "subregion_sites": subs}
    results["coverage_minutes"] = timed(lambda: cv.coverage(population, net_sites, **opts), RUNS)
    results["whatif_close_one_minutes"] = timed(
        lambda: cv.coverage_whatif(population, net_sites, closed=[first], **opts),
        RUNS,
    )
    share = cv.coverage(population, net_sites, threshold=MINUTES, measure=minutes, provinces=region).total[
        "share"
    ]
    results["population_minutes"] = timed(lambda: tt.population_minutes(population, net_sites, model), RUNS)
    if (default_data_dir() / calibration.GRID_FILE).exists():
        cal_dir = Path(tempfile.mkdtemp(prefix="tt-bench-cal-"))
        cold_dirs.append(cal_dir)
        run = lambda: calibration.run_calibration(tt.load_model(cache_dir=cal_dir))  # noqa: E731
        results["calibrate_cold"] = timed(run, 1, warm=False)
        results["calibrate_warm"] = timed(run, 3, warm=False)

    failed = []
    print(
        f"{len(sites)} sites ({fields} distinct fields), {len(population)} places; "
        f"{NETWORK}: {len(net_sites)} sites, {MINUTES:g}-minute coverage {share:.1%}"
    )
    failed += report(results, TARGETS_MS, width=26)
    cache_mb = sum(f.stat().st_size for f in cold_dirs[0].rglob("*.npy")) / 1e6
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_results(
        OUT,
        sites=len(sites),
        distinct_fields=fields,
        graph_nodes=int(model.core.store.graph.shape[0]),
        cache_mb=round(cache_mb, 1),
        population_points=len(population),
        network=NETWORK,
        network_sites=len(net_sites),
        minutes=MINUTES,
        coverage_share=share,
        results=results,
    )
    for folder in cold_dirs:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"disk cache {cache_mb:.1f} MB; wrote {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
