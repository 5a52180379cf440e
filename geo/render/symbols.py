"""Marker symbology of both maps, as SVG for the web map and as polygons for the print map.

Shape says the kind of site, colour bands the network(s); a cross marks a 24/7 emergency department
and an X a closed site.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import shapely
from branca import colormap as cm
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Polygon
from matplotlib.path import Path as MplPath

from geo.i18n import fmt_percent, t
from geo.render.popups import escape
from geo.render.style import (
    CLOSED_COLOUR,
    CONTEXT_COLOUR,
    REGION,
    network_colours,
)


def _ring_codes(n: int) -> list[int]:
    return [MplPath.MOVETO] + [MplPath.LINETO] * (n - 2) + [MplPath.CLOSEPOLY]


def geom_path(geom: shapely.Geometry) -> MplPath | None:
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


#: Marker outline of each kind of site in a unit box (radius about 1, y up): the one definition both
#: maps draw (the web map at :data:`SVG_SCALE` pixels per unit, the print map at its marker size).
UNIT_SHAPES: dict[str, np.ndarray] = {
    "hospital_ed": _regular(40, 1.0, 90),
    "hospital": np.array([[-0.86, -0.86], [0.86, -0.86], [0.86, 0.86], [-0.86, 0.86]]),
    "outpatient": np.array([[0.0, 1.08], [1.02, -0.78], [-1.02, -0.78]]),
    "radiotherapy": np.array([[0.0, 1.12], [1.12, 0.0], [0.0, -1.12], [-1.12, 0.0]]),
    "other": _regular(6, 1.02, 90),
}


@cache
def _bands(category: str, n: int) -> tuple[np.ndarray, ...]:
    """Split a marker shape into ``n`` vertical bands (one per network)."""
    shape = shapely.Polygon(UNIT_SHAPES.get(category, UNIT_SHAPES["other"]))
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


#: The white cross of a 24/7 emergency department and the X of a closed site: arm and half width.
CROSS_ARM, CROSS_HALF_WIDTH = 0.6, 0.15
X_ARM, X_HALF_WIDTH = 0.5, 0.09
_CROSS = (
    _bar(-CROSS_ARM, 0, CROSS_ARM, 0, CROSS_HALF_WIDTH),
    _bar(0, -CROSS_ARM, 0, CROSS_ARM, CROSS_HALF_WIDTH),
)
_X = (_bar(-X_ARM, -X_ARM, X_ARM, X_ARM, X_HALF_WIDTH), _bar(-X_ARM, X_ARM, X_ARM, -X_ARM, X_HALF_WIDTH))

Patch = tuple[np.ndarray, Any, Any, float]  # polygon, facecolour, edgecolour, linewidth (pt)


def marker_patches(
    category: str, colours: Sequence[str], x: float, y: float, r: float, *, closed: bool = False
) -> list[Patch]:
    """Polygons that draw one site marker, bottom to top, centred on (x, y) with radius ``r``."""
    outline = UNIT_SHAPES.get(category, UNIT_SHAPES["other"]) * r + (x, y)
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


def patch_collection(patches: list[Patch], zorder: float) -> PatchCollection:
    """One matplotlib collection of marker polygons with their own fill, edge and width."""
    polys = [Polygon(xy, closed=True) for xy, *_ in patches]
    return PatchCollection(
        polys,
        facecolors=[to_rgba(p[1]) for p in patches],
        edgecolors=[to_rgba(p[2]) for p in patches],
        linewidths=[p[3] for p in patches],
        joinstyle="round",
        zorder=zorder,
    )


#: The web map's SVG markers are 24×24 boxes: this many pixels per unit of :data:`UNIT_SHAPES`.
SVG_SCALE = 10.0


def _svg_xy(x: float, y: float) -> str:
    """A unit-box point as SVG ``"x y"`` in the 24×24 box (y down), with at most two decimals."""
    return " ".join(f"{v:.2f}".rstrip("0").rstrip(".") for v in (12 + SVG_SCALE * x, 12 - SVG_SCALE * y))


def svg_outline(category: str, style: str) -> str:
    """The outline of ``category`` as an SVG element with ``style`` attributes (a circle stays a circle)."""
    if category == "hospital_ed":
        return f'<circle cx="12" cy="12" r="{SVG_SCALE:g}" {style}/>'
    pts = UNIT_SHAPES.get(category, UNIT_SHAPES["other"])
    return f'<path d="M{"L".join(_svg_xy(x, y) for x, y in pts)}Z" {style}/>'


def _svg_bars(arm: float, diagonal: bool) -> str:
    if diagonal:
        return f"M{_svg_xy(-arm, arm)} {_svg_xy(arm, -arm)}M{_svg_xy(arm, arm)} {_svg_xy(-arm, -arm)}"
    return f"M{_svg_xy(0, arm)} {_svg_xy(0, -arm)}M{_svg_xy(-arm, 0)} {_svg_xy(arm, 0)}"


_CROSS_WIDTH = 2 * CROSS_HALF_WIDTH * SVG_SCALE
SVG_CROSS = f'<path d="{_svg_bars(CROSS_ARM, False)}" stroke="#fff" stroke-width="{_CROSS_WIDTH:g}"/>'
SVG_X = _svg_bars(X_ARM, True), 2 * X_HALF_WIDTH * SVG_SCALE
#: Marker size on screen (pixels) per kind of site; print takes them in points (:data:`PRINT_SCALE`).
SIZES = {"hospital_ed": 22, "hospital": 18, "outpatient": 16, "radiotherapy": 18, "other": 14}
#: Points on paper per pixel on screen, so that print and screen markers keep their proportions.
PRINT_SCALE = 0.55
MARKER_PT = {category: px * PRINT_SCALE for category, px in SIZES.items()}
XMLNS = ' xmlns="http://www.w3.org/2000/svg"'
DEFAULT_CENTER = (52.45, 5.6)
DEFAULT_ZOOM = 8


def marker_svg(
    category: str,
    colours: Sequence[str],
    *,
    uid: str,
    closed: bool = False,
    selected: bool = False,
    size: int | None = None,
    standalone: bool = False,
) -> str:
    """Return an inline SVG marker: ``category`` picks the shape, ``colours`` split its fill.

    A site in several networks gets vertical bands, one per network, so membership of more than one
    network is visible without reading the popup. ``standalone`` adds the XML namespace an SVG needs
    outside HTML (as an image); inline markers leave it out, as every byte is sent per marker.
    """
    size = size or SIZES.get(category, 16)
    colours = list(colours) or [CONTEXT_COLOUR]
    defs = ""
    if closed:
        fill = "#FFFFFF"
    elif len(colours) == 1:
        fill = colours[0]
    else:
        gid = f"g-{uid}"
        step = 100 / len(colours)
        stops = "".join(
            f'<stop offset="{i * step:.1f}%" stop-color="{c}"/>'
            f'<stop offset="{(i + 1) * step:.1f}%" stop-color="{c}"/>'
            for i, c in enumerate(colours)
        )
        defs = f'<defs><linearGradient id="{gid}">{stops}</linearGradient></defs>'
        fill = f"url(#{gid})"
    stroke = CLOSED_COLOUR if closed else ("#000" if selected else "#FFFFFF")
    width = 2.5 if selected else 1.6
    style = f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"'
    body = svg_outline(category, style)
    if category == "hospital_ed" and not closed:
        body += SVG_CROSS
    if closed:
        body += f'<path d="{SVG_X[0]}" stroke="{CLOSED_COLOUR}" stroke-width="{SVG_X[1]:g}"/>'
    if selected:
        size += 8
    return (
        f'<svg{XMLNS if standalone else ""} width="{size}" height="{size}" viewBox="0 0 24 24">'
        f"{defs}{body}</svg>"
    )


def share_legend_html(colormap: cm.LinearColormap, title: str, lang: str) -> str:
    """A horizontal colour bar for the coverage shading (branca's own legend needs d3 from a CDN)."""
    stops = ", ".join(
        colormap.rgb_hex_str(colormap.vmin + (colormap.vmax - colormap.vmin) * i / 4) for i in range(5)
    )
    lo, hi = (fmt_percent(v, lang, decimals=0) for v in (colormap.vmin, colormap.vmax))
    return (
        f"<b>{html.escape(title)}</b><br>"
        f'<span style="display:inline-block;width:160px;height:10px;border:1px solid #888;'
        f'background:linear-gradient(to right, {stops})"></span><br>'
        f'<span style="display:inline-block;width:160px;font-size:11px">≤ {lo}'
        f'<span style="float:right">{hi}</span></span><br>'
    )


def svg_img(svg: str, alt: str = "") -> str:
    """Wrap an SVG as an ``<img>`` data URI: survives HTML sanitisers that strip inline ``<svg>``."""
    data = base64.b64encode(svg.encode()).decode()
    style = "vertical-align:middle;margin-right:5px"
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}" style="{style}">'


