"""The print map's legend: entries, word wrapping to a width in points, and layout in columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import matplotlib.patheffects as path_effects
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgba
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextToPath

from geo.render.spec import (
    BORDER,
    FINDER_COLOUR,
    INK,
    KIND_COLOUR,
    LAND,
    MUTED,
    REGION,
    REGION_EDGE,
    REGION_PARTIAL,
    SnapshotSpec,
)
from geo.render.style import CONTEXT_COLOUR, SHARE_RANGE, SHARE_SCALE
from geo.render.symbols import MARKER_PT, marker_patches, patch_collection
from geo.schema import CATEGORIES

_TEXT_TO_PATH = TextToPath()
HALO = [path_effects.withStroke(linewidth=2.2, foreground="white")]


def text_width(text: str, size: float, weight: str = "normal") -> float:
    """Width of ``text`` in points at font size ``size``."""
    w, _, _ = _TEXT_TO_PATH.get_text_width_height_descent(
        text, FontProperties(size=size, weight=weight), ismath=False
    )
    return float(w)


def wrap_text(text: str, width_pt: float, size: float, weight: str = "normal") -> list[str]:
    """Greedy word wrap of ``text`` to ``width_pt`` points; explicit newlines are kept."""
    lines: list[str] = []
    for para in str(text).splitlines() or [""]:
        words = para.split()
        line = ""
        for word in words:
            trial = f"{line} {word}" if line else word
            if line and text_width(trial, size, weight) > width_pt:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return [ln for ln in lines if ln]


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


def shares_cmap() -> LinearSegmentedColormap:
    """The app's coverage shading (dark = poorly covered), so print and screen agree."""
    return LinearSegmentedColormap.from_list("shares", SHARE_SCALE)


def shares_norm() -> Normalize:
    """The coverage shading's value range (:data:`geo.render.style.SHARE_RANGE`), clipped."""
    return Normalize(*SHARE_RANGE, clip=True)


def legend_groups(
    spec: SnapshotSpec, sites: pd.DataFrame, colours: Mapping[str, str], has_lines: bool
) -> list[_Group]:
    """The legend of ``spec`` as groups of entries: networks, kinds of site, layers."""
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
    if spec.beyond_areas is not None and (spec.beyond_areas["band"] > 0).any():
        bands = [_Entry("patch", label, {"fc": c, "ec": "none"}) for c, label in spec.beyond_entries]
        groups.append(_Group(spec.beyond_title, tuple(bands)))
    return groups


def _entry_lines(entry: _Entry, width_pt: float) -> list[str]:
    if entry.kind == "colorbar":
        return wrap_text(entry.label, width_pt, LEGEND_FS, "bold")
    return wrap_text(entry.label, width_pt - TEXT_X, LEGEND_FS) or [""]


def _entry_height(entry: _Entry, width_pt: float) -> float:
    lines = _entry_lines(entry, width_pt)
    if entry.kind == "colorbar":
        return len(lines) * LINE_PT + 26.0
    return max(1, len(lines)) * (LEGEND_FS * 1.25) + (LINE_PT - LEGEND_FS * 1.25)


def _heading_lines(group: _Group, width_pt: float) -> list[str]:
    return wrap_text(group.heading, width_pt, HEADING_FS, "bold") or [""]


def _group_height(group: _Group, width_pt: float) -> float:
    extra = (len(_heading_lines(group, width_pt)) - 1) * HEADING_FS * 1.25  # a long heading wraps
    return extra + HEADING_FS * 1.6 + sum(_entry_height(e, width_pt) for e in group.entries) + 6.0


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
            cmap=shares_cmap(),
            norm=shares_norm(),
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
        patches = marker_patches(cat, o["colours"], gx, gy, r, closed=o.get("closed", False))
        ax.add_collection(patch_collection(patches, 3))
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


def draw_legend(ax: Any, groups: list[_Group], *, columns: int, width_pt: float, height_pt: float) -> None:
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
        for line in _heading_lines(group, col_w - 8):
            ax.text(x, y, line, fontsize=HEADING_FS, weight="bold", va="top", color=INK, parse_math=False)
            y -= HEADING_FS * 1.25
        y -= HEADING_FS * (1.6 - 1.25)
        for entry in group.entries:
            y -= _draw_entry(ax, entry, x, y, col_w - 8)
        y -= 6.0


def legend_size(groups: list[_Group], columns: int, width_pt: float) -> float:
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
