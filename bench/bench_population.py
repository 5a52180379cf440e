"""Time the official population layers (:mod:`geo.census`) and the offline postcodes (:mod:`geo.postcodes`).

Run ``python bench/bench_population.py``. Prints median/min/max over several runs and writes
``bench/results/population.json``, with the memory of the process once every layer is loaded.
Targets (issue 11):

- population load at start-up (parse and validate the files, build the PC4 layer): 500 ms;
- postcode lookup (typed) and the PC4 area of a map click: 5 ms;
- coverage of one network (CardioNoVo+, 20 km) with the PC4 population: 50 ms, with the 1 km grid: 100 ms;
- the app's whole coverage figure of one network (:func:`geo.coverage.network_coverage`: catchment,
  coverage, sub-regions, sensitivity of every site, least served) on the default population (PC4
  spread over 1 km cells): 100 ms; with one site closed (what-if): 1 s.

It also prints how far the shares per province move when each PC4 area sits on one point instead
of being spread over its 1 km cells (the figure quoted in the README).
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a plain script: make ``geo`` importable without installing

from timing import report, timed, write_results  # noqa: E402 - bench/timing.py (the script's folder is on sys.path)

from geo import census, postcodes  # noqa: E402
from geo import coverage as cv  # noqa: E402
from geo.data import filter_sites, load_atlas  # noqa: E402

OUT = ROOT / "bench" / "results" / "population.json"
NETWORK = "cardionovo"
KM = 20.0
RUNS = 9
LOOKUP_RUNS = 200
TARGETS_MS = {
    "startup_load": 500.0,
    "postcode_lookup": 5.0,
    "click_lookup": 5.0,
    "coverage_pc4": 50.0,
    "coverage_pc4_spread": 50.0,
    "coverage_grid1km": 100.0,
    "network_coverage_pc4": 100.0,
    "network_coverage_whatif": 1000.0,
    "network_references": 1000.0,
}


def spread_versus_point(atlas) -> list[tuple[str, float, str, float, float]]:
    """Per network, threshold and province: the share with areas on one point and spread over cells."""
    point, spread = census.population_layer("pc4"), census.population_layer("pc4", spread=True)
    rows = []
    for net in atlas.network_ids():
        for km in (15.0, 30.0):
            a = cv.network_coverage(atlas, point, [net], threshold=km).whatif.after.by_province
            b = cv.network_coverage(atlas, spread, [net], threshold=km).whatif.after.by_province
            for (name, sa), sb in zip(zip(a["name"], a["share"], strict=True), b["share"], strict=True):
                rows.append((net, km, name, float(sa), float(sb)))
    return rows


def cold(fn):
    """``fn`` after dropping the module caches, so every run parses the files again."""

    def run() -> object:
        for cached in (census._load, census._layer, census._polygons, postcodes._index, postcodes._tree):
            cached.cache_clear()
        return fn()

    return run


def main() -> int:
    """Run every benchmark, print a table and write the JSON results; exit 1 when a target is missed."""
    atlas = load_atlas()
    sites = filter_sites(atlas, networks=[NETWORK], categories=cv.PATIENT_CATEGORIES)
    region = atlas.region_provinces([NETWORK])
    layers = {
        "pc4": census.population_layer("pc4"),
        "pc4_spread": census.population_layer("pc4", spread=True),
        "grid1km": census.population_layer("grid1km"),
    }
    for age in census.AGES:  # every layer loaded, for the memory figure
        for layer, spread in (("pc4", False), ("pc4", True), ("grid1km", False)):
            census.population_layer(layer, age, spread=spread)  # type: ignore[arg-type]
    census.load_pc4_polygons()
    postcodes.area_at(52.708, 5.755)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{NETWORK}: {len(sites)} sites, km={KM:g}; points: "
        + ", ".join(f"{k} {len(v):,}" for k, v in layers.items())
    )

    results = {
        "startup_load": timed(cold(lambda: census.population_layer("pc4")), RUNS, warm=False),
        "polygons_load": timed(cold(census.load_pc4_polygons), RUNS, warm=False),
        "postcode_lookup": timed(lambda: postcodes.lookup_postcode("8301 AB"), LOOKUP_RUNS),
        "click_lookup": timed(lambda: postcodes.area_at(52.708, 5.755), LOOKUP_RUNS),
        **{
            f"coverage_{name}": timed(
                lambda p=pop: cv.coverage(p, sites, threshold=KM, provinces=region), RUNS
            )
            for name, pop in layers.items()
        },
    }
    spread = census.population_layer("pc4", spread=True)
    first = filter_sites(atlas, networks=["noord-oost"], categories=cv.HOSPITAL_CATEGORIES)["site_id"].iloc[0]
    results |= {
        "network_coverage_pc4": timed(
            lambda: cv.network_coverage(atlas, spread, ["noord-oost"], threshold=30.0), RUNS
        ),
        "network_coverage_whatif": timed(
            lambda: cv.network_coverage(atlas, spread, ["noord-oost"], threshold=30.0, closed=[first]), RUNS
        ),
        "network_references": timed(
            lambda: cv.network_references(atlas, spread, atlas.network_ids(), threshold=30.0), RUNS
        ),
    }
    census.population_layer("pc4")  # restore the caches dropped above
    failed = report(results, TARGETS_MS, width=20)
    print(f"max resident memory with every population layer loaded: {rss_mb:.0f} MB")
    moves = spread_versus_point(atlas)
    worst = max(moves, key=lambda r: abs(r[4] - r[3]))
    print("share per province, PC4 on one point vs spread over 1 km cells (points):")
    for net, km, name, a, b in moves:
        print(f"  {net:<11} {km:4.0f} km  {name:<14} {a * 100:6.2f} % {b * 100:6.2f} % {(b - a) * 100:+6.2f}")
    print(f"largest move: {worst[0]} {worst[1]:g} km {worst[2]}: {(worst[4] - worst[3]) * 100:+.2f} points")
    write_results(
        OUT,
        network=NETWORK,
        sites=len(sites),
        km=KM,
        points={k: len(v) for k, v in layers.items()},
        max_rss_mb=round(rss_mb, 1),
        spread_versus_point=[
            {"network": n, "km": k, "province": p, "point": round(a, 5), "spread": round(b, 5)}
            for n, k, p, a, b in moves
        ],
        results=results,
    )
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
