"""Baseline for ``bench/run.py``: the same provinces and sites, drawn the plain way.

What a first version of NetwerkAtlas would look like: a default ``folium.Marker`` with popup and
tooltip per site, the province GeoJSON as shipped, and ``st_folium`` with its defaults (no ``key``, no
``returned_objects``, no ``feature_group_to_add``), so every change rebuilds and remounts the map and
every pan or zoom reruns the script. It has the same widgets the benchmark drives (specialty
selectbox, the map/finder switch, the "Woonplaats" box, the metrics) and caches its data like any
sensible app. Only the assets are changed, to the locally served Leaflet (with a stand-in for the
one jQuery call of folium's popups), so that it renders offline at all (stock folium shows an empty
map without internet).

Streamlit serves ``static/`` next to the *main script*; for this file that would be ``bench/static``.
``bench/run.py`` therefore starts it through a temporary folder holding a symlink to this file and a
``static`` symlink to the repository's ``static/`` (see :func:`bench.run.baseline_launch_dir`). To run
it by hand, do the same, or ``ln -s ../static bench/static`` first.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # resolve(): this file may be started through a symlink
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
import streamlit as st  # noqa: E402
from branca.element import MacroElement  # noqa: E402
from jinja2 import Template  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from geo.data import filter_sites, load_atlas  # noqa: E402
from geo.nearest import nearest_sites  # noqa: E402
from geo.places import load_places, resolve_place  # noqa: E402

STATIC = "/app/static/vendor"
folium.Map.default_js = [
    ("leaflet", f"{STATIC}/leaflet/leaflet.js"),
]
folium.Map.default_css = [("leaflet_css", f"{STATIC}/leaflet/leaflet.css")]
SPECIALTIES = {"all": "Alle specialismen", "cardiology": "Cardiologie", "oncology": "Oncologie"}


@st.cache_resource
def atlas():
    return load_atlas()


@st.cache_resource
def places():
    return load_places()


def icon_path_fix() -> MacroElement:
    """Default marker icons need their folder; Leaflet guesses it wrong inside st_folium.

    folium's popups are built with jQuery's ``$(html)[0]``, and jQuery is not shipped: the one
    call is stood in for by a template element, so the plain popups work offline.
    """
    fix = MacroElement()
    fix._template = Template(
        "{% macro script(this, kwargs) %}"
        f"L.Icon.Default.imagePath = '{STATIC}/leaflet/images/';"
        "window.$ = window.$ || function (markup) {"
        " const t = document.createElement('template'); t.innerHTML = markup.trim();"
        " return [t.content.firstChild]; };"
        "{% endmacro %}"
    )
    return fix


st.set_page_config(page_title="Baseline", layout="wide")
st.title("Baseline (plain folium)")
a = atlas()
spec = st.sidebar.selectbox("Specialisme", list(SPECIALTIES), key="f_specialty", format_func=SPECIALTIES.get)
sites = filter_sites(a, specialty=None if spec == "all" else spec)
c1, c2 = st.columns(2)
c1.metric("Organisaties", sites["org_id"].nunique())
c2.metric("Locaties", len(sites))
modes = ["Netwerkkaart", "Ziekenhuis zoeken"]
mode = st.segmented_control("Weergave", modes, default=modes[0]) or modes[0]

m = folium.Map(location=[52.45, 5.6], zoom_start=8)
m.add_child(icon_path_fix())
folium.GeoJson(a.provinces.to_json(), name="provincies", tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
for r in sites.itertuples():
    popup = f"<b>{html.escape(r.name)}</b><br>{html.escape(r.organisation)}<br>{html.escape(r.city)}"
    folium.Marker([r.lat, r.lon], tooltip=html.escape(r.name), popup=popup).add_to(m)

if mode == "Ziekenhuis zoeken":
    query = st.text_input("Woonplaats")
    if query:
        res = resolve_place(query, places())
        if res.place:
            candidates = filter_sites(a, specialty="cardiology" if spec == "all" else spec)
            ranked = nearest_sites(res.place.lat, res.place.lon, candidates, limit=3)
            folium.Marker([res.place.lat, res.place.lon], tooltip=html.escape(res.place.label)).add_to(m)
            for i, r in enumerate(ranked.itertuples(), start=1):
                st.html(f"<div><b>{i}. {html.escape(r.name)}</b><br>{r.distance_km:.1f} km hemelsbreed</div>")
        else:
            st.warning("Plaats niet gevonden")

st_folium(m)
