"""Load test: many browser sessions at once against one NetwerkAtlas server.

Run ``python bench/load.py [--sessions 10] [--seconds 60] [--json bench/results/load.json]`` (``make
bench`` runs it through ``bench/run.py``; ``make test`` never does). One headless Chromium, one
context per session, all driven from one asyncio loop. Sessions arrive half a second apart; each
opens the app (timed as ``open``) and then, for ``--seconds``, repeats a scripted random mix (seeded
per session) with a short pause between actions:

- ``filter:context`` / ``filter:kind``: toggle the "hospitals outside these networks" checkbox or the
  outpatient pill, until the marker count changes (both are undoable, so they can repeat);
- ``filter:specialty``: choose Cardiologie, once per session (until the markers change);
- ``finder``: a place + Enter, until fresh result cards show;
- ``export``: open "Exporteren en delen", pick a random format, press "Bestand maken" and download
  the file (skipped when the page has no export section).

Every loop is bounded (clock, action count, an overall timeout), so it always stops by itself. After
an error the session reloads the page and goes on.

Counted as errors (there must be none): console errors, uncaught page errors, Streamlit exception
boxes, and actions that time out. Reported: p50/p95/max latency per action, and the server's peak
memory (VmHWM of the process and its children; also the highest sampled RSS). Exit code 1 when there
were errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import browser as bw  # noqa: E402

PLACES = (
    "Emmeloord",
    "Zwolle",
    "Groningen",
    "Den Helder",
    "Lelystad",
    "Alkmaar",
    "Assen",
    "Hoorn",
    "Leeuwarden",
    "Enschede",
    "Harderwijk",
    "Heerenveen",
    "Meppel",
)
#: Filter actions, each undoable so that a session can repeat them: the context-hospitals checkbox and
#: the outpatient pill (both change the marker count in every state); the specialty only once per
#: session (choosing "all" again keeps the last specialty's networks in our app).
CONTEXT_CHECKBOX = "Toon ziekenhuizen buiten"
KIND_PILL = "Buitenpoli"
#: The expander that holds the download buttons (they are hidden until it is opened).
EXPORT_PANEL = "Exporteren en delen"
MIX = (("filter", 5), ("finder", 4), ("export", 2))
ACTION_TIMEOUT_MS = 45_000
#: Opening the page: ten sessions loading at once on two cores need longer than one action.
OPEN_TIMEOUT_MS = 120_000
#: Sessions start this many seconds apart (users do not all arrive in the same millisecond).
RAMP_S = 0.5
MAX_ACTIONS = 500  # per session: a hard bound on the loop besides the clock
PAUSE_S = (0.2, 0.8)

JS_FIRST_CARD = """() => { const c = [...document.querySelectorAll('[data-testid="stHtml"]')]
  .filter(e => e.textContent.includes('km hemelsbreed') && !e.closest('[data-stale="true"]'));
  return c.length ? c[0].textContent : ''; }"""


class LoadRun:
    """Shared results of all sessions."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.samples: list[str] = []
        self.skipped: dict[str, int] = {}
        self.kinds = {"console": 0, "pageerror": 0, "exception": 0, "timeout": 0, "other": 0}

    def ok(self, action: str, seconds: float) -> None:
        """Record a finished action."""
        self.latency.setdefault(action, []).append(seconds)

    def error(self, action: str, kind: str, text: str) -> None:
        """Record an error of ``kind`` during ``action``."""
        self.errors[action] = self.errors.get(action, 0) + 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if len(self.samples) < 20:
            self.samples.append(f"{action}/{kind}: {text[:300]}")


async def _find_fresh(page, place: str) -> float:
    """Search ``place`` and wait until the first fresh result card differs from the one before."""
    before = await page.evaluate(JS_FIRST_CARD)
    box = page.get_by_role("textbox", name="Woonplaats")
    await box.fill(place)
    t0 = time.perf_counter()
    await box.press("Enter")
    await page.wait_for_function(
        f"(prev) => {{ const t = ({JS_FIRST_CARD})(); return t !== '' && t !== prev; }}",
        arg=before,
        timeout=ACTION_TIMEOUT_MS,
        polling=bw.POLL_MS,
    )
    return time.perf_counter() - t0


EXPORT_FORMATS = ("PNG", "PDF", "SVG", "HTML", "CSV", "XLSX", "GEOJSON", "GeoPackage")


