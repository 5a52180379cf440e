"""Every NetwerkAtlas benchmark in one command, next to a plain baseline: ``make bench``.

Usage::

    python bench/run.py [--quick] [--no-load] [--no-compute] [--no-baseline] [--load-seconds 60]

Measures, each as median, min and max of several runs (see bench/README.md for what each figure
means): process start until ``/_stcore/health``; the first map in headless Chromium for a new session
(the first after the server started) and for later sessions; a filter change until the markers
change; a finder search until the result cards show; server script runs through AppTest; the bytes
of the map component and of the whole page (HTTP and WebSocket). The same browser and server figures
are taken for ``bench/baseline_app.py`` (plain folium, st_folium defaults) and printed beside ours as
a ratio. Then it runs the computation benchmarks (``bench/bench_*.py``, each a subprocess writing its
own JSON) and the load test (``bench/load.py``). Prints one table and writes
``bench/results/bench.json``. The default run takes about 4 to 5 minutes on 2 cores; ``--quick`` takes
fewer repetitions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # a plain script: make ``geo``, ``components`` and ``bench`` importable

from bench import browser as bw  # noqa: E402
from bench import scenarios  # noqa: E402
from bench import timeline as tl  # noqa: E402

OUT = ROOT / "bench" / "results" / "bench.json"
RESULTS = OUT.parent
APP = ROOT / "app.py"
BASELINE = ROOT / "bench" / "baseline_app.py"
BARE = ROOT / "bench" / "bare_app.py"
REPS = {
    "full": {"cold": 5, "warm": 5, "filter": 5, "finder": 4, "first": 3, "apptest": 7},
    "quick": {"cold": 3, "warm": 3, "filter": 3, "finder": 3, "first": 2, "apptest": 3},
}
#: Targets (issue 15): seconds, or a ratio to the bare page ("x"); the map arguments' budget in KB.
TARGETS = {
    "first_map_warmed_s": (2.5, "s"),
    "first_map_later_s": (1.5, "x"),
    "filter_s": (0.5, "s"),
    "tab_finder_s": (0.5, "s"),
    "tab_map_s": (0.5, "s"),
    "first_coverage_plain_s": (1.5, "s"),
    "first_coverage_warmed_s": (1.5, "s"),
    "first_finder_plain_s": (1.0, "s"),
    "first_finder_warmed_s": (1.0, "s"),
    "map_args_kb": (250.0, "KB"),
}
FINDER_PLACE = scenarios.FINDER_PLACE
FILTER_TO = scenarios.FILTER_TO
#: Computation benchmarks run as subprocesses; each writes JSON into bench/results/.
COMPUTE = (
    "bench_finder.py",
    "bench_coverage.py",
    "bench_export.py",
    "bench_traveltime.py",
    "bench_population.py",
)


def expected_markers() -> dict[str, int]:
    """Markers both apps draw by default and with the cardiology filter (from the shipped data)."""
    from geo.data import filter_sites, load_atlas

    atlas = load_atlas()
    return {"all": len(filter_sites(atlas)), "cardiology": len(filter_sites(atlas, specialty="cardiology"))}


# --------------------------------------------------------------------------------------- AppTest part


def apptest_figures(script: Path, runs: int) -> dict[str, Any]:
    """Server-side script runs through AppTest, and the size of the map component's arguments."""
    import warnings

    warnings.filterwarnings("ignore")
    from streamlit.testing.v1 import AppTest

    def map_args(at: AppTest) -> int:
        comps = [c for c in at.get("component_instance") if "st_folium" in c.proto.component_name]
        return sum(len(c.proto.json_args.encode()) for c in comps)

    t0 = time.perf_counter()
    at = AppTest.from_file(str(script.resolve()), default_timeout=120)
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"{script.name} raised in AppTest: {at.exception[0].message}")
    args_all = map_args(at)
    rerun, filt, back = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        at.run()
        rerun.append(time.perf_counter() - t0)
    for _ in range(runs):
        t0 = time.perf_counter()
        at.selectbox(key="f_specialty").set_value("cardiology").run()
        filt.append(time.perf_counter() - t0)
        args_cardio = map_args(at)
        t0 = time.perf_counter()
        at.selectbox(key="f_specialty").set_value("all").run()
        back.append(time.perf_counter() - t0)
    return {
        "first_run_s": first,
        "rerun_s": rerun,
        "filter_run_s": filt,
        "filter_back_run_s": back,
        "map_args_bytes": args_all,
        "map_args_bytes_cardiology": args_cardio,
    }


