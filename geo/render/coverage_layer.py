"""The PC4 areas beyond the coverage threshold: figures per area, a web raster layer and the print drawing.

:func:`area_figures` turns a :class:`~geo.coverage.CoverageResult` and the PC4 polygons
(:func:`geo.census.pc4_areas`) into one row per area with its inhabitants, distance (in the result's
unit) and :func:`band` (0 within the threshold; 1, 2, 3 beyond it, coloured with
:data:`geo.render.style.BEYOND_SCALE`).

The web map gets the beyond areas as one PNG image in Web Mercator (EPSG:3857, the projection
Leaflet stretches an image overlay in, so pixels and areas line up at every zoom), plus a second,
hidden PNG whose pixels hold the area's number: a mouse move reads that pixel in the browser and shows
the area's postcode, place, inhabitants and distance. Both images are bounded in size (at most
:data:`MAX_PX` pixels a side), so the payload does not grow with the number of areas beyond the
threshold; the tooltip texts are escaped on the server. The print map draws the same areas as vector
polygons in RD New (:func:`draw_beyond`).
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb
from PIL import Image

from geo.crs import RD
from geo.errors import DataValidationError
from geo.i18n import catalogue, fmt_number, t
from geo.render.popups import escape
from geo.render.style import BEYOND_SCALE, BEYOND_STEPS
from geo.render.symbols import geom_path

WEB_MERCATOR = "EPSG:3857"
#: Pixel size of the web raster in Web Mercator metres (about 185 m on the ground at 52° N).
PIXEL_M = 300.0
#: Longest side of the web raster in pixels; a larger extent gets coarser pixels.
MAX_PX = 1400
#: Byte budget of the hover's lookup image: it gets one pixel per 1, 2, ... raster pixels a side,
#: the finest that fits (a mouse within a lookup pixel of an area's edge may name its neighbour).
LOOKUP_BUDGET = 24_000
MAX_LOOKUP_STEP = 4
#: Opacity of the beyond areas on the web map (the province shading stays visible through them).
OPACITY = 0.85
#: Columns of :func:`area_figures`.
AREA_COLUMNS = ["code", "place", "inhabitants", "beyond", "distance", "site_name", "band", "geometry"]


def band(distance: Any, threshold: float) -> np.ndarray:
    """Distance band per value: 0 within ``threshold`` (``<=``, as a covered place), 1 up to
    ``BEYOND_STEPS[0]`` times it, 2 up to ``BEYOND_STEPS[1]`` times it, 3 beyond (and ``inf``)."""
    edges = float(threshold) * np.array([1.0, *BEYOND_STEPS])
    return np.searchsorted(edges, np.asarray(distance, dtype=float), side="left").astype(np.int64)


def band_limits(threshold: float) -> list[tuple[float, float | None]]:
    """``(from, to)`` of each beyond band in the threshold's unit; the last has ``to = None``."""
    edges = [float(threshold) * f for f in (1.0, *BEYOND_STEPS)]
    return [(edges[i], edges[i + 1] if i + 1 < len(edges) else None) for i in range(len(edges))]


