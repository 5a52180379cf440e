"""Shared pieces for the browser benchmarks: servers, an offline Chromium, and page actions with timings.

Used by ``bench/run.py`` (one session at a time) and ``bench/load.py`` (many sessions at once), both
through Playwright's async API so that one Chromium can drive many contexts. Every request to a host
other than the app is aborted, as on an offline machine. Waits poll the page every 20 ms, so a timing
is the wall time from starting an action until the page shows its result (± one poll).
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
    # Other hosts do not resolve: offline without request interception, which would turn off the
    # browser's HTTP cache (Playwright disables it for a context with routes).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
EXTERNAL = re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/])")
MAP = 'iframe[title="streamlit_folium.st_folium"]'
VIEWPORT = {"width": 1400, "height": 1200}
POLL_MS = 20
#: Console messages that are not errors of the app (Chromium's own notes on the component iframe).
HARMLESS_CONSOLE = re.compile(r"Unrecognized feature|can escape its sandboxing")

# Sites shown inside the map iframe (single markers plus the counts on grouped badges; the
# baseline's plain markers count one each); -1 while there is no map document yet.
JS_MARKERS = f"""() => {{
  const f = document.querySelector('{MAP}');
  const d = f && f.contentDocument;
  if (!d) return -1;
  return d.querySelectorAll('.leaflet-marker-icon:not(.na-cluster)').length +
    [...d.querySelectorAll('.na-cluster')].reduce((n, b) => n + parseInt(b.textContent, 10), 0);
}}"""
JS_RESULT_CARDS = """(text) => [...document.querySelectorAll('[data-testid="stHtml"]')]
  .filter(e => e.textContent.includes(text) && !e.closest('[data-stale="true"]')).length"""


# ------------------------------------------------------------------------------------------ servers


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def baseline_launch_dir() -> Path:
    """A folder from which ``bench/baseline_app.py`` runs with the repository's ``static/`` served.

    Streamlit serves ``<folder of the main script>/static`` at ``/app/static`` (``file_util.
    get_app_static_dir``; symlinks are followed). The folder holds two symlinks: the script and
    ``static`` → the repository's ``static/``, so the baseline uses the same vendored Leaflet.
    """
    folder = Path(tempfile.mkdtemp(prefix="netwerkatlas-baseline-"))
    (folder / "baseline_app.py").symlink_to(ROOT / "bench" / "baseline_app.py")
    (folder / "static").symlink_to(ROOT / "static", target_is_directory=True)
    return folder


@dataclass
class Server:
    """A ``streamlit run`` process and the seconds from its start until ``/_stcore/health`` said ok."""

    proc: subprocess.Popen
    url: str
    health_s: float

    def stop(self) -> None:
        """Terminate this server (and only this one) and wait for it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def peak_rss_mb(self) -> float:
        """Peak resident memory (VmHWM) of the server and its children, in MB."""
        return peak_rss_mb(self.proc.pid)


def start_server(script: Path, *, timeout: float = 60.0, log: Path | None = None) -> Server:
    """Start ``streamlit run script`` on a free port (cwd: the repository, so its config applies)."""
    from geo.render.assets import vendor, vendored_problem

    if vendored_problem():
        vendor()
    port = free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.enableStaticServing",
        "true",
        "--server.fileWatcherType",
        "none",
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = t0 + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            msg = f"streamlit exited with code {proc.returncode}: {' '.join(cmd)}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.read() == b"ok":
                    return Server(proc, url, time.perf_counter() - t0)
        except OSError:
            time.sleep(0.02)
    proc.kill()
    msg = f"streamlit did not answer /_stcore/health within {timeout:.0f} s"
    raise RuntimeError(msg)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    kids = [int(c) for c in text.split()]
    return kids + [g for k in kids for g in _children(k)]


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of ``pid`` and its children in MB (psutil when installed, else /proc)."""
    pids = [pid, *_children(pid)]
    try:
        import psutil
    except ImportError:
        return sum(_status_kb(p, "VmHWM") for p in pids) / 1024
    total = 0.0
    for p in pids:
        try:
            info = psutil.Process(p).memory_info()
        except psutil.Error:
            continue
        total += getattr(info, "peak_wset", 0) or _status_kb(p, "VmHWM") * 1024 or info.rss
    return total / 1024 / 1024


def rss_mb(pid: int) -> float:
    """Current resident memory (VmRSS) of ``pid`` and its children in MB."""
    return sum(_status_kb(p, "VmRSS") for p in [pid, *_children(pid)]) / 1024


# ------------------------------------------------------------------------------------------ browser


async def launch_browser(playwright):
    """Debian's Chromium, headless, with the offline flags."""
    if not Path(CHROMIUM).exists():
        msg = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        raise RuntimeError(msg)
    return await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@dataclass
