"""Time the map snapshot and offline-HTML exports.

Run ``python bench/bench_export.py``. Uses the real sites when :func:`geo.data.load_atlas` loads, else
a synthetic set of 120 sites in three networks; prints median/min/max over several runs and writes
``bench/results/export.json``. Targets: PNG (A4 landscape, 150 dpi) and PDF below 1 s, offline HTML
below 0.5 s and at most 600 KB.
"""

from __future__ import annotations

import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a plain script: make ``geo`` importable without installing

from timing import timed  # noqa: E402 - bench/timing.py (the script's folder is on sys.path)

from geo.data import load_atlas, load_provinces  # noqa: E402
from geo.render.files import sites_table, to_csv_bytes, to_gpkg_bytes, to_xlsx_bytes  # noqa: E402
from geo.render.html import standalone_html  # noqa: E402
from geo.render.print import render_static  # noqa: E402
from geo.render.spec import Finder, SnapshotSpec, sources_line  # noqa: E402

RUNS = 7
HTML_RUNS = 20
OUT = ROOT / "bench" / "results" / "export.json"
TARGETS = {"png_ms": 1000.0, "pdf_ms": 1000.0, "html_ms": 500.0, "html_kb": 600.0}
NETWORK_LABELS = {"cardionovo": "CardioNoVo+", "onconovo": "OncoNoVo+", "noord-oost": "CCN NO Nederland i.o."}
REGION = {
    "cardionovo": ("Noord-Holland", "Flevoland"),
    "onconovo": ("Noord-Holland", "Flevoland"),
    "noord-oost": ("Friesland", "Groningen", "Drenthe", "Overijssel", "Gelderland"),
}


def synthetic_sites(provinces: gpd.GeoDataFrame, n: int = 120, seed: int = 11) -> gpd.GeoDataFrame:
    """Make ``n`` sites inside the provinces, with every column the app's map and tables use."""
    rng = np.random.default_rng(seed)
    polys = dict(zip(provinces["name"], provinces.geometry, strict=True))
    names = sorted(polys)
    rows = []
    for i in range(n):
        prov = names[rng.integers(len(names))]
        minx, miny, maxx, maxy = polys[prov].bounds
        while True:
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if polys[prov].contains(shapely.Point(lon, lat)):
                break
        nets = tuple(sorted(n for n, provs in REGION.items() if prov in provs and rng.random() < 0.7))
        cat = rng.choice(
            ["hospital_ed", "hospital", "outpatient", "radiotherapy", "other"],
            p=[0.45, 0.25, 0.2, 0.06, 0.04],
        )
        kind = "hospital" if cat.startswith("hospital") else str(cat)
        rows.append(
            {
                "site_id": f"site-{i:03d}",
                "org_id": f"org-{i // 2:03d}",
                "name": f"Locatie {i} ë",
                "organisation": f"Ziekenhuis {i // 2}",
                "org_short": f"ZH{i // 2}",
                "kind": kind,
                "emergency": "yes" if cat == "hospital_ed" else "no",
                "status": "closed" if rng.random() < 0.03 else "open",
                "closed_on": "",
                "street": f"Straat {i}",
                "postcode": "1234 AB",
                "city": f"Plaats {i}",
                "province": prov,
                "lat": lat,
                "lon": lon,
                "precision": "street",
                "coord_source_url": "https://example.org/c",
                "coord_source_date": "2026",
                "source_url": "https://example.org/s",
                "source_date": "2026",
                "notes": "",
                "website": "https://example.org",
                "networks": nets,
                "subregions": (),
                "specialties": (),
                "category": str(cat),
                "in_network": bool(nets),
            }
        )
    df = pd.DataFrame(rows)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


def load_sites() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, str]:
    """Return sites, provinces and a word on which data was used."""
    try:
        atlas = load_atlas()
    except Exception as exc:  # any load or validation error: the bench still measures the code
        provinces = load_provinces()
        note = f"synthetic 120 sites (load_atlas failed: {type(exc).__name__})"
        return synthetic_sites(provinces), provinces, note
    return atlas.sites, atlas.provinces, f"load_atlas(): {len(atlas.sites)} sites"


