"""Rebuild ``data/traveltime/density.npz``: census inhabitants per km² on the travel-time raster.

Usage::

    python scripts/build_density.py                          # reads data/population/grid_1km.csv
    python scripts/build_density.py --grid FILE.csv

The travel-time estimate adds a local access time at both ends of a trip that grows with the density
of the 1 km census cell the end lies in (built-up areas are driven slowly; see ``docs/traveltime.md``).
This script puts that density on the 500 m RD New grid of ``data/traveltime/landmask.npz``: every
raster cell takes the inhabitants of the 1 km census cell (EPSG:3035) that contains its centre, 0 where
the census has no inhabited cell (also abroad). The app never runs this; it loads the committed file.

Input: ``data/population/grid_1km.csv`` (``cell_id,x,y,inhabitants,province,pc4``; x, y = the cell
centre in RD New), derived from the Eurostat/GEOSTAT census 2021 1 km grid (© European Union; see
``data/README.md``). Output: ``density.npz`` (``inhabitants``: uint16 per raster cell) and
``density.json`` (grid, source file and its SHA-256, totals), with fixed zip timestamps so a rebuild
from the same input gives identical bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))  # plain scripts: reuse the raster writer of the land mask

from build_traveltime import _npz_bytes  # noqa: E402

GRID_CSV = ROOT / "data" / "population" / "grid_1km.csv"
OUT_DIR = ROOT / "data" / "traveltime"
CELL_M = 1000.0


def density_raster(grid: pd.DataFrame, meta: dict[str, float]) -> np.ndarray:
    """Inhabitants per km² of the census cell containing each raster cell's centre (uint16)."""
    to_laea = Transformer.from_crs("EPSG:28992", "EPSG:3035", always_xy=True)
    ex, ey = to_laea.transform(grid["x"].to_numpy(float), grid["y"].to_numpy(float))
    key = pd.Series(
        grid["inhabitants"].to_numpy(np.int64),
        index=pd.MultiIndex.from_arrays([np.floor(ex / CELL_M), np.floor(ey / CELL_M)]),
    )
    if key.index.duplicated().any():
        sys.exit("two rows of the population grid fall in one 1 km cell")
    rows, cols, res = int(meta["rows"]), int(meta["cols"]), float(meta["res_m"])
    c, r = np.meshgrid(np.arange(cols), np.arange(rows))
    x = meta["x_min"] + (c.ravel() + 0.5) * res
    y = meta["y_max"] - (r.ravel() + 0.5) * res
    rx, ry = to_laea.transform(x, y)
    idx = pd.MultiIndex.from_arrays([np.floor(rx / CELL_M), np.floor(ry / CELL_M)])
    values = key.reindex(idx).fillna(0).to_numpy()
    return np.minimum(values, 65535).astype(np.uint16).reshape(rows, cols)


def build(grid_csv: Path = GRID_CSV, out_dir: Path = OUT_DIR) -> dict[str, object]:
    """Write ``density.npz`` and ``density.json`` and return the metadata."""
    if not grid_csv.exists():
        sys.exit(f"{grid_csv} is missing: it holds the census 1 km population grid (see data/README.md)")
    grid = pd.read_csv(grid_csv, dtype={"pc4": str})
    meta = json.loads((out_dir / "grid.json").read_text(encoding="utf-8"))
    dens = density_raster(grid, meta)
    (out_dir / "density.npz").write_bytes(_npz_bytes({"inhabitants": dens}))
    info = {
        "crs": meta["crs"],
        "res_m": meta["res_m"],
        "rows": meta["rows"],
        "cols": meta["cols"],
        "rule": "inhabitants of the 1 km EPSG:3035 census cell containing the raster cell's centre",
        "source": "data/population/grid_1km.csv (Eurostat/GEOSTAT census 2021, 1 km grid)",
        "source_sha256": hashlib.sha256(grid_csv.read_bytes()).hexdigest(),
        "source_cells": len(grid),
        "source_inhabitants": int(grid["inhabitants"].sum()),
        "density_sha256": hashlib.sha256(np.ascontiguousarray(dens).tobytes()).hexdigest(),
    }
    text = json.dumps(info, indent=1) + "\n"
    (out_dir / "density.json").write_text(text, encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=Path, default=GRID_CSV, help="the 1 km population grid CSV")
    info = build(ap.parse_args(argv).grid)
    print(f"wrote data/traveltime/density.npz ({info['source_cells']} census cells)")


if __name__ == "__main__":
    main()
