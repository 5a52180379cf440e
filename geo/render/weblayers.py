"""Browser-side parts of the web map: place names, neighbouring land, marker groups, legend, map height.

Each piece is a folium element whose script runs in the map's iframe, so nothing here needs tiles or
any host but the app: the names come from the gazetteer (:mod:`geo.render.labels`), the land around
the Netherlands from ``data/neighbours.geojson``, and Leaflet.markercluster is vendored like Leaflet
(:mod:`geo.render.assets`). Never imports Streamlit.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

import folium
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

from geo.render.assets import CLUSTER_CSS, CLUSTER_JS
from geo.render.labels import labels_payload, map_labels

#: Grey of the land outside the Netherlands: clearly land, clearly not ours.
NEIGHBOUR_LAND = "#E2E0DA"
NEIGHBOUR_BORDER = "#B9B6AE"
#: Markers closer than this (px, at the current zoom) share one badge with their count.
CLUSTER_RADIUS_PX = 14

WEB_CSS = """
.na-label { position: absolute; pointer-events: none; white-space: nowrap;
  font: 600 13px/1 "Source Sans Pro", system-ui, sans-serif; color: #2b2b2b;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; }
.na-label > span { position: absolute; transform: translate(-50%, -50%); }
.na-label-t { font-size: 11.5px; font-weight: 500; color: #3a3a3a; }
.na-label-p { font-size: 13px; font-weight: 600; color: #77736b; letter-spacing: .12em;
  text-transform: uppercase; }
.na-label-w { font-style: italic; font-weight: 500; color: #3f6f99; letter-spacing: .06em; }
.na-label-hidden { visibility: hidden; }
.na-cluster { background: transparent; border: 0; }
.na-cluster div { width: 30px; height: 30px; border-radius: 50%; background: #fff; border: 2.5px solid #333;
  box-shadow: 0 1px 3px rgba(0,0,0,.4); display: flex; align-items: center; justify-content: center;
  font: 700 13px/1 "Source Sans Pro", system-ui, sans-serif; color: #111; box-sizing: border-box; }
.na-legend details > summary { cursor: pointer; font-weight: 600; min-height: 24px; }
.na-legend-control { font-size: 11.5px !important; line-height: 15px !important; max-width: 230px !important;
  max-height: 60vh; overflow: auto; }
.leaflet-marker-icon:focus-visible { outline: 3px solid #0072B2; outline-offset: 2px; }
@media (pointer: coarse) {
  .na-marker::after, .na-cluster::after { content: ""; position: absolute; inset: -12px; }
  .leaflet-touch .leaflet-bar a { width: 44px; height: 44px; line-height: 44px; }
}
"""


@cache
def neighbours_geojson(path: str) -> str:
    """The neighbouring land as GeoJSON text (read once per file)."""
    return Path(path).read_text(encoding="utf-8")


def add_neighbour_land(m: folium.Map, path: Path) -> None:
    """Draw the land around the Netherlands (when the data folder has it) under everything else."""
    if not path.is_file():
        return
    folium.GeoJson(
        neighbours_geojson(str(path)),
        name="neighbours",
        style_function=lambda _: {
            "fillColor": NEIGHBOUR_LAND,
            "color": NEIGHBOUR_BORDER,
            "weight": 0.6,
            "fillOpacity": 1.0,
        },
        interactive=False,
        control=False,
    ).add_to(m)


@cache
def _payload_json(places_key: int, provinces_json: str) -> str:
    import geopandas as gpd

    from geo.geonames import dutch_places

    provinces = gpd.read_file(provinces_json)
    rows = labels_payload(map_labels(dutch_places(), provinces))
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def place_names_json(provinces) -> str:
    """The names of :func:`geo.render.labels.map_labels` as compact JSON (computed once per provinces)."""
    return _payload_json(0, provinces[["name", "geometry"]].to_crs("EPSG:4326").to_json())


class PlaceNames(MacroElement):
    """Province, place and water names drawn in their own pane, shown per zoom, hidden under markers.

    Which names show at a zoom is decided on the server (no two overlap). In the browser a name whose
    box meets a site marker or badge is hidden, after every zoom, pan and marker change.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }}, rows = {{ this.rows }};
  var pane = map.createPane("naLabels");
  pane.style.zIndex = 450; pane.style.pointerEvents = "none";
  var layer = L.layerGroup().addTo(map), shown = {}, queued = false;
  function icon(r) {
    var s = document.createElement("span");
    s.textContent = r[0];
    return L.divIcon({html: s, className: "na-label na-label-" + r[3], iconSize: null});
  }
  function boxes() {
    var out = [];
    map.getPane("markerPane").querySelectorAll(".leaflet-marker-icon").forEach(function (el) {
      var b = el.getBoundingClientRect();
      if (b.width) { out.push([b.left + 2, b.top + 2, b.right - 2, b.bottom - 2]); }
    });
    return out;
  }
  function hits(a, b) { return a.left < b[2] && b[0] < a.right && a.top < b[3] && b[1] < a.bottom; }
  function update() {
    queued = false;
    var z = Math.max(0, Math.min(17, Math.floor(map.getZoom() + 1e-6)));
    var zp = Math.min(z, {{ this.deepest }}), view = map.getBounds().pad(0.2), want = {};
    rows.forEach(function (r, i) {
      var bit = r[3] === "w" ? z : zp;
      if (r[4] & (1 << bit) && view.contains([r[1], r[2]])) { want[i] = true; }
    });
    Object.keys(shown).forEach(function (i) {
      if (!want[i]) { layer.removeLayer(shown[i]); delete shown[i]; }
    });
    Object.keys(want).forEach(function (i) {
      if (!shown[i]) {
        shown[i] = L.marker([rows[i][1], rows[i][2]], {icon: icon(rows[i]), pane: "naLabels",
          interactive: false, keyboard: false}).addTo(layer);
        shown[i].getElement().classList.remove("leaflet-marker-icon");  // a name, not a marker
      }
    });
    // A name that would sit under a marker moves above, below or beside its place, or hides.
    var marks = boxes(), placed = [];
    Object.keys(shown).sort(function (a, b) { return a - b; }).forEach(function (i) {
      var el = shown[i].getElement(), span = el && el.firstChild;
      if (!span) { return; }
      el.classList.remove("na-label-hidden");
      span.style.marginTop = span.style.marginLeft = "0px";
      var b0 = span.getBoundingClientRect(), w = b0.width / 2 + 12, ok = false;
      var tries = [[0, 0], [0, -15], [0, 15], [w, 0], [-w, 0]];
      for (var k = 0; k < tries.length && !ok; k++) {
        var b = {left: b0.left + tries[k][0], right: b0.right + tries[k][0],
                 top: b0.top + tries[k][1], bottom: b0.bottom + tries[k][1]};
        var free = function (m) { return !hits(b, m); };
        if (marks.every(free) && placed.every(free)) {
          span.style.marginLeft = tries[k][0] + "px"; span.style.marginTop = tries[k][1] + "px";
          placed.push([b.left, b.top, b.right, b.bottom]); ok = true;
        }
      }
      el.classList.toggle("na-label-hidden", !ok);
    });
  }
  function later() { if (!queued) { queued = true; window.requestAnimationFrame(update); } }
  map.on("zoomend moveend layeradd layerremove", later);
  map.on("zoomend", function () { setTimeout(later, 450); });  // after the badges' own animation
  window.naUpdateLabels = later;
  map.whenReady(later);
  [1000, 2500].forEach(function (ms) { setTimeout(later, ms); });  // once the page has settled
})();
{% endmacro %}"""
    )

    def __init__(self, rows_json: str, deepest: int = 12) -> None:
        super().__init__()
        self._name = "PlaceNames"
        self.rows = rows_json
        self.deepest = int(deepest)


class LegendControl(MacroElement):
    """An empty legend box in the map's lower-right corner, filled by :class:`LegendContent`.

    The base map stays the same across filter changes (so it is not reloaded); the legend's content
    travels with the swappable marker layer instead. On a narrow screen the legend starts folded.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }}, box = null, pending = null;
  var ctl = L.control({position: "bottomright"});
  ctl.onAdd = function () {
    box = L.DomUtil.create("div", "na-legend na-legend-control");
    L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
    if (pending !== null) { window.naSetLegend(pending); }
    return box;
  };
  window.naSetLegend = function (html) {
    if (!box) { pending = html; return; }
    var narrow = false;
    try { narrow = window.parent.innerWidth < 640; } catch (e) { narrow = window.innerWidth < 640; }
    var old = box.querySelector("details");
    var open = old ? old.open : !narrow;
    box.innerHTML = "<details" + (open ? " open" : "") + "><summary>" + {{ this.title }} +
      "</summary>" + html + "</details>";
  };
  ctl.addTo(map);
})();
{% endmacro %}"""
    )

    def __init__(self, title: str) -> None:
        super().__init__()
        self._name = "LegendControl"
        self.title = json.dumps(title)  # escaped by the caller; JSON keeps it a string literal


class LegendContent(MacroElement):
    """The legend's HTML (already escaped), put into the :class:`LegendControl` box when drawn."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "if (window.naSetLegend) { window.naSetLegend({{ this.html }}); }"
        "{% endmacro %}"
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "LegendContent"
        self.html = json.dumps(html).replace("</", "<\\/")