def run_apptest(script: Path, runs: int) -> dict[str, Any]:
    """:func:`apptest_figures` in a fresh Python process (so the first run is a cold one)."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--apptest",
        str(script),
        "--apptest-runs",
        str(runs),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout).strip()[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------------- computation part


def _rows_from(report: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Pick ``{name: {median_ms, min_ms, max_ms}}`` entries out of a sub-benchmark's JSON."""
    rows: dict[str, dict[str, float]] = {}

    def walk(obj: Any, prefix: str) -> None:
        if isinstance(obj, dict):
            if "median_ms" in obj:
                rows[prefix] = {k: obj[k] for k in ("median_ms", "min_ms", "max_ms", "target_ms") if k in obj}
                return
            for k, v in obj.items():
                walk(v, f"{prefix}.{k}" if prefix else str(k))

    for key in ("scenarios", "results"):
        walk(report.get(key, {}), "")
    if not rows:
        walk(report, "")
    return rows


def run_compute() -> dict[str, Any]:
    """Run each ``bench/bench_*.py`` that exists and collect the JSON files it wrote."""
    results: dict[str, Any] = {}
    for script in COMPUTE:
        path = ROOT / "bench" / script
        if not path.exists():
            continue
        before = {p: p.stat().st_mtime for p in RESULTS.glob("*.json")}
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
        )
        entry: dict[str, Any] = {"exit_code": proc.returncode, "seconds": round(time.perf_counter() - t0, 1)}
        written = [
            p
            for p in RESULTS.glob("*.json")
            if p.name not in ("bench.json", "load.json") and before.get(p) != p.stat().st_mtime
        ]
        for p in written:
            report = json.loads(p.read_text(encoding="utf-8"))
            entry.setdefault("reports", {})[p.name] = report
            entry.setdefault("rows", {}).update(_rows_from(report))
        if proc.returncode not in (0, 1) or not written:  # 1 means "a target was missed": still figures
            entry["stderr"] = proc.stderr.strip()[-1500:]
        results[path.stem] = entry
        print(f"  {script}: exit {proc.returncode} in {entry['seconds']} s", flush=True)
    return results


# ------------------------------------------------------------------------------------------ load part


def run_load(seconds: float, sessions: int) -> dict[str, Any]:
    """``bench/load.py`` in a subprocess; its JSON report."""
    out = RESULTS / "load.json"
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "load.py"),
        "--seconds",
        str(seconds),
        "--sessions",
        str(sessions),
        "--json",
        str(out),
        "--quiet",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 300, check=False)
    if not out.exists() or proc.returncode not in (0, 1):
        return {"error": (proc.stderr or proc.stdout).strip()[-2000:], "exit_code": proc.returncode}
    report = json.loads(out.read_text(encoding="utf-8"))
    report["exit_code"] = proc.returncode
    return report


# ------------------------------------------------------------------------------------------- printing


def _stats(values: list[float] | float | None) -> dict[str, float] | None:
    if values is None:
        return None
    if isinstance(values, int | float):
        return {"median": float(values), "min": float(values), "max": float(values), "n": 1}
    return bw.summary(values) if values else None


def _fmt(st: dict[str, float] | None, unit: str) -> str:
    if not st or "median" not in st:
        return "—"
    if unit == "s":
        f = (lambda v: f"{v:.2f}") if st["median"] < 10 else (lambda v: f"{v:.1f}")
        one = f"{f(st['median'])} s"
    elif unit == "ms":
        f = lambda v: f"{v * 1000:.0f}"  # noqa: E731
        one = f"{f(st['median'])} ms"
    elif unit == "KB":
        f = lambda v: f"{v / 1024:.0f}"  # noqa: E731
        one = f"{f(st['median'])} KB"
    else:
        f = lambda v: f"{v:.0f}"  # noqa: E731
        one = f"{f(st['median'])} {unit}"
    if st.get("n", 1) > 1 and st["min"] != st["max"]:
        one += f" [{f(st['min'])}–{f(st['max'])}]"
    return one


