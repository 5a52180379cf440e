"""Time the patient finder: resolve what the user typed, then rank the nearest sites.

Run ``python bench/bench_finder.py``. Uses the real sites when :func:`geo.data.load_atlas` loads,
else a synthetic set of sites; prints median/min/max over 50 runs per scenario and writes
``bench/results/finder.json``. The target is a median below 20 ms per lookup plus search.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a plain script: make ``geo`` importable without installing

from timing import timed  # noqa: E402 - bench/timing.py (the script's folder is on sys.path)

from geo.data import load_atlas  # noqa: E402
from geo.nearest import nearest_sites  # noqa: E402
from geo.places import load_places, resolve_place  # noqa: E402

RUNS = 50
TARGET_MS = 20.0
OUT = ROOT / "bench" / "results" / "finder.json"
QUERIES = {
    "found (Den Bosch)": "Den Bosch",
    "ambiguous (Hengelo)": "Hengelo",
    "qualified (Hengelo, Gelderland)": "Hengelo, Gelderland",
    "coordinates (52.37, 4.89)": "52.37, 4.89",
    "unknown + suggestions (Emeloord)": "Emeloord",
    "garbage (10 KB)": "x" * 10_240,
}


def synthetic_sites(n: int = 150, seed: int = 7) -> gpd.GeoDataFrame:
    """Make ``n`` sites scattered over the Netherlands, a tenth of them closed or of kind ``other``."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(50.8, 53.4, n)
    lon = rng.uniform(3.6, 7.1, n)
    kinds = rng.choice(["hospital", "outpatient", "radiotherapy", "other"], n, p=[0.6, 0.25, 0.1, 0.05])
    status = np.where(rng.random(n) < 0.05, "closed", "open")
    df = pd.DataFrame(
        {
            "site_id": [f"site-{i:03d}" for i in range(n)],
            "name": [f"Site {i}" for i in range(n)],
            "kind": kinds,
            "status": status,
            "lat": lat,
            "lon": lon,
        }
    )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def real_or_synthetic_sites() -> tuple[gpd.GeoDataFrame, str]:
    """Return the shipped sites when they load, else synthetic ones, with a word on which."""
    try:
        sites = load_atlas().sites
    except Exception as exc:  # any load or validation error: the bench still measures the code
        return synthetic_sites(), f"synthetic (load_atlas failed: {type(exc).__name__})"
    return sites, "load_atlas()"


def finder(query: str, places: pd.DataFrame, sites: pd.DataFrame) -> None:
    """What the UI does per search: resolve, then rank sites around the first match (if any)."""
    res = resolve_place(query, places)
    if res.matches:
        nearest_sites(res.matches[0].lat, res.matches[0].lon, sites, limit=3)


def main() -> None:
    t0 = time.perf_counter()
    places = load_places()
    build_s = time.perf_counter() - t0
    sites, source = real_or_synthetic_sites()

    rows: dict[str, dict[str, float]] = {}
    for label, query in QUERIES.items():
        rows[label] = timed(lambda q=query: finder(q, places, sites), RUNS)
    rows["nearest_sites only"] = timed(lambda: nearest_sites(52.37, 4.89, sites, limit=3), RUNS)
    # Streamlit's st.cache_data hands out a fresh copy each rerun: the search index is then rebuilt.
    rows["fresh gazetteer copy (index rebuilt)"] = timed(
        lambda: finder("Den Bosch", places.copy(), sites), RUNS
    )

    width = max(map(len, rows))
    print(f"gazetteer: {len(places)} places, built in {build_s:.2f} s; sites: {len(sites)} from {source}")
    print(f"{'scenario':<{width}}  {'median':>8}  {'min':>8}  {'max':>8}   ({RUNS} runs, ms)")
    for label, r in rows.items():
        flag = "" if r["median_ms"] < TARGET_MS else "  over target"
        print(f"{label:<{width}}  {r['median_ms']:8.2f}  {r['min_ms']:8.2f}  {r['max_ms']:8.2f}{flag}")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": RUNS,
        "target_ms": TARGET_MS,
        "gazetteer_places": len(places),
        "gazetteer_build_s": round(build_s, 3),
        "sites": len(sites),
        "sites_source": source,
        "scenarios": {k: {m: round(v, 3) for m, v in r.items()} for k, r in rows.items()},
        "all_within_target": all(r["median_ms"] < TARGET_MS for r in rows.values()),
    }
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
