"""The folium map builders, tested without Streamlit or a browser."""

from __future__ import annotations

import re

import folium
import numpy as np
import pytest

from geo.data import filter_sites
from geo.data import network_names as names
from geo.nearest import site_at
from geo.render.popups import popup_html
from geo.render.style import NETWORK_COLOURS
from geo.render.symbols import UNIT_SHAPES, legend_html, marker_svg
from geo.render.webmap import build_base_map, build_map, build_site_layer

CDN = re.compile(r"(cdn\.jsdelivr|code\.jquery|cdnjs\.cloudflare|bootstrapcdn|unpkg\.com)")


@pytest.fixture
def full_map(small_atlas):
    sites = filter_sites(small_atlas, include_context=True, include_closed=True)
    nets, subs = names(small_atlas)
    m = build_map(
        small_atlas.provinces,
        sites,
        network_names=nets,
        subregion_names=subs,
        highlighted=small_atlas.region_provinces(nets),
    )
    return m, sites


def test_map_loads_no_asset_from_a_cdn(full_map):
    m, _ = full_map
    page = m.get_root().render()
    assert not CDN.search(page)
    assert '<script src="/app/static/vendor/leaflet/leaflet.js">' in page
    assert "jquery" not in page.lower()  # nothing on our map needs it
    assert "L.Icon.Default.imagePath" in page


def _features(m: folium.Map) -> list[dict]:
    """The site features of the map's marker layer, as the browser receives them."""
    layer = next(c for c in m._children.values() if getattr(c, "layer_name", "") == "sites")
    geojson = next(iter(layer._children.values()))
    return geojson.data["features"]


def test_one_marker_per_site(full_map):
    m, sites = full_map
    features = _features(m)
    assert len(features) == len(sites) == 10
    page = m.get_root().render()
    assert "L.divIcon" in page and "bindPopup(function" in page  # markers made in the browser, popups lazily
    # A marker's title is the site's name with its remark in the map's language (Dutch by default).
    closed = "OZG locatie Delfzicht"
    expected = (set(sites["name"]) - {closed}) | {f"{closed} (voormalig ziekenhuis)"}
    assert {f["properties"]["t"] for f in features} == expected


def test_provinces_styled_by_region(small_atlas):
    m = build_base_map(small_atlas.provinces, highlighted=["Flevoland"], partial=[])
    page = m.get_root().render()
    assert page.count('"type":"Feature"') + page.count('"type": "Feature"') >= 12
    assert "#FCE9C4" in page  # region fill present
    assert m.options["minZoom"] == 6


def test_html_in_names_is_escaped(small_atlas):
    sites = filter_sites(small_atlas, categories=["other"])
    assert sites["name"].iloc[0] == "MST laboratorium <b>test</b>"
    nets, subs = names(small_atlas)
    layer = build_site_layer(sites, network_names=nets, subregion_names=subs)
    m = folium.Map(tiles=None)
    layer.add_to(m)
    page = m.get_root().render()
    assert "laboratorium <b>test</b>" not in page  # folium's tojson escapes < and > in the data
    props = _features(m)[0]["properties"]
    assert props["tip"] == "MST laboratorium &lt;b&gt;test&lt;/b&gt;"  # tooltip HTML: escaped text
    assert "<h4>MST laboratorium &lt;b&gt;test&lt;/b&gt;</h4>" in props["p"]
    assert props["t"] == "MST laboratorium <b>test</b>"  # the title attribute is set as text, not HTML


def test_popup_escapes_every_value_and_flags_approximate_positions():
    site = {
        "name": "<script>alert(1)</script>",
        "organisation": "O & <i>",
        "street": "<img src=x onerror=alert(2)>",
        "postcode": "1234 AB",
        "city": "X",
        "category": "hospital",
        "emergency": "limited",
        "networks": ("a",),
        "subregions": (),
        "precision": "town",
        "status": "open",
        "source_url": "javascript:alert(3)",
        "coord_source_url": "https://example.org/?a=<b>",
        "website": "",
    }
    out = popup_html(site, lang="en", network_names={"a": "<u>Net</u>"}, subregion_names={})
    assert "<script>" not in out and "<img" not in out and "<u>" not in out and "<i>" not in out
    assert "javascript:" not in out  # only http(s) links are made clickable
    assert "town (approximate)" in out
    assert "Limited opening hours" in out


def test_multi_network_marker_shows_both_colours():
    svg = marker_svg("hospital_ed", [NETWORK_COLOURS["cardionovo"], NETWORK_COLOURS["onconovo"]], uid="x")
    assert "linearGradient" in svg
    assert NETWORK_COLOURS["cardionovo"] in svg and NETWORK_COLOURS["onconovo"] in svg
    single = marker_svg("hospital_ed", [NETWORK_COLOURS["cardionovo"]], uid="y")
    assert "linearGradient" not in single


def test_shapes_differ_by_category():
    shapes = {
        c: marker_svg(c, ["#000000"], uid=c)
        for c in ("hospital_ed", "hospital", "outpatient", "radiotherapy")
    }
    assert len(set(shapes.values())) == 4
    assert '<circle cx="12" cy="12" r="10"' in shapes["hospital_ed"]