def folium_page(sites: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame) -> tuple[str, str]:
    """Render the app's own map when its builder imports, else a plain folium map of the same data."""
    try:
        from geo.render.webmap import build_map

        m = build_map(
            provinces,
            sites,
            lang="nl",
            network_names=NETWORK_LABELS,
            subregion_names={},
            highlighted=REGION["onconovo"],
        )
        return m.get_root().render(), "geo.render.webmap.build_map"
    except Exception as exc:  # the app's map is someone else's module: fall back, and say so
        m = folium.Map(location=(52.2, 5.3), zoom_start=8, tiles=None)
        folium.GeoJson(provinces.to_json()).add_to(m)
        for r in sites.itertuples():
            folium.CircleMarker((r.lat, r.lon), radius=6, tooltip=str(r.name), popup=str(r.name)).add_to(m)
        return m.get_root().render(), f"plain folium ({type(exc).__name__} from geo.render.webmap)"


def main() -> int:
    sites, provinces, source = load_sites()
    shown = sites[sites["in_network"] | (sites["status"] == "open")]
    spec = SnapshotSpec(
        sites=shown,
        provinces=provinces,
        title="Regionale ziekenhuisnetwerken — benchmark",
        subtitle="Netwerken: alle · Soorten: alle · Drempel: 30 min rijtijd",
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
        sources=sources_line("Bronnen", extra=["netwerkbronnen: zie data/README.md"]),
        highlighted=tuple(sorted({p for provs in REGION.values() for p in provs})),
        network_labels=NETWORK_LABELS,
        finder=Finder(52.37, 4.90, "Amsterdam", tuple(shown["site_id"].head(3))),
    )
    results: dict[str, dict[str, float]] = {}
    sizes: dict[str, int] = {}
    for name, kwargs in {
        "png_a4_landscape_150dpi": {"fmt": "png", "page": "a4-landscape", "dpi": 150},
        "pdf_a4_landscape": {"fmt": "pdf", "page": "a4-landscape"},
        "svg_a4_landscape": {"fmt": "svg", "page": "a4-landscape"},
        "png_16x9_150dpi": {"fmt": "png", "page": "16:9", "dpi": 150},
    }.items():
        results[name] = timed(lambda kw=kwargs: render_static(spec, **kw), RUNS)
        sizes[name] = len(render_static(spec, **kwargs))
    page, builder = folium_page(sites, provinces)
    results["html_inline"] = timed(lambda: standalone_html(page), HTML_RUNS)
    html_bytes = len(standalone_html(page).encode("utf-8"))
    sizes["html_inline"] = html_bytes
    table = sites_table(sites)
    results["csv"] = timed(lambda: to_csv_bytes(table), HTML_RUNS)
    results["xlsx"] = timed(lambda: to_xlsx_bytes({"sites": table}), RUNS)
    results["gpkg"] = timed(lambda: to_gpkg_bytes(sites), RUNS)

    verdict = {
        "png_under_1s": results["png_a4_landscape_150dpi"]["median_ms"] < TARGETS["png_ms"],
        "pdf_under_1s": results["pdf_a4_landscape"]["median_ms"] < TARGETS["pdf_ms"],
        "html_under_0.5s": results["html_inline"]["median_ms"] < TARGETS["html_ms"],
        "html_at_most_600kb": html_bytes <= TARGETS["html_kb"] * 1024,
    }
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "data": source,
        "sites_drawn": len(shown),
        "html_map": builder,
        "targets": TARGETS,
        "results": results,
        "bytes": sizes,
        "meets_targets": verdict,
    }
    for name, r in results.items():
        size = f"  {sizes[name] / 1024:7.0f} KB" if name in sizes else ""
        print(
            f"{name:26s} median {r['median_ms']:7.1f} ms  min {r['min_ms']:7.1f}  max {r['max_ms']:7.1f}"
            f"  cold {r['cold_ms']:7.1f}{size}"
        )
    print("data:", source, "| html map:", builder)
    print("targets met:", verdict)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("wrote", OUT.relative_to(ROOT))
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
