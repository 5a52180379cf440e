"""Map snapshots (PNG, SVG, PDF), data exports (CSV, XLSX, GeoJSON, GeoPackage) and offline HTML."""

from __future__ import annotations

import html
import io
import json
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image

from geo.data import load_provinces
from geo.render.files import sites_table, to_csv_bytes, to_geojson_bytes, to_gpkg_bytes, to_xlsx_bytes
from geo.render.html import standalone_html
from geo.render.print import render_static
from geo.render.spec import Finder, SnapshotLabels, SnapshotSpec, page_pixels, resolve_colours, sources_line

ROOT = Path(__file__).resolve().parents[1]
ED_NAME = "Ziekenhuis Gelderse Vallei — Ede ë"
SCRIPT_NAME = "<script>alert(1)</script>"
FORMULA_NAME = '=HYPERLINK("http://evil.example","klik")'

# site_id, name, category, networks, lat, lon, status, province
ROWS = [
    (
        "flevo",
        "Flevoziekenhuis",
        "hospital_ed",
        ("cardionovo", "onconovo"),
        52.3677,
        5.2192,
        "open",
        "Flevoland",
    ),
    ("hoorn", "Dijklander Hoorn", "hospital_ed", ("cardionovo",), 52.6432, 5.0531, "open", "Noord-Holland"),
    ("avl", "Antoni van Leeuwenhoek", "hospital", ("onconovo",), 52.3469, 4.8436, "open", "Noord-Holland"),
    ("enkhuizen", "@SUM(A1:A9)", "outpatient", ("onconovo",), 52.7033, 5.2917, "open", "Noord-Holland"),
    ("rt-amsterdam", SCRIPT_NAME, "radiotherapy", ("onconovo",), 52.36, 4.92, "open", "Noord-Holland"),
    ("lab", FORMULA_NAME, "other", ("onconovo",), 52.438, 4.826, "open", "Noord-Holland"),
    ("lelystad", "+31 320 000 000", "hospital", ("onconovo",), 52.51, 5.47, "closed", "Flevoland"),
    ("ede", ED_NAME, "hospital_ed", (), 52.029, 5.654, "open", "Gelderland"),
]
NETWORK_LABELS = {"cardionovo": "CardioNoVo+", "onconovo": "OncoNoVo+"}
#: Okabe-Ito vermillion: CardioNoVo+'s colour, so its markers can be found in a PNG.
VERMILLION = (0xD5, 0x5E, 0x00)


@pytest.fixture(scope="module")
def provinces() -> gpd.GeoDataFrame:
    return load_provinces()


@pytest.fixture(scope="module")
def sites() -> gpd.GeoDataFrame:
    df = pd.DataFrame(
        [
            {
                "site_id": r[0],
                "name": r[1],
                "category": r[2],
                "networks": r[3],
                "lat": r[4],
                "lon": r[5],
                "status": r[6],
                "province": r[7],
                "in_network": bool(r[3]),
                "subregions": (),
                "organisation": "Org " + r[0],
                "website": "",
            }
            for r in ROWS
        ]
    )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


@pytest.fixture(scope="module")
def spec(sites: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame) -> SnapshotSpec:
    return SnapshotSpec(
        sites=sites,
        provinces=provinces,
        title="Netwerken Noord-Holland en Flevoland — ë",
        subtitle="Netwerken: CardioNoVo+, OncoNoVo+ · drempel 30 min",
        date="25 november 2026",
        sources=sources_line("Bronnen", extra=["skipr.nl"]),
        highlighted=("Noord-Holland", "Flevoland"),
        network_labels=NETWORK_LABELS,
    )


def _png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _count_colour(img: Image.Image, rgb: tuple[int, int, int], tol: int = 6) -> int:
    arr = np.asarray(img.convert("RGB")).astype(int)
    return int((np.abs(arr - np.array(rgb)).max(axis=2) <= tol).sum())


# --------------------------------------------------------------------------------------------------
# Static map
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "dpi", "size"),
    [
        ("a4-landscape", 150, (1754, 1241)),
        ("a4-portrait", 150, (1241, 1754)),
        ("16:9", 150, (2000, 1125)),
        ("16:9", 96, (1280, 720)),
        ("a4-landscape", 72, (842, 595)),
    ],
)
def test_png_has_exact_page_size(spec: SnapshotSpec, page: str, dpi: int, size: tuple[int, int]) -> None:
    img = _png(render_static(spec, fmt="png", page=page, dpi=dpi))
    assert img.size == size
    assert page_pixels(page, dpi) == size