ROWS = [
    # (label, section, key, unit, target key)
    ("process start → /_stcore/health", "browser", "health_s", "s", None),
    ("first map, new session (plain streamlit run)", "browser", "first_map_new_s", "s", None),
    ("scripts/warmup.py (make run), start to end", "browser", "warmup_s", "s", None),
    ("first map, first session after make run", "browser", "first_map_warmed_s", "s", "first_map_warmed_s"),
    ("first map, later session (new browser)", "browser", "first_map_later_s", "s", "first_map_later_s"),
    ("first map, later session (returning browser)", "browser", "first_map_cached_s", "s", None),
    ("first map, later session (make serve, 1 replica)", "browser", "first_map_serve_s", "s", None),
    (f"filter → {FILTER_TO} markers", "browser", "filter_s", "s", "filter_s"),
    ("tab switch map → finder", "browser", "tab_finder_s", "s", "tab_finder_s"),
    ("tab switch finder → map", "browser", "tab_map_s", "s", "tab_map_s"),
    (f"finder '{FINDER_PLACE}' → result cards", "browser", "finder_s", "s", None),
    (
        "first coverage after start (plain)",
        "browser",
        "first_coverage_plain_s",
        "s",
        "first_coverage_plain_s",
    ),
    (
        "first coverage after start (make run)",
        "browser",
        "first_coverage_warmed_s",
        "s",
        "first_coverage_warmed_s",
    ),
    (
        "first finder query after start (plain)",
        "browser",
        "first_finder_plain_s",
        "s",
        "first_finder_plain_s",
    ),
    (
        "first finder query after start (make run)",
        "browser",
        "first_finder_warmed_s",
        "s",
        "first_finder_warmed_s",
    ),
    ("script run, cold (AppTest)", "apptest", "first_run_s", "ms", None),
    ("script rerun (AppTest)", "apptest", "rerun_s", "ms", None),
    ("script run, filter change (AppTest)", "apptest", "filter_run_s", "ms", None),
    ("map component args, default view", "apptest", "map_args_bytes", "KB", "map_args_kb"),
    ("map component args, cardiology", "apptest", "map_args_bytes_cardiology", "KB", None),
    ("HTTP bytes, page load", "browser", "http_bytes_load", "KB", None),
    ("WebSocket bytes in, page load", "browser", "ws_bytes_load", "KB", None),
    ("WebSocket bytes in, filter change", "browser", "ws_bytes_filter", "KB", None),
    ("requests to other hosts (aborted), page load", "browser", "blocked_requests_load", "req", None),
    ("requests to other hosts, returning browser", "browser", "blocked_requests_returning", "req", None),
    ("server peak RSS after the sessions", "browser", "server_peak_rss_mb", "MB", None),
]


def _ratio(ours: dict | None, other: dict | None) -> str:
    return f"{ours['median'] / other['median']:.2f}" if ours and other and other.get("median") else "—"


def table_rows(report: dict[str, Any]) -> list[list[str]]:
    """Rows of the main table: figure, ours, baseline, bare page, the two ratios, target."""
    rows = []
    apps = report.get("apps", {})

    def stats(app: str, section: str, key: str) -> dict | None:
        return _stats(apps.get(app, {}).get(section, {}).get(key))

    for label, section, key, unit, target in ROWS:
        ours, base, bare = (stats(a, section, key) for a in ("ours", "baseline", "bare"))
        if not (ours or base or bare):
            continue
        t = ""
        if target:
            limit, kind = TARGETS[target]
            if kind == "x":
                value = ours["median"] / bare["median"] if ours and bare else None
            else:
                value = ours["median"] / 1024 if ours and kind == "KB" else (ours or {}).get("median")
            ok = value is not None and value <= limit
            t = f"≤ {limit:g}{'×' if kind == 'x' else ' ' + kind} {'ok' if ok else 'MISSED'}"
        shown = [_fmt(ours, unit), _fmt(base, unit), _fmt(bare, unit)]
        rows.append([label, *shown, _ratio(ours, bare), _ratio(ours, base), t])
    return rows


