"""The PC4 areas beyond the threshold: figures per area, the Web Mercator raster, escaping, colours."""

from __future__ import annotations

import colorsys
import io
import json
import re
from types import SimpleNamespace

import folium
import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from matplotlib.colors import to_rgb
from PIL import Image

from geo.render import coverage_layer as cl
from geo.render.style import BEYOND_SCALE, SHARE_SCALE, WATER

#: Three squares of about 2 x 2 km near Emmeloord (lon, lat), side by side from west to east.
SQUARES = {1001: 5.60, 1002: 5.64, 1003: 5.68}
LAT = 52.70


def areas(place_1003: str = "Ens") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": list(SQUARES), "place": ["Urk", "Tollebeek", place_1003]},
        geometry=[shapely.box(x, LAT, x + 0.03, LAT + 0.018) for x in SQUARES.values()],
        crs="EPSG:4326",
    )


def result(points: list[tuple], *, threshold: float = 30, with_pc4: bool = True) -> SimpleNamespace:
    """A coverage result with hand-set points: (pc4, lon, lat, population, distance, site)."""
    pc4, lon, lat, pop, dist, site = zip(*points, strict=True)
    gdf = gpd.GeoDataFrame(
        {"population": pop, "distance": dist, "site_name": site},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    ).to_crs("EPSG:28992")
    if with_pc4:
        gdf["pc4"] = pc4
    return SimpleNamespace(points=gdf, threshold=threshold, unit="min", provinces=("Flevoland",))


POINTS = [
    (1001, 5.615, 52.709, 1000.0, 30.0, "A"),  # exactly at the threshold: covered
    (1002, 5.655, 52.709, 500.0, 40.0, "B"),  # band 1 (30-45)
    (1003, 5.690, 52.705, 100.0, 20.0, "A"),  # weighted mean (100*20 + 300*80) / 400 = 65: band 3
    (1003, 5.700, 52.712, 300.0, 80.0, "B"),
]


def test_marks_exactly_the_areas_beyond_the_threshold():
    fig = cl.area_figures(result(POINTS), areas())
    by = fig.set_index("code")
    assert by.loc[1001, "band"] == 0 and by.loc[1002, "band"] == 1 and by.loc[1003, "band"] == 3
    assert by.loc[1003, "distance"] == pytest.approx(65.0)
    assert by.loc[1003, "inhabitants"] == 400 and by.loc[1003, "beyond"] == 300
    assert by.loc[1003, "site_name"] == "B"  # of its most populous point
    assert list(cl.beyond_only(fig)["code"]) == [1002, 1003]
    assert fig.attrs == {"threshold": 30.0, "unit": "min"}


def test_points_without_pc4_are_put_in_the_area_that_holds_them():
    with_code = cl.area_figures(result(POINTS), areas())
    joined = cl.area_figures(result(POINTS, with_pc4=False), areas())
    cols = ["code", "inhabitants", "distance", "band"]
    assert joined[cols].to_dict("records") == with_code[cols].to_dict("records")


def test_band_edges():
    assert list(cl.band([10, 30, 30.01, 45, 45.1, 60, 61, np.inf], 30)) == [0, 0, 1, 1, 2, 2, 3, 3]


