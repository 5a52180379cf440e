"""Real-browser tests: Debian's Chromium through Playwright, every request to another host blocked."""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from geo.data import filter_sites
from tests.conftest import wait_sites_on_map

pytestmark = pytest.mark.browser

MAP = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT = 45_000


def isolated_site(sites) -> object:
    """The site farthest from any other, so its marker can be clicked without overlap."""
    xy = np.c_[sites["lon"].to_numpy() * 0.61, sites["lat"].to_numpy()]  # ~equal-area degrees at 52°N
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    return sites.iloc[int(np.argmax(d.min(axis=1)))]


def metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def test_map_renders_offline_with_every_site(offline_page, app_url, atlas):
    page = offline_page
    expected = filter_sites(atlas)
    page.goto(app_url)
    frame = page.frame_locator(MAP)
    wait_sites_on_map(page, len(expected), TIMEOUT)
    expect(frame.locator("path.leaflet-interactive")).to_have_count(12)  # the provinces
    expect(metric(page, "Locaties")).to_have_text(str(len(expected)))
    assert page.js_errors == []


def test_filter_change_updates_markers_and_count(offline_page, app_url, atlas):
    page = offline_page
    cardio = filter_sites(atlas, specialty="cardiology")
    page.goto(app_url)
    wait_sites_on_map(page, len(filter_sites(atlas)), TIMEOUT)
    page.get_by_test_id("stSelectbox").filter(has_text="Specialisme").click()
    page.get_by_role("option", name="Cardiologie").click()
    expect(metric(page, "Locaties")).to_have_text(str(len(cardio)), timeout=TIMEOUT)
    wait_sites_on_map(page, len(cardio), TIMEOUT)
    expect(metric(page, "Organisaties")).to_have_text(str(cardio["org_id"].nunique()))


def test_clicking_a_marker_shows_its_details(offline_page, app_url, atlas):
    page = offline_page
    site = isolated_site(filter_sites(atlas))
    page.goto(app_url)
    frame = page.frame_locator(MAP)
    marker = frame.locator(f'.leaflet-marker-icon[title="{site["name"]}"]')
    expect(marker).to_have_count(1, timeout=TIMEOUT)
    page.locator(MAP).scroll_into_view_if_needed()  # clicks on a half-visible iframe are lost
    marker.click()
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(site["organisation"], timeout=TIMEOUT)
    details = page.get_by_test_id("stHtml").filter(has_text=site["name"])
    expect(details.first).to_contain_text(site["city"], timeout=TIMEOUT)


def test_a_popup_shows_the_remark_in_dutch_under_the_name(offline_page, app_url, atlas):
    page = offline_page
    page.goto(app_url)
    wait_sites_on_map(page, len(filter_sites(atlas)), TIMEOUT)
    frame = page.frame_locator(MAP)
    marker = frame.locator(
        '.leaflet-marker-icon[title="Ziekenhuis St Jansdal, Lelystad (voormalig MC Zuiderzee)"]'
    )
    expect(marker).to_have_count(1, timeout=TIMEOUT)
    page.locator(MAP).scroll_into_view_if_needed()
    marker.click()
    remark = frame.locator(".leaflet-popup-content .na-popup > .na-remark")
    expect(remark).to_have_text("voormalig MC Zuiderzee", timeout=TIMEOUT)
    expect(frame.locator(".leaflet-popup-content h4")).to_have_text("Ziekenhuis St Jansdal, Lelystad")
    assert "former" not in frame.locator(".leaflet-popup-content").inner_text().lower()


def test_english_switch(offline_page, app_url):
    page = offline_page
    page.goto(app_url)
    expect(page.get_by_text("Filters").first).to_be_visible(timeout=TIMEOUT)
    page.get_by_test_id("stMain").get_by_text("EN", exact=True).click()  # not hidden in the sidebar
    expect(metric(page, "Sites")).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile("lang=en"))


