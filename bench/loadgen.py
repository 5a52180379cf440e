"""Protocol-level load test: many real Streamlit sessions over WebSocket, no browser, against 127.0.0.1.

``python bench/loadgen.py --sessions 10 --seconds 30`` starts one replica (``streamlit run app.py``)
and drives it; ``--serve 2`` starts ``scripts/serve/serve.py`` with 2 replicas instead and goes
through HAProxy; ``--url`` uses a server that already runs (no memory figures). ``--table`` (what
``make loadtest`` runs) measures 1, 10, 25 and 50 sessions against one replica and against
``make serve`` with 2, and writes ``bench/results/loadgen.json`` and ``bench/results/loadgen.md``.

Each simulated visitor (``bench/stclient.py``) opens the page (``open``: the page fetch, the
WebSocket and the first script run), then repeats a mix with a think time between actions:

- ``filter``: a sidebar widget (the context-hospitals or closed-sites checkbox, or the specialty);
- ``finder``: a place typed into "Woonplaats" (the finder's fragment run), until result cards;
- ``coverage``: a new distance threshold on the coverage slider (fragment run);
- ``export``: "Bestand maken" for a random format, then the download of the file it made;
- ``mode``: the switch to the finder or coverage view when the next action needs it.

Every loop is bounded: by the clock (``--seconds`` after the visitor's page opened), by
``MAX_ACTIONS`` per visitor, and by an overall timeout. Errors: an exception box, a compile error, a
closed WebSocket, a timeout (30 s per action), a finder run without result cards, a failed
download; after one, the visitor reconnects. ``--browsers n`` runs n real Chromium sessions
(``bench/load.py``) alongside for what a person would see. Exit code 1 when there were errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import browser as bw  # noqa: E402
from bench.load import PLACES  # noqa: E402
from bench.stclient import ProtocolError, StreamlitSession  # noqa: E402

RESULTS = ROOT / "bench" / "results"
MIX = (("filter", 5), ("finder", 3), ("coverage", 2), ("export", 1))
THINK_S = (1.0, 3.0)  # a person reads the result before the next click
RAMP_S = 0.2  # visitors arrive this far apart
MAX_ACTIONS = 400
ACTION_TIMEOUT_S = 30.0
OPEN_TIMEOUT_S = 60.0
MODES = {"finder": "Ziekenhuis zoeken", "coverage": "Bereikbaarheid"}
SPECIALTIES = ("Cardiologie", "Oncologie", "Alle specialismen")
EXPORTS = ("PNG", "PDF", "SVG", "HTML", "CSV", "XLSX", "GEOJSON", "GeoPackage")
SESSIONS = (1, 10, 25, 50)


class Tally:
    """Latencies and errors of all visitors of one run."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.samples: list[str] = []

    def ok(self, action: str, seconds: float) -> None:
        self.latency.setdefault(action, []).append(seconds)

    def error(self, action: str, text: str) -> None:
        self.errors[action] = self.errors.get(action, 0) + 1
        if len(self.samples) < 20:
            self.samples.append(f"{action}: {text[:300]}")


async def _timed(tally: Tally, action: str, coro) -> Any:
    t0 = time.perf_counter()
    result = await coro
    tally.ok(action, time.perf_counter() - t0)
    return result