def timeline_rows(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The page-load timeline: ms from navigation to each step, per app and kind of session."""
    apps = report.get("apps", {})
    runs = {}
    for app, kinds in (("ours", ("later", "serve", "new", "warmed")), ("bare", ("later",))):
        for kind in kinds:
            steps = apps.get(app, {}).get("browser", {}).get("timeline", {}).get(kind)
            if steps:
                runs[f"{app} {kind}"] = steps
    return list(runs), tl.table(runs) if runs else []


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """Print a plain-text table with aligned columns."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line.rstrip())
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def print_report(report: dict[str, Any]) -> None:
    """The whole report as tables."""
    meta = report["meta"]
    print()
    print(
        f"NetwerkAtlas benchmark — {meta['when']} — {meta['mode']} — Python {meta['python']}, "
        f"{meta['cpus']} CPUs — expected markers {meta['expected_markers']}"
    )
    print("median [min–max]; ratios: ours / bare page, ours / baseline (below 1: ours is faster or smaller)")
    load_start = meta.get("loadavg_start", (0,))[0]
    if load_start > (meta["cpus"] or 1):
        print(
            f"NOTE: the machine was busy (load average {load_start:.1f} on {meta['cpus']} CPUs at the "
            "start): timings are inflated and noisy"
        )
    print()
    headers = ["figure", "ours", "baseline", "bare page", "÷ bare", "÷ baseline", "target"]
    print_table(headers, table_rows(report))
    names, steps = timeline_rows(report)
    if steps:
        print()
        print("page-load timeline (ms from navigation, medians; Δ = step to step of the first column)")
        print_table(["step", *names, "Δ"], steps)
    for name, app in report.get("apps", {}).items():
        errs = app.get("browser", {}).get("errors", [])
        if errs:
            print(f"\n{name}: {len(errs)} browser error(s), first: {errs[:3]}")
        if "error" in app.get("apptest", {}):
            print(f"\n{name}: AppTest failed: {app['apptest']['error'][-400:]}")
    comp = report.get("compute")
    if comp:
        rows = []
        for bench, entry in comp.items():
            for label, r in entry.get("rows", {}).items():
                tgt = r.get("target_ms")
                rows.append(
                    [
                        f"{bench.removeprefix('bench_')}: {label}",
                        f"{r['median_ms']:.1f}",
                        f"{r['min_ms']:.1f}",
                        f"{r['max_ms']:.1f}",
                        f"{tgt:g}" if tgt else "",
                    ]
                )
            if "stderr" in entry:
                rows.append([f"{bench}: exit {entry['exit_code']}", entry["stderr"][-80:], "", "", ""])
        print()
        print_table(["computation (ms)", "median", "min", "max", "target"], rows)
    load = report.get("load")
    if load:
        print()
        if "error" in load:
            print(f"load test failed: {load['error'][-600:]}")
        else:
            print(
                f"load: {load['sessions']} sessions, {load.get('seconds_per_session', 60):.0f} s each "
                f"({load['seconds']:.0f} s wall), "
                f"{load['actions']} actions, errors {load['errors_total']}, "
                f"server peak RSS {load['server_peak_rss_mb']:.0f} MB"
            )
            rows = [
                [
                    a,
                    str(v["n"]),
                    f"{v['p50_s']:.2f}",
                    f"{v['p95_s']:.2f}",
                    f"{v['max_s']:.2f}",
                    str(v["errors"]),
                ]
                for a, v in load["per_action"].items()
            ]
            print_table(["action", "n", "p50 s", "p95 s", "max s", "errors"], rows)
            for e in load.get("error_samples", [])[:5]:
                print(f"  error: {e}")


# ----------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; exit 1 when the load test saw errors or an app could not be measured."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (about 3 each)")
    ap.add_argument("--no-load", action="store_true", help="skip the 10-session load test")
    ap.add_argument("--no-compute", action="store_true", help="skip bench/bench_*.py")
    ap.add_argument("--no-baseline", action="store_true", help="measure our app and the bare page only")
    ap.add_argument("--load-seconds", type=float, default=60.0)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--apptest", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--apptest-runs", type=int, default=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.apptest:  # child process of run_apptest
        print(json.dumps(apptest_figures(args.apptest, args.apptest_runs)))
        return 0

    started = time.perf_counter()
    mode = "quick" if args.quick else "full"
    reps = REPS[mode]
    expected = expected_markers()
    RESULTS.mkdir(parents=True, exist_ok=True)
    logdir = Path(tempfile.mkdtemp(prefix="netwerkatlas-bench-"))
    launch = bw.baseline_launch_dir()
    apps = {"ours": (APP, APP), "bare": (BARE, None)}
    if not args.no_baseline:
        apps["baseline"] = (launch / "baseline_app.py", BASELINE)
    report: dict[str, Any] = {
        "meta": {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "mode": mode,
            "reps": reps,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "expected_markers": expected,
            "targets": TARGETS,
            "server_logs": str(logdir),
            "loadavg_start": os.getloadavg(),
        },
        "apps": {},
    }
    failed = False
    try:
        for name, (served, tested) in apps.items():
            print(f"measuring {name} ({(tested or served).relative_to(ROOT)}) …", flush=True)
            entry: dict[str, Any] = {}
            try:
                entry["browser"] = asyncio.run(
                    scenarios.measure(name, served, reps, expected, logdir / f"{name}.log")
                )
            except Exception as exc:  # report and go on: the other figures still mean something
                entry["browser"] = {"errors": [f"{type(exc).__name__}: {exc}"]}
                failed = True
            if tested is not None:
                entry["apptest"] = run_apptest(tested, reps["apptest"])
                failed |= "error" in entry["apptest"]
                print(f"  {name}: AppTest figures done", flush=True)
            report["apps"][name] = entry
    finally:
        shutil.rmtree(launch, ignore_errors=True)
    if not args.no_compute:
        print("computation benchmarks …", flush=True)
        report["compute"] = run_compute()
    if not args.no_load:
        print(f"load test: {args.sessions} sessions for {args.load_seconds:.0f} s …", flush=True)
        report["load"] = run_load(args.load_seconds, args.sessions)
        failed |= bool(report["load"].get("errors_total", 1))
    report["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    report["meta"]["loadavg_end"] = os.getloadavg()
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print_report(report)
    print(f"\nwrote {OUT.relative_to(ROOT)} in {report['meta']['seconds']:.0f} s")
    if failed:
        print(f"server logs: {logdir}")
    else:
        shutil.rmtree(logdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