def test_finder_ranks_draws_lines_and_selects(offline_page, app_url, atlas):
    from geo.places import load_places, resolve_place
    from geo.traveltime import load_model, nearest_by_time

    page = offline_page
    place = resolve_place("Emmeloord", load_places()).place
    sites = filter_sites(atlas, specialty="cardiology")
    sites = sites[sites["kind"] == "hospital"]  # "Alleen ziekenhuizen" is on by default
    expected = nearest_by_time(
        place.lat, place.lon, sites, load_model(atlas.sites), limit=3
    )  # the default ranking
    page.goto(app_url)
    frame = page.frame_locator(MAP)
    expect(frame.locator(".leaflet-marker-icon").first).to_be_attached(timeout=TIMEOUT)
    page.get_by_text("Ziekenhuis zoeken", exact=True).click()
    box = page.get_by_role("textbox", name="Woonplaats")
    box.fill("emmeloord")  # case does not matter
    box.press("Enter")
    results = page.get_by_test_id("stHtml").filter(has_text="km hemelsbreed")
    expect(results).to_have_count(3, timeout=TIMEOUT)
    for i, name in enumerate(expected["name"]):
        expect(results.nth(i)).to_contain_text(f"{i + 1}. {name}")
    expect(frame.locator("path.na-finder-line")).to_have_count(3, timeout=TIMEOUT)
    expect(frame.locator(".na-location")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"mode=finder.*q=emmeloord|q=emmeloord.*mode=finder"))
    page.get_by_role("button", name="Toon op kaart").first.click()
    details = page.get_by_test_id("stHtml").filter(has_text=expected["organisation"].iloc[0])
    expect(details.last).to_contain_text(expected["city"].iloc[0], timeout=TIMEOUT)


def test_shared_link_opens_the_same_view(offline_page, app_url, atlas):
    page = offline_page
    site = filter_sites(atlas, specialty="oncology").iloc[0]
    page.goto(f"{app_url}/?spec=oncology&site={site['site_id']}&lang=en&n=abc")
    expect(metric(page, "Sites")).to_have_text(
        str(len(filter_sites(atlas, specialty="oncology"))), timeout=TIMEOUT
    )
    notice = (
        "Not everything in the link was used: number of hospitals 'abc' is not valid: the default 3 is used"
    )
    expect(page.get_by_text(notice)).to_be_visible()
    expect(page.get_by_test_id("stHtml").filter(has_text=site["name"]).first).to_be_visible()


def test_export_downloads_png_and_offline_html(offline_page, app_url, tmp_path):
    from matplotlib import image

    page = offline_page
    page.goto(f"{app_url}/?mode=finder&q=Urk")
    expect(page.frame_locator(MAP).locator("path.na-finder-line")).to_have_count(3, timeout=TIMEOUT)
    page.get_by_text("Exporteren en delen").click()
    page.get_by_role("button", name="Bestand maken").click()  # PNG is the default format
    download = page.get_by_test_id("stDownloadButton")
    expect(download).to_contain_text(".png", timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as png:
        download.click()
    path = tmp_path / "map.png"
    png.value.save_as(path)
    assert image.imread(path).shape[:2] == (1241, 1754)  # A4 landscape at 150 dpi
    page.get_by_test_id("stButtonGroup").get_by_text("HTML", exact=True).click()
    page.get_by_role("button", name="Bestand maken").click()
    expect(download).to_contain_text(".html", timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as doc:
        download.click()
    html_path = tmp_path / "map.html"
    doc.value.save_as(html_path)
    text = html_path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=\"https?://", text) and "na-finder-line" in text
    # the downloaded file itself renders offline, with every marker
    page.goto(html_path.as_uri())
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible(timeout=TIMEOUT)
    assert page.js_errors == []


HOSTILE = '<img src=x onerror="window.__pwned=1">Nieuw<script>window.__pwned=2</script>'


def test_uploaded_names_with_html_never_run(offline_page, app_url, tmp_path):
    page = offline_page
    upload = tmp_path / "plannen.csv"
    upload.write_text(f'name,lat,lon\n"{HOSTILE}",52.6625,5.6014\n', encoding="utf-8")
    bad = tmp_path / "kapot.csv"
    bad.write_text("name,lat,lon\nErgens,abc,5.6\n", encoding="utf-8")
    page.goto(f"{app_url}/?mode=coverage&net=cardionovo")
    frame = page.frame_locator(MAP)
    expect(frame.locator(".leaflet-marker-icon").first).to_be_attached(timeout=TIMEOUT)
    page.get_by_text("Geplande locaties uploaden").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Bestand met geplande locaties")
    uploader.locator("input[type=file]").set_input_files(str(bad))
    expect(page.get_by_text("kapot.csv is niet gebruikt")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("stMetric").first).to_be_visible()  # the rest of the page still works
    uploader.locator("input[type=file]").set_input_files(str(upload))
    expect(page.get_by_text("1 geplande locatie toegevoegd")).to_be_visible(timeout=TIMEOUT)
    star = frame.locator(".na-added")
    expect(star).to_have_count(1, timeout=TIMEOUT)
    star.hover()
    tooltip = frame.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text("<img src=x", timeout=TIMEOUT)  # shown as text
    assert page.evaluate("window.__pwned") is None
    assert all(f.evaluate("window.__pwned") is None for f in page.frames)  # nor inside the map iframe
    assert page.js_errors == []


def test_panned_view_is_in_the_link_and_reopens(offline_page, app_url):
    page = offline_page
    page.goto(app_url)
    frame = page.frame_locator(MAP)
    expect(frame.locator(".leaflet-marker-icon").first).to_be_attached(timeout=TIMEOUT)
    page.locator(MAP).scroll_into_view_if_needed()
    frame.locator(".leaflet-control-zoom-in").click()
    expect(page).to_have_url(re.compile(r"z=\d+"), timeout=TIMEOUT)
    page.get_by_text("Toon gesloten locaties").click()  # a rerun keeps the view in the link
    expect(page).to_have_url(re.compile(r"closed=1"), timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"z=\d+"))
    link = page.url
    zoom = int(re.search(r"z=(\d+)", link).group(1))
    other = page.context.new_page()
    other.goto(link)
    other_frame = other.frame_locator(MAP)
    expect(other_frame.locator(".leaflet-marker-icon").first).to_be_attached(timeout=TIMEOUT)
    map_zoom = "() => Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k].getZoom())[0]"
    iframe = next(f for f in other.frames if f.url != other.url and "component" in f.url)
    expect(other_frame.locator(".leaflet-control-zoom-in")).to_be_visible()
    assert round(iframe.evaluate(map_zoom)) == zoom