async def _act(s: StreamlitSession, action: str, rng: random.Random, tally: Tally, mode: list[str]) -> None:
    """One user action (plus the view switch it needs first); raises on a wrong answer."""
    if action in MODES and mode[0] != action:
        await _timed(tally, "mode", s.rerun(s.state("mode", string_array_value=[MODES[action]])))
        mode[0] = action
    if action == "filter":
        what = rng.choice(("f_context", "f_closed", "f_specialty"))
        if what == "f_specialty":
            change = s.state(what, string_value=rng.choice(SPECIALTIES))
        else:
            now = s.widgets[what].element
            checked = (
                s.states[now.id].bool_value
                if now.id in s.states
                else (now.value if now.set_value else now.default)
            )
            change = s.state(what, bool_value=not checked)
        await _timed(tally, "filter", s.rerun(change))
    elif action == "finder":
        place = rng.choice(PLACES)
        run = await _timed(
            tally, "finder", s.rerun(s.state("finder_q", string_value=place), fragment_key="finder_q")
        )
        if not any("km hemelsbreed" in t for t in run.texts):
            raise ProtocolError(f"finder {place!r}: no result cards")
    elif action == "coverage":
        km = float(rng.randrange(5, 76))
        change = s.state("cov_km", double_array_value=[km])
        run = await _timed(tally, "coverage", s.rerun(change, fragment_key="cov_km"))
        if not any(f"binnen {km:.0f} km" in t for t in run.texts):
            raise ProtocolError(f"coverage {km:.0f} km: no shares for that threshold")
    elif action == "export":
        fmt = rng.choice(EXPORTS)
        await s.rerun(s.state("exp_format", string_array_value=[fmt]), fragment_key="exp_format")
        t0 = time.perf_counter()
        run = await s.rerun(s.state("exp_make", trigger_value=True), fragment_key="exp_make")
        if not run.downloads:
            raise ProtocolError(f"export {fmt}: no download button")
        body = await s.get(run.downloads[-1])
        if not body:
            raise ProtocolError(f"export {fmt}: empty file")
        tally.ok("export", time.perf_counter() - t0)


async def visitor(i: int, url: str, seconds: float, tally: Tally, think: tuple[float, float]) -> int:
    """One simulated visitor; returns the number of actions it completed."""
    rng = random.Random(2000 + i)
    await asyncio.sleep(i * RAMP_S)
    actions = [a for a, w in MIX for _ in range(w)]
    done = 0
    s = StreamlitSession(url, timeout=OPEN_TIMEOUT_S)
    mode = ["map"]
    try:
        try:
            await _timed(tally, "open", s.connect())
        except (ProtocolError, OSError, TimeoutError, ValueError) as exc:
            tally.error("open", f"{type(exc).__name__}: {exc}")
            return 0
        s.timeout = ACTION_TIMEOUT_S
        deadline = time.perf_counter() + seconds
        for _ in range(MAX_ACTIONS):
            if time.perf_counter() >= deadline:
                break
            await asyncio.sleep(rng.uniform(*think))
            action = rng.choice(actions)
            try:
                await _act(s, action, rng, tally, mode)
                done += 1
            except (ProtocolError, OSError, TimeoutError, KeyError) as exc:
                tally.error(action, f"{type(exc).__name__}: {exc}")
                await s.close()
                s = StreamlitSession(url, timeout=OPEN_TIMEOUT_S)
                mode = ["map"]
                try:
                    await s.connect()
                except (ProtocolError, OSError, TimeoutError) as again:
                    tally.error("open", f"reconnect: {type(again).__name__}: {again}")
                    break
                s.timeout = ACTION_TIMEOUT_S
    finally:
        await s.close()
    return done


async def hammer(url: str, seconds: float, tally: Tally, *, burst: int = 30) -> int:
    """A visitor who toggles a sidebar checkbox ``burst`` times without waiting, then again after 1 s.

    Its own figure is ``burst`` (until its page is quiet again); what matters is how the other
    visitors' figures compare with a run without it."""
    s = StreamlitSession(url, timeout=OPEN_TIMEOUT_S)
    try:
        await s.connect()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            changes = [s.state("f_context", bool_value=i % 2 == 0) for i in range(burst)]
            await _timed(tally, "burst", s.burst(changes))
            await asyncio.sleep(1.0)
    except (ProtocolError, OSError, TimeoutError) as exc:
        tally.error("burst", f"{type(exc).__name__}: {exc}")
    finally:
        await s.close()
    return 0


# ------------------------------------------------------------------------------------------- targets