class Session:
    """One browser context and page, with what it saw: errors and bytes."""

    context: object
    page: object
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    requests: list[object] = field(default_factory=list)
    ws_received: int = 0
    ws_sent: int = 0

    async def close(self) -> None:
        """Close the context (and its page)."""
        await self.context.close()

    async def http_bytes(self) -> int:
        """Bytes of every HTTP response so far (headers plus body as transferred)."""
        total = 0
        for req in self.requests:
            try:
                sizes = await req.sizes()
            except Exception:  # a request that never got a response (aborted): nothing received
                continue
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        return total


async def new_session(browser, *, init_scripts: Sequence[str] = (), route: bool = True) -> Session:
    """A fresh context (empty cache, no cookies) whose requests to other hosts are aborted.

    ``init_scripts`` run in every frame before its own scripts (the timeline's marks). With ``route``
    false the requests are not intercepted, so the context keeps its HTTP cache (a returning browser);
    other hosts then fail to resolve (``CHROMIUM_ARGS``) and are counted in ``blocked`` as they fail.
    """
    context = await browser.new_context(viewport=VIEWPORT)
    for script in init_scripts:
        await context.add_init_script(script)
    page = await context.new_page()
    s = Session(context, page)

    async def abort(route) -> None:
        s.blocked.append(route.request.url)
        await route.abort()

    if route:
        await context.route(EXTERNAL, abort)
    else:
        page.on("requestfailed", lambda r: s.blocked.append(r.url) if EXTERNAL.match(r.url) else None)

    def on_console(msg) -> None:
        if msg.type != "error" or HARMLESS_CONSOLE.search(msg.text):
            return
        where = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and EXTERNAL.match(where):
            return  # a request to another host that we aborted (counted in ``blocked``)
        s.console_errors.append(f"{msg.text} ({where})" if where else msg.text)

    def on_ws(ws) -> None:
        def received(payload: str | bytes) -> None:
            s.ws_received += len(payload)

        def sent(payload: str | bytes) -> None:
            s.ws_sent += len(payload)

        ws.on("framereceived", received)
        ws.on("framesent", sent)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: s.page_errors.append(str(exc)))
    page.on("requestfinished", lambda request: s.requests.append(request))
    page.on("websocket", on_ws)
    return s


async def wait_idle(page, *, quiet_ms: int = 300, timeout_ms: float = 60_000) -> None:
    """Wait until no script is running and nothing is stale for ``quiet_ms`` in a row.

    Streamlit shows ``stStatusWidgetRunningIcon`` while a script (or fragment) runs and marks the
    elements of the previous run ``data-stale`` until they are replaced.
    """
    await page.evaluate("() => { window.__benchIdleSince = 0; }")
    await page.wait_for_function(
        """(quiet) => {
          const busy = document.querySelector(
            '[data-testid="stStatusWidgetRunningIcon"], [data-stale="true"]');
          const now = performance.now();
          if (busy) { window.__benchIdleSince = 0; return false; }
          if (!window.__benchIdleSince) window.__benchIdleSince = now;
          return now - window.__benchIdleSince >= quiet;
        }""",
        arg=quiet_ms,
        timeout=timeout_ms,
        polling=50,
    )


async def marker_count(page) -> int:
    """Markers on the map right now (-1: no map yet)."""
    return await page.evaluate(JS_MARKERS)


async def wait_markers(page, expected: int, *, timeout_ms: float = 60_000) -> None:
    """Wait until the map shows exactly ``expected`` markers."""
    await page.wait_for_function(
        f"() => ({JS_MARKERS})() === {int(expected)}", timeout=timeout_ms, polling=POLL_MS
    )


async def wait_markers_changed(page, before: int, *, timeout_ms: float = 60_000) -> int:
    """Wait until the map shows a marker count other than ``before`` (and not zero); return it."""
    handle = await page.wait_for_function(
        f"() => {{ const n = ({JS_MARKERS})(); return n > 0 && n !== {int(before)} ? n : false; }}",
        timeout=timeout_ms,
        polling=POLL_MS,
    )
    return int(await handle.json_value())


