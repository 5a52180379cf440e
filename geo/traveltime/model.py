"""Estimated car travel time that never crosses open water: minutes from a place to hospital sites.

There is no Dutch road network offline, so this is an AccessMod-style *friction surface*, not routing:

- a raster over the study area in RD New (EPSG:28992), 500 m cells, built once by
  ``scripts/build_traveltime.py`` from Natural Earth 10m land minus lakes and committed as
  ``data/traveltime/landmask.npz`` (never rebuilt at run time);
- land at one effective car speed (:data:`LAND_KMH`), open water impassable, the fixed links of
  ``data/fixed_links.csv`` (dikes, bridges, tunnels) at their own speed;
- moves to the 8 neighbouring cells, costed as the mean of the two half-cells crossed; a diagonal move
  is allowed only when at least one of the two cells it cuts past is passable, so two water cells
  meeting at a corner block it and a one-cell-thick lake cannot leak;
- shortest times with :func:`scipy.sparse.csgraph.dijkstra`, one field per source cell, cached on
  disk (see :class:`TravelModel`);
- ferries (``data/ferries.csv``) as portals between their terminals: crossing time plus a waiting
  time that is a run-time parameter, so changing it needs no new field (exact for any number of
  crossings: the terminals form a small graph closed with Floyd-Warshall);
- a fixed start/finish overhead (:data:`OVERHEAD_MIN`) added to every trip;
- places and sites in a water cell, or on a patch of land smaller than :data:`MIN_COMPONENT_KM2`,
  are moved to the nearest cell of a large land area within :data:`SNAP_MAX_KM`; the distance moved
  is added at the land speed and reported through :mod:`logging`.

What the estimate can and cannot say is in ``docs/traveltime.md``: the topology (which water must be
driven around, which links and ferries exist) is right by construction; a single trip is off by
roughly 20-40 % because the speed is uniform and the grid is coarse.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import numbers
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.crs import GEOD, rd_coordinates, to_rd
from geo.data import default_data_dir
from geo.errors import UnknownIdError
from geo.nearest import candidates, check_position

logger = logging.getLogger(__name__)

#: Effective car speed on land, km/h (one speed everywhere: there is no road network).
LAND_KMH = 60.0
#: Minutes added to every trip: getting to the car, parking, walking in.
OVERHEAD_MIN = 3.0
#: Default waiting time at a ferry terminal, minutes. Texel sails hourly: a traveller who does not
#: plan waits 30 minutes on average, one who plans about 10-15.
FERRY_WAIT_MIN = 15.0
#: Farthest a place or site is moved to reach land, km.
SNAP_MAX_KM = 5.0
#: Smallest land area a place may be snapped onto, km² (keeps points off sand banks).
MIN_COMPONENT_KM2 = 5.0
#: Environment variable naming the cache folder; default ``~/.cache/netwerkatlas``.
CACHE_ENV = "NETWERKATLAS_CACHE"
#: Folder inside the data folder that holds the committed raster.
SURFACE_DIR = "traveltime"
LINKS_FILE = "fixed_links.csv"
FERRIES_FILE = "ferries.csv"
CALIBRATION_FILE = "calibration.csv"
#: One-paragraph statement of the method, for exports, tooltips and the README.
METHOD_NOTE = (
    "Estimated car travel time, not a route planner: a 500 m raster of the Netherlands (Natural Earth 10m "
    "land minus lakes) driven at 60 km/h, open water impassable, dikes, bridges and tunnels at their own "
    "speed, ferries as crossing time plus a waiting time (15 min by default), plus 3 min at start and "
    "finish. Against 8 published travel times the median error is about 2 minutes and the worst 20; read "
    "it as +/- 10 minutes. Method and sources: docs/traveltime.md."
)
#: Bumped whenever the way fields are computed changes, so stale caches are never read.
FIELD_VERSION = 1
#: Fields are stored as uint16 in units of 0.1 minute (at most 3 s rounding); 65535 = unreachable.
_UNIT_S = 6.0
_UNREACHABLE = np.uint16(65535)
_BATCH = 16


class TravelTimeError(ValueError):
    """A travel-time argument is out of range, names an unknown link or ferry, or the data is broken."""


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
    """

    land: np.ndarray
    link: np.ndarray
    links: pd.DataFrame
    ferries: pd.DataFrame
    x_min: float
    y_max: float
    res_m: float
    mask_sha256: str

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
    )


# --- graph and shortest paths ---------------------------------------------------------------------------

#: Half of the 8 neighbour offsets; the graph is undirected, each edge is added both ways.
_STEPS = ((0, 1), (1, 0), (1, 1), (1, -1))


