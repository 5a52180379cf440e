"""Build the folium map: provinces, network regions and site markers.

Everything here returns folium objects and never touches Streamlit, so the map can be tested and
exported without a running app. Markers are inline-SVG ``DivIcon``s: colour says which network(s) a
site belongs to (Okabe-Ito, colour-blind safe), shape says what kind of site it is, so neither colour
nor shape alone carries the meaning. All text placed in tooltips and popups is HTML-escaped here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import xyzservices.providers as xyz
from branca import colormap as cm
from branca.element import Element, MacroElement
from folium.utilities import JsCode
from jinja2 import Template

from geo.i18n import fmt_number, t
from geo.names import display_name
from geo.render.assets import LEAFLET_CSS, LEAFLET_IMAGES, LEAFLET_JS
from geo.render.popups import escape, popup_html
from geo.render.style import (
    CONTEXT_COLOUR,
    LAND,
    REGION,
    REGION_PARTIAL,
    WATER,
    network_colours,
)
from geo.render.symbols import SIZES, legend_html, marker_svg, share_legend_html
from geo.render.weblayers import WEB_CSS, add_neighbour_land, site_cluster

BORDER = "#7F7F7F"
DEFAULT_CENTER = (52.45, 5.6)
DEFAULT_ZOOM = 8


_POPUP_CSS = f"""
<style>
.leaflet-container {{ background: {WATER}; font-family: "Source Sans Pro", system-ui, sans-serif; }}
.na-popup h4 {{ margin: 0 0 4px; font-size: 14px; }}
.na-popup table {{ border-collapse: collapse; font-size: 12px; }}
.na-popup th {{ text-align: left; vertical-align: top; padding: 1px 8px 1px 0; color: #555;
  font-weight: 600; }}