def legend_html(
    *,
    lang: str,
    network_names: Mapping[str, str],
    categories: Sequence[str],
    context: bool = False,
    closed: bool = False,
    region: bool = True,
) -> str:
    """Return the legend as HTML (escaped): colours per network, shapes per kind of site."""
    e = escape
    colours = network_colours(list(network_names))

    def row(category: str, cols: Sequence[str], label: str, **kw: bool) -> str:
        icon = svg_img(
            marker_svg(category, cols, uid=f"lg-{category}-{len(cols)}", size=14, standalone=True, **kw),
            label,
        )
        return f"{icon}{e(label)}<br>"

    parts = [f"<b>{e(t('legend.networks', lang))}</b><br>"]
    parts += [row("hospital", [colours[nid]], label) for nid, label in network_names.items()]
    if len(network_names) > 1:
        parts.append(row("hospital", list(colours.values())[:2], t("legend.multi", lang)))
    if context:
        parts.append(row("hospital", [CONTEXT_COLOUR], t("legend.context", lang)))
    parts.append(f"<b>{e(t('legend.kinds', lang))}</b><br>")
    parts += [row(cat, ["#666666"], t(f"cat.{cat}", lang)) for cat in categories]
    if closed:
        parts.append(row("hospital", ["#666666"], t("legend.closed", lang), closed=True))
    if region:
        swatch = (
            '<span style="display:inline-block;width:14px;height:10px;margin-right:5px;'
            f'border:1px solid #888;background:{REGION}"></span>'
        )
        parts.append(f"{swatch}{e(t('legend.region', lang))}<br>")
    return "".join(parts)