#: Finds the Leaflet map in the map's iframe (folium names it map_<id>).
_FIND_MAP = "() => Object.keys(window).find((k) => window[k] instanceof L.Map)"


def _screen_point(page, lat: float, lon: float) -> tuple[float, float]:
    """Page coordinates of a WGS84 point on the map."""
    iframe = page.locator(MAP)
    frame = iframe.element_handle().content_frame()
    key = frame.evaluate(_FIND_MAP)
    x, y = frame.evaluate(
        f"([a, b]) => {{ const m = window['{key}'], p = m.latLngToContainerPoint([a, b]),"
        " r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
        [lat, lon],
    )
    box = iframe.bounding_box()
    return box["x"] + x, box["y"] + y


@pytest.mark.parametrize(
    ("view", "where", "label"),
    [
        ("52.72,5.70&z=10", (52.7274, 5.7531), "8302 Emmeloord"),  # clear of the clinics
        ("53.30,5.45&z=9", (53.3774, 5.2132), "8881 West-Terschelling"),
    ],
)
def test_coverage_map_shows_the_areas_beyond_30_minutes(offline_page, app_url, tmp_path, view, where, label):
    from PIL import Image

    page = offline_page
    page.goto(f"{app_url}/?mode=coverage&unit=min&min=30&c={view}")
    frame = page.frame_locator(MAP)
    expect(frame.locator("img.na-beyond[data-ready='1']")).to_have_count(1, timeout=TIMEOUT)
    page.wait_for_timeout(800)  # the view settles
    x, y = _screen_point(page, *where)
    shot = tmp_path / "map.png"
    page.screenshot(path=str(shot), clip={"x": x - 2, "y": y - 2, "width": 5, "height": 5})
    r, g, b = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).mean(axis=0)
    assert r > g + 40 and r > b + 40, (r, g, b)  # orange/red of the areas beyond, not the purple shading
    page.mouse.move(x, y)
    tip = frame.locator(".na-beyond-tip")
    expect(tip).to_contain_text(label, timeout=5_000)
    expect(tip).to_contain_text(re.compile(r"[\d.]+ inwoners"))
    expect(tip).to_contain_text(re.compile(r"\d+,\d min tot de dichtstbijzijnde locatie"))
    assert page.js_errors == []