def _pixel(raster: cl.Raster, lon: float, lat: float) -> tuple[int, int]:
    x, y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    return int((raster.extent[3] - y) // raster.pixel), int((x - raster.extent[0]) // raster.pixel)


def test_raster_is_in_web_mercator_and_holds_each_area_where_it_lies():
    beyond = cl.beyond_only(cl.area_figures(result(POINTS), areas()))
    raster = cl.raster_of(beyond, pixel=50)
    (south, west), (north, east) = raster.bounds
    assert west == pytest.approx(5.64, abs=0.001) and east == pytest.approx(5.71, abs=0.001)
    assert south == pytest.approx(LAT, abs=0.001) and north == pytest.approx(LAT + 0.018, abs=0.001)
    # Leaflet stretches the image linearly in Web Mercator: rows are equal Mercator steps, not degrees
    assert raster.ids[_pixel(raster, 5.655, 52.717)] == 1  # 1002, near its north edge
    assert raster.ids[_pixel(raster, 5.695, 52.7015)] == 2  # 1003, near its south edge
    assert raster.bands[_pixel(raster, 5.655, 52.717)] == 1
    assert raster.bands[_pixel(raster, 5.695, 52.71)] == 3
    assert (raster.ids > 0).mean() == pytest.approx(6 / 7, abs=0.03)  # two squares 0.03° wide, 0.01° apart
    img = Image.open(io.BytesIO(raster.visible_png())).convert("RGBA")
    row, col = _pixel(raster, 5.695, 52.71)
    assert img.getpixel((col, row)) == (*[round(c * 255) for c in to_rgb(BEYOND_SCALE[2])], 255)
    lookup = np.asarray(Image.open(io.BytesIO(raster.ids_png())).convert("RGB")).astype(int)
    assert lookup[row, col, 0] * 256 + lookup[row, col, 1] == 2


def test_pixels_outside_every_area_are_transparent():
    pts = [(1001, 5.615, 52.709, 10.0, 50.0, "A"), (1003, 5.69, 52.705, 10.0, 50.0, "A")]
    beyond = cl.beyond_only(cl.area_figures(result(pts), areas()))
    raster = cl.raster_of(beyond, pixel=50)
    gap = _pixel(raster, 5.655, 52.709)  # 1002 lies between them and is not beyond
    assert raster.ids[gap] == 0
    img = Image.open(io.BytesIO(raster.visible_png())).convert("RGBA")
    assert img.getpixel((gap[1], gap[0]))[3] == 0


def test_hover_texts_are_escaped_and_cannot_end_the_script():
    evil = '<script>alert("x")</script>'
    pts = [(1003, 5.69, 52.705, 1.0, 99.0, "<img src=x onerror=alert(1)>")]
    fig = cl.area_figures(result(pts), areas(place_1003=evil))
    info = cl.hover_info(cl.beyond_only(fig))
    assert info["places"] == ["&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"]
    assert info["sites"] == ["&lt;img src=x onerror=alert(1)&gt;"]
    assert info["rows"] == [[1003, 0, 1, 99.0, 0]]
    assert info["inh"] == {"one": "{n} inwoner", "other": "{n} inwoners"}
    m = folium.Map(tiles=None)
    assert cl.add_beyond_layer(m, fig) is not None
    page = m.get_root().render()
    assert "<script>alert" not in page and "<img src=x" not in page
    script = re.search(r"info = (\{.*?\}), data = null", page).group(1)
    assert "</" not in script and json.loads(script)["places"] == info["places"]


def test_no_layer_when_nothing_is_beyond():
    pts = [(1001, 5.615, 52.709, 10.0, 5.0, "A")]
    assert cl.add_beyond_layer(folium.Map(tiles=None), cl.area_figures(result(pts), areas())) is None


def test_legend_says_what_the_threshold_means():
    assert [label for _, label in cl.legend_entries(30, "min", "nl")] == [
        "30–45 min",
        "45–60 min",
        "meer dan 60 min",
    ]
    assert cl.legend_title(25, "km", "en") == "Postcode areas beyond the norm: 25 km to a site"
    assert "&lt;" in cl.legend_html(30, "<b>", "nl") and "<b>min" not in cl.legend_html(30, "<b>", "nl")


def _hls(hex_: str) -> tuple[float, float, float]:
    h, lum, s = colorsys.rgb_to_hls(*to_rgb(hex_))
    return h * 360, lum, s


def test_share_scale_is_not_blue_and_runs_dark_to_light():
    for colour in SHARE_SCALE:
        hue, _, sat = _hls(colour)
        assert 270 <= hue <= 320 and sat > 0.15, colour  # purple: never the blues (180-250°) of water
    lightness = [_hls(c)[1] for c in SHARE_SCALE]
    assert lightness == sorted(lightness) and lightness[-1] - lightness[0] > 0.6  # sequential
    water = np.array(to_rgb(WATER))
    assert min(np.abs(np.array(to_rgb(c)) - water).max() for c in SHARE_SCALE) > 0.08
    assert _hls(SHARE_SCALE[-1])[1] < 0.92  # a 100 % province is still shaded, not white


def test_beyond_scale_is_orange_to_red_and_darkens():
    hues = [_hls(c)[0] for c in BEYOND_SCALE]
    assert all(h <= 30 or h >= 350 for h in hues)
    lightness = [_hls(c)[1] for c in BEYOND_SCALE]
    assert lightness == sorted(lightness, reverse=True)


def test_print_map_draws_the_beyond_areas_in_their_colours():
    from matplotlib.figure import Figure

    fig = cl.area_figures(result(POINTS), areas())
    ax = Figure().add_subplot()
    assert cl.draw_beyond(ax, fig) == 2
    colours = sorted(tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in ax.collections)
    want = sorted(tuple(np.round(to_rgb(BEYOND_SCALE[i]), 3)) for i in (0, 2))
    assert colours == want