@pytest.mark.parametrize("category", ["hospital", "outpatient", "radiotherapy", "other"])
def test_web_and_print_markers_share_one_outline(category):
    # The SVG path is the print polygon at 10 px per unit in a 24 px box (y pointing down).
    path = re.search(r'<path d="M([^"]+)Z"', marker_svg(category, ["#000000"], uid="u"))[1]
    xy = np.array([[float(v) for v in p.split()] for p in path.split("L")])
    expected = np.column_stack([12 + 10 * UNIT_SHAPES[category][:, 0], 12 - 10 * UNIT_SHAPES[category][:, 1]])
    np.testing.assert_allclose(xy, expected, atol=0.006)


def test_closed_marker_is_hollow_and_crossed():
    svg = marker_svg("hospital", [NETWORK_COLOURS["onconovo"]], uid="c", closed=True)
    assert 'fill="#FFFFFF"' in svg and NETWORK_COLOURS["onconovo"] not in svg
    assert "M7 7 17 17M17 7 7 17" in svg  # the print map's X: arms of 0.5 unit


def test_legend_lists_networks_and_kinds():
    out = legend_html(
        lang="nl",
        network_names={"cardionovo": "CardioNoVo+", "onconovo": "OncoNoVo+"},
        categories=["hospital_ed", "outpatient"],
        context=True,
    )
    assert "CardioNoVo+" in out and "OncoNoVo+" in out
    assert "Ziekenhuis met 24/7 SEH" in out and "Buitenpolikliniek" in out
    assert "In meerdere netwerken" in out and "buiten deze netwerken" in out
    assert "<svg" not in out and out.count("data:image/svg+xml;base64,") == 6  # sanitiser-proof images


def test_tiles_are_optional(small_atlas):
    offline = build_base_map(small_atlas.provinces).get_root().render()
    assert "tileLayer" not in offline
    online = build_base_map(small_atlas.provinces, tiles="nlmaps").get_root().render()
    assert "service.pdok.nl" in online and "Kadaster" in online


def test_site_at_matches_clicked_marker(small_atlas):
    sites = filter_sites(small_atlas)
    row = sites[sites["site_id"] == "isala-zwolle"].iloc[0]
    assert site_at(sites, {"lat": row.lat, "lng": row.lon}) == "isala-zwolle"
    assert site_at(sites, {"lat": row.lat + 0.01, "lng": row.lon}) is None
    assert site_at(sites, None) is None
    assert site_at(sites, {"lat": "x"}) is None


def test_names_cannot_break_out_of_folium_javascript(small_atlas):
    """folium puts popup and tooltip HTML inside JavaScript template literals: backticks must not survive."""
    sites = filter_sites(small_atlas).head(1).copy()
    evil = "x`); alert(document.domain); (`${alert(2)}"
    sites["name"] = evil
    sites["organisation"] = evil
    nets, subs = names(small_atlas)
    m = folium.Map(tiles=None)
    build_site_layer(sites, network_names=nets, subregion_names=subs).add_to(m)
    # The site data travels as JSON (tojson escapes quotes and <); everything else must not hold the text.
    page = re.sub(r"_add\(\{.*?\}\);", "", m.get_root().render(), flags=re.S)
    assert "`); alert(document.domain)" not in page
    assert "${alert(2)}" not in page
    props = _features(m)[0]["properties"]
    assert props["tip"] == "x&#96;); alert(document.domain); (&#96;&#36;{alert(2)}"  # safe in any template
    assert "`" not in props["p"] and "${" not in props["p"]


def test_view_extent_matches_web_mercator():
    from geo.render.report import view_extent

    west, south, east, north = view_extent((52.5, 5.3), 8, width_px=512, height_px=512)
    assert east - west == pytest.approx(2 * 360 / 2**8)  # 512 px = two tiles of 360/2^z degrees
    assert south < 52.5 < north and (north - 52.5) < (52.5 - south) * 1.01  # Mercator stretches north
    w2, _s2, e2, _n2 = view_extent((52.5, 5.3), 9, width_px=512, height_px=512)
    assert e2 - w2 == pytest.approx((east - west) / 2)


def test_clustered_site_layer_uses_the_vendored_plugin_and_keeps_every_site(small_atlas):
    sites = filter_sites(small_atlas)
    nets, subs = names(small_atlas)
    m = build_base_map(small_atlas.provinces)
    layer = build_site_layer(sites, network_names=nets, subregion_names=subs, cluster_label="{n} sites")
    layer.add_to(m)
    page = m.get_root().render()
    assert not CDN.search(page)
    assert '<script src="/app/static/vendor/markercluster/leaflet.markercluster.js">' in page
    assert "L.markerClusterGroup(" in page and "spiderfy()" in page
    assert page.count('"type": "Point"') == len(sites)  # one marker per site, all in the group
    assert re.search(r"geo_json_\w+\.addTo\(marker_cluster_\w+\)", page)
    plain = build_site_layer(sites, network_names=nets, subregion_names=subs)  # exports: no plugin
    assert not any(type(c).__name__ == "MarkerCluster" for c in plain._children.values())


def test_enter_on_a_marker_fires_a_click(full_map):
    page = full_map[0].get_root().render()
    assert 'layer.off("keypress", layer._onKeyPress, layer)' in page
    assert 'layer.fire("click", {latlng: layer.getLatLng()' in page


def test_region_is_fitted_without_animation(small_atlas):
    """An animated fit overrode a shared link's zoom of 13 or more (issue 13, item 11)."""
    page = build_base_map(small_atlas.provinces).get_root().render()
    fit = r"\.fitBounds\(\[\[[\d.]+, [\d.]+\], \[[\d.]+, [\d.]+\]\], \{padding: \[10, 10\], animate: false\}"
    assert re.search(fit, page) and page.count(".fitBounds(") == 1