class FitViewport(MacroElement):
    """Give the map the height of the browser window below it (at least 72 % of it; on a phone 60 %).

    streamlit-folium sizes its iframe to the fixed height given in Python; the map resizes itself and
    the iframe (through the component's ``Streamlit.setFrameHeight``) whenever the window changes.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }}, S = window.Streamlit;
  if (!S || !window.frameElement) { return; }
  var set = S.setFrameHeight.bind(S);
  function wanted() {
    var w = window.parent, vh = w.innerHeight;
    var top = window.frameElement.getBoundingClientRect().top + w.scrollY;
    if (w.innerWidth < 640) { return Math.max(300, Math.round(vh * 0.6)); }
    // the page above may still grow while it loads: never less than 72 % of the window
    return Math.max(480, Math.round(vh * 0.72), Math.round(vh - Math.min(top, {{ this.max_top }}) - 16));
  }
  function apply() {
    var h = wanted(), div = map.getContainer();
    if (div.style.height !== h + "px") { div.style.height = h + "px"; map.invalidateSize(false); }
    set(h);
  }
  S.setFrameHeight = function () { apply(); };
  window.parent.addEventListener("resize", apply);
  apply();
  setTimeout(apply, 800);
})();
{% endmacro %}"""
    )

    def __init__(self, max_top: int = 300) -> None:
        super().__init__()
        self._name = "FitViewport"
        self.max_top = int(max_top)