async def _export(page, rng: random.Random) -> float | None:
    """Open the export panel if needed, pick a random format, make the file and download it.

    The figure is the whole user action: "make the file" (server-side generation) plus the download;
    ``None`` when the page has no export section."""
    header = page.get_by_text(EXPORT_PANEL, exact=True)
    if not await header.count():
        return None
    make = page.get_by_role("button", name="Bestand maken")
    if not await make.filter(visible=True).count():
        await header.first.click(timeout=ACTION_TIMEOUT_MS)
        await make.first.wait_for(timeout=ACTION_TIMEOUT_MS)
    fmt = EXPORT_FORMATS[rng.randrange(len(EXPORT_FORMATS))]
    t0 = time.perf_counter()
    await (
        page.get_by_test_id("stButtonGroup")
        .get_by_text(fmt, exact=True)
        .first.click(timeout=ACTION_TIMEOUT_MS)
    )
    await make.first.click(timeout=ACTION_TIMEOUT_MS)
    suffix = {"GEOJSON": ".geojson", "GeoPackage": ".gpkg"}.get(fmt, "." + fmt.lower())
    download_button = page.get_by_test_id("stDownloadButton").filter(has_text=suffix)
    await download_button.first.wait_for(timeout=ACTION_TIMEOUT_MS)
    async with page.expect_download(timeout=ACTION_TIMEOUT_MS) as info:
        await download_button.first.locator("button").first.click(timeout=ACTION_TIMEOUT_MS)
    download = await info.value
    if await download.failure():
        msg = f"download of {download.suggested_filename} failed: {await download.failure()}"
        raise RuntimeError(msg)
    seconds = time.perf_counter() - t0
    await download.delete()
    return seconds


async def session(
    i: int,
    browser,
    url: str,
    seconds: float,
    expected: int,
    run: LoadRun,
    *,
    settle: bool = True,
    export: bool = True,
) -> None:
    """One user: arrive ``i * RAMP_S`` s late, open the app, then random actions for ``seconds``."""
    from playwright.async_api import Error as PlaywrightError

    rng = random.Random(1000 + i)
    await asyncio.sleep(i * RAMP_S)
    s = await bw.new_session(browser)
    seen_console = seen_page = 0
    specialty = False
    in_finder = False
    last_place = ""
    export_possible = export

    def check(action: str) -> None:
        nonlocal seen_console, seen_page
        for text in s.console_errors[seen_console:]:
            run.error(action, "console", text)
        for text in s.page_errors[seen_page:]:
            run.error(action, "pageerror", text)
        seen_console, seen_page = len(s.console_errors), len(s.page_errors)

    async def reset() -> None:
        nonlocal specialty, in_finder
        specialty, in_finder = False, False
        await s.page.goto(url)
        await bw.wait_markers(s.page, expected, timeout_ms=OPEN_TIMEOUT_MS)

    try:
        try:
            run.ok("open", await bw.open_app(s, url, expected, timeout_ms=OPEN_TIMEOUT_MS))
        except PlaywrightError as exc:
            run.error("open", "timeout" if "Timeout" in str(exc) else "other", str(exc).splitlines()[0])
            return
        check("open")
        deadline = time.perf_counter() + seconds
        actions = [a for a, w in MIX for _ in range(w)]
        for _ in range(MAX_ACTIONS):
            if time.perf_counter() >= deadline:
                break
            action = rng.choice(actions)
            if action == "export" and not export_possible:
                action = "filter"
            try:
                if settle:  # like a user, act once the page has finished updating
                    await bw.wait_idle(s.page, timeout_ms=ACTION_TIMEOUT_MS)
                if action == "filter":
                    what = rng.choice(["context", "kind"] if specialty else ["context", "kind", "specialty"])
                    action = f"filter:{what}"
                    wait = ACTION_TIMEOUT_MS
                    if what == "context":
                        seconds, _ = await bw.toggle_checkbox(s.page, CONTEXT_CHECKBOX, timeout_ms=wait)
                    elif what == "kind":
                        seconds, _ = await bw.toggle_pill(s.page, KIND_PILL, timeout_ms=wait)
                    else:
                        seconds, _ = await bw.change_specialty(s.page, "Cardiologie", timeout_ms=wait)
                        specialty = True
                    run.ok(action, seconds)
                elif action == "finder":
                    if not in_finder:
                        await bw.open_finder(s.page, timeout_ms=ACTION_TIMEOUT_MS)
                        in_finder = True
                    place = rng.choice([p for p in PLACES if p != last_place])
                    run.ok(action, await _find_fresh(s.page, place))
                    last_place = place
                else:
                    seconds = await _export(s.page, rng)
                    if seconds is None:
                        export_possible = False
                        run.skipped["export"] = run.skipped.get("export", 0) + 1
                    else:
                        run.ok(action, seconds)
            except (PlaywrightError, RuntimeError) as exc:
                kind = "timeout" if "Timeout" in str(exc) else "other"
                run.error(action, kind, str(exc).splitlines()[0])
                try:
                    await reset()
                except PlaywrightError as again:
                    run.error("reset", "timeout", str(again).splitlines()[0])
                    break
            try:
                if await bw.exception_count(s.page):
                    run.error(action, "exception", "a Streamlit exception box is shown")
                    await reset()
            except PlaywrightError as exc:
                run.error("reset", "timeout", str(exc).splitlines()[0])
                break
            check(action)
            await asyncio.sleep(rng.uniform(*PAUSE_S))
    finally:
        await s.close()