.na-popup td {{ padding: 1px 0; }}
.na-closed {{ color: #a00; font-weight: 600; font-size: 12px; margin-bottom: 3px; }}
.na-popup > .na-remark {{ font-size: 12px; margin: -2px 0 4px; }}
.na-marker {{ background: transparent; border: 0; }}
.na-marker svg {{ overflow: visible; filter: drop-shadow(0 1px 1px rgba(0,0,0,.35)); }}
.na-legend {{ background: rgba(255,255,255,.92); padding: 6px 9px; border-radius: 4px; font-size: 12px;
  line-height: 18px; box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 260px; }}
.na-legend svg {{ vertical-align: middle; margin-right: 5px; }}
</style>
"""


class _OfflineAssets(MacroElement):
    """Set Leaflet's icon folder: it is guessed from leaflet.css, which st_folium loads too late."""

    _template = Template(
        "{% macro script(this, kwargs) %}L.Icon.Default.imagePath = "
        + json.dumps(LEAFLET_IMAGES)
        + ";{% endmacro %}"
    )


class _FitBoundsAtOnce(MacroElement):
    """Fit the map to the region without animation.

    folium's ``fit_bounds`` animates the small step from the start zoom; a view set right after it (a
    shared link's ``c``/``z``, which streamlit-folium applies with ``setView``) was then overridden
    when that pending animation ran, for every zoom more than 4 steps away (zoom 13 and deeper).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.fitBounds({{ this.bounds }}, "
        "{padding: [10, 10], animate: false});{% endmacro %}"
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitBoundsAtOnce"
        self.bounds = json.dumps([[round(float(v), 6) for v in corner] for corner in bounds])


class ViewInUrl(MacroElement):
    """Keep the page's ``c`` (centre) and ``z`` (zoom) link parameters in step with the map.

    Panning never reruns the app (st_folium returns only clicks), so the server cannot know the view;
    the map itself writes it into the page's address with ``history.replaceState`` (the map's iframe
    has the app's origin), so a copied link reopens the same view.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.on("moveend", function () {
  try {
    var m = {{ this._parent.get_name() }}, c = m.getCenter(), w = window.parent;
    var u = new URL(w.location.href);
    u.searchParams.set("c", c.lat.toFixed(4) + "," + c.lng.toFixed(4));
    u.searchParams.set("z", String(Math.round(m.getZoom())));
    w.history.replaceState(w.history.state, "", u.toString());
  } catch (e) { /* a saved copy of the map has no app page around it */ }
});
{% endmacro %}"""
    )


def _tiles(m: folium.Map, tiles: str | None, lang: str) -> None:
    if tiles == "nlmaps":
        folium.TileLayer(xyz.nlmaps.pastel, name=t("tiles.nlmaps", lang)).add_to(m)
    elif tiles == "osm":
        folium.TileLayer(xyz.OpenStreetMap.Mapnik, name=t("tiles.osm", lang)).add_to(m)


def build_base_map(
    provinces: gpd.GeoDataFrame,
    *,
    lang: str = "nl",
    highlighted: Sequence[str] = (),
    partial: Sequence[str] = (),
    tiles: str | None = None,
    legend: str | None = None,
    shares: Mapping[str, float] | None = None,
    share_colormap: cm.LinearColormap | None = None,
    areas: gpd.GeoDataFrame | None = None,
    neighbours: Path | None = None,
) -> folium.Map:
    """Return a map of the provinces with the network region highlighted, served without any CDN.

    Parameters
    ----------
    provinces
        Province polygons (any CRS; drawn in EPSG:4326) with a ``name`` column.
    lang
        Language of tooltips and legend.
    highlighted, partial
        Province names of the selected networks' region; ``partial`` ones are only partly in it.
    tiles
        ``None`` (offline: land and water colours only), ``"nlmaps"`` (PDOK) or ``"osm"``.
    legend
        HTML of a legend to place in the map's corner (already escaped), or ``None``.
    shares, share_colormap
        Coverage share (0..1) per province name and the colour scale that shades them; provinces
        without a share keep the plain land colour.
    areas
        Service areas (EPSG:4326, ``name``) drawn as outlines on top of the provinces.
    neighbours
        GeoJSON file of the land around the Netherlands, drawn under the provinces (if it exists).
    """
    # Leaflet options are passed through; min/max zoom must be given to the map, not only to tiles.
    m = folium.Map(
        location=DEFAULT_CENTER,
        zoom_start=DEFAULT_ZOOM,
        tiles=None,
        control_scale=True,
        minZoom=6,
        maxZoom=17,
        zoomSnap=0.25,
        zoomDelta=0.5,
    )
    # Only Leaflet: folium needs jQuery just for its own popups, and ours are built by Leaflet itself.
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    m.add_child(_OfflineAssets())
    m.get_root().header.add_child(Element(_POPUP_CSS))
    m.get_root().header.add_child(Element(f"<style>{WEB_CSS}</style>"))
    _tiles(m, tiles, lang)
    if neighbours is not None and not tiles:
        add_neighbour_land(m, neighbours)
    prov = provinces.to_crs("EPSG:4326")
    high, part = set(highlighted), set(partial)
    fill_opacity = 0.55 if tiles else 1.0

    def style(feature: dict) -> dict:
        name = feature["properties"]["name"]
        fill = REGION_PARTIAL if name in part else REGION if name in high else LAND
        if shares is not None and share_colormap is not None:
            fill = share_colormap(max(share_colormap.vmin, shares[name])) if name in shares else LAND
        return {
            "fillColor": fill,
            "color": BORDER,
            "weight": 1.2 if name in high else 0.8,
            "fillOpacity": fill_opacity,
            "dashArray": "4 3" if name in part else None,
        }

    folium.GeoJson(
        prov[["name", "geometry"]].to_json(),
        name="provinces",
        style_function=style,
        highlight_function=lambda _: {"weight": 2.2, "color": "#444"},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        control=False,
    ).add_to(m)
    if areas is not None and not areas.empty:
        shown = areas[["name", "geometry"]].to_crs("EPSG:4326")
        shown["name"] = shown["name"].map(escape)  # GeoJsonTooltip writes values as HTML
        folium.GeoJson(
            shown.to_json(),
            name="service_areas",
            style_function=lambda _: {"fill": False, "color": "#444444", "weight": 1.2, "dashArray": "2 4"},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
            control=False,
        ).add_to(m)
    focus = prov[prov["name"].isin(high)] if high else prov
    minx, miny, maxx, maxy = focus.total_bounds
    m.add_child(_FitBoundsAtOnce([[miny, minx], [maxy, maxx]]))
    if legend:
        _add_legend(m, legend)
    if tiles:
        folium.LayerControl(collapsed=True).add_to(m)
    return m


def _add_legend(m: folium.Map, legend: str) -> None:
    macro = MacroElement()
    macro._template = Template(
        "{% macro script(this, kwargs) %}"
        "var legend = L.control({position: 'bottomleft'});"
        "legend.onAdd = function () { var d = L.DomUtil.create('div', 'na-legend'); d.innerHTML = "
        + json.dumps(legend)
        + "; return d; }; legend.addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )
    m.add_child(macro)


#: Builds each site's marker in the browser from the feature's properties: its own icon, a title for
#: screen readers and tests, a tooltip, and a popup whose DOM is only made when it is opened.
#: Everything in the properties is escaped on the server; folium writes the data with ``tojson``,
#: which also escapes ``<``, so no value can end the script.
_SITE_MARKER_JS = JsCode(
    """
