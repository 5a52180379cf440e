"""Map snapshots for reports and data exports of the sites shown.

Three groups of functions, none of which touches Streamlit:

* :func:`render_static` draws a print map (PNG, SVG or PDF) of a :class:`SnapshotSpec` with
  geopandas geometry and a private :class:`matplotlib.figure.Figure` (no pyplot, no global state).
  The map is drawn in RD New (EPSG:28992), so the scale bar is in true metres. Every word on the
  page comes from the spec: the caller passes strings already translated.
* :func:`sites_table`, :func:`to_csv_bytes`, :func:`to_xlsx_bytes`, :func:`to_geojson_bytes` and
  :func:`to_gpkg_bytes` turn the sites into files. Text is exported as plain text (never
  HTML-escaped); spreadsheet cells that a spreadsheet would run as a formula get a leading
  apostrophe.
* :func:`standalone_html` turns a rendered folium page into one file that opens offline: Leaflet and
  jQuery are inlined from the pinned ``xstatic`` packages and every other external script or
  stylesheet is dropped.
"""

from __future__ import annotations

import base64
import io
import math
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import matplotlib.patheffects as path_effects
import numpy as np
import pandas as pd
import shapely
import xstatic.pkg.jquery as xjquery
import xstatic.pkg.leaflet as xleaflet
from matplotlib.collections import PatchCollection
from matplotlib.colors import LinearSegmentedColormap, Normalize, is_color_like, to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextToPath
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from geo.crs import RD, WGS84, to_rd
from geo.schema import CATEGORIES
from geo.style import CLOSED_COLOUR, CONTEXT_COLOUR, SHARE_RANGE, SHARE_SCALE, network_colours

Format = Literal["png", "svg", "pdf"]
Page = Literal["a4-portrait", "a4-landscape", "16:9"]

#: Page sizes in inches (width, height).
PAGES: dict[str, tuple[float, float]] = {
    "a4-portrait": (8.27, 11.69),
    "a4-landscape": (11.69, 8.27),
    "16:9": (13.33, 7.5),
}
FORMATS = ("png", "svg", "pdf")

KIND_COLOUR = "#6E6E6E"
OUTSIDE = "#E4EAEF"
LAND = "#F6F5F1"
REGION = "#FCE9C4"
REGION_PARTIAL = "#FBF3E1"
REGION_EDGE = "#9C7A3C"
BORDER = "#9A9A9A"
INK = "#1E1E1E"
MUTED = "#5C5C5C"
FINDER_COLOUR = "#1E1E1E"
#: Marker diameter in points per category.
MARKER_PT = {"hospital_ed": 12.0, "hospital": 10.5, "outpatient": 11.0, "radiotherapy": 11.0, "other": 8.5}

#: Sources that every snapshot draws on; the caller adds the network sources and tiles.
NATURAL_EARTH = "Natural Earth (public domain)"
GEONAMES = "GeoNames (CC BY 4.0)"
TILE_ATTRIBUTION = {
    "nlmaps": "Kaartgegevens © Kadaster (PDOK, CC BY 4.0)",
    "osm": "© OpenStreetMap contributors (ODbL)",
}


# --------------------------------------------------------------------------------------------------
# Spec
# --------------------------------------------------------------------------------------------------


def _default_categories() -> dict[str, str]:
    return {
        "hospital_ed": "Ziekenhuis met 24/7 SEH",
        "hospital": "Ziekenhuis zonder 24/7 SEH",
        "outpatient": "Buitenpolikliniek",
        "radiotherapy": "Radiotherapiecentrum",
        "other": "Overige locatie",
    }


@dataclass(frozen=True)
class SnapshotLabels:
    """Every fixed word of the legend and map furniture; the defaults are the app's Dutch."""

    networks: str = "Kleur: netwerk"
    multi: str = "In meerdere netwerken (gedeelde kleur)"
    context: str = "Ziekenhuis buiten deze netwerken"
    kinds: str = "Vorm: soort locatie"
    categories: Mapping[str, str] = field(default_factory=_default_categories)
    closed: str = "Gesloten locatie"
    layers: str = "Kaartlagen"
    region: str = "Netwerkregio"
    region_partial: str = "Deels netwerkregio"
    service_areas: str = "Verzorgingsgebied"
    finder: str = "Zoeklocatie"
    finder_results: str = "Lijn naar gevonden locatie"
    no_data: str = "Geen gegevens"
    scale_unit: str = "km"
    north: str = "N"


@dataclass(frozen=True)
class Finder:
    """A searched location and the sites found for it (drawn as a star with lines to the sites)."""

    lat: float
    lon: float
    label: str
    site_ids: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class SnapshotSpec:
    """Everything a static map shows; all text is passed in already translated.

    Parameters
    ----------
    sites
        Sites to draw (any CRS; usually :func:`geo.data.filter_sites` output). Needs ``site_id``,
        ``category``, ``networks`` (tuples of ids) and a point geometry; ``in_network`` and
        ``status`` are used when present.
    provinces
        Province polygons with a ``name`` column (any CRS).
    title
        Title of the page.
    subtitle
        One line stating the active filters and threshold (wrapped when long).
    date
        Date (or "made on ..." text) printed in the footer.
    sources
        Sources and licences line (see :func:`sources_line`).
    highlighted, partial
        Province names of the selected networks' region; ``partial`` ones only partly belong to it.
    network_labels
        Legend label per network id, in legend order.
    network_colours
        Colour per network id; networks without one get the app's fixed colour or an Okabe-Ito one.
    labels
        Legend headings and entries, scale unit and north letter.
    extent
        ``(minx, miny, maxx, maxy)`` in WGS84 degrees, or ``None`` to fit the sites and the region.
    province_shares
        Optional share (0..1) per province name, drawn as shading with a colour bar titled
        ``shares_title``; the region is then shown by its outline only.
    service_areas
        Optional polygons (any CRS); a ``network_id`` column colours them per network.
    finder
        Optional searched location with the ids of the sites found; ids not among ``sites`` are skipped.
    province_names
        Print province names (and shares) on the map.
    """

    sites: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    title: str
    subtitle: str = ""
    date: str = ""
    sources: str = ""
    highlighted: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()
    network_labels: Mapping[str, str] = field(default_factory=dict)
    network_colours: Mapping[str, str] = field(default_factory=dict)
    labels: SnapshotLabels = field(default_factory=SnapshotLabels)
    extent: tuple[float, float, float, float] | None = None
    province_shares: Mapping[str, float] | None = None
    shares_title: str = ""
    service_areas: gpd.GeoDataFrame | None = None
    finder: Finder | None = None
    province_names: bool = True

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in ("sites", "provinces"):
            gdf = getattr(self, name)
            if not isinstance(gdf, gpd.GeoDataFrame):
                problems.append(f"`{name}` must be a GeoDataFrame, got {type(gdf).__name__}")
            elif gdf.crs is None:
                problems.append(f"`{name}` must have a CRS (use set_crs('EPSG:4326') for lon/lat)")
        if isinstance(self.sites, gpd.GeoDataFrame):
            missing = [c for c in ("site_id", "category", "networks") if c not in self.sites.columns]
            if missing:
                problems.append(f"`sites` lacks column(s): {', '.join(missing)}")
        known = set(self.provinces["name"]) if "name" in getattr(self.provinces, "columns", ()) else set()
        if isinstance(self.provinces, gpd.GeoDataFrame) and not known:
            problems.append("`provinces` needs a non-empty `name` column")
        for what, names in (
            ("highlighted", self.highlighted),
            ("partial", self.partial),
            ("province_shares", self.province_shares or {}),
        ):
            unknown = sorted(set(names) - known) if known else []
            if unknown:
                problems.append(f"`{what}` names unknown province(s): {', '.join(unknown)}")
        for prov, share in (self.province_shares or {}).items():
            if not (isinstance(share, int | float) and 0.0 <= float(share) <= 1.0):
                problems.append(f"share of {prov} must be a number from 0 to 1, got {share!r}")
        bad = [f"{k}={v!r}" for k, v in self.network_colours.items() if not is_color_like(v)]
        if bad:
            problems.append(f"`network_colours` has invalid colour(s): {', '.join(bad)}")
        if self.extent is not None:
            ext = self.extent
            if len(ext) != 4 or not (ext[0] < ext[2] and ext[1] < ext[3]):
                problems.append(f"`extent` must be (minx, miny, maxx, maxy) with min < max, got {ext!r}")
        if self.service_areas is not None and (
            not isinstance(self.service_areas, gpd.GeoDataFrame) or self.service_areas.crs is None
        ):
            problems.append("`service_areas` must be a GeoDataFrame with a CRS")
        if problems:
            raise ValueError("invalid SnapshotSpec: " + "; ".join(problems))


