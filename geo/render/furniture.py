"""Print-map furniture: a scale bar in true metres and a north arrow that allows for the grid convergence."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.patches import Polygon, Rectangle

from geo.crs import to_rd
from geo.render.legend import (
    HALO,
    text_width,
)
from geo.render.spec import (
    INK,
)


def nice_length(target_m: float) -> float:
    """The largest 1, 2 or 5 times 10^k metres not above ``target_m`` (at least 1 km)."""
    best = 1000.0
    for exp in range(3, 7):
        for lead in (1, 2, 5):
            if lead * 10**exp <= target_m:
                best = float(lead * 10**exp)
    return best


def draw_scale_bar(ax: Any, ext: tuple[float, ...], mpp: float, unit: str) -> None:
    """Draw a scale bar of a round length in the lower left of the map extent ``ext`` (RD metres)."""
    minx, miny, maxx, _ = ext
    length = nice_length((maxx - minx) * 0.2)
    x0, y0 = minx + 14 * mpp, miny + 12 * mpp
    bar_h = 4 * mpp
    km = length / 1000
    end_label = f"{km:g} {unit}".strip()
    pad = 5 * mpp
    text_w = text_width(end_label, 7) * mpp
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


def grid_convergence(x: float, y: float) -> float:
    """Angle in degrees from RD grid north to true north at RD (x, y)."""
    lon, lat = to_rd().transform(x, y, direction="INVERSE")
    x2, y2 = to_rd().transform(lon, lat + 0.05)
    return math.degrees(math.atan2(x2 - x, y2 - y))


def draw_north_arrow(ax: Any, ext: tuple[float, ...], mpp: float, letter: str) -> None:
    """Draw a north arrow in the upper right of ``ext``, turned from grid north to true north."""
    _, _, maxx, maxy = ext
    cx, cy = maxx - 20 * mpp, maxy - 34 * mpp
    angle = math.radians(-grid_convergence((ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2))
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
        path_effects=HALO,
        parse_math=False,
    )