class Target:
    """The server under load: one replica, or ``serve.py`` with n replicas; stops what it started."""

    def __init__(self, replicas: int, log: Path | None = None) -> None:
        self.replicas = replicas
        self.proc: subprocess.Popen | None = None
        self.server: bw.Server | None = None
        if replicas == 0:  # a single plain replica, no proxy
            self.server = bw.start_server(ROOT / "app.py", log=log)
            self.url = self.server.url
            self.pids = [self.server.proc.pid]
        else:
            port = bw.free_port()
            self.url = f"http://127.0.0.1:{port}"
            cmd = [
                sys.executable, str(ROOT / "scripts" / "serve" / "serve.py"), "--replicas", str(replicas),
                "--port", str(port), "--bind", "127.0.0.1", "--no-warm",
            ]  # fmt: skip
            if log:
                cmd += ["--log", str(log)]
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 120
            while not _healthy(self.url):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"serve.py with {replicas} replicas did not start")
                time.sleep(0.2)
            self.pids = [p for p in bw._children(self.proc.pid) if _is_replica(p)]
        self.warm()

    def warm(self) -> None:
        """Run the script and the finder in each replica, so the first measured run is not a cold start."""
        for _ in range(max(1, self.replicas) * 2):
            asyncio.run(_warm_one(self.url))

    def rss_mb(self) -> float:
        return sum(bw.rss_mb(p) for p in self.pids)

    def peak_mb(self) -> float:
        return sum(bw.peak_rss_mb(p) for p in self.pids)

    def stop(self) -> None:
        if self.server:
            self.server.stop()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
            return r.read() == b"ok"
    except OSError:
        return False


def _is_replica(pid: int) -> bool:
    try:
        return b"streamlit\0run" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


async def _warm_one(url: str) -> None:
    s = StreamlitSession(url, timeout=120)
    try:
        await s.connect()
        await s.rerun(s.state("mode", string_array_value=[MODES["finder"]]))
        await s.rerun(s.state("finder_q", string_value="Zwolle"), fragment_key="finder_q")
        await s.rerun(s.state("mode", string_array_value=[MODES["coverage"]]))
    finally:
        await s.close()


# ----------------------------------------------------------------------------------------------- run


async def _sample(target: Target | None, stop: asyncio.Event, peak: list[float]) -> None:
    while target and not stop.is_set():
        peak[0] = max(peak[0], target.rss_mb())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def _browsers(n: int, url: str, seconds: float, opened: asyncio.Event) -> dict[str, Any]:
    """``n`` real Chromium visitors (bench/load.py's session) alongside the protocol load.

    ``opened`` is set once every page has opened (or failed to), so that the protocol visitors start
    then and the browsers' actions fall inside their load, not after it."""
    from playwright.async_api import async_playwright

    from bench import load
    from geo.data import filter_sites, load_atlas

    expected = len(filter_sites(load_atlas()))
    run = load.LoadRun()

    async def watch() -> None:
        while len(run.latency.get("open", [])) + run.errors.get("open", 0) < n:
            await asyncio.sleep(0.2)
        opened.set()

    watcher = asyncio.create_task(watch())
    try:
        async with async_playwright() as p:
            browser = await bw.launch_browser(p)
            await asyncio.gather(*(load.session(i, browser, url, seconds, expected, run) for i in range(n)))
            await browser.close()
    finally:
        watcher.cancel()
        opened.set()
    return {"latency": run.latency, "errors": run.errors, "samples": run.samples}


def _stats(xs: list[float], errors: int) -> dict[str, Any]:
    xs = sorted(xs)
    return {
        "n": len(xs),
        "p50_s": round(statistics.median(xs), 3) if xs else None,
        "p95_s": round(xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))], 3) if xs else None,
        "max_s": round(xs[-1], 3) if xs else None,
        "errors": errors,
    }


