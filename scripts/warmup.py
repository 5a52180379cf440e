"""Warm a freshly started NetwerkAtlas server so the first visitor does not wait for imports.

Streamlit runs the app script only when a session starts; the first one would pay for importing
geopandas and folium, validating the data and loading the place names (about 2.5 s on a 2-core
machine). Streamlit's script health check runs the script once on the server, which fills the module
and data caches; the end of that run starts the app's own warm-up (``components.cache.warm_up``:
the travel model, the default population, the coverage code), so the first finder query and the
first coverage figure wait for none of it.
Usage: ``python scripts/warmup.py PORT`` (``make run`` starts it next to the server).
"""

from __future__ import annotations

import sys
import time
import urllib.request


def main(port: int, *, timeout_s: float = 60.0) -> int:
    """Wait until the server is healthy, then run the app script once; return 0 when warmed."""
    base = f"http://127.0.0.1:{port}/_stcore"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=1) as r:
                if r.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.2)
    else:
        return 1
    try:
        with urllib.request.urlopen(f"{base}/script-health-check", timeout=timeout_s) as r:
            ok = r.status == 200
    except OSError:
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8501))