def build_graph(passable: np.ndarray, speed_kmh: np.ndarray, res_m: float) -> tuple[csr_matrix, np.ndarray]:
    """Build the 8-neighbour graph of a raster; edge weights in seconds.

    A move between neighbouring passable cells costs the mean of the time to cross each cell
    (``length * (1/v_a + 1/v_b) / 2``, length ``res_m`` or ``res_m*sqrt(2)``). A diagonal move is
    allowed only when at least one of the two cells it cuts past is passable.

    Parameters
    ----------
    passable
        Bool raster.
    speed_kmh
        Speed of each passable cell (ignored elsewhere).
    res_m
        Cell size in metres.

    Returns
    -------
    graph : csr_matrix
        Symmetric, one node per passable cell in row-major order.
    node : ndarray of int
        Node number of each cell, ``-1`` where impassable.
    """
    h, w = passable.shape
    node = np.full((h, w), -1, dtype=np.int64)
    rs, cs = np.nonzero(passable)
    node[rs, cs] = np.arange(len(rs))
    pace = np.zeros((h, w))
    pace[rs, cs] = 3.6 / speed_kmh[rs, cs]  # seconds per metre
    src, dst, cost = [], [], []
    for dr, dc in _STEPS:
        r2, c2 = rs + dr, cs + dc
        ok = (r2 < h) & (c2 >= 0) & (c2 < w)
        r1, c1, r2, c2 = rs[ok], cs[ok], r2[ok], c2[ok]
        ok = passable[r2, c2]
        if dr and dc:
            ok &= passable[r1, c2] | passable[r2, c1]
        r1, c1, r2, c2 = r1[ok], c1[ok], r2[ok], c2[ok]
        length = res_m * (math.sqrt(2.0) if dr and dc else 1.0)
        weight = length * 0.5 * (pace[r1, c1] + pace[r2, c2])
        a, b = node[r1, c1], node[r2, c2]
        src += [a, b]
        dst += [b, a]
        cost += [weight, weight]
    n = len(rs)
    graph = csr_matrix((np.concatenate(cost), (np.concatenate(src), np.concatenate(dst))), shape=(n, n))
    return graph, node


def shortest_seconds(graph: csr_matrix, sources: Sequence[int]) -> np.ndarray:
    """Seconds from each source node to every node (``inf`` where unreachable), shape (sources, nodes)."""
    if not len(sources):
        return np.empty((0, graph.shape[0]))
    return np.atleast_2d(dijkstra(graph, directed=True, indices=np.asarray(sources, dtype=np.int64)))


def _quantise(seconds: np.ndarray) -> np.ndarray:
    q = np.rint(seconds / _UNIT_S)
    return np.where(np.isfinite(q), np.minimum(q, 65534), 65535).astype(np.uint16)


def _minutes(q: np.ndarray) -> np.ndarray:
    out = q.astype(np.float64) * (_UNIT_S / 60.0)
    out[q == _UNREACHABLE] = np.inf
    return out