async def _sample_rss(pid: int, stop: asyncio.Event, peak: list[float]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], bw.rss_mb(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def run_load(
    sessions: int, seconds: float, *, url: str | None = None, settle: bool = True, export: bool = True
) -> dict[str, Any]:
    """Start a server (unless ``url`` is given), run the sessions, and return the report."""
    from playwright.async_api import async_playwright

    from geo.data import filter_sites, load_atlas

    expected = len(filter_sites(load_atlas()))
    server = None if url else bw.start_server(ROOT / "app.py")
    url = url or server.url
    run = LoadRun()
    stop = asyncio.Event()
    peak = [0.0]
    sampler = asyncio.create_task(_sample_rss(server.proc.pid, stop, peak)) if server else None
    t0 = time.perf_counter()
    try:
        async with async_playwright() as p:
            browser = await bw.launch_browser(p)
            tasks = [
                session(i, browser, url, seconds, expected, run, settle=settle, export=export)
                for i in range(sessions)
            ]
            # Bounded: each session stops ``seconds`` after it opened; the margin covers the ramp, the
            # opening and one slow action with its reset.
            limit = sessions * RAMP_S + 2 * OPEN_TIMEOUT_MS / 1000 + seconds + 2 * ACTION_TIMEOUT_MS / 1000
            done = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=limit)
            for exc in done:
                if isinstance(exc, BaseException):
                    run.error("session", "other", f"{type(exc).__name__}: {exc}")
            await browser.close()
        hwm = server.peak_rss_mb() if server else None
    finally:
        stop.set()
        if sampler:
            await sampler
        if server:
            server.stop()
    per_action = {}
    for action in sorted(set(run.latency) | set(run.errors)):
        xs = sorted(run.latency.get(action, []))
        per_action[action] = {
            "n": len(xs),
            "p50_s": statistics.median(xs) if xs else float("nan"),
            "p95_s": xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))] if xs else float("nan"),
            "max_s": xs[-1] if xs else float("nan"),
            "errors": run.errors.get(action, 0),
        }
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "sessions": sessions,
        "seconds_per_session": seconds,
        "settle": settle,
        "export_in_mix": export,
        "seconds": round(time.perf_counter() - t0, 1),
        "actions": sum(v["n"] for v in per_action.values()),
        "per_action": per_action,
        "errors_total": sum(run.errors.values()),
        "errors_by_kind": run.kinds,
        "error_samples": run.samples,
        "skipped": run.skipped,
        "export_available": "export" in run.latency,
        "server_peak_rss_mb": hwm,
        "server_rss_sampled_max_mb": peak[0] or None,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the load test, print a summary, optionally write JSON; exit 1 on any error."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--url", help="use a running server instead of starting one (no memory figures)")
    ap.add_argument("--json", type=Path, help="write the report here")
    ap.add_argument("--quiet", action="store_true", help="print nothing (for bench/run.py)")
    ap.add_argument(
        "--no-settle",
        action="store_true",
        help="act without waiting for the previous update to finish (finds races)",
    )
    ap.add_argument("--no-export", action="store_true", help="leave downloads out of the mix")
    args = ap.parse_args(argv)
    report = asyncio.run(
        run_load(
            args.sessions, args.seconds, url=args.url, settle=not args.no_settle, export=not args.no_export
        )
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if not args.quiet:
        print(
            f"{report['sessions']} sessions, {report['seconds']} s, {report['actions']} actions, "
            f"errors {report['errors_total']} {report['errors_by_kind']}"
        )
        for action, v in report["per_action"].items():
            print(
                f"  {action:7s} n={v['n']:4d}  p50 {v['p50_s']:.2f} s  p95 {v['p95_s']:.2f} s  "
                f"max {v['max_s']:.2f} s  errors {v['errors']}"
            )
        if report["skipped"]:
            print(f"  skipped: {report['skipped']} (no download button on the page)")
        if report["server_peak_rss_mb"]:
            print(
                f"  server peak RSS {report['server_peak_rss_mb']:.0f} MB "
                f"(sampled max {report['server_rss_sampled_max_mb']:.0f} MB)"
            )
        for e in report["error_samples"][:10]:
            print(f"  error: {e}")
    return 1 if report["errors_total"] else 0


if __name__ == "__main__":
    sys.exit(main())