#: Cluster badges: a white disc with the count and a spoken name; Enter or a click fans the sites out.
_CLUSTER_ICON = """function (cluster) {
  var n = cluster.getChildCount(), label = LABEL.replace("{n}", n);
  var html = '<div role="button" aria-label="' + label + '" title="' + label + '">' + n + "</div>";
  return L.divIcon({html: html,
                    className: "na-cluster", iconSize: [30, 30]});
}"""


def site_cluster(label: str) -> MarkerCluster:
    """A marker group that merges overlapping markers into one badge, expanded in place on click.

    ``label`` names a badge for screen readers (``{n}`` is replaced by its site count in the browser).
    """
    group = MarkerCluster(
        name="site-clusters",
        control=False,
        icon_create_function=_CLUSTER_ICON.replace("LABEL", json.dumps(html.escape(label))),
        options={
            "maxClusterRadius": CLUSTER_RADIUS_PX,
            "showCoverageOnHover": False,
            "zoomToBoundsOnClick": False,
            "spiderfyOnMaxZoom": True,
            "spiderfyDistanceMultiplier": 1.6,
            "removeOutsideVisibleBounds": False,
        },
    )
    group.default_js = [("markerclusterjs", CLUSTER_JS)]
    group.default_css = [("markerclustercss", CLUSTER_CSS)]
    group.add_child(_ClusterKeys())
    return group


class _ClusterKeys(MacroElement):
    """Badges expand in place on click and on Enter; place names are placed again after they move."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (g) {
  g.on("clusterclick", function (e) { e.layer.spiderfy(); });
  g.on("clusterkeypress", function (e) {
    if (e.originalEvent && e.originalEvent.keyCode === 13) { e.layer.spiderfy(); }
  });
  function names() { if (window.naUpdateLabels) { window.naUpdateLabels(); } }
  g.on("animationend spiderfied unspiderfied", function () {
    names();
    setTimeout(names, 350);  // the markers' move (a 0.3 s transition) ends after the group's event
  });
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ClusterKeys"