function (feature, layer) {
  var p = feature.properties;
  layer.options.title = p.t;
  layer.setIcon(L.divIcon({html: p.i, iconSize: [p.s, p.s], iconAnchor: [p.s / 2, p.s / 2],
                           className: "na-marker"}));
  if (p.z) { layer.setZIndexOffset(p.z); }
  layer.bindTooltip(p.tip, {sticky: false});
  layer.bindPopup(function () { return p.p; }, {maxWidth: 340});
  // Enter on a focused marker does what a click does (Leaflet itself only opens the popup then).
  layer.off("keypress", layer._onKeyPress, layer);
  layer.on("keypress", function (e) {
    if (e.originalEvent && e.originalEvent.keyCode === 13) {
      layer.fire("click", {latlng: layer.getLatLng(), originalEvent: e.originalEvent}, true);
    }
  });
}
"""
)


def build_site_layer(
    sites: gpd.GeoDataFrame,
    *,
    lang: str = "nl",
    network_names: Mapping[str, str],
    subregion_names: Mapping[str, str],
    selected: str | None = None,
    cluster_label: str | None = None,
) -> folium.FeatureGroup:
    """Return a feature group with one marker per site, popups and tooltips escaped.

    The sites travel as one GeoJSON layer whose markers are made in the browser: a third of the bytes
    of one folium ``Marker`` per site, and popups are built only when opened. With ``cluster_label``
    (the badge's accessible name, ``{n}`` for its count) overlapping markers share a badge that fans
    out on click or Enter (:func:`geo.render.weblayers.site_cluster`).
    """
    colours = network_colours(list(network_names))
    group = folium.FeatureGroup(name="sites")
    records = sites.drop(columns="geometry").to_dict("records") if not sites.empty else []
    # Draw context sites first so network sites stay on top where they overlap.
    records.sort(key=lambda r: (bool(r.get("in_network")), r.get("site_id") == selected))
    features = []
    for site in records:
        category = site.get("category", "other")
        cols = [colours.get(n, CONTEXT_COLOUR) for n in site.get("networks", ())] or [CONTEXT_COLOUR]
        is_sel = site["site_id"] == selected
        name = display_name(site, lang)  # title and tooltip: the name with its remark, one line
        props = {
            "t": name,
            "i": marker_svg(
                category, cols, uid=site["site_id"], closed=site.get("status") == "closed", selected=is_sel
            ),
            "s": SIZES.get(category, 16) + (8 if is_sel else 0),
            "z": 1000 if is_sel else (0 if site.get("in_network") else -500),
            "tip": escape(name),
            "p": popup_html(site, lang=lang, network_names=network_names, subregion_names=subregion_names),
        }
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [site["lon"], site["lat"]]},
            }
        )
    if features:
        parent = site_cluster(cluster_label).add_to(group) if cluster_label else group
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name="site-markers",
            marker=folium.Marker(),
            on_each_feature=_SITE_MARKER_JS,
            control=False,
        ).add_to(parent)
    return group


def build_map(
    atlas_provinces: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    lang: str = "nl",
    network_names: Mapping[str, str],
    subregion_names: Mapping[str, str],
    highlighted: Sequence[str] = (),
    partial: Sequence[str] = (),
    tiles: str | None = None,
    selected: str | None = None,
    with_legend: bool = True,
    shares: Mapping[str, float] | None = None,
    share_colormap: cm.LinearColormap | None = None,
    areas: gpd.GeoDataFrame | None = None,
    legend_extra: str = "",
) -> folium.Map:
    """Return the complete map (base plus markers and legend), e.g. for export or tests.

    ``legend_extra`` is escaped HTML appended to the legend (e.g. the areas beyond the threshold).
    """
    cats = [
        c
        for c in ("hospital_ed", "hospital", "outpatient", "radiotherapy", "other")
        if c in set(sites.get("category", pd.Series(dtype=str)))
    ]
    legend = (
        legend_html(
            lang=lang,
            network_names=network_names,
            categories=cats,
            context=bool((~sites["in_network"]).any()) if not sites.empty else False,
            closed=bool((sites["status"] == "closed").any()) if not sites.empty else False,
        )
        if with_legend
        else None
    )
    if legend and shares is not None and share_colormap is not None:
        legend += share_legend_html(share_colormap, share_colormap.caption, lang)
    if legend:
        legend += legend_extra
    m = build_base_map(
        atlas_provinces,
        lang=lang,
        highlighted=highlighted,
        partial=partial,
        tiles=tiles,
        legend=legend,
        shares=shares,
        share_colormap=share_colormap,
        areas=areas,
    )
    build_site_layer(
        sites, lang=lang, network_names=network_names, subregion_names=subregion_names, selected=selected
    ).add_to(m)
    return m


def add_finder_overlay(
    group: folium.FeatureGroup,
    *,
    lang: str,
    location: tuple[float, float],
    label: str,
    results: pd.DataFrame,
) -> None:
    """Draw the patient's location and dashed straight lines to the result sites into ``group``."""
    pin = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="26" height="34" viewBox="0 0 26 34" '
        'aria-hidden="true">'
        '<path d="M13 1C6.4 1 1 6.2 1 12.7 1 21.4 13 33 13 33s12-11.6 12-20.3C25 6.2 19.6 1 13 1Z" '
        'fill="#000" stroke="#fff" stroke-width="2"/><circle cx="13" cy="12.5" r="4.5" fill="#fff"/></svg>'
    )
    for r in results.itertuples():
        text = t(
            "finder.line",
            lang,
            km=fmt_number(r.distance_km, lang, decimals=1),
            site=display_name(r._asdict(), lang),
        )
        folium.PolyLine(
            [location, (r.lat, r.lon)],
            color="#222222",
            weight=2.5,
            opacity=0.85,
            dash_array="6 6",
            tooltip=escape(text),
            class_name="na-finder-line",
        ).add_to(group)
    folium.Marker(
        location=location,
        icon=folium.DivIcon(html=pin, icon_size=(26, 34), icon_anchor=(13, 33), class_name="na-location"),
        tooltip=escape(label),
        title=label,
        z_index_offset=2000,
    ).add_to(group)