def test_png_draws_sites_in_network_colours(spec: SnapshotSpec) -> None:
    img = _png(render_static(spec, fmt="png", page="a4-landscape", dpi=100))
    # Two CardioNoVo+ sites (one split with OncoNoVo+) plus the legend swatches.
    assert _count_colour(img, VERMILLION) > 60
    no_sites = SnapshotSpec(
        sites=spec.sites.iloc[0:0], provinces=spec.provinces, title="leeg", network_labels={}
    )
    assert _count_colour(_png(render_static(no_sites, fmt="png", dpi=100)), VERMILLION) == 0


def test_pdf_has_exactly_one_page(spec: SnapshotSpec) -> None:
    pdf = render_static(spec, fmt="pdf", page="a4-portrait")
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box is not None
    assert (float(box[1]), float(box[2])) == pytest.approx((8.27 * 72, 11.69 * 72), abs=0.5)


def test_svg_is_xml_with_escaped_title(spec: SnapshotSpec) -> None:
    from dataclasses import replace

    title = f"Kaart {SCRIPT_NAME} & ë"
    svg = render_static(replace(spec, title=title), fmt="svg", page="16:9")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert float(root.get("width", "0").removesuffix("pt")) == pytest.approx(13.33 * 72, abs=0.01)
    titles = [el.text for el in root.iter() if el.tag.endswith("title")]
    assert title in titles
    assert b"<script>" not in svg


def test_everything_on_renders(spec: SnapshotSpec, provinces: gpd.GeoDataFrame) -> None:
    """Shares, service areas, finder, partial region and English labels together."""
    from dataclasses import replace

    areas = gpd.GeoDataFrame(
        {"network_id": ["onconovo"]},
        geometry=gpd.GeoSeries.from_xy([4.9], [52.4], crs="EPSG:4326").to_crs("EPSG:28992").buffer(15_000),
    )
    shares = {name: i / 12 for i, name in enumerate(sorted(provinces["name"])) if name != "Zeeland"}
    full = replace(
        spec,
        partial=("Utrecht",),
        province_shares=shares,
        shares_title="Share within 30 min",
        service_areas=areas,
        finder=Finder(52.37, 4.90, "Amsterdam", ("avl", "rt-amsterdam", "not-shown")),
        labels=SnapshotLabels(networks="Colour: network", kinds="Shape: kind of site"),
        extent=(4.5, 52.0, 5.8, 52.9),
    )
    png = render_static(full, fmt="png", page="a4-portrait", dpi=72)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == page_pixels("a4-portrait", 72)
    svg = render_static(full, fmt="svg", page="a4-portrait", dpi=72).decode("utf-8")
    # matplotlib draws text as paths and names each text in a comment: the English labels are there.
    comments = set(re.findall(r"<!-- (.*?) -->", svg))
    assert {"Colour: network", "Shape: kind of site", "Share within 30 min"} <= comments, comments
    pdf = render_static(full, fmt="pdf", page="a4-portrait", dpi=72)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert (float(box[1]), float(box[2])) == pytest.approx((8.27 * 72, 11.69 * 72), abs=0.01)


def test_spec_rejects_unknown_province_and_bad_values(
    sites: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame
) -> None:
    with pytest.raises(ValueError, match="Noord-Hollnd"):
        SnapshotSpec(sites=sites, provinces=provinces, title="x", highlighted=("Noord-Hollnd",))
    with pytest.raises(ValueError, match="from 0 to 1"):
        SnapshotSpec(sites=sites, provinces=provinces, title="x", province_shares={"Utrecht": 1.5})
    with pytest.raises(ValueError, match="extent"):
        SnapshotSpec(sites=sites, provinces=provinces, title="x", extent=(6.0, 52.0, 5.0, 53.0))
    with pytest.raises(ValueError, match="CRS"):
        SnapshotSpec(sites=sites.set_crs(None, allow_override=True), provinces=provinces, title="x")
    spec = SnapshotSpec(sites=sites, provinces=provinces, title="x")
    with pytest.raises(ValueError, match="fmt"):
        render_static(spec, fmt="jpeg")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="page"):
        render_static(spec, page="letter")  # type: ignore[arg-type]


