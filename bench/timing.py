"""The one timing helper of the computation benchmarks (``bench/bench_*.py``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


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