async def run_load(
    url: str, sessions: int, seconds: float, *, target: Target | None = None, browsers: int = 0,
    think: tuple[float, float] = THINK_S, hammering: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Run ``sessions`` visitors (and ``browsers`` Chromium sessions) against ``url``; return the report."""
    tally = Tally()
    stop = asyncio.Event()
    peak = [0.0]
    sampler = asyncio.create_task(_sample(target, stop, peak))
    limit = sessions * RAMP_S + OPEN_TIMEOUT_S + seconds + 3 * ACTION_TIMEOUT_S + 30
    tasks = []
    if browsers:  # open the browser pages first; their actions then run during the whole load
        opened = asyncio.Event()
        tasks.append(asyncio.ensure_future(_browsers(browsers, url, seconds + sessions * RAMP_S, opened)))
        await asyncio.wait_for(opened.wait(), timeout=2 * OPEN_TIMEOUT_S + 30)
    t0 = time.perf_counter()
    tasks += [visitor(i, url, seconds, tally, think) for i in range(sessions)]
    if hammering:
        tasks.append(hammer(url, seconds + sessions * RAMP_S, tally))
    try:
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=limit)
    finally:
        stop.set()
        await sampler
    wall = time.perf_counter() - t0
    browser_report = None
    for r in results:
        if isinstance(r, BaseException):
            tally.error("visitor", f"{type(r).__name__}: {r}")
        elif isinstance(r, dict):
            browser_report = r
    actions = sum(r for r in results if isinstance(r, int))
    per_action = {
        a: _stats(tally.latency.get(a, []), tally.errors.get(a, 0))
        for a in sorted(set(tally.latency) | set(tally.errors))
    }
    report: dict[str, Any] = {
        "sessions": sessions,
        "hammering_visitor": hammering,
        "seconds_per_session": seconds,
        "think_s": list(think),
        "wall_s": round(wall, 1),
        "actions": actions,
        "actions_per_s": round(actions / max(wall, 1e-9), 2),
        "errors_total": sum(tally.errors.values()),
        "error_samples": tally.samples,
        "per_action": per_action,
        "rss_peak_mb": round(peak[0]) if target else None,
    }
    if browser_report:
        report["browser"] = {
            a: _stats(browser_report["latency"].get(a, []), browser_report["errors"].get(a, 0))
            for a in sorted(set(browser_report["latency"]) | set(browser_report["errors"]))
        }
        report["browser_error_samples"] = browser_report["samples"][:5]
    return report


ROW_ACTIONS = ("open", "filter", "finder", "coverage", "export", "mode", "burst")


def table(runs: list[dict[str, Any]]) -> str:
    """A Markdown table: one row per target × sessions, p50/p95 per action, errors, actions/s, memory."""
    head = ["target", "sessions", "actions/s", *(f"{a} p50/p95 s" for a in ROW_ACTIONS), "errors", "RSS MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in runs:
        cells = [r["target"], str(r["sessions"]), f"{r['actions_per_s']:.1f}"]
        for a in ROW_ACTIONS:
            st = r["per_action"].get(a)
            cells.append(f"{st['p50_s']:.2f} / {st['p95_s']:.2f}" if st and st["n"] else "—")
        cells += [str(r["errors_total"]), str(r["rss_peak_mb"] or "—")]
        lines.append("| " + " | ".join(cells) + " |")
    browser_rows = [r for r in runs if r.get("browser")]
    if browser_rows:
        lines += [
            "",
            "| target | sessions | browser action | n | p50 s | p95 s | errors |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in browser_rows:
            for a, st in r["browser"].items():
                p50 = f"{st['p50_s']:.2f}" if st["n"] else "—"
                p95 = f"{st['p95_s']:.2f}" if st["n"] else "—"
                lines.append(
                    f"| {r['target']} | {r['sessions']} | {a} | {st['n']} | {p50} | {p95} | {st['errors']} |"
                )
    return "\n".join(lines) + "\n"


def capacity(runs: list[dict[str, Any]], target: str, action: str = "filter", limit_s: float = 1.0) -> str:
    """The largest measured session count whose p95 for ``action`` stays within ``limit_s``."""
    ok = [
        r["sessions"]
        for r in runs
        if r["target"] == target
        and (st := r["per_action"].get(action))
        and st["n"]
        and st["p95_s"] <= limit_s
    ]
    return f"≥ {max(ok)}" if ok else f"< {min(r['sessions'] for r in runs if r['target'] == target)}"


def summary(runs: list[dict[str, Any]], meta: dict[str, Any], cap: dict[str, str]) -> str:
    """The table plus capacity and the machine's load, as written to ``results/loadgen.md``."""
    load = f"{meta['loadavg_start'][0]:.1f} at the start, {meta['loadavg_end'][0]:.1f} at the end"
    return (
        table(runs)
        + "\nSessions at which p95 of a filter change stays ≤ 1 s: "
        + "; ".join(f"{t} {c}" for t, c in cap.items())
        + f".\nLoad average {load} ({meta['cpus']} CPUs); think time {meta['think_s']} s.\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Run one load (or the whole table), print it, write JSON; exit 1 on errors."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=20.0, help="per visitor, after its page opened")
    ap.add_argument("--serve", type=int, default=0, metavar="N", help="through serve.py with N replicas")
    ap.add_argument("--url", help="a running server on 127.0.0.1 (no memory figures)")
    ap.add_argument("--browsers", type=int, default=0, help="real Chromium sessions alongside")
    ap.add_argument("--hammer", action="store_true", help="add a visitor who sends bursts of reruns")
    ap.add_argument("--think", type=float, nargs=2, default=THINK_S, metavar=("MIN", "MAX"))
    ap.add_argument("--table", action="store_true", help=f"sessions {SESSIONS}, 1 replica vs serve.py with 2")
    ap.add_argument("--json", type=Path, help="write the report here")
    args = ap.parse_args(argv)
    think = (args.think[0], args.think[1])
    meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "mix": dict(MIX),
        "think_s": list(think),
    }
    runs: list[dict[str, Any]] = []
    # (replicas, sessions, hammering visitor); 0 replicas: one plain Streamlit server, no proxy.
    plan = (
        [(0, n, False) for n in SESSIONS] + [(0, 10, True)] + [(2, n, False) for n in SESSIONS]
        if args.table
        else [(args.serve, args.sessions, args.hammer)]
    )
    by_target: dict[int, list[tuple[int, bool]]] = {}
    for replicas, n, hammering in plan:
        by_target.setdefault(replicas, []).append((n, hammering))
    for replicas, counts in by_target.items():
        name = "1 replica" if replicas == 0 else f"serve.py, {replicas} replicas"
        target = None if args.url else Target(replicas)
        url = args.url or target.url
        try:
            for n, hammering in counts:
                print(f"{name}: {n} sessions for {args.seconds:.0f} s …", flush=True)
                browsers = args.browsers if not args.table else (1 if n >= 25 else 0)
                report = asyncio.run(
                    run_load(
                        url,
                        n,
                        args.seconds,
                        target=target,
                        browsers=browsers,
                        think=think,
                        hammering=hammering,
                    )
                )
                report["target"] = name + (" + 1 hammering" if hammering else "")
                runs.append(report)
                print(table([report]), flush=True)
        finally:
            if target:
                target.stop()
    meta["loadavg_end"] = os.getloadavg()
    out = {"meta": meta, "runs": runs}
    if args.table:
        cap = {
            t: capacity(runs, t)
            for t in dict.fromkeys(r["target"] for r in runs if not r["hammering_visitor"])
        }
        out["capacity_p95_filter_le_1s"] = cap
        RESULTS.mkdir(parents=True, exist_ok=True)
        md = summary(runs, meta, cap)
        (RESULTS / "loadgen.md").write_text(md, encoding="utf-8")
        args.json = args.json or RESULTS / "loadgen.json"
        print(md)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for r in runs:
        for e in r["error_samples"][:5]:
            print(f"  error ({r['target']}, {r['sessions']}): {e}")
    return 1 if any(r["errors_total"] for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