def test_colours_keep_the_app_palette() -> None:
    colours = resolve_colours(["onconovo", "new-net", "cardionovo"], {"cardionovo": "#000000"})
    assert colours == {"onconovo": "#0072B2", "new-net": "#D55E00", "cardionovo": "#000000"}


def test_render_uses_no_pyplot_and_no_streamlit() -> None:
    code = (
        "import sys\nfrom geo.data import load_provinces\n"
        "from geo.render.print import render_static\nfrom geo.render.spec import SnapshotSpec\n"
        "import geopandas as gpd\n"
        "s = gpd.GeoDataFrame({'site_id': ['a'], 'category': ['hospital'], 'networks': [('x',)]},"
        " geometry=gpd.points_from_xy([5.1], [52.1]), crs='EPSG:4326')\n"
        "render_static(SnapshotSpec(sites=s, provinces=load_provinces(), title='t'), dpi=50)\n"
        "bad = [m for m in ('matplotlib.pyplot', 'streamlit') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------------------------------
# Data exports
# --------------------------------------------------------------------------------------------------


def test_sites_table_is_flat_with_human_headers(sites: gpd.GeoDataFrame) -> None:
    table = sites_table(sites, headers={"name": "Locatie"}, network_names=NETWORK_LABELS)
    assert "geometry" not in table.columns
    assert list(table.columns[:2]) == ["Site id", "Locatie"]
    row = table.set_index("Site id").loc["flevo"]
    assert row["Networks"] == "CardioNoVo+; OncoNoVo+"
    assert table.set_index("Site id").loc["ede", "Networks"] == ""
    assert not any(isinstance(v, tuple) for v in table.to_numpy().ravel())


def test_csv_keeps_utf8_and_plain_text_and_neutralises_formulas(sites: gpd.GeoDataFrame) -> None:
    data = to_csv_bytes(sites_table(sites))
    assert data.startswith(b"\xef\xbb\xbf")
    assert SCRIPT_NAME.encode() in data  # plain text, not &lt;script&gt;
    assert b"&lt;" not in data
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    names = dict(zip(back["Site id"], back["Site"], strict=True))
    assert names["ede"] == ED_NAME
    assert names["rt-amsterdam"] == SCRIPT_NAME
    assert names["lab"] == "'" + FORMULA_NAME
    assert names["enkhuizen"] == "'@SUM(A1:A9)"
    assert names["lelystad"] == "'+31 320 000 000"
    for value in back.select_dtypes(exclude="number").to_numpy().ravel():
        assert not str(value).startswith(("=", "+", "-", "@")), value
    assert back["Latitude"].dtype.kind == "f"  # numbers stay numbers


def test_csv_neutralises_negative_looking_text() -> None:
    df = pd.DataFrame({"a": ["-1+1", "ok", "=1+1"], "n": [-1.5, 2.0, 3.0]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(df, sep=";")), sep=";", encoding="utf-8-sig")
    assert list(back["a"]) == ["'-1+1", "ok", "'=1+1"]
    assert list(back["n"]) == [-1.5, 2.0, 3.0]


def test_xlsx_opens_keeps_text_and_has_no_formulas(sites: gpd.GeoDataFrame) -> None:
    data = to_xlsx_bytes({"Locaties": sites_table(sites), "Info [1]": pd.DataFrame({"k": ["ë"]})})
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, keep_default_na=False)
    assert list(sheets) == ["Locaties", "Info _1_"]
    names = dict(zip(sheets["Locaties"]["Site id"], sheets["Locaties"]["Site"], strict=True))
    assert names["ede"] == ED_NAME
    assert names["rt-amsterdam"] == SCRIPT_NAME
    assert names["lab"] == "'" + FORMULA_NAME
    wb = load_workbook(io.BytesIO(data))
    kinds = {cell.data_type for ws in wb.worksheets for row in ws.iter_rows() for cell in row}
    assert "f" not in kinds
    assert wb["Locaties"].freeze_panes == "A2"


