"""The map in a real browser, offline: its size, place names, grouped markers, keyboard and phone layout."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from geo.data import filter_sites
from tests.conftest import MAP_IFRAME as MAP
from tests.conftest import wait_sites_on_map
from tests.test_browser import isolated_site

pytestmark = pytest.mark.browser
TIMEOUT = 45_000

#: Visible names and site markers (and badges) as boxes in the iframe's pixels.
JS_BOXES = """() => {
  const box = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const names = [...document.querySelectorAll('.na-label:not(.na-label-hidden) > span')]
    .map(s => [s.textContent, box(s)]);
  const marks = [...document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon')]
    .map(e => box(e)).filter(b => b[2] > b[0]);
  return {names, marks};
}"""


def _open(page, url, atlas, width=1400, height=1000):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    return wait_sites_on_map(page, len(filter_sites(atlas)), TIMEOUT)


def _clear(a, b, slack=2.0):
    return a[2] <= b[0] + slack or b[2] <= a[0] + slack or a[3] <= b[1] + slack or b[3] <= a[1] + slack


def _names_ok(frame):
    got = frame.evaluate(JS_BOXES)
    width, height = frame.evaluate("() => [innerWidth, innerHeight]")
    names = [(n, b) for n, b in got["names"] if b[0] >= 0 and b[1] >= 0 and b[2] <= width and b[3] <= height]
    for i, (na, a) in enumerate(names):
        for nb, b in names[i + 1 :]:
            assert _clear(a, b), f"names overlap: {na} / {nb}"
        for m in got["marks"]:
            assert _clear(a, m, slack=3.0), f"{na} lies under a marker"
    return {n for n, _ in names}


def test_map_fills_the_window_with_its_legend_inside(offline_page, app_url, atlas):
    page = offline_page
    frame = _open(page, app_url, atlas)
    box = page.locator(MAP).bounding_box()
    assert box["height"] >= 700 and box["width"] >= 650
    legend = page.frame_locator(MAP).locator(".na-legend-control")
    expect(legend).to_contain_text("CardioNoVo+")
    lb = legend.bounding_box()
    assert box["x"] <= lb["x"] and lb["x"] + lb["width"] <= box["x"] + box["width"]
    assert lb["y"] + lb["height"] <= 1000  # seen together with the map, no scrolling
    assert frame.evaluate("() => document.querySelectorAll('.na-cluster').length") > 0


def test_place_names_show_offline_at_zoom_8_and_11_never_overlapping(offline_page, app_url, atlas):
    page = offline_page
    frame = _open(page, app_url, atlas)
    frame.wait_for_function("() => document.querySelectorAll('.na-label:not(.na-label-hidden)').length > 15")
    page.wait_for_timeout(2800)  # the map takes its final height once the page around it is laid out
    at8 = _names_ok(frame)
    assert {"Waddenzee", "IJsselmeer"} <= at8
    assert len(at8 & {"Zwolle", "Leeuwarden", "Lelystad", "Hoorn"}) >= 3
    frame.evaluate("() => window.map.setView([52.71, 5.75], 11, {animate: false})")  # Emmeloord
    frame.wait_for_function(
        "() => [...document.querySelectorAll('.na-label:not(.na-label-hidden)')]"
        ".some(e => e.textContent === 'Emmeloord')",
        timeout=TIMEOUT,
    )
    page.wait_for_timeout(600)  # the badges settle after a zoom; names are placed again
    at11 = _names_ok(frame)
    assert {"Emmeloord", "Marknesse", "Urk"} <= at11 and not at11 & {"Leeuwarden", "Zwolle"}


def test_a_badge_fans_out_its_sites_on_click(offline_page, app_url, atlas):
    page = offline_page
    frame = _open(page, app_url, atlas)
    page.locator(MAP).scroll_into_view_if_needed()
    badges = page.frame_locator(MAP).locator(".na-cluster")
    legend = page.frame_locator(MAP).locator(".na-legend-control").bounding_box()
    frame_box = page.locator(MAP).bounding_box()

    def free(b):  # inside the window and not under the legend
        return (
            b["y"] > frame_box["y"] + 40
            and b["y"] + b["height"] < 1000
            and (b["x"] + b["width"] < legend["x"] or b["y"] + b["height"] < legend["y"])
        )

    badge = next(b for b in badges.all() if free(b.bounding_box()))
    n = int(badge.inner_text())
    assert n >= 2
    assert badge.locator("div").get_attribute("aria-label").startswith(f"{n} locaties")
    before = frame.evaluate("() => document.querySelectorAll('.na-marker').length")
    badge.click()
    frame.wait_for_function(
        f"() => document.querySelectorAll('.na-marker').length === {before + n}", timeout=TIMEOUT
    )


def test_enter_on_a_focused_marker_selects_it_like_a_click(offline_page, app_url, atlas):
    page = offline_page
    site = isolated_site(filter_sites(atlas))
    _open(page, app_url, atlas)
    marker = page.frame_locator(MAP).locator(f'.leaflet-marker-icon[title="{site["name"]}"]')
    marker.focus()
    marker.press("Enter")
    expect(page.frame_locator(MAP).locator(".leaflet-popup-content")).to_contain_text(
        site["organisation"], timeout=TIMEOUT
    )
    details = page.get_by_test_id("stHtml").filter(has_text=site["name"])
    expect(details.first).to_contain_text(site["city"], timeout=TIMEOUT)


@pytest.mark.parametrize("zoom", [13, 15])
def test_a_shared_link_at_a_deep_zoom_reopens_there(offline_page, app_url, atlas, zoom):
    page = offline_page
    frame = _open(page, f"{app_url}/?c=52.3700,4.8900&z={zoom}", atlas)
    page.wait_for_timeout(800)
    assert frame.evaluate("() => window.map.getZoom()") == zoom
    centre = frame.evaluate("() => window.map.getCenter()")
    assert abs(centre["lat"] - 52.37) < 0.01 and abs(centre["lng"] - 4.89) < 0.01


def test_phone_shows_the_finder_and_language_before_the_map(offline_page, app_url, atlas):
    page = offline_page
    _open(page, f"{app_url}/?mode=finder", atlas, width=390, height=844)
    box = page.get_by_role("textbox", name="Woonplaats").bounding_box()
    frame_box = page.locator(MAP).bounding_box()
    assert box["y"] + box["height"] <= 844 and box["y"] < frame_box["y"]
    block = page.locator('.st-key-na_map_block [data-testid="stHorizontalBlock"]').first.bounding_box()
    assert abs(frame_box["width"] - block["width"]) <= 2, "the map does not take the phone's width"
    switch = page.get_by_test_id("stMain").get_by_text("EN", exact=True)
    expect(switch).to_be_visible()
    sb = switch.bounding_box()
    assert sb["y"] + sb["height"] <= 844
    for name in ("Netwerkkaart", "Ziekenhuis zoeken", "Bereikbaarheid", "EN"):
        b = page.get_by_test_id("stMain").locator("button").filter(has_text=name).first.bounding_box()
        assert b["height"] >= 44, name
    box_h = page.get_by_role("textbox", name="Woonplaats").bounding_box()["height"]
    assert box_h >= 44
    # every metric label reads in full ("Organisaties", not "Organis…")
    labels = page.get_by_test_id("stMetricLabel")
    assert labels.count() >= 2
    for i in range(labels.count()):
        cut = labels.nth(i).evaluate(
            "l => [l, ...l.querySelectorAll('*')]"
            ".filter(e => e.clientWidth && e.scrollWidth > e.clientWidth).length"
        )
        assert cut == 0, f"metric label cut off: {labels.nth(i).inner_text()}"
    # results are listed above the map too
    page.get_by_role("textbox", name="Woonplaats").fill("Emmeloord")
    page.get_by_role("textbox", name="Woonplaats").press("Enter")
    first = page.get_by_test_id("stHtml").filter(has_text="km hemelsbreed").first
    expect(first).to_be_visible(timeout=TIMEOUT)
    assert first.bounding_box()["y"] < page.locator(MAP).bounding_box()["y"]