def sources_line(heading: str, *, extra: Iterable[str] = (), tiles: str | None = None) -> str:
    """Compose the sources and licences line: ``heading: Natural Earth; GeoNames; extra...; tiles``.

    ``tiles`` is the tile provider key used on the map (``"nlmaps"`` or ``"osm"``), or ``None``.
    """
    parts = [NATURAL_EARTH, GEONAMES, *(e for e in extra if e)]
    if tiles:
        parts.append(TILE_ATTRIBUTION.get(tiles, tiles))
    return f"{heading}: " + "; ".join(parts) if heading else "; ".join(parts)


resolve_colours = network_colours  # the same rule as the interactive map


def page_pixels(page: Page, dpi: int) -> tuple[int, int]:
    """Pixel size of a PNG of ``page`` at ``dpi``: inches times dpi, rounded half up."""
    w, h = PAGES[page]
    return math.floor(w * dpi + 0.5), math.floor(h * dpi + 0.5)


# --------------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------------


def _ring_codes(n: int) -> list[int]:
    return [MplPath.MOVETO] + [MplPath.LINETO] * (n - 2) + [MplPath.CLOSEPOLY]


def _geom_path(geom: shapely.Geometry) -> MplPath | None:
    """Return a matplotlib path of a (multi)polygon, holes included; ``None`` for empty geometry."""
    verts: list[np.ndarray] = []
    codes: list[int] = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) >= 3:
                verts.append(xy)
                codes += _ring_codes(len(xy))
    if not verts:
        return None
    return MplPath(np.concatenate(verts), codes)


def _regular(n: int, radius: float, start_deg: float) -> np.ndarray:
    angles = np.deg2rad(start_deg + 360.0 * np.arange(n) / n)
    return np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])


#: Marker outlines in a unit box (radius about 1), matching the interactive map's shapes.
_UNIT_SHAPES: dict[str, np.ndarray] = {
    "hospital_ed": _regular(40, 1.0, 90),
    "hospital": np.array([[-0.86, -0.86], [0.86, -0.86], [0.86, 0.86], [-0.86, 0.86]]),
    "outpatient": np.array([[0.0, 1.08], [1.02, -0.78], [-1.02, -0.78]]),
    "radiotherapy": np.array([[0.0, 1.12], [1.12, 0.0], [0.0, -1.12], [-1.12, 0.0]]),
    "other": _regular(6, 1.02, 90),
}


@cache
def _bands(category: str, n: int) -> tuple[np.ndarray, ...]:
    """Split a marker shape into ``n`` vertical bands (one per network)."""
    shape = shapely.Polygon(_UNIT_SHAPES.get(category, _UNIT_SHAPES["other"]))
    if n <= 1:
        return (np.asarray(shape.exterior.coords),)
    minx, miny, maxx, maxy = shape.bounds
    step = (maxx - minx) / n
    out = []
    for i in range(n):
        part = shape.intersection(shapely.box(minx + i * step, miny - 1, minx + (i + 1) * step, maxy + 1))
        if isinstance(part, shapely.Polygon) and not part.is_empty:
            out.append(np.asarray(part.exterior.coords))
    return tuple(out)


def _bar(x0: float, y0: float, x1: float, y1: float, half_width: float) -> np.ndarray:
    """A thick line from (x0, y0) to (x1, y1) as a rectangle polygon."""
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length * half_width, dx / length * half_width
    return np.array([[x0 + nx, y0 + ny], [x1 + nx, y1 + ny], [x1 - nx, y1 - ny], [x0 - nx, y0 - ny]])


_CROSS = (_bar(-0.6, 0, 0.6, 0, 0.15), _bar(0, -0.6, 0, 0.6, 0.15))
_X = (_bar(-0.5, -0.5, 0.5, 0.5, 0.09), _bar(-0.5, 0.5, 0.5, -0.5, 0.09))

Patch = tuple[np.ndarray, Any, Any, float]  # polygon, facecolour, edgecolour, linewidth (pt)


def _marker(
    category: str, colours: Sequence[str], x: float, y: float, r: float, *, closed: bool = False
) -> list[Patch]:
    """Polygons that draw one site marker, bottom to top, centred on (x, y) with radius ``r``."""
    outline = _UNIT_SHAPES.get(category, _UNIT_SHAPES["other"]) * r + (x, y)
    none = (0, 0, 0, 0)
    out: list[Patch] = [(outline, none, (0.1, 0.1, 0.1, 0.55), 1.5)]
    if closed:
        out.append((outline, "#FFFFFF", none, 0.0))
        out += [(bar * r + (x, y), CLOSED_COLOUR, none, 0.0) for bar in _X]
        out.append((outline, none, CLOSED_COLOUR, 0.6))
        return out
    cols = list(colours) or [CONTEXT_COLOUR]
    for band, colour in zip(_bands(category, len(cols)), cols, strict=False):
        out.append((band * r + (x, y), colour, none, 0.0))
    if category == "hospital_ed":
        out += [(bar * r + (x, y), "#FFFFFF", none, 0.0) for bar in _CROSS]
    out.append((outline, none, "#FFFFFF", 0.7))
    return out


