"""The browser scenarios of ``bench/run.py``: page loads, filter, finder, tab switch, first results.

Each scenario starts the servers it needs (:func:`bench.browser.start_server`) and measures in
headless Chromium with every other host aborted. Three apps are measured:

- ``ours``: ``app.py``, on a plain ``streamlit run`` and on a server started the way ``make run``
  does it (``scripts/warmup.py`` run to its end before the first visitor);
- ``baseline``: ``bench/baseline_app.py``, the same sites with plain folium;
- ``bare``: ``bench/bare_app.py``, one line of Streamlit: what every Streamlit page costs at least.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import browser as bw
from bench import timeline as tl

ROOT = Path(__file__).resolve().parents[1]
BARE_TEXT = "NetwerkAtlas"
FINDER_PLACE = "Emmeloord"
FILTER_TO = "Cardiologie"
_RUNNING = '[data-testid="stStatusWidgetRunningIcon"], [data-stale="true"]'
JS_BARE_DONE = f"""() => [...document.querySelectorAll('[data-testid="stMarkdown"]')]
  .some(e => e.textContent.includes({BARE_TEXT!r}))"""
JS_FINDER_SHOWN = f"""() => [...document.querySelectorAll('[data-testid="stTextInput"]')]
  .some(e => e.textContent.includes('Woonplaats')) && !document.querySelector('{_RUNNING}')"""
JS_MAP_SHOWN = f"""() => ![...document.querySelectorAll('[data-testid="stTextInput"]')]
  .some(e => e.textContent.includes('Woonplaats')) && !document.querySelector('{_RUNNING}')"""
JS_COVERAGE_SHOWN = """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
  .some(e => e.textContent.includes('Inwoners binnen') && !e.closest('[data-stale="true"]'))"""


def done_js(kind: str, expected: int) -> str:
    """The condition that ends a page load: every site marker, or the bare page's text."""
    return JS_BARE_DONE if kind == "bare" else f"() => ({bw.JS_MARKERS})() === {int(expected)}"


def start(script: Path, log: Path, *, warm: bool = False) -> tuple[bw.Server, float | None]:
    """A fresh server; with ``warm``, also ``scripts/warmup.py`` run to its end, as ``make run`` does."""
    server = bw.start_server(script, log=log)
    if not warm:
        return server, None
    port = server.url.rsplit(":", 1)[1]
    t0 = time.perf_counter()
    warmup = [sys.executable, str(ROOT / "scripts" / "warmup.py"), port]
    subprocess.run(warmup, cwd=ROOT, check=True, timeout=300)
    return server, time.perf_counter() - t0


async def load(page, url: str, condition: str) -> float:
    """Go to ``url`` and wait for ``condition``; return the wall seconds from ``goto``."""
    t0 = time.perf_counter()
    await page.goto(url)
    await page.wait_for_function(condition, timeout=60_000, polling=bw.POLL_MS)
    return time.perf_counter() - t0


async def _clicked(page, text: str, condition: str) -> float:
    """Click the element with exactly ``text``; seconds from the click event until ``condition``."""
    seconds, _ = await bw.timed_click(page, page.get_by_text(text, exact=True), condition)
    return seconds


async def _visit(browser, url: str, cond: str, out, figure: str, timeline: str) -> bw.Session:
    """Open ``url`` in a new browser context: its load time to ``out[figure]``, its timeline to
    ``out["timeline"][timeline]``. Returns the session, idle and still open."""
    s = await bw.new_session(browser, init_scripts=[tl.INIT_JS])
    out[figure].append(await load(s.page, url, cond))
    await bw.wait_idle(s.page)
    out["timeline"][timeline].append(await tl.collect(s.page))
    return s


async def page_loads(browser, kind: str, script: Path, reps: dict, expected: dict, log: Path, out) -> None:
    """New sessions on fresh servers, later sessions (new browser, returning browser) on a warm one."""
    cond = done_js(kind, expected["all"])
    variants = [("new", False), ("warmed", True)] if kind == "ours" else [("new", False)]
    for label, warm in variants:
        for _ in range(reps["cold"]):
            server, warm_s = start(script, log, warm=warm)
            try:
                if warm:
                    out["warmup_s"].append(warm_s)
                else:
                    out["health_s"].append(server.health_s)
                s = await _visit(browser, server.url, cond, out, f"first_map_{label}_s", label)
                if not warm:
                    out["http_bytes_load"].append(await s.http_bytes())
                    out["ws_bytes_load"].append(s.ws_received)
                    out["blocked_requests_load"] = len(s.blocked)
                out.note(s, f"{label} session")
                await s.close()
            finally:
                server.stop()
    server, _ = start(script, log)
    try:
        s = await bw.new_session(browser)  # warms imports and caches, not counted
        await load(s.page, server.url, cond)
        await s.close()
        for _ in range(reps["warm"]):
            s = await _visit(browser, server.url, cond, out, "first_map_later_s", "later")
            out.note(s, "later session")
            await s.close()
        # A returning visitor: one browser (its cache holds Streamlit's immutable assets), a new tab.
        s = await bw.new_session(browser, route=False)
        await load(s.page, server.url, cond)
        for _ in range(reps["warm"]):
            page = await s.context.new_page()
            out["first_map_cached_s"].append(await load(page, server.url, cond))
            await page.close()
        out.note(s, "returning browser")
        out["blocked_requests_returning"] = len(s.blocked)
        if s.blocked and kind != "baseline":  # the baseline asks for OpenStreetMap tiles by design
            out["errors"].append(f"returning browser: requests to other hosts: {s.blocked[:3]}")
        await s.close()
        if kind != "bare":
            await interactions(browser, kind, server, reps, expected, out)
        out["server_peak_rss_mb"] = server.peak_rss_mb()
    finally:
        server.stop()


