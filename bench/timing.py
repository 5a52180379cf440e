"""Timing and result files shared by the computation benchmarks (``bench/bench_*.py``)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def timed(fn: Callable[[], object], runs: int, *, warm: bool = True) -> dict[str, float]:
    """Call ``fn`` once (cold, unless ``warm`` is False), then ``runs`` times; times in milliseconds.

    Returns ``cold_ms`` (the first call), ``median_ms``, ``min_ms``, ``max_ms`` of the timed calls and
    ``runs``.
    """
    cold = None
    if warm:
        t0 = time.perf_counter()
        fn()
        cold = (time.perf_counter() - t0) * 1000.0
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000.0)
    out = {
        "median_ms": statistics.median(samples),
        "min_ms": min(samples),
        "max_ms": max(samples),
        "runs": runs,
    }
    if cold is not None:
        out["cold_ms"] = cold
    return out


def write_results(path: Path, **fields: Any) -> None:
    """Write a benchmark's JSON: when, on which machine, and ``fields`` (results and context)."""
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    payload = {"when": datetime.now(UTC).isoformat(timespec="seconds"), **fields, "machine": machine}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")


def report(results: dict[str, dict[str, Any]], targets_ms: dict[str, float], *, width: int = 18) -> list[str]:
    """Mark each result against its target (``target_ms``, ``ok``), print a table; return the misses."""
    failed = []
    print(f"{'benchmark':<{width}} {'median':>10} {'min':>10} {'max':>10} {'target':>10}")
    for name, r in results.items():
        target = targets_ms.get(name)
        r["target_ms"] = target
        r["ok"] = None if target is None else r["median_ms"] <= target
        if r["ok"] is False:
            failed.append(name)
        mark = "" if target is None else f"{target:>8.0f}ms {'ok' if r['ok'] else 'MISSED'}"
        print(f"{name:<{width}} {r['median_ms']:>8.1f}ms {r['min_ms']:>8.1f}ms {r['max_ms']:>8.1f}ms {mark}")
    return failed