def _collection(patches: list[Patch], zorder: float) -> PatchCollection:
    polys = [Polygon(xy, closed=True) for xy, *_ in patches]
    return PatchCollection(
        polys,
        facecolors=[to_rgba(p[1]) for p in patches],
        edgecolors=[to_rgba(p[2]) for p in patches],
        linewidths=[p[3] for p in patches],
        joinstyle="round",
        zorder=zorder,
    )


# --------------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------------

_TEXT_TO_PATH = TextToPath()
_HALO = [path_effects.withStroke(linewidth=2.2, foreground="white")]


def _text_width(text: str, size: float, weight: str = "normal") -> float:
    """Width of ``text`` in points at font size ``size``."""
    w, _, _ = _TEXT_TO_PATH.get_text_width_height_descent(
        text, FontProperties(size=size, weight=weight), ismath=False
    )
    return float(w)


def _wrap(text: str, width_pt: float, size: float, weight: str = "normal") -> list[str]:
    """Greedy word wrap of ``text`` to ``width_pt`` points; explicit newlines are kept."""
    lines: list[str] = []
    for para in str(text).splitlines() or [""]:
        words = para.split()
        line = ""
        for word in words:
            trial = f"{line} {word}" if line else word
            if line and _text_width(trial, size, weight) > width_pt:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return [ln for ln in lines if ln]


# --------------------------------------------------------------------------------------------------
# Legend
# --------------------------------------------------------------------------------------------------

LEGEND_FS = 7.5
HEADING_FS = 8.0
LINE_PT = 11.5
GLYPH_X = 7.0
TEXT_X = 17.0


@dataclass(frozen=True)
class _Entry:
    kind: str  # marker | patch | line | star | colorbar
    label: str
    opts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Group:
    heading: str
    entries: tuple[_Entry, ...]


def _shares_cmap() -> LinearSegmentedColormap:
    """The app's coverage shading (dark = poorly covered), so print and screen agree."""
    return LinearSegmentedColormap.from_list("shares", SHARE_SCALE)


def _shares_norm() -> Normalize:
    return Normalize(*SHARE_RANGE, clip=True)


def _legend_groups(
    spec: SnapshotSpec, sites: pd.DataFrame, colours: Mapping[str, str], has_lines: bool
) -> list[_Group]:
    lab = spec.labels
    groups: list[_Group] = []
    nets: list[_Entry] = [
        _Entry("marker", label, {"category": "hospital", "colours": [colours[nid]]})
        for nid, label in spec.network_labels.items()
    ]
    multi = sites["colours"].map(len) > 1
    if multi.any():
        first = sites.loc[multi, "colours"].iloc[0]
        nets.append(_Entry("marker", lab.multi, {"category": "hospital", "colours": list(first)}))
    if (~sites["in_net"] & ~sites["closed"]).any():
        nets.append(_Entry("marker", lab.context, {"category": "hospital", "colours": [CONTEXT_COLOUR]}))
    if nets:
        groups.append(_Group(lab.networks, tuple(nets)))
    present = set(sites["category"])
    kinds = [
        _Entry("marker", lab.categories.get(cat, cat), {"category": cat, "colours": [KIND_COLOUR]})
        for cat in CATEGORIES
        if cat in present
    ]
    if sites["closed"].any():
        kinds.append(_Entry("marker", lab.closed, {"category": "hospital", "colours": [], "closed": True}))
    if kinds:
        groups.append(_Group(lab.kinds, tuple(kinds)))
    layers: list[_Entry] = []
    shares = spec.province_shares is not None
    if spec.highlighted:
        fill = "none" if shares else REGION
        layers.append(_Entry("patch", lab.region, {"fc": fill, "ec": REGION_EDGE, "lw": 1.4}))
    if spec.partial and not shares:
        layers.append(_Entry("patch", lab.region_partial, {"fc": REGION_PARTIAL, "ec": BORDER, "ls": "--"}))
    if spec.service_areas is not None and not spec.service_areas.empty:
        layers.append(
            _Entry(
                "patch", lab.service_areas, {"fc": to_rgba(MUTED, 0.07), "ec": MUTED, "ls": "--", "lw": 0.9}
            )
        )
    if spec.finder is not None:
        star = f"{lab.finder}: {spec.finder.label}" if spec.finder.label else lab.finder
        layers.append(_Entry("star", star))
        if has_lines:
            layers.append(_Entry("line", lab.finder_results))
    if shares:
        layers.append(_Entry("colorbar", spec.shares_title))
        if set(spec.province_shares or {}) != set(spec.provinces["name"]):
            layers.append(_Entry("patch", lab.no_data, {"fc": LAND, "ec": BORDER}))
    if layers:
        groups.append(_Group(lab.layers, tuple(layers)))
    return groups


def _entry_lines(entry: _Entry, width_pt: float) -> list[str]:
    if entry.kind == "colorbar":
        return _wrap(entry.label, width_pt, LEGEND_FS, "bold")
    return _wrap(entry.label, width_pt - TEXT_X, LEGEND_FS) or [""]


def _entry_height(entry: _Entry, width_pt: float) -> float:
    lines = _entry_lines(entry, width_pt)
    if entry.kind == "colorbar":
        return len(lines) * LINE_PT + 26.0
    return max(1, len(lines)) * (LEGEND_FS * 1.25) + (LINE_PT - LEGEND_FS * 1.25)


def _group_height(group: _Group, width_pt: float) -> float:
    return HEADING_FS * 1.6 + sum(_entry_height(e, width_pt) for e in group.entries) + 6.0