async def interactions(browser, kind: str, server: bw.Server, reps: dict, expected: dict, out) -> None:
    """Filter change, finder query and (ours) tab switches, each in a fresh session on a warm server."""
    url, cond = server.url, done_js(kind, expected["all"])
    for i in range(reps["filter"]):
        s = await bw.new_session(browser)
        await load(s.page, url, cond)
        await bw.wait_idle(s.page)
        ws0 = s.ws_received
        t, n = await bw.change_specialty(s.page, FILTER_TO)
        if n != expected["cardiology"]:
            out["errors"].append(f"filter: {n} markers, expected {expected['cardiology']}")
        out["filter_s"].append(t)
        await bw.wait_idle(s.page)
        out["ws_bytes_filter"].append(s.ws_received - ws0)
        out.note(s, f"filter {i + 1}")
        await s.close()
    for i in range(reps["finder"]):
        s = await bw.new_session(browser)
        await load(s.page, url, cond)
        await bw.wait_idle(s.page)
        await bw.open_finder(s.page)
        await bw.wait_idle(s.page)
        out["finder_s"].append(await bw.find(s.page, FINDER_PLACE))
        if await bw.exception_count(s.page):
            out["errors"].append(f"finder {i + 1}: exception shown")
        out.note(s, f"finder {i + 1}")
        await s.close()
    if kind != "ours":
        return
    for i in range(reps["filter"]):
        s = await bw.new_session(browser)
        await load(s.page, url, cond)
        await bw.wait_idle(s.page)
        out["tab_finder_s"].append(await _clicked(s.page, "Ziekenhuis zoeken", JS_FINDER_SHOWN))
        await bw.wait_idle(s.page)
        out["tab_map_s"].append(await _clicked(s.page, "Netwerkkaart", JS_MAP_SHOWN))
        out.note(s, f"tab switch {i + 1}")
        await s.close()


async def behind_proxy(browser, reps: dict, expected: dict, log: Path, out) -> None:
    """Later sessions through ``make serve`` (one replica behind HAProxy, Streamlit's files from nginx)."""
    from bench.loadgen import Target

    target = await asyncio.to_thread(Target, 1, log)  # it warms itself with its own event loop
    try:
        cond = done_js("ours", expected["all"])
        for _ in range(reps["warm"]):
            s = await _visit(browser, target.url, cond, out, "first_map_serve_s", "serve")
            out.note(s, "make serve")
            await s.close()
    finally:
        target.stop()


async def first_results(browser, script: Path, reps: dict[str, int], expected: int, log: Path, out) -> None:
    """The first coverage result and the first finder query after a server start (plain and warmed)."""
    cond = done_js("ours", expected)
    for label, warm in (("plain", False), ("warmed", True)):
        for what in ("coverage", "finder"):
            for _ in range(reps["first"]):
                server, _ = start(script, log, warm=warm)
                try:
                    s = await bw.new_session(browser)
                    await load(s.page, server.url, cond)
                    await bw.wait_idle(s.page)
                    if what == "coverage":
                        t = await _clicked(s.page, "Bereikbaarheid", JS_COVERAGE_SHOWN)
                        out[f"first_coverage_{label}_s"].append(t)
                    else:
                        await bw.open_finder(s.page)
                        await bw.wait_idle(s.page)
                        out[f"first_finder_{label}_s"].append(await bw.find(s.page, FINDER_PLACE))
                    if await bw.exception_count(s.page):
                        out["errors"].append(f"first {what} ({label}): exception shown")
                    out.note(s, f"first {what} ({label})")
                    await s.close()
                finally:
                    server.stop()


class Figures(dict):
    """Lists of samples per figure, the timelines, and the browser errors seen."""

    def __init__(self) -> None:
        super().__init__(errors=[], timeline={"new": [], "warmed": [], "later": [], "serve": []})

    def __missing__(self, key: str) -> list:
        self[key] = []
        return self[key]

    def note(self, s: bw.Session, where: str) -> None:
        """Record the console and page errors of a session."""
        self["errors"] += [f"{where}: console: {e}" for e in s.console_errors]
        self["errors"] += [f"{where}: page error: {e}" for e in s.page_errors]


async def measure(kind: str, script: Path, reps: dict, expected: dict, log: Path) -> dict[str, Any]:
    """Every browser figure of one app (see the module docstring)."""
    from playwright.async_api import async_playwright

    out = Figures()
    async with async_playwright() as p:
        browser = await bw.launch_browser(p)
        try:
            await page_loads(browser, kind, script, reps, expected, log, out)
            if kind == "ours":
                await first_results(browser, script, reps, expected["all"], log, out)
                await behind_proxy(browser, reps, expected, log, out)
        finally:
            await browser.close()
    out["timeline"] = {k: tl.medians(v) for k, v in out["timeline"].items() if v}
    print(f"  {kind}: browser figures done", flush=True)
    return dict(out)