def test_geojson_round_trips(sites: gpd.GeoDataFrame) -> None:
    data = to_geojson_bytes(sites)
    doc = json.loads(data)
    assert doc["type"] == "FeatureCollection"
    assert ED_NAME in data.decode("utf-8")
    back = gpd.read_file(io.BytesIO(data))
    assert sorted(back["site_id"]) == sorted(sites["site_id"])
    assert back.crs.to_epsg() == 4326
    got = back.set_index("site_id")
    assert got.loc["rt-amsterdam", "name"] == SCRIPT_NAME
    assert got.loc["flevo", "networks"] == "cardionovo; onconovo"
    exp = sites.set_index("site_id").geometry
    assert all(got.geometry[i].distance(exp[i]) < 1e-9 for i in exp.index)


def test_gpkg_round_trips(sites: gpd.GeoDataFrame, tmp_path: Path) -> None:
    data = to_gpkg_bytes(sites.to_crs("EPSG:28992"), layer="locaties")
    assert data[:16] == b"SQLite format 3\x00"
    path = tmp_path / "out.gpkg"
    path.write_bytes(data)
    back = gpd.read_file(path, layer="locaties")
    assert len(back) == len(sites)
    assert sorted(back["site_id"]) == sorted(sites["site_id"])
    assert back.crs.to_epsg() == 4326
    got = back.set_index("site_id")
    assert got.loc["ede", "name"] == ED_NAME
    assert got.loc["ede"].geometry.x == pytest.approx(5.654, abs=1e-7)


# --------------------------------------------------------------------------------------------------
# Standalone HTML
# --------------------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Collect external script and stylesheet references the way a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.external.append(str(a["src"]))
        if tag == "link" and ("stylesheet" in (a.get("rel") or "") or a.get("as") in ("script", "style")):
            self.external.append(str(a.get("href")))


def _external(page: str) -> list[str]:
    parser = _Tags()
    parser.feed(page)
    return parser.external


def _folium_map(provinces: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, *, local: str | None) -> str:
    m = folium.Map(location=(52.4, 5.2), zoom_start=8, tiles=None)
    if local:
        m.default_js = [
            ("leaflet", f"{local}/leaflet/leaflet.js"),
            ("jquery", f"{local}/jquery/jquery.min.js"),
        ]
        m.default_css = [("leaflet_css", f"{local}/leaflet/leaflet.css")]
    folium.GeoJson(provinces.to_json(), tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
    for r in sites.itertuples():
        name = html.escape(r.name)  # as the app does: popups are HTML
        folium.CircleMarker((r.lat, r.lon), radius=6, popup=folium.Popup(name), tooltip=name).add_to(m)
    folium.Marker((52.1, 5.1), icon=folium.Icon(color="red")).add_to(m)
    return m.get_root().render()


@pytest.mark.parametrize("local", [None, "/app/static", "/app/static/vendor"])
def test_standalone_html_inlines_leaflet_and_names_no_external_asset(
    provinces: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, local: str | None
) -> None:
    page = _folium_map(provinces, sites, local=local)
    assert _external(page)  # the input does load assets from elsewhere
    out = standalone_html(page)
    assert _external(out) == []
    assert not re.search(r"<(?:script|link)\b[^>]*(?:src|href)\s*=\s*[\"']?(?:https?:)?//", out)
    assert "Leaflet 1.9.3" in out
    assert "jQuery" not in out  # our maps need no jQuery; a plain folium page loses it
    assert ".leaflet-container" in out  # the stylesheet
    assert "bootstrap" not in out.lower()
    assert "L.AwesomeMarkers={icon" in out  # folium.Icon still works without awesome-markers
    assert len(out.encode()) <= 600 * 1024
    assert standalone_html(out) == out


def test_standalone_html_keeps_data_text_and_inline_scripts(
    provinces: gpd.GeoDataFrame, sites: gpd.GeoDataFrame
) -> None:
    page = _folium_map(provinces, sites, local=None)
    out = standalone_html(page)
    # Everything folium wrote inline survives, only without indentation and blank lines.
    blocks = re.findall(r"<script>\s*(var map_\w+.*?)</script>", page, re.S)
    assert blocks
    for block in blocks:
        lines = [line.lstrip(" \t") for line in block.split("\n") if line.strip(" \t")]
        assert "\n".join(lines) in out
    assert out.count("L.circleMarker(") == len(sites)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out  # escaped popup text is left alone
    assert len(out) < len(page) + 300_000
