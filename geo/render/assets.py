"""Serve Leaflet and jQuery from the app itself so the map works without internet.

Stock folium loads Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs; offline, the
streamlit-folium iframe then stays empty without any error. We copy the pinned ``xstatic`` packages
(the exact versions folium 0.20 expects) into ``static/vendor`` and point every map at them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import xstatic.pkg.jquery as xjquery
import xstatic.pkg.leaflet as xleaflet

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "static" / "vendor"
#: URL prefix of Streamlit's static file serving (``server.enableStaticServing``).
STATIC_URL = "/app/static/vendor"

LEAFLET_JS = f"{STATIC_URL}/leaflet/leaflet.js"
LEAFLET_CSS = f"{STATIC_URL}/leaflet/leaflet.css"
JQUERY_JS = f"{STATIC_URL}/jquery/jquery.min.js"
LEAFLET_IMAGES = f"{STATIC_URL}/leaflet/images/"


def ensure_static_assets(target: Path = STATIC_DIR) -> Path:
    """Copy Leaflet and jQuery into ``static/vendor`` unless they are already there; return the folder."""
    wanted = {
        target / "leaflet": Path(xleaflet.BASE_DIR),
        target / "jquery": Path(xjquery.BASE_DIR),
    }
    for dest, src in wanted.items():
        marker = dest / ("leaflet.js" if dest.name == "leaflet" else "jquery.min.js")
        if not marker.exists():
            shutil.copytree(src, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map", "*esm*"))
    return target


def local_asset_paths() -> dict[str, Path]:
    """Files on disk behind the served URLs, for inlining into a standalone HTML export."""
    return {
        LEAFLET_JS: Path(xleaflet.BASE_DIR) / "leaflet.js",
        LEAFLET_CSS: Path(xleaflet.BASE_DIR) / "leaflet.css",
        JQUERY_JS: Path(xjquery.BASE_DIR) / "jquery.min.js",
    }
