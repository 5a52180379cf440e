"""Where the time goes between navigation and the last site marker: marks taken inside the browser.

An init script (:data:`INIT_JS`, installed on every frame of a context) stamps each step the moment
it happens, in epoch milliseconds (``performance.timeOrigin + performance.now()``), so the top page
and the map iframe share one clock. :func:`collect` reads the stamps of both frames after the page
has settled and returns them relative to the navigation start of the top page. ``bench/run.py``
prints the medians as the timeline in ``bench/README.md``.
"""

from __future__ import annotations

import statistics
from typing import Any

from bench.browser import MAP

#: Stamped by the init script: first occurrence only, except the marker count (last increase).
INIT_JS = (
    """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  if (window.__naMarks) return;
  const marks = window.__naMarks = {markers: 0};
  const mark = (k) => { if (!(k in marks)) marks[k] = now(); };
  const top = window === window.top;
  if (top && window.WebSocket) {
    const Base = window.WebSocket;
    // A subclass, so Streamlit's own use of the class (and instanceof) is unchanged.
    window.WebSocket = class extends Base {
      constructor(...args) {
        super(...args);
        mark('ws_create');
        this.addEventListener('open', () => mark('ws_open'));
        this.addEventListener('message', (e) => {
          mark('ws_first_msg');
          const d = e.data, n = d.byteLength ?? d.size ?? d.length ?? 0;
          if (n > 50000 && !('ws_big_msg' in marks)) { marks.ws_big_bytes = n; mark('ws_big_msg'); }
        });
      }
    };
  }
  if (!top) {
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === 'streamlit:render' && !('args' in marks)) mark('args');
    }, true);
  }
  if (!top) return;
  const check = () => {
    if (document.querySelector('h1')) mark('title');
    if (document.querySelector('[data-testid="stMarkdown"]')) mark('markdown');
    if (document.querySelector('"""
    + MAP
    + """')) mark('iframe');
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true});
  // The map iframe's document is read from here: an init script does not reliably reach the
  // document that replaces an iframe's first about:blank one, a poll from the top page does.
  const poll = setInterval(() => {
    const f = document.querySelector('"""
    + MAP
    + """');
    const d = f && f.contentDocument;
    if (!d) return;
    if (d.querySelector('.leaflet-container')) mark('leaflet');
    const n = d.querySelectorAll('.leaflet-marker-icon').length;
    if (n > 0) mark('marker');
    if (n > marks.markers) { marks.markers = n; marks.markers_last = now(); }
    if (marks.markers_last && now() - marks.markers_last > 5000) clearInterval(poll);
  }, 5);
})();
"""
)

_READ_JS = """() => {
  const res = performance.getEntriesByType('resource').map(
    r => [r.name, performance.timeOrigin + r.responseEnd]);
  const paint = performance.getEntriesByType('paint').map(
    p => [p.name, performance.timeOrigin + p.startTime]);
  const nav = performance.getEntriesByType('navigation')[0];
  return {origin: performance.timeOrigin, marks: window.__naMarks || {}, res, paint,
          doc: nav ? performance.timeOrigin + nav.responseEnd : null};
}"""

#: (key, what it is) in the order a page goes through them; "top" steps, then the map iframe's.
STAGES = (
    ("doc", "HTML document received"),
    ("st_js", "Streamlit front end (JS) loaded"),
    ("fcp", "first contentful paint"),
    ("ws_open", "WebSocket open (script run requested)"),
    ("ws_first_msg", "first message from the server"),
    ("title", "page title shown"),
    ("markdown", "first text shown"),
    ("ws_big_msg", "map arguments received (large WebSocket message)"),
    ("iframe", "map iframe inserted"),
    ("comp_doc", "map iframe document started"),
    ("comp_js", "streamlit-folium JS loaded"),
    ("args", "map arguments handed to the iframe"),
    ("leaflet_js", "Leaflet loaded"),
    ("leaflet", "Leaflet map created"),
    ("marker", "first marker"),
    ("markers_last", "last marker added"),
)


def _last(resources: list[list[Any]], needle: str) -> float | None:
    ends = [end for name, end in resources if needle in name]
    return max(ends) if ends else None


async def collect(page) -> dict[str, float]:
    """Milliseconds from the top page's navigation start to each step it reached (see :data:`STAGES`)."""
    top = await page.evaluate(_READ_JS)
    origin = top["origin"]
    abs_ms: dict[str, float] = {k: v for k, v in top["marks"].items() if k not in ("markers", "ws_big_bytes")}
    abs_ms["doc"] = top["doc"]
    abs_ms["st_js"] = _last(top["res"], "/static/js/index")
    abs_ms["fcp"] = dict(top["paint"]).get("first-contentful-paint")
    frame = next((f for f in page.frames if "streamlit_folium" in f.url), None)
    extra: dict[str, float] = {
        "ws_big_kb": top["marks"].get("ws_big_bytes", 0) / 1024,
        "markers": top["marks"].get("markers", 0),
    }
    if frame is not None:
        inner = await frame.evaluate(_READ_JS)
        abs_ms["comp_doc"] = inner["origin"]
        abs_ms["comp_js"] = _last(inner["res"], "/static/js/main")
        abs_ms["leaflet_js"] = _last(inner["res"], "leaflet.js")
        abs_ms["args"] = inner["marks"].get("args")
    out = {k: round(v - origin, 1) for k, v in abs_ms.items() if v is not None}
    return {**out, **extra}


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    """Median of each step over several runs (steps missing from a run are left out of that median)."""
    keys = {k for r in runs for k in r}
    return {k: statistics.median([r[k] for r in runs if k in r]) for k in keys}


def table(runs: dict[str, dict[str, float]]) -> list[list[str]]:
    """Rows ``[step, ms per app ..., delta to the step before (first app)]`` for :data:`STAGES`."""
    names = list(runs)
    rows, prev = [], 0.0
    for key, label in STAGES:
        values = [runs[n].get(key) for n in names]
        if all(v is None for v in values):
            continue
        first = values[0]
        delta = f"+{first - prev:.0f}" if first is not None else ""
        prev = first if first is not None else prev
        rows.append([label, *[f"{v:.0f}" if v is not None else "—" for v in values], delta])
    return rows
