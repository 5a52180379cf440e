"""Leaflet served by the app itself, vendored once at set-up time, so the map works without internet.

Stock folium loads Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs; offline, the
streamlit-folium iframe then stays empty without any error. Our maps need Leaflet (popups and
markers are Leaflet's own) and Leaflet.markercluster (badges for overlapping markers). ``make setup``
runs ``python -m geo.render.assets``, which copies the pinned ``xstatic-leaflet`` and
``xstatic-leaflet-markercluster`` packages into ``static/vendor/`` and writes a stamp naming their
versions; the app only checks the stamp (:func:`vendored_problem`) and never copies at start-up.
"""

from __future__ import annotations

import shutil
import sys
from importlib.metadata import version
from pathlib import Path

import xstatic.pkg.leaflet as xleaflet
import xstatic.pkg.leaflet_markercluster as xcluster

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "static" / "vendor"
#: File in :data:`STATIC_DIR` naming the xstatic packages (and versions) it was copied from.
STAMP = "VENDORED"
#: URL prefix of Streamlit's static file serving (``server.enableStaticServing``).
STATIC_URL = "/app/static/vendor"

LEAFLET_JS = f"{STATIC_URL}/leaflet/leaflet.js"
LEAFLET_CSS = f"{STATIC_URL}/leaflet/leaflet.css"
LEAFLET_IMAGES = f"{STATIC_URL}/leaflet/images/"
CLUSTER_JS = f"{STATIC_URL}/markercluster/leaflet.markercluster.js"
CLUSTER_CSS = f"{STATIC_URL}/markercluster/MarkerCluster.css"


def stamp_text() -> str:
    """What the stamp says for the installed packages: ``xstatic-leaflet==1.9.3.0`` and the cluster plugin."""
    return (
        f"xstatic-leaflet=={version('xstatic-leaflet')}\n"
        f"xstatic-leaflet-markercluster=={version('xstatic-leaflet-markercluster')}\n"
    )


def vendor(target: Path = STATIC_DIR) -> Path:
    """Copy Leaflet into ``target/leaflet`` (replacing an older copy) and stamp it; return ``target``."""
    dest = target / "leaflet"
    if dest.exists():
        shutil.rmtree(dest)
    for old in ("jquery",):  # once shipped, no longer loaded by any map
        shutil.rmtree(target / old, ignore_errors=True)
    skip = shutil.ignore_patterns("*.map", "*esm*", "*-src.js")
    shutil.copytree(Path(xleaflet.BASE_DIR), dest, ignore=skip)
    cluster = target / "markercluster"
    if cluster.exists():
        shutil.rmtree(cluster)
    shutil.copytree(Path(xcluster.BASE_DIR), cluster, ignore=skip)
    (target / STAMP).write_text(stamp_text(), encoding="utf-8")
    return target


def vendored_problem(target: Path = STATIC_DIR) -> str | None:
    """``None`` when ``target`` holds Leaflet of the installed version; else what is wrong (for a message)."""
    stamp = target / STAMP
    files = (target / "leaflet" / "leaflet.js", target / "markercluster" / "leaflet.markercluster.js")
    if not all(f.is_file() for f in files) or not stamp.is_file():
        return f"{target} has no vendored Leaflet: run `make setup` (or `python -m geo.render.assets`)"
    if stamp.read_text(encoding="utf-8") != stamp_text():
        return f"{target} holds another Leaflet than the installed {stamp_text().strip()}: run `make setup`"
    return None


def leaflet_files() -> dict[str, Path]:
    """Files on disk behind the served URLs, for inlining into a standalone HTML export."""
    base, cluster = Path(xleaflet.BASE_DIR), Path(xcluster.BASE_DIR)
    return {
        LEAFLET_JS: base / "leaflet.js",
        LEAFLET_CSS: base / "leaflet.css",
        CLUSTER_JS: cluster / "leaflet.markercluster.js",
        CLUSTER_CSS: cluster / "MarkerCluster.css",
    }


if __name__ == "__main__":
    out = vendor(Path(sys.argv[1]) if len(sys.argv) > 1 else STATIC_DIR)
    print(f"vendored {stamp_text().strip()} into {out}")