def _draw_entry(ax: Any, entry: _Entry, x: float, y: float, width_pt: float) -> float:
    """Draw one legend entry with its top at ``y`` (points, y grows upwards); return its height."""
    lines = _entry_lines(entry, width_pt)
    h = _entry_height(entry, width_pt)
    gy = y - LINE_PT / 2
    o = entry.opts
    if entry.kind == "colorbar":
        for i, line in enumerate(lines):
            ax.text(
                x,
                y - i * LINE_PT,
                line,
                fontsize=LEGEND_FS,
                weight="bold",
                va="top",
                color=INK,
                parse_math=False,
            )
        top = y - len(lines) * LINE_PT - 2
        bar_w = min(width_pt - 12, 150.0)
        lo, hi = SHARE_RANGE
        grad = np.linspace(lo, hi, 256)[None, :]
        ax.imshow(
            grad,
            cmap=_shares_cmap(),
            norm=_shares_norm(),
            aspect="auto",
            extent=(x, x + bar_w, top - 8, top),
            interpolation="bilinear",
            zorder=2,
        )
        ax.add_artist(Rectangle((x, top - 8), bar_w, 8, fc="none", ec=MUTED, lw=0.5, zorder=3))
        for v in np.linspace(lo, hi, 5):
            tx = x + (v - lo) / (hi - lo) * bar_w
            ax.plot([tx, tx], [top - 8, top - 10.5], color=MUTED, lw=0.5)
            label = f"≤{v:.0%}" if v == lo else f"{v:.0%}"
            ax.text(tx, top - 11.5, label, fontsize=6.5, ha="center", va="top", color=MUTED, parse_math=False)
        return h
    gx = x + GLYPH_X
    if entry.kind == "marker":
        cat = o["category"]
        r = MARKER_PT.get(cat, 9.0) / 2
        patches = _marker(cat, o["colours"], gx, gy, r, closed=o.get("closed", False))
        ax.add_collection(_collection(patches, 3))
    elif entry.kind == "patch":
        ax.add_artist(
            Rectangle(
                (gx - 6.5, gy - 4),
                13,
                8,
                fc=o.get("fc", LAND),
                ec=o.get("ec", BORDER),
                lw=o.get("lw", 0.7),
                ls=o.get("ls", "-"),
                zorder=3,
            )
        )
    elif entry.kind == "line":
        ax.plot([gx - 7, gx + 7], [gy, gy], color=FINDER_COLOUR, lw=0.9, ls=(0, (3, 2)), zorder=3)
    elif entry.kind == "star":
        ax.plot([gx], [gy], marker="*", ms=11, mfc=FINDER_COLOUR, mec="white", mew=0.8, zorder=3)
    for i, line in enumerate(lines):
        ax.text(
            x + TEXT_X,
            gy - i * LEGEND_FS * 1.25,
            line,
            fontsize=LEGEND_FS,
            va="center",
            color=INK,
            parse_math=False,
        )
    return h


def _draw_legend(ax: Any, groups: list[_Group], *, columns: int, width_pt: float, height_pt: float) -> None:
    """Lay groups out top-down in ``columns`` columns, never splitting a group."""
    ax.set_xlim(0, width_pt)
    ax.set_ylim(-height_pt, 0)
    ax.set_axis_off()
    col_w = width_pt / columns
    col, y = 0, 0.0
    for group in groups:
        gh = _group_height(group, col_w - 8)
        if y < 0 and -y + gh > height_pt + 0.5 and col + 1 < columns:
            col, y = col + 1, 0.0
        x = col * col_w
        ax.text(
            x, y, group.heading, fontsize=HEADING_FS, weight="bold", va="top", color=INK, parse_math=False
        )
        y -= HEADING_FS * 1.6
        for entry in group.entries:
            y -= _draw_entry(ax, entry, x, y, col_w - 8)
        y -= 6.0


def _legend_size(groups: list[_Group], columns: int, width_pt: float) -> float:
    """Height in points that ``groups`` need in ``columns`` columns of a panel ``width_pt`` wide."""
    col_w = width_pt / columns
    heights = [_group_height(g, col_w - 8) for g in groups]
    if columns == 1:
        return sum(heights)
    # Greedy balance: fill columns in order, starting a new one when it would be taller than the target.
    target = max(max(heights, default=0.0), sum(heights) / columns)
    cols, cur = [0.0], 0.0
    for h in heights:
        if cur and cur + h > target + 0.5 and len(cols) < columns:
            cols.append(0.0)
            cur = 0.0
        cur += h
        cols[-1] = cur
    return max(cols)


# --------------------------------------------------------------------------------------------------
# Static map
# --------------------------------------------------------------------------------------------------


def _prepare_sites(spec: SnapshotSpec, colours: Mapping[str, str]) -> pd.DataFrame:
    """Sites in RD with the columns drawing needs, in drawing order (context first, small on top)."""
    s = spec.sites
    s = s[s.geometry.notna() & ~s.geometry.is_empty]
    rd = s.to_crs(RD)
    nets = [tuple(n) if isinstance(n, list | tuple | np.ndarray) else () for n in rd["networks"]]
    if "in_network" in rd:
        in_net = rd["in_network"].astype(bool).to_numpy()
    else:
        in_net = np.array([bool(n) for n in nets], dtype=bool)
    closed = (rd["status"] == "closed").to_numpy() if "status" in rd else np.zeros(len(rd), bool)
    df = pd.DataFrame(
        {
            "site_id": rd["site_id"].astype(str).to_numpy(),
            "category": rd["category"].astype(str).to_numpy(),
            "x": rd.geometry.x.to_numpy(),
            "y": rd.geometry.y.to_numpy(),
            "colours": pd.Series(
                [tuple(colours.get(n, CONTEXT_COLOUR) for n in ns) for ns in nets], dtype=object
            ),
            "in_net": np.asarray(in_net, dtype=bool),
            "closed": np.asarray(closed, dtype=bool),
        }
    )
    df["size"] = df["category"].map(MARKER_PT).fillna(8.0).astype(float)
    return df.sort_values(["in_net", "size"], ascending=[True, False], kind="stable")


def _focus_bounds(spec: SnapshotSpec, sites: pd.DataFrame, prov_rd: gpd.GeoDataFrame) -> tuple[float, ...]:
    if spec.extent is not None:
        return tuple(to_rd().transform_bounds(*spec.extent, densify_pts=21))
    boxes: list[tuple[float, float, float, float]] = []
    if len(sites):
        boxes.append((sites["x"].min(), sites["y"].min(), sites["x"].max(), sites["y"].max()))
    region = prov_rd[prov_rd["name"].isin(set(spec.highlighted) | set(spec.partial))]
    if len(region):
        boxes.append(tuple(region.total_bounds))
    if spec.finder is not None:
        fx, fy = to_rd().transform(spec.finder.lon, spec.finder.lat)
        boxes.append((fx, fy, fx, fy))
    if spec.service_areas is not None and not spec.service_areas.empty:
        boxes.append(tuple(spec.service_areas.to_crs(RD).total_bounds))
    if not boxes:
        boxes.append(tuple(prov_rd.total_bounds))
    arr = np.array(boxes, dtype=float)
    return arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()


def _fit(
    bounds: tuple[float, ...], box_w: float, box_h: float, *, pad: float = 0.05, min_span: float = 25_000.0
) -> tuple[float, float, float, float]:
    """Pad ``bounds`` and widen it to the aspect ratio of a ``box_w`` by ``box_h`` axes box."""
    minx, miny, maxx, maxy = bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w = max(maxx - minx, min_span) * (1 + 2 * pad)
    h = max(maxy - miny, min_span) * (1 + 2 * pad)
    if w / h < box_w / box_h:
        w = h * box_w / box_h
    else:
        h = w * box_h / box_w
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _nice_length(target_m: float) -> float:
    """The largest 1, 2 or 5 times 10^k metres not above ``target_m`` (at least 1 km)."""
    best = 1000.0
    for exp in range(3, 7):
        for lead in (1, 2, 5):
            if lead * 10**exp <= target_m:
                best = float(lead * 10**exp)
    return best


