"""Turn a rendered folium page into one HTML file that opens offline.

Leaflet is inlined from the pinned ``xstatic`` package and every other external script or stylesheet
is dropped; :func:`report_page` adds the title, sources and date a report needs.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import xstatic.pkg.leaflet as xleaflet

_SCRIPT_TAG = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.I | re.S)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(
    r"""\b(?P<name>[a-z-]+)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+))""", re.I
)
_LEAFLET_JS = re.compile(r"^leaflet(?:-src)?(?:\.min)?\.js$", re.I)
_LEAFLET_CSS = re.compile(r"^leaflet(?:\.min)?\.css$", re.I)
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.M)
_INDENT = re.compile(r"^[ \t]*(?:\r?\n|(?=\S))", re.M)
_CSS_URL = re.compile(r"url\((['\"]?)images/([\w.-]+\.png)\1\)")


def _attrs(tag: str) -> dict[str, str]:
    out = {}
    for m in _ATTR.finditer(tag):
        out[m["name"].lower()] = next(v for v in (m["dq"], m["sq"], m["bare"], "") if v is not None)
    return out


def _basename(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]


@cache
def _leaflet_image(name: str) -> str:
    data = (Path(xleaflet.BASE_DIR) / "images" / name).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


@cache
def _inline_assets() -> dict[str, str]:
    """Leaflet JS (with offline default icons) and Leaflet CSS (images inlined), as HTML."""
    leaf = Path(xleaflet.BASE_DIR)
    js = _SOURCE_MAP.sub("", (leaf / "leaflet.js").read_text(encoding="utf-8"))
    css = (leaf / "leaflet.css").read_text(encoding="utf-8")
    css = _CSS_URL.sub(lambda m: f"url({_leaflet_image(m[2])})", css)
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\n\s*\n+", "\n", css)
    icons = (
        "{iconUrl:'"
        + _leaflet_image("marker-icon.png")
        + "',iconRetinaUrl:'"
        + _leaflet_image("marker-icon-2x.png")
        + "',shadowUrl:'"
        + _leaflet_image("marker-shadow.png")
        + "'}"
    )
    # Default marker icons from data URLs: the page may set L.Icon.Default.imagePath to a server path.
    icon_fix = (
        "(function(){var u=" + icons + ";L.Icon.Default.include({_getIconUrl:function(n){"
        "return (L.Browser.retina&&u[n+'RetinaUrl'])||u[n+'Url'];}});})();"
    )

    def script(code: str, name: str) -> str:
        body = re.sub(r"</(script)", r"<\\/\1", code, flags=re.I)
        return f'<script data-inlined="{name}">{body}</script>'

    return {
        "leaflet": script(js + "\n" + icon_fix, "leaflet"),
        "leaflet_css": "<style>" + re.sub(r"</(style)", r"<\\/\1", css, flags=re.I) + "</style>",
        # folium.Icon needs Leaflet.awesome-markers from a CDN; fall back to Leaflet's default icon.
        "awesome_shim": script(
            "if(!L.AwesomeMarkers){L.AwesomeMarkers={icon:function(){return new L.Icon.Default();}};}",
            "awesome-markers-fallback",
        ),
    }


def standalone_html(map_html: str) -> str:
    """Return a folium page that opens offline: Leaflet inlined, other external files dropped.

    ``map_html`` is a rendered page (``m.get_root().render()``). Script and stylesheet tags whose file
    is Leaflet (from a CDN or a local path such as ``/app/static/vendor/leaflet/leaflet.js``) are
    replaced by the code of the pinned ``xstatic-leaflet`` package; every other external script or
    stylesheet (jQuery, Bootstrap, awesome-markers, Font Awesome, plugins) is removed (our maps need
    none of them: popups and markers are Leaflet's own), so the page names no
    script or stylesheet outside itself. Tile layers still point at their servers and show only when
    online. Leaflet's default marker icons are inlined; ``folium.Icon`` markers fall back to them.
    The page's own inline scripts lose their indentation and blank lines (only whitespace at the
    start of a line, which neither JavaScript nor the HTML in popups depends on); the function is
    idempotent.
    """
    assets = _inline_assets()
    done: set[str] = set()

    def once(key: str) -> str:
        if key in done:
            return ""
        done.add(key)
        return assets[key]

    def script(m: re.Match[str]) -> str:
        attrs = _attrs(m["attrs"])
        src = attrs.get("src")
        if src is None:
            if "data-inlined" in attrs:
                return m[0]
            # folium indents its code deeply: drop indentation and blank lines (about 15 % of a page).
            return f"<script{m['attrs']}>{_INDENT.sub('', m['body'])}</script>"
        name = _basename(src)
        if _LEAFLET_JS.match(name):
            shim = once("awesome_shim") if "L.AwesomeMarkers" in map_html else ""
            return once("leaflet") + shim
        return ""

    def link(m: re.Match[str]) -> str:
        attrs = _attrs(m[0])
        href = attrs.get("href", "")
        rel = attrs.get("rel", "").lower().split()
        if "stylesheet" in rel and _LEAFLET_CSS.match(_basename(href)):
            return once("leaflet_css")
        if "stylesheet" in rel or "preload" in rel or "modulepreload" in rel:
            return ""
        if re.match(r"^(?:https?:)?//", href, re.I):
            return ""
        return m[0]

    # Links first: the inlined libraries contain text that looks like tags.
    out = _LINK_TAG.sub(link, map_html)
    return _SCRIPT_TAG.sub(script, out)


_HEAD_CSS = (
    ".na-report-head{{position:absolute;top:10px;left:54px;z-index:1000;max-width:min(640px,70vw);"
    "background:rgba(255,255,255,.94);padding:8px 12px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
    'font:12px/1.4 "Source Sans Pro",system-ui,sans-serif;color:#333}}'
    ".na-report-title{{font-size:16px;font-weight:700;margin-bottom:2px}}"
    # Leaflet's stylesheet is inlined after the map's own style and would make the sea grey again.
    "body .leaflet-container{{background:{water} !important}}"
)


def report_page(page: str, *, title: str, lines: Sequence[str] = ()) -> str:
    """Give a standalone map page its title (browser tab and a block over the map) and text lines under it.

    Every text is escaped; the sea gets the map's water colour whatever order the stylesheets come in.
    """
    from geo.render.style import WATER

    e = html.escape
    head = f"<title>{e(title)}</title><style>{_HEAD_CSS.format(water=WATER)}</style>"
    block = (
        f'<div class="na-report-head"><div class="na-report-title">{e(title)}</div>'
        + "".join(f"<div>{e(line)}</div>" for line in lines)
        + "</div>"
    )
    page = re.sub(r"<head(\s[^>]*)?>", lambda m: m[0] + head, page, count=1)
    return re.sub(r"<body(\s[^>]*)?>", lambda m: m[0] + block, page, count=1)
