"""Travel model over the surface: one graph per parameter set, snapping, fields, ferries as portals.

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

import hashlib
import json
import logging
import math
import numbers
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy import ndimage

from geo.crs import to_rd
from geo.defaults import FERRY_WAIT_MIN
from geo.traveltime.fieldcache import _FieldStore, default_cache_dir
from geo.traveltime.graph import build_graph, layered_graph
from geo.traveltime.params import (
    ACCESS_HALF_DENSITY,
    ACCESS_MAX_MIN,
    FIELD_VERSION,
    LAND_KMH,
    MIN_COMPONENT_KM2,
    OVERHEAD_MIN,
    RAMP_MIN,
    SNAP_MAX_KM,
    TRUNK_KMH,
    TravelTimeError,
)
from geo.traveltime.surface import Surface, load_surface

logger = logging.getLogger("geo.traveltime")

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
    access_min: np.ndarray  # local access time at this end of a trip (density of its census cell)


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
    ``ferry_wait_min``, ``overhead_min`` or the access time reuses every field; changing ``land_kmh`` or
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
    land_kmh, overhead_min, access_max_min, access_half_density, ferry_wait_min, closed_links, ferries,
    snap_max_km, min_component_km2
        The parameters (see :func:`load_model`).
    """

    surface: Surface
    land_kmh: float = LAND_KMH
    trunk_kmh: float | None = TRUNK_KMH
    ramp_min: float = RAMP_MIN
    overhead_min: float = OVERHEAD_MIN
    access_max_min: float = ACCESS_MAX_MIN
    access_half_density: float = ACCESS_HALF_DENSITY
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
        if self.trunk_kmh is not None:
            _check_number(self.trunk_kmh, "trunk_kmh", 5, 130)
        _check_number(self.ramp_min, "ramp_min", 0, 60)
        _check_number(self.overhead_min, "overhead_min", 0, 120)
        _check_number(self.access_max_min, "access_max_min", 0, 60)
        _check_number(self.access_half_density, "access_half_density", 1, 100_000)
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
            "trunk_kmh": None if self.trunk_kmh is None else float(self.trunk_kmh),
            "ramp_min": float(self.ramp_min),
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
        nodes = graph.shape[0]
        if self.trunk_kmh is not None:
            # The trunk layer runs at one speed; on a fixed link it takes the link's own speed.
            trunk_speed = np.where(on_link, link_speed[s.link], self.trunk_kmh)
            trunk, _ = build_graph(passable, trunk_speed, s.res_m)
            graph = layered_graph(graph, trunk, self.ramp_min * 60.0)
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
            "trunk_kmh": self.trunk_kmh,
            "ramp_min": self.ramp_min,
            "closed_links": sorted(self.closed_links),
            "mask_sha256": s.mask_sha256,
        }
        store = _FieldStore(graph, folder, meta, nodes)
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

        ``ferry_wait_min``, ``overhead_min`` and the access parameters never need new fields;
        ``land_kmh``, ``trunk_kmh``, ``ramp_min``, ``closed_links`` and ``min_component_km2`` do
        (computed on demand).
        Registered sites are kept.
        """
        if "closed_links" in changes:
            changes["closed_links"] = tuple(dict.fromkeys(map(str, changes["closed_links"])))  # type: ignore[call-overload]
        if "ferries" in changes:
            changes["ferries"] = tuple(dict.fromkeys(map(str, changes["ferries"])))  # type: ignore[call-overload]
        core_params = ("land_kmh", "trunk_kmh", "ramp_min", "closed_links", "min_component_km2")
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
        digest = hashlib.sha1(np.concatenate([x, y]).tobytes()).hexdigest()
        key = ("snap", what, self.access_max_min, self.access_half_density, digest)
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
        access = self.access_minutes(s.density[rr, cc].astype(float))
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
        out = _Snapped(node=node, extra_min=extra, moved_km=moved_km, access_min=access)
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

        Land time plus any sequence of ferry crossings, plus the snapping detours, the access
        time at both ends (:meth:`access_minutes`) and the overhead; ``inf`` where no route exists.
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
        ends = src.extra_min + src.access_min
        return out + ends[:, None] + (dst.extra_min + dst.access_min)[None, :] + self.overhead_min

    def access_minutes(self, density: np.ndarray) -> np.ndarray:
        """Local access time at one end of a trip for census densities (inhabitants per km²)."""
        d = np.asarray(density, dtype=float)
        return self.access_max_min * d / (d + self.access_half_density)

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
    trunk_kmh: float | None = TRUNK_KMH,
    ramp_min: float = RAMP_MIN,
    overhead_min: float = OVERHEAD_MIN,
    access_max_min: float = ACCESS_MAX_MIN,
    access_half_density: float = ACCESS_HALF_DENSITY,
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
        Effective car speed on land, the local layer (5-130).
    trunk_kmh, ramp_min
        Speed of the trunk layer (5-130; ``None``: no trunk layer) and the minutes it costs to get on
        or off it (0-60); see :func:`geo.traveltime.graph.layered_graph`.
    overhead_min
        Minutes added to every trip (0-120).
    access_max_min, access_half_density
        Local access time at each end of a trip: ``access_max_min * d / (d + access_half_density)``
        minutes for ``d`` census inhabitants per km² where the end lies (0-60 min; 1-100,000).
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
        trunk_kmh=trunk_kmh,
        ramp_min=ramp_min,
        overhead_min=overhead_min,
        access_max_min=access_max_min,
        access_half_density=access_half_density,
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