def _draw_scale_bar(ax: Any, ext: tuple[float, ...], mpp: float, unit: str) -> None:
    minx, miny, maxx, _ = ext
    length = _nice_length((maxx - minx) * 0.2)
    x0, y0 = minx + 14 * mpp, miny + 12 * mpp
    bar_h = 4 * mpp
    km = length / 1000
    end_label = f"{km:g} {unit}".strip()
    pad = 5 * mpp
    text_w = _text_width(end_label, 7) * mpp
    ax.add_artist(
        Rectangle(
            (x0 - pad, y0 - pad),
            length + text_w / 2 + 2 * pad,
            bar_h + 15 * mpp + pad,
            fc=(1, 1, 1, 0.85),
            ec="none",
            zorder=20,
        )
    )
    seg = length / 4
    for i in range(4):
        ax.add_artist(
            Rectangle(
                (x0 + i * seg, y0), seg, bar_h, fc=INK if i % 2 == 0 else "white", ec=INK, lw=0.6, zorder=21
            )
        )
    half = km / 2
    ticks = [(0.0, "0"), (length, end_label)]
    if half == int(half):
        ticks.insert(1, (length / 2, f"{half:g}"))
    for dx, label in ticks:
        ax.text(
            x0 + dx,
            y0 + bar_h + 3 * mpp,
            label,
            fontsize=7,
            ha="center",
            va="bottom",
            color=INK,
            zorder=22,
            parse_math=False,
        )


def _grid_convergence(x: float, y: float) -> float:
    """Angle in degrees from RD grid north to true north at RD (x, y)."""
    lon, lat = to_rd().transform(x, y, direction="INVERSE")
    x2, y2 = to_rd().transform(lon, lat + 0.05)
    return math.degrees(math.atan2(x2 - x, y2 - y))


def _draw_north_arrow(ax: Any, ext: tuple[float, ...], mpp: float, letter: str) -> None:
    _, _, maxx, maxy = ext
    cx, cy = maxx - 20 * mpp, maxy - 34 * mpp
    angle = math.radians(-_grid_convergence((ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2))
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])

    def place(pts: list[tuple[float, float]]) -> np.ndarray:
        return (np.asarray(pts) @ rot.T) * mpp + (cx, cy)

    for side, fill in ((-6, INK), (6, "white")):
        tri = place([(0, 11), (side, -9), (0, -4)])
        ax.add_artist(Polygon(tri, closed=True, fc=fill, ec=INK, lw=0.6, zorder=21))
    tx, ty = place([(0, 15)])[0]
    ax.text(
        tx,
        ty,
        letter,
        fontsize=9,
        weight="bold",
        ha="center",
        va="bottom",
        color=INK,
        zorder=22,
        path_effects=_HALO,
        parse_math=False,
    )


def _draw_provinces(
    ax: Any,
    spec: SnapshotSpec,
    prov_rd: gpd.GeoDataFrame,
    sites: pd.DataFrame,
    ext: tuple[float, ...],
    mpp: float,
) -> None:
    high, part = set(spec.highlighted), set(spec.partial)
    shares = spec.province_shares
    cmap, norm = _shares_cmap(), _shares_norm()
    rows = sorted(zip(prov_rd["name"], prov_rd.geometry, strict=True), key=lambda r: (r[0] in high, r[0]))
    for name, geom in rows:
        path = _geom_path(geom)
        if path is None:
            continue
        if shares is not None:
            fill = cmap(norm(shares[name])) if name in shares else LAND
            ls = "-"
        else:
            fill = REGION_PARTIAL if name in part else REGION if name in high else LAND
            ls = (0, (4, 3)) if name in part else "-"
        ax.add_artist(PathPatch(path, fc=fill, ec=BORDER, lw=0.6, ls=ls, zorder=1))
    region = prov_rd[prov_rd["name"].isin(high)]
    if len(region):
        outline = _geom_path(shapely.union_all(region.geometry.values))
        if outline is not None:
            ax.add_artist(PathPatch(outline, fc="none", ec=REGION_EDGE, lw=1.4, zorder=2, joinstyle="round"))
    if not spec.province_names:
        return
    minx, miny, maxx, maxy = ext
    # Keep clear of the frame, the north arrow (top right) and the scale bar (bottom left).
    free = (
        shapely.box(minx, miny, maxx, maxy)
        .buffer(-18 * mpp)
        .difference(
            shapely.union_all(
                [
                    shapely.box(maxx - 50 * mpp, maxy - 70 * mpp, maxx, maxy),
                    shapely.box(minx, miny, minx + 0.3 * (maxx - minx), miny + 50 * mpp),
                ]
            )
        )
    )
    # Markers win over labels: try a few spots near the province's centre, skip the label if all are taken.
    markers = shapely.points(sites[["x", "y"]].to_numpy()).tolist() if len(sites) else []
    taken = shapely.STRtree(markers)
    for name, geom in zip(prov_rd["name"], prov_rd.geometry, strict=True):
        text = name if shares is None or name not in shares else f"{name}\n{shares[name]:.0%}"
        half_w = (_text_width(name, 6.5) / 2 + 6) * mpp
        half_h = (text.count("\n") + 1) * 4.5 * mpp + 6 * mpp
        pt = geom.representative_point()
        for dx, dy in ((0, 0), (0, 16), (0, -16), (36, 0), (-36, 0), (0, 32), (0, -32)):
            x, y = pt.x + dx * mpp, pt.y + dy * mpp
            box = shapely.box(x - half_w, y - half_h, x + half_w, y + half_h)
            if free.contains(box) and geom.contains(shapely.Point(x, y)) and not len(taken.query(box)):
                ax.text(
                    x,
                    y,
                    text,
                    fontsize=6.5,
                    style="italic",
                    ha="center",
                    va="center",
                    color=MUTED,
                    zorder=4,
                    path_effects=_HALO,
                    linespacing=1.15,
                    parse_math=False,
                )
                break


def _draw_service_areas(ax: Any, spec: SnapshotSpec, colours: Mapping[str, str]) -> None:
    """Tint each area lightly and draw every border once (neighbouring cells share their edges)."""
    areas = spec.service_areas
    if areas is None or areas.empty:
        return
    areas = areas.to_crs(RD)
    areas = areas[areas.geometry.notna() & ~areas.geometry.is_empty]
    # Co-located sites share one cell (geo.coverage.service_areas): draw it once.
    areas = areas[~areas.geometry.to_wkb().duplicated()]
    if "network_id" in areas.columns:
        ids = areas["network_id"].fillna("").astype(str).to_numpy()
    else:
        ids = np.full(len(areas), "", dtype=object)
    for nid, group in areas.groupby(ids, sort=True):
        colour = colours.get(nid, MUTED) if nid else MUTED
        for geom in group.geometry:
            path = _geom_path(geom)
            if path is not None:
                ax.add_artist(PathPatch(path, fc=to_rgba(colour, 0.05), ec="none", zorder=3))
        edges = shapely.line_merge(shapely.union_all(shapely.boundary(group.geometry.to_numpy())))
        for line in getattr(edges, "geoms", [edges]):
            if not line.is_empty:
                xy = np.asarray(line.coords)
                ax.plot(
                    xy[:, 0],
                    xy[:, 1],
                    color=colour,
                    lw=0.9,
                    ls=(0, (4, 2)),
                    zorder=3,
                    solid_capstyle="butt",
                    dash_capstyle="butt",
                )