def area_figures(result: Any, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Figures per PC4 area of a coverage result.

    Parameters
    ----------
    result
        A :class:`geo.coverage.CoverageResult`. Its ``points`` carry a ``pc4`` column (the
        :func:`geo.census.population_layer` points); points without one (GeoNames places, an
        upload) are put in the area that contains them.
    areas
        PC4 polygons with ``code`` and ``place`` (:func:`geo.census.pc4_areas`), any CRS.

    Returns
    -------
    GeoDataFrame
        In the CRS of ``areas``, one row per area holding counted points (:data:`AREA_COLUMNS`):
        ``inhabitants`` (sum of the points' population), ``beyond`` (those of them farther than the
        threshold), ``distance`` (population-weighted mean of the points' distances, in
        ``result.unit``; the plain mean where nobody lives), ``site_name`` (nearest site of the most
        populous point) and ``band`` (:func:`band` of ``distance``). An area with one point (the PC4
        layer) has exactly that point's distance. ``attrs`` holds ``threshold`` and ``unit``.
    """
    pts = result.points
    if "pc4" in pts.columns:
        code = pd.to_numeric(pts["pc4"], errors="coerce").to_numpy()
    else:
        where = pts[["geometry"]].to_crs(areas.crs)
        joined = gpd.sjoin(where, areas[["code", "geometry"]], predicate="within")
        joined = joined[~joined.index.duplicated()]  # a point on a shared edge counts once
        code = joined["code"].reindex(pts.index).to_numpy(dtype=float)
    w = pd.to_numeric(pts["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
    d = pts["distance"].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {
            "code": code,
            "w": w,
            "wd": np.where(w > 0, w * np.where(np.isfinite(d), d, 0), 0),
            "inf": (w > 0) & ~np.isfinite(d),
            "d": d,
            "over": np.where(d > result.threshold, w, 0.0),
            "site": pts["site_name"].to_numpy(dtype=object) if "site_name" in pts else None,
        }
    ).dropna(subset=["code"])
    frame["code"] = frame["code"].astype(np.int64)
    g = frame.groupby("code", sort=True)
    top = frame.loc[g["w"].idxmax(), ["code", "site"]].set_index("code")["site"]
    agg = pd.DataFrame(
        {
            "inhabitants": g["w"].sum(),
            "beyond": g["over"].sum(),
            "wd": g["wd"].sum(),
            "inf": g["inf"].any(),
            "mean": g["d"].mean(),
        }
    )
    has_people = agg["inhabitants"] > 0
    dist = np.where(has_people, agg["wd"] / agg["inhabitants"].where(has_people, 1), agg["mean"])
    agg["distance"] = np.where(agg["inf"], np.inf, dist)
    agg["site_name"] = top.reindex(agg.index)
    agg["band"] = band(agg["distance"], result.threshold)
    keep = ["code", "place", "geometry"]
    out = areas[keep].merge(agg.drop(columns=["wd", "inf", "mean"]), left_on="code", right_index=True)
    out = gpd.GeoDataFrame(out[AREA_COLUMNS].reset_index(drop=True), geometry="geometry", crs=areas.crs)
    out.attrs.update(threshold=float(result.threshold), unit=str(result.unit))
    return out


def figures_for(result: Any, *, data_dir: Path | None = None) -> gpd.GeoDataFrame | None:
    """:func:`area_figures` of ``result`` over the shipped PC4 polygons of its provinces.

    ``None`` when the data folder has no population files (a reduced data set): the map then shows
    the province shading only.
    """
    from geo.census import pc4_areas

    try:
        areas = pc4_areas(result.provinces, data_dir=data_dir)
    except DataValidationError:
        return None
    return area_figures(result, areas)


def beyond_only(figures: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The areas of :func:`area_figures` beyond the threshold (band 1 or more), by postcode.

    Postcodes are spatially clustered, so numbering the areas in this order keeps neighbouring
    pixels of the lookup image close in value: it compresses a tenth better than any other order tried.
    """
    out = figures[figures["band"] > 0].sort_values("code")
    out = out.reset_index(drop=True)
    out.attrs.update(figures.attrs)
    return out


# --- web raster --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raster:
    """The beyond areas as images on a Web Mercator grid.

    ``extent`` is ``(x0, y0, x1, y1)`` in EPSG:3857 metres, ``pixel`` the pixel size in metres,
    ``shape`` ``(rows, cols)``; ``bands`` holds each pixel's band (0 outside every area) and ``ids``
    the area's number, 1-based, in the order given (0 outside). ``bounds`` is the image's
    ``[[south, west], [north, east]]`` in WGS84, as Leaflet wants it.
    """

    extent: tuple[float, float, float, float]
    pixel: float
    bands: np.ndarray
    ids: np.ndarray
    bounds: tuple[tuple[float, float], tuple[float, float]]

    @property
    def shape(self) -> tuple[int, int]:
        return self.ids.shape  # type: ignore[return-value]

    def visible_png(self) -> bytes:
        """The coloured image: a palette PNG, transparent outside the areas."""
        img = Image.fromarray(self.bands.astype(np.uint8), mode="P")
        palette = [0, 0, 0] + [round(c * 255) for hex_ in BEYOND_SCALE for c in to_rgb(hex_)]
        img.putpalette(palette)
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True, transparency=0)
        return buf.getvalue()

    def ids_png(self, step: int = 1) -> bytes:
        """The hidden lookup image, one pixel per ``step`` × ``step`` raster pixels (their top-left
        one): area number = red × 256 + green, opaque (so the browser's canvas reads the bytes back
        unchanged)."""
        ids = self.ids[::step, ::step]
        rgb = np.zeros((*ids.shape, 3), dtype=np.uint8)
        rgb[..., 0] = ids >> 8
        rgb[..., 1] = ids & 255
        buf = io.BytesIO()
        Image.fromarray(rgb, mode="RGB").save(buf, format="PNG", optimize=True)
        return buf.getvalue()


