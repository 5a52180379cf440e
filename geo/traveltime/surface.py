"""The committed land/water raster with the fixed links and ferries it is driven on."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.data import default_data_dir
from geo.traveltime.params import (
    DENSITY_FILE,
    DENSITY_META,
    FERRIES_FILE,
    LINKS_FILE,
    SURFACE_DIR,
    TravelTimeError,
)

# --- the committed surface -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Surface:
    """The committed raster and the link and ferry tables.

    Attributes
    ----------
    land
        Bool raster, row 0 at the north edge: the cell lies entirely on land.
    link
        Uint8 raster: 0, or the 1-based number of the fixed link drawn through the cell.
    links
        ``data/fixed_links.csv`` with ``number`` (the raster value; 0 when the build left it out)
        and ``speed_kmh`` as float.
    ferries
        ``data/ferries.csv`` with numeric coordinates and ``crossing_min``.
    x_min, y_max, res_m
        The grid: cell (r, c) spans x ``x_min + c*res_m`` .. ``+res_m`` and y ``y_max - (r+1)*res_m``
        .. ``y_max - r*res_m`` (RD New metres).
    mask_sha256
        Hash of both rasters; part of every cache key.
    density
        Uint16 raster: inhabitants per km² of the 1 km census cell around each cell (0 where none,
        also abroad); drives the access time at both ends of a trip. Zeros when not given.
    """

    land: np.ndarray
    link: np.ndarray
    links: pd.DataFrame
    ferries: pd.DataFrame
    x_min: float
    y_max: float
    res_m: float
    mask_sha256: str
    density: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.density is None:
            object.__setattr__(self, "density", np.zeros(self.land.shape, dtype=np.uint16))
        elif self.density.shape != self.land.shape:
            msg = f"density raster {self.density.shape} does not match the land raster {self.land.shape}"
            raise TravelTimeError(msg)

    @property
    def shape(self) -> tuple[int, int]:
        return self.land.shape  # type: ignore[return-value]

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row and column of RD points, and a mask of the points inside the grid."""
        r = np.floor((self.y_max - np.asarray(y, dtype=float)) / self.res_m)
        c = np.floor((np.asarray(x, dtype=float) - self.x_min) / self.res_m)
        h, w = self.shape
        inside = np.isfinite(r) & np.isfinite(c) & (r >= 0) & (r < h) & (c >= 0) & (c < w)
        return np.where(inside, r, 0).astype(np.int64), np.where(inside, c, 0).astype(np.int64), inside

    def centre(self, r: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """RD coordinates of cell centres."""
        x = self.x_min + (np.asarray(c) + 0.5) * self.res_m
        return x, self.y_max - (np.asarray(r) + 0.5) * self.res_m


def mask_hash(land: np.ndarray, link: np.ndarray) -> str:
    """SHA-256 of the raster contents (the build script records the same value in ``grid.json``)."""
    h = hashlib.sha256()
    for arr in (land.astype(np.uint8), link.astype(np.uint8)):
        h.update(str(arr.shape).encode())
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return pd.DataFrame(list(csv.DictReader(f)))
    except FileNotFoundError:
        msg = f"{path} is missing; it ships with the app (see scripts/build_traveltime.py)"
        raise TravelTimeError(msg) from None


def load_surface(data_dir: Path | None = None) -> Surface:
    """Load the committed raster, links and ferries (about 10 ms; nothing is rebuilt).

    Parameters
    ----------
    data_dir
        The data folder; by default :func:`geo.data.default_data_dir`.

    Raises
    ------
    TravelTimeError
        A file is missing, or ``grid.json`` does not match the raster (rebuild with
        ``scripts/build_traveltime.py``).
    """
    data_dir = data_dir or default_data_dir()
    folder = data_dir / SURFACE_DIR
    try:
        meta = json.loads((folder / "grid.json").read_text(encoding="utf-8"))
        with np.load(folder / "landmask.npz") as z:
            land, link = z["land"].astype(bool), z["link"].astype(np.uint8)
    except FileNotFoundError as exc:
        msg = f"{exc.filename} is missing; rebuild it with scripts/build_traveltime.py"
        raise TravelTimeError(msg) from None
    digest = mask_hash(land, link)
    if digest != meta.get("mask_sha256") or land.shape != (meta["rows"], meta["cols"]):
        msg = f"{folder}/landmask.npz does not match grid.json; rebuild with scripts/build_traveltime.py"
        raise TravelTimeError(msg)
    density = _load_density(folder, land.shape)
    links = _read_csv(data_dir / LINKS_FILE)
    numbers_ = {lid: k for k, lid in enumerate(meta["links"], start=1)}
    links["number"] = links["link_id"].map(numbers_).fillna(0).astype(int)
    links["speed_kmh"] = pd.to_numeric(links["speed_kmh"], errors="coerce")
    if links["speed_kmh"].isna().any() or (links["speed_kmh"] <= 0).any():
        msg = f"{LINKS_FILE}: every speed_kmh must be a positive number"
        raise TravelTimeError(msg)
    ferries = _read_csv(data_dir / FERRIES_FILE)
    for col in ("from_lon", "from_lat", "to_lon", "to_lat", "crossing_min"):
        ferries[col] = pd.to_numeric(ferries[col], errors="raise")
    return Surface(
        land=land,
        link=link,
        links=links,
        ferries=ferries,
        x_min=float(meta["x_min"]),
        y_max=float(meta["y_max"]),
        res_m=float(meta["res_m"]),
        mask_sha256=digest,
        density=density,
    )


def _load_density(folder: Path, shape: tuple[int, ...]) -> np.ndarray:
    """The committed density raster, checked against its ``density.json``."""
    try:
        meta = json.loads((folder / DENSITY_META).read_text(encoding="utf-8"))
        with np.load(folder / DENSITY_FILE) as z:
            density = z["inhabitants"].astype(np.uint16)
    except FileNotFoundError as exc:
        msg = f"{exc.filename} is missing; rebuild it with scripts/build_density.py"
        raise TravelTimeError(msg) from None
    digest = hashlib.sha256(np.ascontiguousarray(density).tobytes()).hexdigest()
    if density.shape != shape or digest != meta.get("density_sha256"):
        msg = f"{folder}/{DENSITY_FILE} does not match {DENSITY_META}; rebuild with scripts/build_density.py"
        raise TravelTimeError(msg)
    return density
