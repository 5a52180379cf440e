"""Shared fixtures: small data folders (valid and deliberately broken) and a running app for browser tests."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = Path(__file__).parent / "fixtures" / "small"
DATA = ROOT / "data"

#: Chromium as Debian ships it; Playwright's own browser download is not possible offline.
CHROMIUM = os.environ.get("NETWERKATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Every request to a host other than the app is aborted: the app must work fully offline.
EXTERNAL = re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/])")


def make_data_dir(
    target: Path, *, source: Path = SMALL, edits: dict[str, Callable[[str], str]] | None = None
) -> Path:
    """Copy a data folder (CSV files plus the shipped provinces) and apply text edits per file."""
    target.mkdir(parents=True, exist_ok=True)
    for f in source.glob("*.csv"):
        shutil.copy(f, target / f.name)
    shutil.copy(DATA / "provinces.geojson", target / "provinces.geojson")
    # The travel-time inputs are shared with the shipped data (they describe the country, not the sites).
    for name in ("fixed_links.csv", "ferries.csv", "calibration.csv"):
        shutil.copy(DATA / name, target / name)
    shutil.copytree(DATA / "traveltime", target / "traveltime", dirs_exist_ok=True)
    shutil.copytree(DATA / "calibration", target / "calibration", dirs_exist_ok=True)
    # The official population (CBS PC4, Eurostat 1 km) is the default of every coverage figure.
    shutil.copytree(DATA / "population", target / "population", dirs_exist_ok=True)
    for name, edit in (edits or {}).items():
        path = target / name
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return target


@pytest.fixture
def small_dir(tmp_path: Path) -> Path:
    """A valid, small data folder (7 organisations, 10 sites) in a temporary directory."""
    return make_data_dir(tmp_path / "data")


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run ``netwerkatlas`` on the small data: ``run(*argv) -> (exit status, stdout, stderr)``."""
    from geo.cli import main

    monkeypatch.setenv("NETWERKATLAS_DATA", str(make_data_dir(tmp_path / "data")))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture(scope="session")
def small_atlas(tmp_path_factory: pytest.TempPathFactory):
    """The small fixture data, loaded once."""
    from geo.data import load_atlas

    return load_atlas(make_data_dir(tmp_path_factory.mktemp("small")))


@pytest.fixture(scope="session")
def atlas():
    """The data the app serves (the shipped data unless ``NETWERKATLAS_DATA`` says otherwise), loaded once."""
    from geo.data import load_atlas

    return load_atlas()


APP = str(ROOT / "app.py")


@pytest.fixture
def run_app(tmp_path, monkeypatch):
    """Run the app in AppTest on the small data, offline, with ``st_folium`` replaced by a stub.

    Returns ``go(params, steps, map_value)``: the query parameters to open, callables that each act on
    the page before one more run, and what the stubbed map reports (e.g. a click). The stub's calls are
    kept in ``at.map_calls``: the folium map and the arguments the app gave ``st_folium``.
    """
    from unittest import mock

    import streamlit_folium
    from streamlit.testing.v1 import AppTest

    from geo import pdok

    monkeypatch.setenv("NETWERKATLAS_DATA", str(make_data_dir(tmp_path / "data")))
    monkeypatch.setattr(pdok, "reachable", lambda **_: False)  # hermetic: never ask the network

    def go(params: dict[str, str] | None = None, steps=(), map_value: dict | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        for k, v in (params or {}).items():
            at.query_params[k] = v
        with mock.patch.object(streamlit_folium, "st_folium", return_value=map_value or {}) as fake_map:
            at.run()
            for step in steps:
                step(at)
                at.run()
        at.map_calls = fake_map.call_args_list
        return at

    return go


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run app.py`` on a free port and wait until it answers."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("streamlit did not become healthy within 60 s")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app with the shipped data, served for the browser tests.

    Its travel-time fields are cached in a folder of its own (``NETWERKATLAS_CACHE``), never in the
    user's home cache; Leaflet must have been vendored by ``make setup``.
    """
    from geo.render.assets import vendored_problem

    if problem := vendored_problem():
        pytest.fail(problem)
    proc, url = start_app({"NETWERKATLAS_CACHE": str(tmp_path_factory.mktemp("traveltime-cache"))})
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Drive Debian's Chromium; Playwright cannot download its own browser here."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` (see README)"
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A viewport tall enough that the whole map iframe is visible (clicks outside it are lost)."""
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1200}}


@pytest.fixture
def offline_page(page):
    """A Playwright page for which every request to another host fails, as on an offline machine.

    After the test, the list of blocked requests must be empty: the app never even tries the internet.
    """
    blocked: list[str] = []

    def abort(route) -> None:
        blocked.append(route.request.url)
        route.abort()

    page.context.route(EXTERNAL, abort)
    page.blocked_requests = blocked
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    assert blocked == [], f"requests to other hosts were attempted: {blocked}"


#: Sites the map shows: single markers plus the counts on the badges of grouped (clustered) ones.
JS_SITES_ON_MAP = """() => document.querySelectorAll('.na-marker').length +
  [...document.querySelectorAll('.na-cluster')].reduce((n, b) => n + parseInt(b.textContent, 10), 0)"""
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def wait_sites_on_map(page, expected: int, timeout: float = 60_000):
    """Wait until the map iframe shows ``expected`` sites (markers and badge counts); return its frame.

    Polls through a frame locator, so a map iframe that Streamlit replaces while loading is followed.
    """
    body = page.frame_locator(MAP_IFRAME).locator("body")
    deadline = time.monotonic() + timeout / 1000
    seen = None
    while time.monotonic() < deadline:
        try:
            seen = body.evaluate(f"(_) => ({JS_SITES_ON_MAP})()", timeout=5_000)
        except Exception:  # no map document yet
            seen = None
        if seen == expected:
            return page.locator(MAP_IFRAME).element_handle().content_frame()
        page.wait_for_timeout(100)
    pytest.fail(f"the map shows {seen} sites, not {expected}")
