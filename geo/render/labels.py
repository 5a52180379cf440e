"""Place names for the offline map: which names show at which zoom, decided once on the server.

No tiles are needed: province names show at the overview zooms, the largest places from zoom 8 and
more with each zoom. For every zoom the candidates are placed greedily, largest first (province
names first at the overview zooms, after the cities at zoom 8), and a name whose box would overlap
an already placed one is left out at that zoom, so names never overlap each other. The browser then
moves a name that would sit under a site marker beside its place, or hides it, since the markers
change with the filters (``PlaceNames`` in :mod:`geo.render.weblayers`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

#: Zooms with place names; deeper zooms show the names of the deepest one.
PLACE_ZOOMS = range(8, 13)
#: Smallest population named at each zoom (GeoNames counts).
MIN_POPULATION: Mapping[int, int] = {8: 40_000, 9: 15_000, 10: 7_000, 11: 3_500, 12: 2_000}
#: Zooms with province names (below the first place zoom they are the only names).
PROVINCE_ZOOMS = range(6, 9)
#: Font sizes in px (places: by size class; provinces: capitals) and the space kept around a name.
FONT_PX = {"province": 13.0, "city": 13.0, "town": 11.5}
CHAR_WIDTH = 0.58  # average glyph width of the sans-serif font, as a share of the font size
PAD_PX = 3.0
#: Water names: label positions chosen for legibility (not survey points).
WATER_NAMES: Sequence[tuple[str, float, float, int]] = (
    ("Noordzee", 52.75, 3.9, 6),
    ("Waddenzee", 53.27, 5.33, 8),
    ("IJsselmeer", 52.83, 5.33, 8),
    ("Markermeer", 52.53, 5.2, 9),
)


@dataclass(frozen=True)
class Label:
    """One name on the map: where, how big, and at which zooms it shows."""

    name: str
    lat: float
    lon: float
    kind: str  # "province", "city" or "town"
    zooms: tuple[int, ...]

    def mask(self) -> int:
        """Bit ``z`` set for every zoom ``z`` at which the name shows (for the browser)."""
        return sum(1 << z for z in self.zooms)


def pixel(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web-Mercator pixel position (256 px tiles) of a point at ``zoom``."""
    scale = 256 * 2**zoom
    x = (lon + 180.0) / 360.0 * scale
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale
    return x, y


def text_box(name: str, kind: str, x: float, y: float) -> tuple[float, float, float, float]:
    """Box (x0, y0, x1, y1) in px of a name centred on (x, y), padding included."""
    size = FONT_PX[kind]
    width = len(name) * size * CHAR_WIDTH * (1.25 if kind == "province" else 1.0)  # letter-spaced
    return (x - width / 2 - PAD_PX, y - size / 2 - PAD_PX, x + width / 2 + PAD_PX, y + size / 2 + PAD_PX)


def overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two boxes (x0, y0, x1, y1) overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


#: A candidate name: ``(key, name, lat, lon, kind, priority)``; ``key`` tells apart a province and a
#: place of the same name (Groningen, Utrecht).
Candidate = tuple[str, str, float, float, str, float]


def place_names(candidates: Iterable[Candidate], zoom: int) -> list[str]:
    """Keys (in placing order) of the names that fit at ``zoom`` without overlapping one another.

    Higher priority is placed first (ties by key, so the result does not depend on input order).
    """
    order = sorted(candidates, key=lambda c: (-c[5], c[0]))
    placed: list[tuple[float, float, float, float]] = []
    shown: list[str] = []
    for key, name, lat, lon, kind, _ in order:
        box = text_box(name, kind, *pixel(lat, lon, zoom))
        if any(overlaps(box, other) for other in placed):
            continue
        placed.append(box)
        shown.append(key)
    return shown


def map_labels(places: pd.DataFrame, provinces: gpd.GeoDataFrame) -> list[Label]:
    """Province and place names with the zooms at which each shows (see the module docstring).

    ``places`` needs ``name``, ``population``, ``lat``, ``lon`` (e.g. :func:`geo.geonames.dutch_places`);
    ``provinces`` needs ``name`` and polygons (any CRS). Places sharing a name keep the largest.
    """
    rd = provinces.to_crs("EPSG:28992")
    anchors = gpd.GeoSeries(rd.geometry.representative_point(), crs="EPSG:28992").to_crs("EPSG:4326")
    prov: list[Candidate] = [
        (f"province:{n}", str(n), p.y, p.x, "province", 1e9) for n, p in zip(rd["name"], anchors, strict=True)
    ]
    big = places[places["population"] >= min(MIN_POPULATION.values())]
    big = big.sort_values("population", ascending=False).drop_duplicates("name")
    where = {r.name: (float(r.lat), float(r.lon), int(r.population)) for r in big.itertuples()}
    zooms: dict[str, list[int]] = {}
    for z in sorted(set(PROVINCE_ZOOMS) | set(PLACE_ZOOMS)):
        cands: list[Candidate] = []
        if z in PLACE_ZOOMS:
            cands = [
                (n, n, lat, lon, _kind(pop), float(pop))
                for n, (lat, lon, pop) in where.items()
                if pop >= MIN_POPULATION[z]
            ]
        if z in PROVINCE_ZOOMS:  # first at the overview, where space remains once places show
            cands += [(k, n, lat, lon, kind, 1e9 if not cands else 0.0) for k, n, lat, lon, kind, _ in prov]
        for key in place_names(cands, z):
            zooms.setdefault(key, []).append(z)
    out = [Label(n, lat, lon, "province", tuple(zooms[k])) for k, n, lat, lon, _, _ in prov if k in zooms]
    for name, (lat, lon, pop) in where.items():
        if name in zooms:
            out.append(Label(name, lat, lon, _kind(pop), tuple(zooms[name])))
    return out


def _kind(population: int) -> str:
    return "city" if population >= MIN_POPULATION[PLACE_ZOOMS[1]] else "town"


def labels_payload(labels: Iterable[Label]) -> list[list[object]]:
    """Compact rows for the browser: ``[name, lat, lon, kind initial, zoom mask]``, water names included."""
    rows: list[list[object]] = [
        [lab.name, round(lab.lat, 3), round(lab.lon, 3), lab.kind[0], lab.mask()] for lab in labels
    ]
    for name, lat, lon, first in WATER_NAMES:
        rows.append([name, lat, lon, "w", sum(1 << z for z in range(first, 18))])
    return rows