def view_for(
    points: Sequence[tuple[float, float]], *, width_px: int = 520, height_px: int = 560, max_zoom: int = 13
) -> tuple[tuple[float, float], int]:
    """Centre and Web-Mercator zoom that fit ``points`` (lat, lon) into a map of the given size."""
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    centre = ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)
    span_lon = max(max(lons) - min(lons), 1e-4) * 1.3
    lat_rad = [math.radians(v) for v in (min(lats), max(lats))]
    merc = [math.log(math.tan(math.pi / 4 + v / 2)) for v in lat_rad]
    span_merc = max(merc[1] - merc[0], 1e-6) * 1.3
    zoom_x = math.log2(width_px * 360 / (256 * span_lon))
    zoom_y = math.log2(height_px * 2 * math.pi / (256 * span_merc))
    # Whole zoom levels: st_folium applies the zoom without Leaflet's fractional snapping.
    zoom = max(6, min(max_zoom, math.floor(min(zoom_x, zoom_y))))
    return centre, zoom


def add_coverage_overlay(
    group: folium.FeatureGroup,
    *,
    lang: str,
    least: pd.DataFrame,
    added: Sequence[tuple[str, float, float]],
    unit: str,
) -> None:
    """Draw the least-served places (red rings) and hypothetical sites (stars) into ``group``.

    ``least`` is :func:`geo.coverage.least_served` output; ``unit`` is its result's unit (km or min).
    """
    for r in least.itertuples():
        value = fmt_number(r.distance, lang, decimals=1)
        text = t("cov.least.tooltip", lang, name=str(r.name), km=value, unit=unit)
        folium.CircleMarker(
            location=(r.lat, r.lon),
            radius=7,
            color="#B2182B",
            weight=2.5,
            fill=True,
            fill_opacity=0.15,
            tooltip=escape(text),
            class_name="na-least",
        ).add_to(group)
    star = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" '
        'aria-hidden="true">'
        '<path d="M12 1.5 15 8.6l7.6.6-5.8 5 1.8 7.4L12 17.7l-6.6 3.9 1.8-7.4-5.8-5 7.6-.6Z" fill="#CC79A7" '
        'stroke="#000" stroke-width="1.4"/></svg>'
    )
    for name, lat, lon in added:
        folium.Marker(
            location=(lat, lon),
            icon=folium.DivIcon(html=star, icon_size=(24, 24), icon_anchor=(12, 12), class_name="na-added"),
            tooltip=escape(name),
            title=name,
        ).add_to(group)