async def open_app(s: Session, url: str, expected_markers: int, *, timeout_ms: float = 60_000) -> float:
    """Go to the app and wait for every marker; return the seconds it took."""
    t0 = time.perf_counter()
    await s.page.goto(url)
    await wait_markers(s.page, expected_markers, timeout_ms=timeout_ms)
    return time.perf_counter() - t0


async def timed_click(page, target, condition: str, *, timeout_ms: float = 60_000) -> tuple[float, object]:
    """Click ``target`` (a locator); seconds from the click event in the page until ``condition`` holds.

    Both ends are read in the page (``performance.now()`` in a capturing click listener, and in the
    condition's poll), so Playwright's own work before the click (waiting until the element can be
    clicked, moving the mouse) is not counted. Returns the seconds and the condition's value.
    """
    await page.evaluate(
        """() => { window.__naClick = null;
          document.addEventListener('click', () => { window.__naClick = performance.now(); },
                                    {capture: true, once: true}); }"""
    )
    await target.click(timeout=timeout_ms)
    handle = await page.wait_for_function(
        f"() => {{ const v = ({condition})(); return v ? [performance.now(), v] : false; }}",
        timeout=timeout_ms,
        polling=POLL_MS,
    )
    done, value = await handle.json_value()
    clicked = await page.evaluate("() => window.__naClick")
    return (done - clicked) / 1000, value


async def change_specialty(
    page, option: str, *, label: str = "Specialisme", timeout_ms: float = 60_000
) -> tuple[float, int]:
    """Open the specialty selectbox, pick ``option``; seconds from that click until the markers change.

    Returns the seconds and the new marker count. Opening the list is not counted: the change starts
    when the visitor picks the option.
    """
    before = await marker_count(page)
    await page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    changed = f"() => {{ const n = ({JS_MARKERS})(); return n > 0 && n !== {int(before)} ? n : false; }}"
    option_box = page.get_by_role("option", name=option, exact=True)
    seconds, n = await timed_click(page, option_box, changed, timeout_ms=timeout_ms)
    return seconds, int(n)


async def _timed_change(page, click, *, timeout_ms: float) -> tuple[float, int]:
    before = await marker_count(page)
    t0 = time.perf_counter()
    await click()
    n = await wait_markers_changed(page, before, timeout_ms=timeout_ms)
    return time.perf_counter() - t0, n


async def toggle_checkbox(page, text: str, *, timeout_ms: float = 60_000) -> tuple[float, int]:
    """Click the sidebar checkbox whose label contains ``text``; seconds until the markers change."""
    box = page.get_by_test_id("stSidebar").get_by_test_id("stCheckbox").filter(has_text=text)
    label = box.locator("label")
    return await _timed_change(page, lambda: label.click(timeout=timeout_ms), timeout_ms=timeout_ms)


async def toggle_pill(page, name: str, *, timeout_ms: float = 60_000) -> tuple[float, int]:
    """Click the sidebar pill named ``name``; seconds until the markers change."""
    pill = page.get_by_test_id("stSidebar").get_by_role("button", name=name, exact=True)
    return await _timed_change(page, lambda: pill.click(timeout=timeout_ms), timeout_ms=timeout_ms)


async def open_finder(page, *, timeout_ms: float = 60_000) -> None:
    """Switch to the finder and wait for its text box."""
    await page.get_by_text("Ziekenhuis zoeken", exact=True).click()
    await page.get_by_role("textbox", name="Woonplaats").wait_for(timeout=timeout_ms)


async def find(page, place: str, *, cards: int = 3, timeout_ms: float = 60_000) -> float:
    """Type a place and press Enter; return the seconds until ``cards`` result cards show.

    Any cards from an earlier search must be gone first; the wait is for fresh ones with the text
    "km hemelsbreed" outside elements Streamlit marks stale.
    """
    box = page.get_by_role("textbox", name="Woonplaats")
    await box.fill(place)
    t0 = time.perf_counter()
    await box.press("Enter")
    await page.wait_for_function(
        f"() => ({JS_RESULT_CARDS})('km hemelsbreed') >= {int(cards)}", timeout=timeout_ms, polling=POLL_MS
    )
    return time.perf_counter() - t0


async def exception_count(page) -> int:
    """Streamlit exception boxes on the page (``st.exception`` or an uncaught error)."""
    return await page.get_by_test_id("stException").count()


def summary(samples: Sequence[float]) -> dict[str, float | int]:
    """Median, min, max and count of a list of numbers."""
    import statistics

    if not samples:
        return {"n": 0}
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def run(coro):
    """Run a coroutine to completion (a fresh event loop)."""
    return asyncio.run(coro)