def _draw_finder(ax: Any, spec: SnapshotSpec, sites: pd.DataFrame) -> None:
    finder = spec.finder
    if finder is None:
        return
    fx, fy = to_rd().transform(finder.lon, finder.lat)
    targets = sites.drop_duplicates("site_id").set_index("site_id")
    for sid in finder.site_ids:
        if sid in targets.index:
            ax.plot(
                [fx, targets.at[sid, "x"]],
                [fy, targets.at[sid, "y"]],
                color=FINDER_COLOUR,
                lw=0.9,
                ls=(0, (3, 2)),
                alpha=0.85,
                zorder=5,
                solid_capstyle="round",
            )
    # The label is in the legend: on the map it would hide the sites near the searched place.
    ax.plot([fx], [fy], marker="*", ms=15, mfc=FINDER_COLOUR, mec="white", mew=1.0, zorder=12)


def _compose(spec: SnapshotSpec, page: str, figsize: tuple[float, float]) -> Figure:
    """Build the figure: header, map, legend, footer."""
    W, H = figsize
    margin = 0.42
    fig = Figure(figsize=(W, H), facecolor="white")
    colours = resolve_colours(
        [
            *spec.network_labels,
            *(n for ns in spec.sites["networks"] if isinstance(ns, list | tuple | np.ndarray) for n in ns),
        ],
        spec.network_colours,
    )
    sites = _prepare_sites(spec, colours)
    prov_rd = spec.provinces.to_crs(RD)

    # Header: title and the filter line.
    inner_w_pt = (W - 2 * margin) * 72
    title_fs = 17.0 if page == "16:9" else 15.0
    y = H - margin
    for line in _wrap(spec.title, inner_w_pt, title_fs, "bold")[:2]:
        fig.text(
            margin / W, y / H, line, fontsize=title_fs, weight="bold", va="top", color=INK, parse_math=False
        )
        y -= title_fs * 1.3 / 72
    sub_fs = 8.5
    y -= 0.03
    for line in _wrap(spec.subtitle, inner_w_pt, sub_fs)[:3]:
        fig.text(margin / W, y / H, line, fontsize=sub_fs, va="top", color=MUTED, parse_math=False)
        y -= sub_fs * 1.4 / 72
    map_top = y - 0.1

    # Footer: sources on the left, date and projection on the right.
    foot_fs = 6.8
    right = " · ".join(p for p in (spec.date, "RD New (EPSG:28992)") if p)
    right_w = _text_width(right, foot_fs) / 72
    src_lines = _wrap(spec.sources, (W - 2 * margin - right_w - 0.3) * 72, foot_fs)[:4]
    foot_h = max(1, len(src_lines)) * foot_fs * 1.4 / 72
    for i, line in enumerate(src_lines):
        fig.text(
            margin / W,
            (margin + foot_h - i * foot_fs * 1.4 / 72) / H,
            line,
            fontsize=foot_fs,
            va="top",
            color=MUTED,
            parse_math=False,
        )
    fig.text(
        (W - margin) / W,
        (margin + foot_h) / H,
        right,
        fontsize=foot_fs,
        va="top",
        ha="right",
        color=MUTED,
        parse_math=False,
    )
    rule_y = (margin + foot_h + 0.08) / H
    fig.add_artist(
        Rectangle(
            (margin / W, rule_y),
            (W - 2 * margin) / W,
            0.6 / 72 / H,
            transform=fig.transFigure,
            fc="#C8C8C8",
            ec="none",
        )
    )
    map_bottom = margin + foot_h + 0.2

    # Legend: a column on the right (landscape pages) or a band under the map (portrait).
    finder_ids = set(spec.finder.site_ids) if spec.finder else set()
    has_lines = bool(finder_ids & set(sites["site_id"]))
    groups = _legend_groups(spec, sites, colours, has_lines)
    gap = 0.22
    if page == "a4-portrait":
        leg_w = W - 2 * margin
        columns = max(1, min(3, len(groups)))
        leg_h = _legend_size(groups, columns, leg_w * 72) / 72 if groups else 0.0
        leg_box = (margin, map_bottom, leg_w, leg_h)
        map_box = (
            margin,
            map_bottom + leg_h + (gap if groups else 0),
            W - 2 * margin,
            map_top - map_bottom - leg_h - (gap if groups else 0),
        )
    else:
        leg_w = 2.7 if page == "16:9" else 2.55
        columns = 1
        leg_h = map_top - map_bottom
        leg_box = (W - margin - leg_w, map_bottom, leg_w, leg_h)
        map_box = (margin, map_bottom, W - 2 * margin - leg_w - gap, map_top - map_bottom)
        need = _legend_size(groups, 1, leg_w * 72) / 72
        if need > leg_h:  # too long for one column: make the panel wider and use two
            leg_w *= 2
            columns = 2
            leg_box = (W - margin - leg_w, map_bottom, leg_w, leg_h)
            map_box = (margin, map_bottom, W - 2 * margin - leg_w - gap, map_top - map_bottom)

    # Map.
    mx, my, mw, mh = map_box
    ax = fig.add_axes((mx / W, my / H, mw / W, mh / H))
    ext = _fit(_focus_bounds(spec, sites, prov_rd), mw, mh)
    mpp = (ext[2] - ext[0]) / (mw * 72)  # metres per point
    ax.set_xlim(ext[0], ext[2])
    ax.set_ylim(ext[1], ext[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(OUTSIDE)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#8C8C8C")
        spine.set_linewidth(0.7)
    _draw_provinces(ax, spec, prov_rd, sites, ext, mpp)
    _draw_service_areas(ax, spec, colours)
    _draw_finder(ax, spec, sites)
    patches: list[Patch] = []
    for row in sites.itertuples(index=False):
        r = row.size / 2 * mpp
        patches += _marker(row.category, row.colours, row.x, row.y, r, closed=row.closed)
    if patches:
        ax.add_collection(_collection(patches, 10))
    _draw_scale_bar(ax, ext, mpp, spec.labels.scale_unit)
    _draw_north_arrow(ax, ext, mpp, spec.labels.north)

    if groups:
        lx, ly, lw, lh = leg_box
        lax = fig.add_axes((lx / W, ly / H, lw / W, lh / H))
        _draw_legend(lax, groups, columns=columns, width_pt=lw * 72, height_pt=lh * 72)
    return fig


def render_static(
    spec: SnapshotSpec, *, fmt: Format = "png", page: Page = "a4-landscape", dpi: int = 150
) -> bytes:
    """Render a print map of ``spec`` as PNG, SVG or PDF.

    Parameters
    ----------
    spec
        What to draw, with every label already translated.
    fmt
        ``"png"``, ``"svg"`` or ``"pdf"``.
    page
        ``"a4-portrait"`` (8.27 x 11.69 in), ``"a4-landscape"`` (11.69 x 8.27 in) or ``"16:9"``
        (13.33 x 7.5 in).
    dpi
        Resolution of a PNG (also of the few raster parts of SVG and PDF); 50 to 600.

    Returns
    -------
    bytes
        The file. A PNG is exactly :func:`page_pixels` ``(page, dpi)`` pixels; a PDF has one page.
    """
    if fmt not in FORMATS:
        msg = f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}"
        raise ValueError(msg)
    if page not in PAGES:
        msg = f"page must be one of {', '.join(PAGES)}, got {page!r}"
        raise ValueError(msg)
    if isinstance(dpi, bool) or not isinstance(dpi, int | np.integer) or not 50 <= dpi <= 600:
        msg = f"dpi must be a whole number from 50 to 600, got {dpi!r}"
        raise ValueError(msg)
    dpi = int(dpi)
    if fmt == "png":
        # Size the figure from whole pixels so that Agg's truncation cannot lose one.
        px_w, px_h = page_pixels(page, dpi)
        figsize = ((px_w + 1e-3) / dpi, (px_h + 1e-3) / dpi)
    else:
        figsize = PAGES[page]
    fig = _compose(spec, page, figsize)
    meta: dict[str, Any] = {"Title": spec.title}
    if fmt == "pdf":
        meta.update({"Subject": spec.subtitle, "Creator": "NetwerkAtlas", "CreationDate": None})
    elif fmt == "svg":
        meta.update({"Date": None, "Creator": "NetwerkAtlas", "Description": spec.subtitle})
    else:
        meta["Software"] = "NetwerkAtlas"
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", metadata=meta)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------
# Data exports
# --------------------------------------------------------------------------------------------------

#: Known site columns in export order, with their default (English) headers.
SITE_COLUMNS: dict[str, str] = {
    "site_id": "Site id",
    "name": "Site",
    "organisation": "Organisation",
    "org_id": "Organisation id",
    "category": "Kind of site",
    "kind": "Kind",
    "emergency": "24/7 emergency department",
    "status": "Status",
    "closed_on": "Closed on",
    "street": "Street",
    "postcode": "Postcode",
    "city": "City",
    "province": "Province",
    "lat": "Latitude",
    "lon": "Longitude",
    "precision": "Position precision",
    "networks": "Networks",
    "subregions": "Sub-regions",
    "specialties": "Specialties",
    "in_network": "In a network",
    "website": "Website",
    "source_url": "Source",
    "source_date": "Source date",
    "coord_source_url": "Coordinate source",
    "coord_source_date": "Coordinate source date",
    "notes": "Notes",
}
_INTERNAL = {"geometry", "org_short"}
#: First characters that make a spreadsheet read a cell as a formula (also full-width forms).
_FORMULA_START = tuple("=+-@\t\r＝＋－＠")


def _join(value: Any, names: Mapping[str, str] | None = None) -> Any:
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        items = sorted(value) if isinstance(value, set | frozenset) else list(value)
        return "; ".join(str((names or {}).get(v, v)) for v in items)
    return value


def _flat(
    sites: pd.DataFrame,
    *,
    network_names: Mapping[str, str] | None = None,
    subregion_names: Mapping[str, str] | None = None,
    category_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Known columns first, then any others; list values joined with ``"; "``; no geometry."""
    cols = [c for c in SITE_COLUMNS if c in sites.columns]
    cols += [
        c
        for c in sites.columns
        if c not in SITE_COLUMNS and c not in _INTERNAL and c != getattr(sites, "_geometry_column_name", None)
    ]
    out = pd.DataFrame(sites[cols]).copy()
    maps = {"networks": network_names, "subregions": subregion_names}
    for c in cols:
        if out[c].dtype == object:
            names = maps.get(c)
            out[c] = [_join(v, names) for v in out[c]]
    if category_labels and "category" in out:
        out["category"] = out["category"].map(lambda v: category_labels.get(v, v))
    return out.reset_index(drop=True)


def sites_table(
    sites: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    network_names: Mapping[str, str] | None = None,
    subregion_names: Mapping[str, str] | None = None,
    category_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return the sites as a flat table for people: readable headers, lists joined with ``"; "``.

    Parameters
    ----------
    sites
        Sites (e.g. :func:`geo.data.filter_sites` output); extra columns such as a distance are kept
        after the known ones. The geometry is dropped (``Latitude``/``Longitude`` remain).
    headers
        Header per column name, e.g. translated ones; unnamed columns get :data:`SITE_COLUMNS` headers
        or keep their name.
    network_names, subregion_names
        Names to show instead of network and sub-region ids.
    category_labels
        Labels to show instead of category ids.
    """
    flat = _flat(
        sites, network_names=network_names, subregion_names=subregion_names, category_labels=category_labels
    )
    names = {**SITE_COLUMNS, **(headers or {})}
    return flat.rename(columns={c: names.get(c, c) for c in flat.columns})


def _neutralise(value: Any) -> Any:
    """Return text that a spreadsheet will not run as a formula (leading apostrophe when needed)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [_neutralise(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            out.isetitem(i, col.map(lambda v: _neutralise(_join(v))).astype(object))
    return out


def to_csv_bytes(df: pd.DataFrame, *, sep: str = ",") -> bytes:
    """Return ``df`` as CSV in UTF-8 with a byte-order mark (so Excel reads ë), formulas neutralised.

    Dutch-locale Excel splits columns on ``;``: pass ``sep=";"`` for such users.
    """
    text = _safe_frame(df).to_csv(index=False, sep=sep, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def _sheet_title(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'") or "Sheet"
    base = base[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _cell_value(value: Any) -> Any:
    value = _join(value)
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, bool | int | float):
        return value
    return _neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """Return an Excel workbook with one sheet per frame: bold frozen header, filters, fitted widths.

    Text cells are stored as text (never as formulas); text that a spreadsheet would read as a
    formula gets a leading apostrophe, as in :func:`to_csv_bytes`.
    """
    if not sheets:
        msg = "to_xlsx_bytes needs at least one sheet"
        raise ValueError(msg)
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="EDEDED")
    for name, df in sheets.items():
        ws = wb.create_sheet(_sheet_title(name, taken))
        headers = [_cell_value(str(c)) for c in df.columns]
        ws.append(headers)
        for cell in ws[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(vertical="top")
        widths = [len(str(h)) for h in headers]
        for row in df.itertuples(index=False, name=None):
            values = [_cell_value(v) for v in row]
            ws.append(values)
            for cell, v in zip(ws[ws.max_row], values, strict=True):
                if isinstance(v, str):
                    cell.data_type = "s"  # text, even when it looks like a formula
            widths = [
                max(w, len(str(v)) if v is not None else 0) for w, v in zip(widths, values, strict=True)
            ]
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(max(w + 2, 8), 60)
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(ws.max_row, 1)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _geo_frame(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(sites, gpd.GeoDataFrame) or sites.crs is None:
        msg = "sites must be a GeoDataFrame with a CRS"
        raise ValueError(msg)
    flat = _flat(sites)
    return gpd.GeoDataFrame(
        flat, geometry=sites.geometry.to_crs(WGS84).reset_index(drop=True).values, crs=WGS84
    )


def to_geojson_bytes(sites: gpd.GeoDataFrame) -> bytes:
    """Return the sites as a GeoJSON FeatureCollection (WGS84, UTF-8, lists joined with ``"; "``)."""
    return _geo_frame(sites).to_json(drop_id=True, ensure_ascii=False, na="null").encode("utf-8")


def to_gpkg_bytes(sites: gpd.GeoDataFrame, layer: str = "sites") -> bytes:
    """Return the sites as a GeoPackage with one layer (WGS84), written through a temporary file."""
    if not layer or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", layer):
        msg = f"layer must be a simple name (letters, digits, _ and -), got {layer!r}"
        raise ValueError(msg)
    gdf = _geo_frame(sites)
    with tempfile.TemporaryDirectory(prefix="netwerkatlas-") as tmp:
        path = Path(tmp) / "export.gpkg"
        gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
        return path.read_bytes()


# --------------------------------------------------------------------------------------------------
# Standalone HTML
# --------------------------------------------------------------------------------------------------

_SCRIPT_TAG = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.I | re.S)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(
    r"""\b(?P<name>[a-z-]+)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+))""", re.I
)
_LEAFLET_JS = re.compile(r"^leaflet(?:-src)?(?:\.min)?\.js$", re.I)
_LEAFLET_CSS = re.compile(r"^leaflet(?:\.min)?\.css$", re.I)
_JQUERY_JS = re.compile(r"^jquery(?:[-.]\d[\w.]*)?(?:\.min)?\.js$", re.I)
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.M)
_INDENT = re.compile(r"^[ \t]*(?:\r?\n|(?=\S))", re.M)
_CSS_URL = re.compile(r"url\((['\"]?)images/([\w.-]+\.png)\1\)")


def _attrs(tag: str) -> dict[str, str]:
    out = {}
    for m in _ATTR.finditer(tag):
        out[m["name"].lower()] = next(v for v in (m["dq"], m["sq"], m["bare"], "") if v is not None)
    return out


def _basename(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]


@cache
def _leaflet_image(name: str) -> str:
    data = (Path(xleaflet.BASE_DIR) / "images" / name).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


@cache
def _inline_assets() -> dict[str, str]:
    """Leaflet JS (with offline default icons), Leaflet CSS (images inlined) and jQuery, as HTML."""
    leaf = Path(xleaflet.BASE_DIR)
    js = _SOURCE_MAP.sub("", (leaf / "leaflet.js").read_text(encoding="utf-8"))
    css = (leaf / "leaflet.css").read_text(encoding="utf-8")
    css = _CSS_URL.sub(lambda m: f"url({_leaflet_image(m[2])})", css)
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\n\s*\n+", "\n", css)
    jq = _SOURCE_MAP.sub("", (Path(xjquery.BASE_DIR) / "jquery.min.js").read_text(encoding="utf-8"))
    icons = (
        "{iconUrl:'"
        + _leaflet_image("marker-icon.png")
        + "',iconRetinaUrl:'"
        + _leaflet_image("marker-icon-2x.png")
        + "',shadowUrl:'"
        + _leaflet_image("marker-shadow.png")
        + "'}"
    )
    # Default marker icons from data URLs: the page may set L.Icon.Default.imagePath to a server path.
    icon_fix = (
        "(function(){var u=" + icons + ";L.Icon.Default.include({_getIconUrl:function(n){"
        "return (L.Browser.retina&&u[n+'RetinaUrl'])||u[n+'Url'];}});})();"
    )

    def script(code: str, name: str) -> str:
        body = re.sub(r"</(script)", r"<\\/\1", code, flags=re.I)
        return f'<script data-inlined="{name}">{body}</script>'

    return {
        "leaflet": script(js + "\n" + icon_fix, "leaflet"),
        "leaflet_css": "<style>" + re.sub(r"</(style)", r"<\\/\1", css, flags=re.I) + "</style>",
        "jquery": script(jq, "jquery"),
        # folium.Icon needs Leaflet.awesome-markers from a CDN; fall back to Leaflet's default icon.
        "awesome_shim": script(
            "if(!L.AwesomeMarkers){L.AwesomeMarkers={icon:function(){return new L.Icon.Default();}};}",
            "awesome-markers-fallback",
        ),
    }


def standalone_html(map_html: str) -> str:
    """Return a folium page that opens offline: Leaflet and jQuery inlined, other externals dropped.

    ``map_html`` is a rendered page (``m.get_root().render()``). Script and stylesheet tags whose file
    is Leaflet or jQuery (from a CDN or a local path such as ``/app/static/vendor/leaflet/leaflet.js``)
    are replaced by the code of the pinned ``xstatic`` packages; every other external script or
    stylesheet (Bootstrap, awesome-markers, Font Awesome, plugins) is removed, so the page names no
    script or stylesheet outside itself. Tile layers still point at their servers and show only when
    online. Leaflet's default marker icons are inlined; ``folium.Icon`` markers fall back to them.
    The page's own inline scripts lose their indentation and blank lines (only whitespace at the
    start of a line, which neither JavaScript nor the HTML in popups depends on); the function is
    idempotent.
    """
    assets = _inline_assets()
    done: set[str] = set()

    def once(key: str) -> str:
        if key in done:
            return ""
        done.add(key)
        return assets[key]

    def script(m: re.Match[str]) -> str:
        attrs = _attrs(m["attrs"])
        src = attrs.get("src")
        if src is None:
            if "data-inlined" in attrs:
                return m[0]
            # folium indents its code deeply: drop indentation and blank lines (about 15 % of a page).
            return f"<script{m['attrs']}>{_INDENT.sub('', m['body'])}</script>"
        name = _basename(src)
        if _LEAFLET_JS.match(name):
            shim = once("awesome_shim") if "L.AwesomeMarkers" in map_html else ""
            return once("leaflet") + shim
        if _JQUERY_JS.match(name):
            return once("jquery")
        return ""

    def link(m: re.Match[str]) -> str:
        attrs = _attrs(m[0])
        href = attrs.get("href", "")
        rel = attrs.get("rel", "").lower().split()
        if "stylesheet" in rel and _LEAFLET_CSS.match(_basename(href)):
            return once("leaflet_css")
        if "stylesheet" in rel or "preload" in rel or "modulepreload" in rel:
            return ""
        if re.match(r"^(?:https?:)?//", href, re.I):
            return ""
        return m[0]

    # Links first: the inlined libraries contain text that looks like tags.
    out = _LINK_TAG.sub(link, map_html)
    return _SCRIPT_TAG.sub(script, out)