def _grid(bounds: Sequence[float], pixel: float, max_px: int) -> tuple[tuple[float, ...], float, int, int]:
    x0, y0, x1, y1 = bounds
    pixel = max(pixel, (x1 - x0) / max_px, (y1 - y0) / max_px)
    x0, y0 = math.floor(x0 / pixel) * pixel, math.floor(y0 / pixel) * pixel
    cols, rows = max(1, math.ceil((x1 - x0) / pixel)), max(1, math.ceil((y1 - y0) / pixel))
    return (x0, y0, x0 + cols * pixel, y0 + rows * pixel), pixel, rows, cols


def rasterise(
    geometries: gpd.GeoSeries, values: Sequence[int], *, pixel: float = PIXEL_M, max_px: int = MAX_PX
) -> tuple[np.ndarray, tuple[float, ...], float]:
    """Burn polygons into a Web Mercator grid: each pixel whose centre lies in a polygon gets its value.

    ``values`` are whole numbers from 1 to 2**24 - 1 (0 is "no polygon"). Drawn with matplotlib's Agg
    renderer without antialiasing, the value encoded in the fill colour. Returns the grid (rows from
    north to south), its extent ``(x0, y0, x1, y1)`` and the pixel size, both in EPSG:3857 metres.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # the figure machinery only when drawn
    from matplotlib.figure import Figure

    merc = geometries.to_crs(WEB_MERCATOR)
    extent, pixel, rows, cols = _grid(merc.total_bounds, pixel, max_px)
    dpi = 100
    fig = Figure(figsize=((cols + 1e-3) / dpi, (rows + 1e-3) / dpi), dpi=dpi, facecolor=(0, 0, 0, 0))
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    paths, colours = [], []
    for geom, value in zip(merc.to_numpy(), values, strict=True):
        path = geom_path(geom)
        if path is not None:
            v = int(value)
            paths.append(path)
            colours.append(((v >> 16) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255, 1.0))
    if paths:
        ax.add_collection(
            PathCollection(paths, facecolors=colours, edgecolors="none", linewidths=0, antialiaseds=False)
        )
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())[:rows, :cols].astype(np.int64)
    grid = np.where(rgba[..., 3] == 255, (rgba[..., 0] << 16) | (rgba[..., 1] << 8) | rgba[..., 2], 0)
    return grid, extent, pixel


def raster_of(beyond: gpd.GeoDataFrame, *, pixel: float = PIXEL_M, max_px: int = MAX_PX) -> Raster:
    """The :class:`Raster` of :func:`beyond_only` areas (their order numbers the ids)."""
    ids, extent, pixel = rasterise(beyond.geometry, range(1, len(beyond) + 1), pixel=pixel, max_px=max_px)
    lut = np.concatenate([[0], beyond["band"].to_numpy(dtype=np.int64)])
    gdf = gpd.GeoSeries(gpd.points_from_xy([extent[0], extent[2]], [extent[1], extent[3]]), crs=WEB_MERCATOR)
    sw, ne = gdf.to_crs("EPSG:4326")
    bounds = ((round(sw.y, 6), round(sw.x, 6)), (round(ne.y, 6), round(ne.x, 6)))
    return Raster(extent=tuple(extent), pixel=pixel, bands=lut[ids], ids=ids, bounds=bounds)  # type: ignore[arg-type]


def lookup_png(raster: Raster, budget: int = LOOKUP_BUDGET) -> tuple[bytes, int]:
    """The finest lookup image (step 1 to :data:`MAX_LOOKUP_STEP`) within ``budget`` bytes, and its step."""
    for step in range(1, MAX_LOOKUP_STEP + 1):
        png = raster.ids_png(step)
        if len(png) <= budget:
            break
    return png, step


@lru_cache(maxsize=16)
def _cached_raster(
    key: tuple[tuple[int, int], ...], wkb: tuple[bytes, ...]
) -> tuple[Raster, bytes, bytes, int]:
    codes = [c for c, _ in key]
    geometry = gpd.GeoSeries.from_wkb(list(wkb), crs="EPSG:4326")
    frame = gpd.GeoDataFrame({"code": codes, "band": [b for _, b in key]}, geometry=geometry)
    r = raster_of(frame)
    return (r, r.visible_png(), *lookup_png(r))


def _forms(key: str, lang: str) -> dict[str, str]:
    """The plural forms (``one``, ``other``) of a text, escaped, ``{n}`` left for the browser."""
    entry = catalogue(lang).get(key) or catalogue("nl")[key]
    return {
        form: escape(text) for form, text in (entry if isinstance(entry, dict) else {"other": entry}).items()
    }


def hover_info(beyond: gpd.GeoDataFrame, *, lang: str = "nl") -> dict[str, Any]:
    """What the hover shows, compact: numbers stay numbers, every text is HTML-escaped here.

    ``rows`` has one ``[code, place, inhabitants, distance, site(, beyond)]`` per area of ``beyond``
    (in its order): ``8301``, the position of its place name in ``places``, the inhabitants
    (rounded), the distance in the result's unit to one decimal (``None`` when no site is
    reachable), the position of the nearest site in ``sites`` (or -1) and, only when some but not
    all of the area's inhabitants live beyond the threshold, how many. The browser writes the
    numbers in ``locale`` (CLDR, through ``Intl``) and picks the plural form of ``inh`` and
    ``part`` with ``Intl.PluralRules``; ``dist`` and ``site`` take ``{v}`` and ``{s}``.
    """
    unit = str(beyond.attrs.get("unit", "km"))
    names = [str(s) for s in dict.fromkeys(beyond["site_name"].dropna())]
    index = {s: i for i, s in enumerate(names)}
    places = [str(p) for p in dict.fromkeys(beyond["place"])]
    place_index = {p: i for i, p in enumerate(places)}
    rows = []
    for r in beyond.itertuples():
        n, over = round(float(r.inhabitants)), round(float(r.beyond))
        finite = math.isfinite(float(r.distance))
        site = index.get(str(r.site_name), -1) if finite and pd.notna(r.site_name) else -1
        row = [
            int(r.code),
            place_index[str(r.place)],
            n,
            round(float(r.distance), 1) if finite else None,
            site,
        ]
        rows.append(row + ([over] if 0 < over < n else []))
    return {
        "locale": lang,
        "rows": rows,
        "sites": [escape(s) for s in names],
        "places": [escape(p) for p in places],
        "inh": _forms("cov.beyond.inhabitants", lang),
        "part": _forms("cov.beyond.part", lang),
        "dist": escape(t("cov.beyond.distance", lang, value="{v}", unit=unit)),
        "site": escape(t("cov.beyond.site", lang, site="{s}")),
        "none": escape(t("cov.beyond.unreachable", lang)),
    }


class BeyondHover(MacroElement):
    """Show the area under the mouse: its number is read from the hidden lookup image's pixel."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var ov = {{ this._parent.get_name() }}, info = {{ this.info_json }}, data = null;
  var tip = L.tooltip({direction: "auto", offset: [14, 0], className: "na-beyond-tip"});
  var img = new Image();
  img.onload = function () {
    var c = document.createElement("canvas"); c.width = info.w; c.height = info.h;
    var g = c.getContext("2d", {willReadFrequently: true}); g.drawImage(img, 0, 0);
    data = g.getImageData(0, 0, info.w, info.h).data;
    ov.getElement() && ov.getElement().setAttribute("data-ready", "1");
  };
  img.src = info.ids;
  function area(ll) {
    if (!data) { return -1; }
    var p = L.CRS.EPSG3857.project(ll);
    var col = Math.floor((p.x - info.x0) / info.px), row = Math.floor((info.y1 - p.y) / info.px);
    if (col < 0 || row < 0 || col >= info.w || row >= info.h) { return -1; }
    var i = 4 * (row * info.w + col);
    return data[i] * 256 + data[i + 1] - 1;
  }
  var whole = new Intl.NumberFormat(info.locale, {maximumFractionDigits: 0});
  var tenth = new Intl.NumberFormat(info.locale, {minimumFractionDigits: 1, maximumFractionDigits: 1});
  var plural = new Intl.PluralRules(info.locale);
  function fill(tpl, key, value) { return tpl.replace(key, function () { return value; }); }
  function count(forms, n) { return fill(forms[plural.select(n)] || forms.other, "{n}", whole.format(n)); }
  function text(r) {
    var out = '<div style="white-space:normal;min-width:190px;max-width:260px">';
    out += "<b>" + r[0] + " " + info.places[r[1]] + "</b><br>" + count(info.inh, r[2]) + "<br>";
    out += r[3] === null ? info.none : fill(info.dist, "{v}", tenth.format(r[3]));
    if (r[4] >= 0) { out += "<br>" + fill(info.site, "{s}", info.sites[r[4]]); }
    return (r.length > 5 ? out + "<br>" + count(info.part, r[5]) : out) + "</div>";
  }
  function move(e) {
    var k = area(e.latlng), map = ov._map;
    if (!map) { return; }
    if (k >= 0 && k < info.rows.length) {
      tip.setLatLng(e.latlng).setContent(text(info.rows[k]));
      if (!map.hasLayer(tip)) { tip.addTo(map); }
    } else if (map.hasLayer(tip)) { map.removeLayer(tip); }
  }
  function on() {
    // Above the provinces' fill (overlayPane, 400), below the markers (600): a pane of its own.
    var map = ov._map, pane = map.getPane("naBeyond") || map.createPane("naBeyond");
    pane.style.zIndex = 450;
    pane.style.pointerEvents = "none";
    pane.appendChild(ov.getElement());
    map.on("mousemove", move);
  }
  ov.on("add", on);
  ov.on("remove", function () { ov._map.off("mousemove", move); ov._map.removeLayer(tip); });
  if (ov._map) { on(); }
})();
{% endmacro %}"""
    )

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__()
        self._name = "BeyondHover"
        # Compact JSON; "<" escaped so that no value can end the script (values are HTML-escaped too).
        self.info_json = json.dumps(info, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


def add_beyond_layer(
    parent: folium.Map | folium.FeatureGroup, figures: gpd.GeoDataFrame, *, lang: str = "nl"
) -> folium.raster_layers.ImageOverlay | None:
    """Draw the areas beyond the threshold of :func:`area_figures` into ``parent``; ``None`` if none.

    The overlay does not catch clicks (a click still reaches the map: in coverage mode it adds a
    hypothetical site); the hover works wherever the overlay's parent is on a map. Payload: the two
    PNGs base64-encoded (the lookup one at most :data:`LOOKUP_BUDGET` bytes before encoding) plus
    about 25 bytes per area beyond the threshold.
    """
    beyond = beyond_only(figures)
    if beyond.empty:
        return None
    wgs = beyond.to_crs("EPSG:4326")
    key = tuple(zip(wgs["code"].astype(int), wgs["band"].astype(int), strict=True))
    raster, visible, ids, step = _cached_raster(key, tuple(wgs.geometry.to_wkb()))
    rows, cols = raster.ids[::step, ::step].shape
    info = {
        "w": cols,
        "h": rows,
        "x0": raster.extent[0],
        "y1": raster.extent[3],
        "px": raster.pixel * step,
        "ids": "data:image/png;base64," + base64.b64encode(ids).decode(),
        **hover_info(beyond, lang=lang),
    }
    overlay = folium.raster_layers.ImageOverlay(
        "data:image/png;base64," + base64.b64encode(visible).decode(),
        bounds=[list(raster.bounds[0]), list(raster.bounds[1])],
        opacity=OPACITY,
        interactive=False,
        name="beyond",
        className="na-beyond",
        control=False,
    )
    overlay.add_child(BeyondHover(info))
    overlay.add_to(parent)
    return overlay


# --- legends and print -------------------------------------------------------------------------------


def legend_entries(threshold: float, unit: str, lang: str) -> list[tuple[str, str]]:
    """``(colour, label)`` per beyond band, e.g. ``("#FDBB84", "30–45 min")``, in the UI language."""
    out = []
    for colour, (lo, hi) in zip(BEYOND_SCALE, band_limits(threshold), strict=True):
        a = fmt_number(lo, lang)
        label = (
            t("cov.beyond.band", lang, lo=a, hi=fmt_number(hi, lang), unit=unit)
            if hi is not None
            else t("cov.beyond.band.last", lang, lo=a, unit=unit)
        )
        out.append((colour, label))
    return out


def legend_title(threshold: float, unit: str, lang: str) -> str:
    """The heading of the beyond-areas legend: what the threshold means."""
    return t("cov.beyond.legend", lang, km=fmt_number(threshold, lang), unit=unit)


def legend_html(threshold: float, unit: str, lang: str) -> str:
    """The web legend of the beyond areas (escaped HTML)."""
    rows = "".join(
        f'<span style="display:inline-block;width:14px;height:10px;margin-right:5px;'
        f'vertical-align:middle;border:1px solid #888;background:{c}"></span>{escape(label)}<br>'
        for c, label in legend_entries(threshold, unit, lang)
    )
    return f"<b>{escape(legend_title(threshold, unit, lang))}</b><br>{rows}"


def draw_beyond(ax: Any, figures: gpd.GeoDataFrame, *, zorder: float = 1.5) -> int:
    """Draw the beyond areas on a matplotlib axes in RD New (the print map); returns how many."""
    beyond = beyond_only(figures)
    if beyond.empty:
        return 0
    rd = beyond.to_crs(RD)
    n = 0
    for b, group in rd.groupby("band"):
        paths = [p for p in (geom_path(g) for g in group.geometry) if p is not None]
        if paths:
            colour = BEYOND_SCALE[min(int(b), len(BEYOND_SCALE)) - 1]
            ax.add_collection(
                PathCollection(paths, facecolors=colour, edgecolors="none", alpha=OPACITY, zorder=zorder)
            )
            n += len(paths)
    return n
