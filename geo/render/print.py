"""Draw a print map (PNG, SVG or PDF) of a :class:`~geo.render.spec.SnapshotSpec` with matplotlib.

The map is drawn in RD New (EPSG:28992) with a private :class:`matplotlib.figure.Figure` (no pyplot,
no global state), so the scale bar is in true metres. Every word on the page comes from the spec: the
caller passes strings already translated.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle

from geo.crs import RD, to_rd
from geo.render.coverage_layer import draw_beyond
from geo.render.furniture import draw_north_arrow, draw_scale_bar
from geo.render.legend import (
    HALO,
    draw_legend,
    legend_groups,
    legend_size,
    shares_cmap,
    shares_norm,
    text_width,
    wrap_text,
)
from geo.render.spec import (
    BORDER,
    FINDER_COLOUR,
    FORMATS,
    INK,
    LAND,
    MUTED,
    OUTSIDE,
    PAGES,
    REGION,
    REGION_EDGE,
    REGION_PARTIAL,
    Format,
    Page,
    SnapshotSpec,
    page_pixels,
    resolve_colours,
)
from geo.render.style import CONTEXT_COLOUR
from geo.render.symbols import MARKER_PT, Patch, geom_path, marker_patches, patch_collection


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
    cmap, norm = shares_cmap(), shares_norm()
    rows = sorted(zip(prov_rd["name"], prov_rd.geometry, strict=True), key=lambda r: (r[0] in high, r[0]))
    for name, geom in rows:
        path = geom_path(geom)
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
        outline = geom_path(shapely.union_all(region.geometry.values))
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
        half_w = (text_width(name, 6.5) / 2 + 6) * mpp
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
                    path_effects=HALO,
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
            path = geom_path(geom)
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
    if finder.ranking:  # the answer itself, as the finder panel lists it, in the map's top-left corner
        y = 0.985
        for i, line in enumerate((finder.heading, *finder.ranking) if finder.heading else finder.ranking):
            ax.text(
                0.012,
                y,
                line,
                transform=ax.transAxes,
                fontsize=7.4,
                weight="bold" if i == 0 and finder.heading else "normal",
                va="top",
                color=INK,
                zorder=20,
                parse_math=False,
                bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1.2},
            )
            y -= 0.034


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
    for line in wrap_text(spec.title, inner_w_pt, title_fs, "bold")[:2]:
        fig.text(
            margin / W, y / H, line, fontsize=title_fs, weight="bold", va="top", color=INK, parse_math=False
        )
        y -= title_fs * 1.3 / 72
    sub_fs = 8.5
    y -= 0.03
    for line in wrap_text(spec.subtitle, inner_w_pt, sub_fs)[:3]:
        fig.text(margin / W, y / H, line, fontsize=sub_fs, va="top", color=MUTED, parse_math=False)
        y -= sub_fs * 1.4 / 72
    map_top = y - 0.1

    # Footer: sources on the left, date and projection on the right.
    foot_fs = 6.8
    right = " · ".join(p for p in (spec.date, "RD New (EPSG:28992)") if p)
    right_w = text_width(right, foot_fs) / 72
    src_lines = wrap_text(spec.sources, (W - 2 * margin - right_w - 0.3) * 72, foot_fs)[:4]
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
    groups = legend_groups(spec, sites, colours, has_lines)
    gap = 0.22
    if page == "a4-portrait":
        leg_w = W - 2 * margin
        columns = max(1, min(3, len(groups)))
        leg_h = legend_size(groups, columns, leg_w * 72) / 72 if groups else 0.0
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
        need = legend_size(groups, 1, leg_w * 72) / 72
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
    if spec.beyond_areas is not None:
        draw_beyond(ax, spec.beyond_areas, zorder=1.5)  # over the province fill, under the region outline
    _draw_service_areas(ax, spec, colours)
    _draw_finder(ax, spec, sites)
    patches: list[Patch] = []
    for row in sites.itertuples(index=False):
        r = row.size / 2 * mpp
        patches += marker_patches(row.category, row.colours, row.x, row.y, r, closed=row.closed)
    if patches:
        ax.add_collection(patch_collection(patches, 10))
    draw_scale_bar(ax, ext, mpp, spec.labels.scale_unit)
    draw_north_arrow(ax, ext, mpp, spec.labels.north)

    if groups:
        lx, ly, lw, lh = leg_box
        lax = fig.add_axes((lx / W, ly / H, lw / W, lh / H))
        draw_legend(lax, groups, columns=columns, width_pt=lw * 72, height_pt=lh * 72)
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