class _FieldStore:
    """Per-source fields (uint16, 0.1 min) in memory and, when a folder is given, on disk."""

    def __init__(self, graph: csr_matrix, folder: Path | None, meta: dict[str, object]) -> None:
        self.graph = graph
        self.folder = folder
        self.mem: dict[int, np.ndarray] = {}
        self.lock = threading.Lock()
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            except OSError as exc:
                logger.warning("cannot use the travel-time cache %s (%s); fields kept in memory", folder, exc)
                self.folder = None

    def _path(self, node: int) -> Path:
        assert self.folder is not None
        return self.folder / f"n{node}.npy"

    def ensure(self, nodes: Iterable[int]) -> None:
        """Load or compute the fields of ``nodes`` (negative numbers are ignored)."""
        with self.lock:
            todo = sorted({int(n) for n in nodes if n >= 0} - self.mem.keys())
            missing = []
            for n in todo:
                if self.folder is not None and self._path(n).exists():
                    try:
                        arr = np.load(self._path(n), allow_pickle=False)
                        if arr.shape == (self.graph.shape[0],) and arr.dtype == np.uint16:
                            self.mem[n] = arr
                            continue
                    except (OSError, ValueError):
                        pass
                missing.append(n)
            for i in range(0, len(missing), _BATCH):
                batch = missing[i : i + _BATCH]
                for n, row in zip(batch, shortest_seconds(self.graph, batch), strict=True):
                    arr = _quantise(row)
                    self.mem[n] = arr
                    if self.folder is not None:
                        self._save(n, arr)

    def _save(self, node: int, arr: np.ndarray) -> None:
        assert self.folder is not None
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.save(f, arr, allow_pickle=False)
            os.replace(tmp, self._path(node))
        except OSError as exc:
            logger.warning("cannot write the travel-time cache in %s (%s)", self.folder, exc)

    def gather(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Minutes over land from each source node to each target node, shape (sources, targets)."""
        self.ensure(sources)
        out = np.full((len(sources), len(targets)), np.inf)
        ok = targets >= 0
        for i, s in enumerate(sources):
            if s >= 0:
                out[i, ok] = _minutes(self.mem[int(s)][targets[ok]])
        return out


def default_cache_dir() -> Path:
    """``$NETWERKATLAS_CACHE/traveltime``, else ``~/.cache/netwerkatlas/traveltime``."""
    base = os.environ.get(CACHE_ENV) or os.path.join("~", ".cache", "netwerkatlas")
    return Path(base).expanduser() / "traveltime"


# --- the model ------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Core:
    """What depends on the passable cells and speeds: graph, snapping, fields."""

    node: np.ndarray
    big: np.ndarray
    snap_r: np.ndarray
    snap_c: np.ndarray
    store: _FieldStore
    key: str


@dataclass(frozen=True, eq=False)
class _Snapped:
    node: np.ndarray  # node number, -1 when unreachable
    extra_min: np.ndarray  # minutes added for the distance moved (inf when unreachable)
    moved_km: np.ndarray


def _check_number(value: object, name: str, low: float, high: float) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if not ok or not low <= float(value) <= high:  # type: ignore[arg-type]
        msg = f"`{name}` must be a number from {low:g} to {high:g}; got {value!r}"
        raise TravelTimeError(msg)
    return float(value)  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class TravelModel:
    """Travel times over one surface with one set of parameters.

    Build it with :func:`load_model`. Derive variants with :meth:`replace`: changing
    ``ferry_wait_min`` or ``overhead_min`` reuses every field; changing ``land_kmh`` or
    ``closed_links`` needs new fields (computed on demand and cached under their own key).

    Fields are kept per source cell: the minutes from one site's cell to every cell, computed once
    with Dijkstra (about 0.05 s each) and stored in ``cache_dir/fields-<key>/`` as ``.npy`` files of
    uint16 tenths of a minute (0.55 MB each). The key hashes the raster, the links and their speeds,
    the closed links, the land speed and :data:`FIELD_VERSION`, so a change to any of them never
    reads a stale field. Site coordinates enter through the cell: sites in the same cell share a
    field.

    Attributes
    ----------
    surface
        The committed raster and tables.
    land_kmh, overhead_min, ferry_wait_min, closed_links, ferries, snap_max_km, min_component_km2
        The parameters (see :func:`load_model`).
    """

    surface: Surface
    land_kmh: float = LAND_KMH
    overhead_min: float = OVERHEAD_MIN
    ferry_wait_min: float = FERRY_WAIT_MIN
    closed_links: tuple[str, ...] = ()
    ferries: tuple[str, ...] = ()
    snap_max_km: float = SNAP_MAX_KM
    min_component_km2: float = MIN_COMPONENT_KM2
    cache_dir: Path | None = None
    _core: _Core | None = field(default=None, repr=False)
    _sites: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    _memo: OrderedDict[tuple[object, ...], object] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- set-up --

    def __post_init__(self) -> None:
        _check_number(self.land_kmh, "land_kmh", 5, 130)
        _check_number(self.overhead_min, "overhead_min", 0, 120)
        _check_number(self.ferry_wait_min, "ferry_wait_min", 0, 24 * 60)
        _check_number(self.snap_max_km, "snap_max_km", 0, 50)
        _check_number(self.min_component_km2, "min_component_km2", 0, 10_000)
        links = self.surface.links
        unknown = sorted(set(self.closed_links) - set(links["link_id"]))
        if unknown:
            known = ", ".join(links["link_id"])
            msg = f"unknown link(s) in `closed_links`: {', '.join(unknown)}; known: {known}"
            raise TravelTimeError(msg)
        unknown = sorted(set(self.ferries) - set(self.surface.ferries["ferry_id"]))
        if unknown:
            known = ", ".join(self.surface.ferries["ferry_id"])
            msg = f"unknown ferry id(s) in `ferries`: {', '.join(unknown)}; known: {known}"
            raise TravelTimeError(msg)
        if self._core is None:
            object.__setattr__(self, "_core", self._build_core())

    def _core_key(self) -> str:
        links = self.surface.links.sort_values("link_id")
        payload = {
            "version": FIELD_VERSION,
            "mask": self.surface.mask_sha256,
            "links": [[r.link_id, int(r.number), float(r.speed_kmh)] for r in links.itertuples()],
            "closed": sorted(self.closed_links),
            "land_kmh": float(self.land_kmh),
            "min_component_km2": float(self.min_component_km2),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def _build_core(self) -> _Core:
        s = self.surface
        links = s.links[s.links["number"] > 0]
        open_numbers = links.loc[~links["link_id"].isin(self.closed_links), "number"].to_numpy()
        link_speed = np.zeros(256)
        link_speed[links["number"].to_numpy()] = links["speed_kmh"].to_numpy()
        on_link = np.isin(s.link, open_numbers)
        passable = s.land | on_link
        speed = np.where(s.land, self.land_kmh, 0.0)
        speed = np.where(on_link, np.maximum(speed, link_speed[s.link]), speed)
        graph, node = build_graph(passable, speed, s.res_m)
        labels, n = ndimage.label(passable)  # 4-connected, like the moves that can cross water
        sizes = np.bincount(labels.ravel(), minlength=n + 1)
        min_cells = self.min_component_km2 * 1e6 / s.res_m**2
        big = (sizes >= min_cells)[labels] & passable
        _, (snap_r, snap_c) = ndimage.distance_transform_edt(~big, return_indices=True)
        key = self._core_key()
        folder = None if self.cache_dir is None else Path(self.cache_dir) / f"fields-{key[:16]}"
        meta = {
            "key": key,
            "version": FIELD_VERSION,
            "land_kmh": self.land_kmh,
            "closed_links": sorted(self.closed_links),
            "mask_sha256": s.mask_sha256,
        }
        store = _FieldStore(graph, folder, meta)
        return _Core(
            node=node,
            big=big,
            snap_r=snap_r.astype(np.int32),
            snap_c=snap_c.astype(np.int32),
            store=store,
            key=key,
        )

    def replace(self, **changes: object) -> TravelModel:
        """Return a model with some parameters changed, sharing fields where they stay valid.

        ``ferry_wait_min`` and ``overhead_min`` never need new fields; ``land_kmh``, ``closed_links``
        and ``min_component_km2`` do (computed on demand). Registered sites are kept.
        """
        if "closed_links" in changes:
            changes["closed_links"] = tuple(dict.fromkeys(map(str, changes["closed_links"])))  # type: ignore[call-overload]
        if "ferries" in changes:
            changes["ferries"] = tuple(dict.fromkeys(map(str, changes["ferries"])))  # type: ignore[call-overload]
        core_params = ("land_kmh", "closed_links", "min_component_km2")
        same_core = all(changes[k] == getattr(self, k) for k in core_params if k in changes)
        return replace(
            self,
            _core=self._core if same_core else None,
            _sites=dict(self._sites),
            _memo=OrderedDict(),
            _lock=threading.Lock(),
            **changes,  # type: ignore[arg-type]
        )

    @property
    def core(self) -> _Core:
        assert self._core is not None
        return self._core

    @property
    def site_ids(self) -> tuple[str, ...]:
        """Ids of the registered sites (see :meth:`add_sites`)."""
        return tuple(self._sites)

    # -- snapping --

    def snap(
        self, x: np.ndarray, y: np.ndarray, *, names: Sequence[str] | None = None, what: str = "points"
    ) -> _Snapped:
        """Map RD points to graph nodes, moving points off water onto a large land area.

        Logs one INFO line naming the points moved (with the distance) and one WARNING line for
        points that are outside the grid or farther than :attr:`snap_max_km` from land (those get
        ``inf`` minutes). The answer is memoised per set of points, so the log is written once.
        """
        x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
        key = ("snap", what, hashlib.sha1(np.concatenate([x, y]).tobytes()).hexdigest())
        with self._lock:
            hit = self._memo.get(key)
        if isinstance(hit, _Snapped):
            return hit
        s, core = self.surface, self.core
        r, c, inside = s.cell_of(x, y)
        on_big = inside & core.big[r, c]
        rr = np.where(on_big, r, core.snap_r[r, c])
        cc = np.where(on_big, c, core.snap_c[r, c])
        cx, cy = s.centre(rr, cc)
        moved_km = np.where(on_big, 0.0, np.hypot(cx - x, cy - y) / 1000.0)
        ok = inside & (moved_km <= self.snap_max_km)
        node = np.where(ok, core.node[rr, cc], -1)
        extra = np.where(ok, moved_km / self.land_kmh * 60.0, np.inf)
        label = list(names) if names is not None else [f"#{i}" for i in range(len(x))]
        moved = np.flatnonzero(ok & (moved_km > 0))
        if len(moved):
            first = moved[np.argsort(-moved_km[moved])][:25]
            shown = ", ".join(f"{label[i]} {moved_km[i]:.1f} km" for i in first)
            more = f" and {len(moved) - 25} more" if len(moved) > 25 else ""
            logger.info(
                "travel time: %d of %d %s moved onto land: %s%s", len(moved), len(x), what, shown, more
            )
        lost = np.flatnonzero(~ok)
        if len(lost):
            shown = ", ".join(label[i] for i in lost[:25])
            logger.warning(
                "travel time: %d %s are outside the grid or over %g km from land (no time): %s",
                len(lost),
                what,
                self.snap_max_km,
                shown,
            )
        out = _Snapped(node=node, extra_min=extra, moved_km=moved_km)
        self._remember(key, out)
        return out

    def _remember(self, key: tuple[object, ...], value: object) -> None:
        with self._lock:  # one model may serve several Streamlit sessions at once
            self._memo[key] = value
            self._memo.move_to_end(key)
            while len(self._memo) > 32:
                self._memo.popitem(last=False)

    # -- sites --

    def add_sites(self, sites: pd.DataFrame) -> TravelModel:
        """Register sites (``site_id``, ``lat``, ``lon``) and make sure their fields exist.

        Sites without coordinates are skipped. Returns the model itself, for chaining.
        """
        missing = [c for c in ("site_id", "lat", "lon") if c not in sites.columns]
        if missing:
            msg = f"`sites` lacks the column(s) {', '.join(missing)}"
            raise TravelTimeError(msg)
        lat = pd.to_numeric(sites["lat"], errors="coerce").to_numpy(float)
        lon = pd.to_numeric(sites["lon"], errors="coerce").to_numpy(float)
        ok = np.isfinite(lat) & np.isfinite(lon)
        x, y = to_rd().transform(lon[ok], lat[ok])
        ids = sites["site_id"].astype(str).to_numpy()[ok]
        for sid, xi, yi in zip(ids, np.atleast_1d(x), np.atleast_1d(y), strict=True):
            self._sites[str(sid)] = (float(xi), float(yi))
        self._site_nodes(np.atleast_1d(x), np.atleast_1d(y), list(ids))
        return self

    def _site_nodes(self, x: np.ndarray, y: np.ndarray, names: Sequence[str]) -> _Snapped:
        snapped = self.snap(x, y, names=names, what="sites")
        self.core.store.ensure(snapped.node)
        return snapped

    def _terminals(self) -> tuple[_Snapped, np.ndarray]:
        """Snapped ferry terminals of the active ferries and the (K, K) closure of the terminal graph."""
        key = ("terminals", self.ferries, self.ferry_wait_min)
        with self._lock:
            hit = self._memo.get(key)
        if hit is not None:
            return hit  # type: ignore[return-value]
        f = self.surface.ferries.set_index("ferry_id").loc[list(self.ferries)]
        lon = np.concatenate([f["from_lon"], f["to_lon"]])
        lat = np.concatenate([f["from_lat"], f["to_lat"]])
        names = [f"{n} (ferry)" for n in [*f["from_name"], *f["to_name"]]]
        x, y = to_rd().transform(lon, lat)
        term = self.snap(np.asarray(x), np.asarray(y), names=names, what="ferry terminals")
        k = len(lon)
        land = self.core.store.gather(term.node, term.node)
        land = land + term.extra_min[:, None] + term.extra_min[None, :]
        np.fill_diagonal(land, 0.0)
        m = len(f)
        hop = f["crossing_min"].to_numpy(float) + self.ferry_wait_min
        for i in range(m):
            a, b = i, i + m
            land[a, b] = min(land[a, b], hop[i])
            land[b, a] = min(land[b, a], hop[i])
        for t in range(k):  # Floyd-Warshall on a dozen terminals
            land = np.minimum(land, land[:, t : t + 1] + land[t : t + 1, :])
        out = (term, land)
        self._remember(key, out)
        return out

    def minutes_between(self, src: _Snapped, dst: _Snapped) -> np.ndarray:
        """Door-to-door minutes from each ``src`` point to each ``dst`` point, shape (src, dst).

        Land time plus any sequence of ferry crossings, plus the snapping detours and the
        overhead; ``inf`` where no route exists.
        """
        store = self.core.store
        out = store.gather(src.node, dst.node)
        if self.ferries:
            term, closure = self._terminals()
            to_term = store.gather(src.node, term.node) + term.extra_min[None, :]  # (m, K)
            from_term = store.gather(term.node, dst.node) + term.extra_min[:, None]  # (K, n)
            entry = np.min(to_term[:, :, None] + closure[None, :, :], axis=1)  # (m, K)
            for u in range(closure.shape[0]):
                np.minimum(out, entry[:, u : u + 1] + from_term[u : u + 1, :], out=out)
        return out + src.extra_min[:, None] + dst.extra_min[None, :] + self.overhead_min

    def site_minutes(
        self,
        x: np.ndarray,
        y: np.ndarray,
        site_x: np.ndarray,
        site_y: np.ndarray,
        *,
        names: Sequence[str] | None = None,
        site_names: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Minutes from each RD point to each RD site position, shape (points, sites).

        Fields are per site cell, so this gathers from the sites' fields (computing any that are
        missing) rather than running Dijkstra from the points.
        """
        sites = self._site_nodes(
            np.asarray(site_x, float),
            np.asarray(site_y, float),
            site_names or [f"site {i}" for i in range(len(np.atleast_1d(site_x)))],
        )
        points = self.snap(x, y, names=names, what="points")
        return self.minutes_between(sites, points).T


def _default_ferries(surface: Surface) -> tuple[str, ...]:
    f = surface.ferries
    keep = (f["car_ferry"].str.lower() == "yes") | (f["only_access"].str.lower() == "yes")
    return tuple(f.loc[keep, "ferry_id"])


def load_model(
    sites: pd.DataFrame | None = None,
    *,
    data_dir: Path | None = None,
    cache_dir: Path | str | Literal[False] | None = None,
    land_kmh: float = LAND_KMH,
    overhead_min: float = OVERHEAD_MIN,
    ferry_wait_min: float = FERRY_WAIT_MIN,
    closed_links: Iterable[str] = (),
    ferries: Iterable[str] | None = None,
    snap_max_km: float = SNAP_MAX_KM,
    min_component_km2: float = MIN_COMPONENT_KM2,
) -> TravelModel:
    """Load the committed surface and build a :class:`TravelModel`.

    Parameters
    ----------
    sites
        Sites to register (``site_id``, ``lat``, ``lon``), e.g. ``atlas.sites``; their fields are
        loaded from the cache or computed now (5-10 s for 100 sites, once).
    data_dir
        The data folder; by default :func:`geo.data.default_data_dir`.
    cache_dir
        Where fields are cached: a folder, ``None`` for :func:`default_cache_dir`, ``False`` to keep
        them in memory only.
    land_kmh
        Effective car speed on land (5-130).
    overhead_min
        Minutes added to every trip (0-120).
    ferry_wait_min
        Minutes waited at each ferry crossing (0-1440).
    closed_links
        Ids from ``data/fixed_links.csv`` to treat as closed (what-if).
    ferries
        Ids from ``data/ferries.csv`` in service; by default every car ferry plus the ferries that
        are an island's only access (the Vlissingen-Breskens foot ferry is off).
    snap_max_km, min_component_km2
        How far a point may be moved onto land, and the smallest land area it may be moved onto.
    """
    surface = load_surface(data_dir)
    if cache_dir is False:
        folder = None
    elif cache_dir is None:
        folder = default_cache_dir()
    else:
        folder = Path(cache_dir)
    model = TravelModel(
        surface,
        land_kmh=land_kmh,
        overhead_min=overhead_min,
        ferry_wait_min=ferry_wait_min,
        closed_links=tuple(dict.fromkeys(map(str, closed_links))),
        ferries=_default_ferries(surface) if ferries is None else tuple(dict.fromkeys(map(str, ferries))),
        snap_max_km=snap_max_km,
        min_component_km2=min_component_km2,
        cache_dir=folder,
    )
    if sites is not None:
        model.add_sites(sites)
    return model


# --- queries --------------------------------------------------------------------------------------------


def _check_position(lat: float, lon: float, what: str = "the location") -> None:
    check_position(lat, lon, what, TravelTimeError)


def _point(lat: float, lon: float) -> tuple[np.ndarray, np.ndarray]:
    _check_position(lat, lon)
    x, y = to_rd().transform(float(lon), float(lat))
    return np.array([x]), np.array([y])


def minutes_to_sites(lat: float, lon: float, model: TravelModel, site_ids: Sequence[str]) -> np.ndarray:
    """Estimated car minutes from a WGS84 location to registered sites.

    Parameters
    ----------
    lat, lon
        The location in WGS84 degrees.
    model
        A model with the sites registered (:func:`load_model` ``sites=`` or :meth:`TravelModel.add_sites`).
    site_ids
        The sites, in the order wanted.

    Returns
    -------
    ndarray of float
        Minutes per site (overhead included); ``inf`` where no route exists.

    Raises
    ------
    UnknownIdError
        A site id was never registered.
    """
    ids = [str(s) for s in site_ids]
    unknown = [s for s in ids if s not in model._sites]
    if unknown:
        msg = f"site(s) not registered with the travel model: {', '.join(unknown)}; call model.add_sites(...)"
        raise UnknownIdError(msg)
    if not ids:
        return np.empty(0)
    x, y = _point(lat, lon)
    sx = np.array([model._sites[s][0] for s in ids])
    sy = np.array([model._sites[s][1] for s in ids])
    return model.site_minutes(x, y, sx, sy, names=["the location"], site_names=ids)[0]


def nearest_by_time(
    lat: float,
    lon: float,
    sites: pd.DataFrame,
    model: TravelModel,
    *,
    limit: int = 3,
    by: Literal["minutes", "km"] = "minutes",
) -> pd.DataFrame:
    """Rank the open, patient-treating sites by estimated car minutes (or by distance) from a location.

    The same selection as :func:`geo.nearest.nearest_sites` (kinds ``hospital``, ``outpatient``,
    ``radiotherapy``; status ``open``; coordinates present), with both measures on every row.

    Parameters
    ----------
    lat, lon
        The location in WGS84 degrees.
    sites
        Sites as in :attr:`geo.data.Atlas.sites`, already filtered by the caller; needs ``site_id``,
        ``kind``, ``status``, ``lat`` and ``lon``. Sites not registered with the model are fine:
        their fields are computed (and cached) on first use.
    model
        The travel model.
    limit
        At most this many sites are returned.
    by
        ``"minutes"``: fastest first (ties by distance, then ``site_id``); ``"km"``: nearest as the
        crow flies first, as :func:`geo.nearest.nearest_sites` ranks.

    Returns
    -------
    DataFrame
        Of the same type as ``sites``: every column of ``sites`` plus ``minutes`` (door to door,
        overhead and ferry waits included; ``inf`` when unreachable), ``distance_km`` (geodesic)
        and ``rank`` (1, 2, ...), on a fresh index.
    """
    if by not in ("minutes", "km"):
        msg = f"`by` must be 'minutes' or 'km', got {by!r}"
        raise TravelTimeError(msg)
    pos, lats, lons, dist_km = candidates(lat, lon, sites, limit=limit, error=TravelTimeError)
    site_ids = sites["site_id"].to_numpy(dtype=str)[pos]
    if pos.size:
        sx, sy = to_rd().transform(lons[pos], lats[pos])
        x, y = _point(lat, lon)
        minutes = model.site_minutes(
            x, y, np.atleast_1d(sx), np.atleast_1d(sy), names=["the location"], site_names=list(site_ids)
        )[0]
    else:
        minutes = np.empty(0)
    keys = (site_ids, dist_km, minutes) if by == "minutes" else (site_ids, minutes, dist_km)
    order = np.lexsort(keys)[:limit]
    out = sites.iloc[pos[order]].copy()
    out["minutes"] = minutes[order]
    out["distance_km"] = dist_km[order]
    out["rank"] = np.arange(1, len(order) + 1, dtype="int64")
    return out.reset_index(drop=True)


def _rd_xy(gdf: gpd.GeoDataFrame, arg: str) -> np.ndarray:
    return rd_coordinates(gdf, arg=arg, error=TravelTimeError)


def nearest_minutes_xy(
    model: TravelModel,
    site_xy: np.ndarray,
    point_xy: np.ndarray,
    k: int = 1,
    *,
    point_names: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes to the ``k`` fastest sites from each point: the contract of ``geo.coverage._query``.

    Parameters
    ----------
    model
        The travel model.
    site_xy, point_xy
        RD New coordinates, shape (n, 2).
    k
        How many sites per point.

    Returns
    -------
    minutes : ndarray
        Shape (points,) for ``k == 1``, else (points, k), fastest first; ``inf`` when there are
        fewer than ``k`` reachable sites.
    index : ndarray of int
        Row of each site in ``site_xy``; ``-1`` where the minutes are ``inf`` because there are
        fewer than ``k`` sites.
    """
    site_xy = np.asarray(site_xy, float).reshape(-1, 2)
    point_xy = np.asarray(point_xy, float).reshape(-1, 2)
    n, m = len(point_xy), len(site_xy)
    shape = (n,) if k == 1 else (n, k)
    if m == 0 or n == 0:
        return np.full(shape, np.inf), np.full(shape, -1, dtype=np.int64)
    t = model.site_minutes(point_xy[:, 0], point_xy[:, 1], site_xy[:, 0], site_xy[:, 1], names=point_names)
    kk = min(k, m)
    idx = np.argsort(t, axis=1, kind="stable")[:, :kk]
    val = np.take_along_axis(t, idx, axis=1)
    if kk < k:
        val = np.hstack([val, np.full((n, k - kk), np.inf)])
        idx = np.hstack([idx, np.full((n, k - kk), -1)])
    if k == 1:
        return val[:, 0], idx[:, 0].astype(np.int64)
    return val, idx.astype(np.int64)


def minutes_query(model: TravelModel) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """A drop-in for ``geo.coverage._query(tree_xy, xy, k=1)`` that answers in minutes.

    ``docs/traveltime.md`` shows the few lines of :mod:`geo.coverage` that take it as an option, so
    coverage, what-if and sensitivity work with a threshold in minutes.
    """

    def query(tree_xy: np.ndarray, xy: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        return nearest_minutes_xy(model, tree_xy, xy, k)

    return query


def population_minutes(
    population: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, model: TravelModel
) -> tuple[np.ndarray, np.ndarray]:
    """Find the fastest site of every population point: ``geo.coverage.nearest_distances`` in minutes.

    A what-if closure is this call with fewer sites: the fields are cached per site, so it costs a
    gather and a minimum (a few milliseconds for 2,000 places), not new shortest paths.

    Parameters
    ----------
    population
        Points (any CRS), one per place; a ``name`` column, when present, names moved places in the log.
    sites
        Points (any CRS), one per site.
    model
        The travel model.

    Returns
    -------
    minutes : ndarray of float
        Estimated car minutes to the fastest site; ``inf`` when there are no sites or no route.
    site_index : ndarray of int
        Position (``iloc``) in ``sites`` of that site; ``-1`` when there are no sites.
    """
    pxy = _rd_xy(population, "population")
    sxy = _rd_xy(sites, "sites")
    names = population["name"].astype(str).tolist() if "name" in population.columns else None
    return nearest_minutes_xy(model, sxy, pxy, 1, point_names=names)


def travel_minutes(
    model: TravelModel, from_lat: float, from_lon: float, to_lat: float, to_lon: float
) -> float:
    """Estimated car minutes between two WGS84 positions (runs one Dijkstra for a new start cell)."""
    _check_position(from_lat, from_lon, "the start")
    _check_position(to_lat, to_lon, "the destination")
    x0, y0 = to_rd().transform(float(from_lon), float(from_lat))
    x1, y1 = to_rd().transform(float(to_lon), float(to_lat))
    return float(
        model.site_minutes(
            np.array([x1]),
            np.array([y1]),
            np.array([x0]),
            np.array([y0]),
            names=["destination"],
            site_names=["start"],
        )[0, 0]
    )


# --- calibration ----------------------------------------------------------------------------------------


def calibration(model: TravelModel, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Model minutes beside published car travel times (``data/calibration.csv``).

    Rows with ``closed_links`` are computed with those links closed (a published detour); rows whose
    ``includes_overhead`` is ``no`` (a route planner's pure driving time) are compared without the
    model's start/finish overhead.

    Returns
    -------
    DataFrame
        The table plus ``crow_km``, ``model_min``, ``error_min`` (model minus published) and
        ``error_pct``.
    """
    if table is None:
        table = _read_csv(default_data_dir() / CALIBRATION_FILE)
    rows = []
    for r in table.itertuples():
        closed = [c for c in str(getattr(r, "closed_links", "") or "").split(";") if c.strip()]
        m = model.replace(closed_links=[*model.closed_links, *closed]) if closed else model
        f_lat, f_lon, t_lat, t_lon = (float(v) for v in (r.from_lat, r.from_lon, r.to_lat, r.to_lon))
        minutes = travel_minutes(m, f_lat, f_lon, t_lat, t_lon)
        if str(getattr(r, "includes_overhead", "yes")).strip().lower() == "no":
            minutes -= m.overhead_min
        _, _, d = GEOD.inv(f_lon, f_lat, t_lon, t_lat)
        rows.append({"crow_km": d / 1000.0, "model_min": minutes})
    out = pd.concat([table.reset_index(drop=True), pd.DataFrame(rows)], axis=1)
    published = pd.to_numeric(out["published_min"])
    out["error_min"] = out["model_min"] - published
    out["error_pct"] = 100.0 * out["error_min"] / published
    return out


def calibration_summary(result: pd.DataFrame) -> dict[str, float]:
    """Median and worst absolute error of a :func:`calibration` result, in minutes and percent."""
    err = result["error_min"].abs()
    pct = result["error_pct"].abs()
    return {
        "pairs": len(result),
        "median_abs_error_min": float(err.median()),
        "worst_abs_error_min": float(err.max()),
        "median_abs_error_pct": float(pct.median()),
        "worst_abs_error_pct": float(pct.max()),
        "median_error_min": float(result["error_min"].median()),
    }
