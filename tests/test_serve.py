"""`make serve` in a real browser: two replicas behind HAProxy, sticky sessions, fail-over, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.data import filter_sites
from tests.conftest import EXTERNAL, ROOT, _free_port, wait_sites_on_map

pytestmark = pytest.mark.browser

MAP = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT = 60_000
COOKIE = "NA_REPLICA"


def _children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (Linux /proc)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out.extend(int(c) for c in text)
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie keeps its entry until its parent reaps it, but it no longer runs
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


class Served:
    """A running ``scripts/serve/serve.py`` with two replicas on known loopback ports."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.replica_ports = {"r1": _free_port(), "r2": _free_port()}
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable, str(ROOT / "scripts" / "serve" / "serve.py"),
                "--replicas", "2", "--port", str(self.port), "--bind", "127.0.0.1",
                "--replica-ports", ",".join(str(p) for p in self.replica_ports.values()),
                "--no-warm",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while not self._healthy():
            if self.proc.poll() is not None:
                pytest.fail(f"serve.py exited with {self.proc.returncode} while starting")
            if time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail("serve.py did not answer through the proxy within 120 s")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/_stcore/health", timeout=1) as r:
                return r.read() == b"ok"
        except OSError:
            return False

    def replica_pid(self, name: str) -> int:
        """The process id of replica ``name`` (a child of the launcher)."""
        wanted = f"--server.port {self.replica_ports[name]} "
        (pid,) = [c for c in _children(self.proc.pid) if wanted in _cmdline(c) + " "]
        return pid


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    s = Served()
    yield s
    if s.proc.poll() is None:
        s.proc.terminate()
        s.proc.wait(30)


def _offline_context(browser, browser_context_args):
    ctx = browser.new_context(**browser_context_args)
    ctx.blocked = []

    def abort(route) -> None:
        ctx.blocked.append(route.request.url)
        route.abort()

    ctx.route(EXTERNAL, abort)
    return ctx


def _open(page, url: str, expected: int, *, reload: bool = False) -> str:
    """Load (or reload) the app, wait for every marker, and return the replica that served the page."""
    response = page.reload() if reload else page.goto(url)
    assert response is not None and response.ok
    wait_sites_on_map(page, expected, TIMEOUT)
    return response.headers["x-replica"]


def _cookie(ctx) -> str | None:
    return next((c["value"] for c in ctx.cookies() if c["name"] == COOKIE), None)


def test_static_files_come_from_nginx_with_cache_headers(served):
    with urllib.request.urlopen(served.url + "/") as r:
        page = r.read().decode()
        assert r.headers["x-replica"] in ("r1", "r2")
    bundle = page.split('src="./static/js/', 1)[1].split('"', 1)[0]
    with urllib.request.urlopen(f"{served.url}/static/js/{bundle}") as r:
        assert r.headers["server"] == "nginx"
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert r.read(64)  # a real file, not the index.html fallback of a replica
        assert r.headers["content-type"] == "application/javascript"
    with urllib.request.urlopen(served.url + "/app/static/vendor/leaflet/leaflet.js") as r:
        assert r.headers["server"] == "nginx"
        assert r.headers["cache-control"] == "public, max-age=86400"
        assert b"Leaflet" in r.read(2000)


def test_sticky_sessions_and_failover(served, browser, browser_context_args, atlas):
    expected = len(filter_sites(atlas))
    first = _offline_context(browser, browser_context_args)
    page = first.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    home = _open(page, served.url, expected)
    assert _cookie(first) == home
    for _ in range(2):  # a reload returns to the replica that holds the session
        assert _open(page, served.url, expected, reload=True) == home
    assert _cookie(first) == home

    # While the first visitor's WebSocket is open on its replica, a new visitor goes to the other one.
    second = _offline_context(browser, browser_context_args)
    other = _open(second.new_page(), served.url, expected)
    assert other != home
    assert _cookie(second) == other

    os.kill(served.replica_pid(home), signal.SIGKILL)
    # The first visitor's next load is moved to the surviving replica, and so is a brand-new visitor.
    assert _open(page, served.url, expected, reload=True) == other
    assert _cookie(first) == other
    third = _offline_context(browser, browser_context_args)
    assert _open(third.new_page(), served.url, expected) == other
    for ctx in (first, second, third):
        assert ctx.blocked == []
        ctx.close()
    assert errors == []


def test_stopping_the_launcher_stops_everything_it_started(served):
    started = _children(served.proc.pid)
    names = {Path(f"/proc/{p}/comm").read_text().strip() for p in started}
    assert {"haproxy", "nginx"} <= names
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(30) == 0
    assert [p for p in started if _alive(p)] == []
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        urllib.request.urlopen(served.url + "/_stcore/health", timeout=2)
