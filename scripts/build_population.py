"""Build ``data/population/`` from CBS PC4 2021, the Eurostat 2021 1 km census grid and GeoNames postcodes.

Usage (``rdata`` is in the ``build`` extra: ``pip install -e ".[build]"``)::

    python scripts/build_population.py SOURCE_DIR

``SOURCE_DIR`` holds the three source folders described in ``data/README.md``:

- ``cbs-pc4-2021/``: the R data files of CBS inhabitants per PC4 (StatLine 83503NED, 83502NED for the
  age bands) with the PC4, province and municipality polygons in RD New;
- ``eurostat-census2021-1km/pub/v2/parquet/1000/<tile_x>/<tile_y>.parquet``: the census grid tiles;
- ``geonames-postal-nl/NL.txt``: GeoNames postal codes, for the place names beside CBS's ``plaats``.

Writes ``pc4.csv``, ``pc4.geojson`` (simplified as a coverage: shared edges stay shared, no gaps, no
overlaps), ``grid_1km.csv``, ``grid_1km_65plus.csv`` and ``pc4_grid_1km.csv`` (each PC4 area's share
per 1 km cell), checks what it wrote and prints the totals and what it changed.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

OUT = Path(__file__).resolve().parents[1] / "data" / "population"
RD = "EPSG:28992"
LAEA = "EPSG:3035"
WGS84 = "EPSG:4326"
#: Simplification of the drawn PC4 polygons (metres): well below the 1 km of the grid.
TOLERANCE_M = 75.0
#: Decimals of the drawn polygons' WGS84 coordinates (5: about 1 m).
DECIMALS = 5
#: Gaps between CBS polygons narrower than this are closed when the coverage is cleaned.
GAP_WIDTH_M = 20.0
#: Polygon parts and holes smaller than this are dropped before rounding.
MIN_RING_M2 = 1.0
#: How far inside its drawn polygon an area's point must lie (metres).
POINT_MARGIN_M = 5.0
#: Most overlap or gap area (m2) the drawn polygons may have after simplifying and rounding.
MAX_DEFECT_M2 = 10_000.0
CELL_M = 1000
TILE_CELLS = 256
#: Age bands (CBS 83502NED, 5-year) counted as 65 and older.
BANDS_65PLUS = ("65-69", "70-74", "75-79", "80-84", "85-89", "90-94", "95+")
#: A PC4 area's share in a 1 km cell below this is folded into its other cells (keeps the table small).
MIN_SHARE = 0.01


def read_rda(path: Path) -> pd.DataFrame:
    """The one data frame of an ``.rda`` file (``rdata`` warns about R classes it maps to data.frame)."""
    import rdata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        (frame,) = rdata.read_rda(path).values()
    return frame


def multipolygons(geometry: pd.Series) -> np.ndarray:
    """Shapely MultiPolygons from an ``sf`` MULTIPOLYGON column as ``rdata`` reads it (lists of rings)."""
    return np.array(
        [shapely.MultiPolygon([(rings[0], rings[1:]) for rings in polys]) for polys in geometry], dtype=object
    )


def load_cbs(
    src: Path,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.Series, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """PC4 polygons, PC4 attributes, 65+ per PC4, province and municipality polygons (all RD New)."""
    geo = read_rda(src / "geo_postcodes4.rda")
    pc4 = gpd.GeoDataFrame(
        {
            "code": geo["postcode"].astype(int).to_numpy(),
            "inhabitants_cbs": geo["inwoners"].to_numpy(),
            "area_km2": geo["oppervlakte_km2"].to_numpy(),
        },
        geometry=multipolygons(geo["geometry"]),
        crs=RD,
    )
    attrs = read_rda(src / "postcodes.rda")
    attrs = attrs[attrs["postcode"] >= 1000].assign(code=lambda f: f["postcode"].astype(int))
    ages = read_rda(src / "inwoners_per_postcode_leeftijd.rda")
    ages = ages[(ages["postcode"] >= 1000) & ages["leeftijd"].astype(str).isin(BANDS_65PLUS)]
    old = ages.groupby(ages["postcode"].astype(int))["inwoners"].sum(min_count=1)
    prov = read_rda(src / "geo_provincies.rda")
    provinces = gpd.GeoDataFrame(
        {"name": prov["provincie"].astype(str).to_numpy(), "inhabitants": prov["inwoners"].to_numpy()},
        geometry=multipolygons(prov["geometry"]),
        crs=RD,
    )
    mun = read_rda(src / "geo_gemeenten.rda")
    name_col = next(c for c in mun.columns if c.startswith("gemeente"))
    municipalities = gpd.GeoDataFrame(
        {"name": mun[name_col].astype(str).to_numpy()}, geometry=multipolygons(mun["geometry"]), crs=RD
    )
    return pc4, attrs, old, provinces, municipalities


def containing(polygons: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Position in ``polygons`` of the polygon containing each point, -1 where none does."""
    tree = shapely.STRtree(polygons.geometry.to_numpy())
    pts, polys = tree.query(shapely.points(x, y), predicate="within")
    out = np.full(len(x), -1, dtype=np.int64)
    out[pts] = polys
    return out


def geonames_places(path: Path) -> dict[int, list[str]]:
    """GeoNames place names per PC4 code, most frequent first."""
    cols = ["country", "postcode", "place", "a1", "c1", "a2", "c2", "a3", "c3", "lat", "lon", "acc"]
    gn = pd.read_csv(path, sep="\t", header=None, names=cols, dtype=str, keep_default_na=False)
    gn["code"] = pd.to_numeric(gn["postcode"].str[:4], errors="coerce")
    counts = gn.dropna(subset=["code"]).groupby(["code", "place"]).size().reset_index(name="n")
    counts = counts.sort_values(["code", "n", "place"], ascending=[True, False, True])
    return {int(c): list(g["place"]) for c, g in counts.groupby("code")}


def build_pc4(
    pc4: gpd.GeoDataFrame,
    attrs: pd.DataFrame,
    old: pd.Series,
    provinces: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    gn: dict[int, list[str]],
    x: np.ndarray,
    y: np.ndarray,
    log: list[str],
) -> pd.DataFrame:
    """The PC4 table: CBS attributes, the point ``x, y`` inside each area, names filled where CBS has none."""
    a = attrs.set_index("code").reindex(pc4["code"])
    in_prov = containing(provinces, x, y)
    in_mun = containing(municipalities, x, y)
    prov_poly = np.where(in_prov >= 0, provinces["name"].to_numpy()[in_prov], "")
    mun_poly = np.where(in_mun >= 0, municipalities["name"].to_numpy()[in_mun], "")
    province = a["provincie"].astype(object).where(a["provincie"].notna(), None).to_numpy().copy()
    municipality = a["gemeente"].astype(object).where(a["gemeente"].notna(), None).to_numpy().copy()
    place = a["plaats"].astype(object).where(a["plaats"].notna(), None).to_numpy().copy()
    codes = pc4["code"].to_numpy()
    for i, code in enumerate(codes):
        filled = []
        if province[i] is None:
            province[i] = prov_poly[i]
            filled.append(f"province {province[i]} from the polygons")
        elif province[i] != prov_poly[i]:
            log.append(f"PC4 {code}: CBS province {province[i]}, its point lies in {prov_poly[i] or 'none'}")
        if municipality[i] is None:
            municipality[i] = mun_poly[i]
            filled.append(f"municipality {municipality[i]} from the polygons")
        if place[i] is None:
            names = gn.get(int(code), [])
            place[i] = names[0] if names else municipality[i]
            filled.append(f"place '{place[i]}' from {'GeoNames' if names else 'the municipality'}")
        if filled:
            log.append(f"PC4 {code}: empty in the CBS attribute file, filled in: " + ", ".join(filled))
    inhabitants = pc4["inhabitants_cbs"].fillna(0).to_numpy()
    for code in codes[pc4["inhabitants_cbs"].isna().to_numpy()]:
        log.append(f"PC4 {code}: inhabitants missing in the CBS file; set to 0")
    plus65 = old.reindex(codes).fillna(0).to_numpy()
    others = [
        ";".join(n for n in gn.get(int(c), []) if n.casefold() != str(p).casefold())
        for c, p in zip(codes, place, strict=True)
    ]
    return pd.DataFrame(
        {
            "code": codes,
            "inhabitants": inhabitants.astype(np.int64),
            "inhabitants_65plus": plus65.astype(np.int64),
            "province": province,
            "municipality": municipality,
            "place": place,
            "places_geonames": others,
            "x": np.round(x).astype(np.int64),
            "y": np.round(y).astype(np.int64),
            "area_km2": np.round(pc4["area_km2"].to_numpy(), 3),
        }
    ).sort_values("code", ignore_index=True)


def clean_coverage(pc4: gpd.GeoDataFrame, log: list[str]) -> gpd.GeoDataFrame:
    """Make the PC4 polygons one clean coverage: no overlaps, shared edges identical, slivers closed.

    The CBS polygons were simplified one by one upstream: neighbours overlap in thousands of slivers
    and leave gaps between them, and two areas (1623, 4196) lie entirely inside their neighbour's
    polygon. ``coverage_clean`` gives each overlap to the smaller polygon (which keeps such enclosed
    areas) and merges gaps narrower than :data:`GAP_WIDTH_M` into the neighbour with the longest border.
    """
    geoms = pc4.geometry.to_numpy().copy()
    # A few areas are a 4-point speck in the CBS file; where a hole among the neighbours around the
    # speck has about CBS's area of the PC4, that hole is the area's land: give it back.
    union = shapely.union_all(geoms)
    holes = np.array(
        [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors], dtype=object
    )
    speck = shapely.area(geoms) < 0.01 * pc4["area_km2"].to_numpy() * 1e6
    for i in np.flatnonzero(speck):
        code, km2 = pc4["code"].iloc[i], pc4["area_km2"].iloc[i]
        hit = [h for h in holes if h.intersects(geoms[i]) and 0.5 < h.area / (km2 * 1e6) < 1.5]
        if hit:
            geoms[i] = shapely.union_all([geoms[i], *hit])
        got = (
            f"the hole around it ({geoms[i].area / 1e6:.3f} km2)" if hit else "nothing (no hole of that size)"
        )
        log.append(f"PC4 {code}: polygon of {km2:.3f} km2 in CBS is a speck in the file; took {got}")
    pairs = shapely.STRtree(geoms).query(geoms, predicate="overlaps")
    overlap = shapely.area(shapely.intersection(geoms[pairs[0]], geoms[pairs[1]])).sum() / 2
    clean = shapely.coverage_clean(geoms, gap_width=GAP_WIDTH_M, merge_strategy="min_area")
    if shapely.is_empty(clean).any() or not shapely.coverage_is_valid(clean):
        raise SystemExit("coverage_clean left empty polygons or an invalid coverage")
    change = np.abs(shapely.area(clean) - shapely.area(geoms)) / shapely.area(geoms)
    log.append(
        f"polygons: {len(pairs[0]) // 2:,} overlapping pairs ({overlap / 1e6:.2f} km2) cleaned with "
        f"coverage_clean (gaps < {GAP_WIDTH_M:g} m closed); largest change of an area "
        f"{change.max():.2%}"
    )
    return pc4.set_geometry(clean)


def _drop_tiny(geom: shapely.Geometry) -> shapely.Geometry:
    """Drop parts and holes under :data:`MIN_RING_M2`: rounding would collapse them into invalid rings."""
    parts = [
        shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= MIN_RING_M2])
        for p in shapely.get_parts(geom)
        if p.area >= MIN_RING_M2
    ]
    return shapely.MultiPolygon(parts)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygons of a ``make_valid`` result (it may add lines where a sliver collapsed)."""
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(parts)


def simplified_polygons(clean: gpd.GeoDataFrame, tolerance_m: float, log: list[str]) -> gpd.GeoDataFrame:
    """Simplify the clean coverage for drawing (WGS84, :data:`DECIMALS` decimals); check gaps, overlaps."""
    simple = shapely.coverage_simplify(clean.geometry.to_numpy(), tolerance_m)
    simple = np.array([_drop_tiny(g) for g in simple], dtype=object)
    wgs = gpd.GeoSeries(simple, crs=RD).to_crs(WGS84).to_numpy()
    wgs = shapely.transform(wgs, lambda xy: np.round(xy, DECIMALS))
    bad = ~shapely.is_valid(wgs)
    wgs[bad] = [_polygonal(g) for g in shapely.make_valid(wgs[bad])]
    if shapely.is_empty(wgs).any() or not shapely.is_valid(wgs).all():
        raise SystemExit("simplified PC4 polygons: empty or invalid after rounding")
    rd = gpd.GeoSeries(wgs, crs=WGS84).to_crs(RD).to_numpy()
    union = shapely.union_all(rd)
    overlap = float(shapely.area(rd).sum() - union.area)
    clean_union = shapely.union_all(clean.geometry.to_numpy())
    gaps = float(shapely.difference(shapely.buffer(clean_union, -tolerance_m), union).area)
    n = int(shapely.get_num_coordinates(wgs).sum())
    log.append(
        f"polygons: coverage_simplify {tolerance_m:g} m, {DECIMALS} decimals ({n:,} vertices, "
        f"{int(bad.sum())} repaired after rounding); overlaps {overlap:,.0f} m2, gaps inside the "
        f"country {gaps:,.0f} m2, area {clean_union.area / 1e6:,.1f} -> {union.area / 1e6:,.1f} km2"
    )
    if overlap > MAX_DEFECT_M2 or gaps > MAX_DEFECT_M2:
        raise SystemExit(f"simplified PC4 polygons: overlaps or gaps above {MAX_DEFECT_M2:g} m2")
    return gpd.GeoDataFrame({"code": clean["code"].to_numpy()}, geometry=wgs, crs=WGS84)


def representative_points(
    clean: gpd.GeoDataFrame, shapes: gpd.GeoDataFrame, log: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """A point inside each clean area (``point_on_surface``), moved inside the drawn polygon where needed.

    The drawn polygons are what a map click is looked up in, so an area's point must lie in its own
    drawn polygon too.
    """
    rep = shapely.point_on_surface(clean.geometry.to_numpy())
    drawn = shapes.geometry.to_crs(RD).to_numpy()
    inner = shapely.buffer(drawn, -POINT_MARGIN_M)  # clear of the edge, so rounding keeps it inside
    outside = ~shapely.contains(inner, rep)
    usable = outside & ~shapely.is_empty(inner)
    rep[usable] = shapely.point_on_surface(inner[usable])
    rep[outside & ~usable] = shapely.point_on_surface(drawn[outside & ~usable])
    codes = ", ".join(str(c) for c in clean["code"].to_numpy()[outside])
    log.append(f"points: {int(outside.sum())} areas' point moved inside the drawn polygon ({codes})")
    hits = shapely.STRtree(drawn).query(rep, predicate="intersects")
    if (np.bincount(hits[0], minlength=len(rep)) != 1).any():
        raise SystemExit("an area's point lies in no drawn polygon or in more than one")
    return shapely.get_x(rep), shapely.get_y(rep)


def read_grid(grid_dir: Path) -> pd.DataFrame:
    """Every populated cell of the tiles: lower-left corner in EPSG:3035, total and 65+ population."""
    frames = []
    for path in sorted(grid_dir.glob("*/*.parquet")):
        tile_x, tile_y = int(path.parent.name), int(path.stem)
        t = pd.read_parquet(path, columns=["x", "y", "T", "Y_GE65"])
        frames.append(
            pd.DataFrame(
                {
                    "e": (tile_x * TILE_CELLS + t["x"].to_numpy()) * CELL_M,
                    "n": (tile_y * TILE_CELLS + t["y"].to_numpy()) * CELL_M,
                    "T": t["T"].to_numpy(),
                    "Y_GE65": t["Y_GE65"].to_numpy(),
                }
            )
        )
    if not frames:
        raise SystemExit(f"no Parquet tiles under {grid_dir}")
    return pd.concat(frames, ignore_index=True)


def build_grid(
    cells: pd.DataFrame, provinces: gpd.GeoDataFrame, pc4: gpd.GeoDataFrame, log: list[str]
) -> pd.DataFrame:
    """The cells whose centre lies in a CBS province, with their RD centre, province and PC4."""
    ce, cn = cells["e"].to_numpy() + CELL_M / 2, cells["n"].to_numpy() + CELL_M / 2
    centre = gpd.GeoSeries(gpd.points_from_xy(ce, cn), crs=LAEA).to_crs(RD).to_numpy()
    x, y = shapely.get_x(centre), shapely.get_y(centre)
    prov = containing(provinces, x, y)
    inside = prov >= 0
    log.append(
        f"grid: {len(cells):,} cells in the tiles, {int(inside.sum()):,} with their centre in the "
        f"Netherlands; left out {int(cells['T'][~inside].sum()):,} people of cells centred abroad or at sea"
    )
    area = containing(pc4, x[inside], y[inside])
    codes = np.where(area >= 0, pc4["code"].to_numpy()[np.maximum(area, 0)], -1)
    c = cells[inside]
    out = pd.DataFrame(
        {
            "cell_id": [f"CRS3035RES1000mN{n}E{e}" for n, e in zip(c["n"], c["e"], strict=True)],
            "x": np.round(x[inside]).astype(np.int64),
            "y": np.round(y[inside]).astype(np.int64),
            "inhabitants": c["T"].to_numpy().astype(np.int64),
            "province": provinces["name"].to_numpy()[prov[inside]],
            "pc4": pd.array(np.where(codes >= 0, codes, 0), dtype="Int64").astype(object),
            "inhabitants_65plus": c["Y_GE65"].to_numpy().astype(np.int64),
            "e": c["e"].to_numpy(),
            "n": c["n"].to_numpy(),
        }
    )
    out.loc[codes < 0, "pc4"] = ""
    log.append(f"grid: {int((codes < 0).sum())} cells' centre in no PC4 area (water, unpopulated land)")
    return out.sort_values(["y", "x"], ignore_index=True)


def allocation(pc4: gpd.GeoDataFrame, table: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
    """Each PC4 area's share per 1 km cell: cell population x the part of the cell inside the area.

    An area whose cells hold nobody in the grid (an industrial estate, a harbour) keeps its whole
    population in the cell of its representative point; shares below :data:`MIN_SHARE` are folded
    into the area's other cells.
    """
    laea = pc4.to_crs(LAEA)
    boxes = shapely.box(grid["e"], grid["n"], grid["e"] + CELL_M, grid["n"] + CELL_M)
    tree = shapely.STRtree(boxes)
    ai, ci = tree.query(laea.geometry.to_numpy(), predicate="intersects")
    frac = shapely.area(shapely.intersection(laea.geometry.to_numpy()[ai], boxes[ci])) / CELL_M**2
    w = frac * grid["inhabitants"].to_numpy()[ci]
    alloc = pd.DataFrame({"pc4": pc4["code"].to_numpy()[ai], "cell": ci, "w": w})
    alloc = alloc[alloc["w"] > 0]
    alloc["share"] = alloc["w"] / alloc.groupby("pc4")["w"].transform("sum")
    alloc = alloc[alloc["share"] >= MIN_SHARE]
    alloc["share"] = alloc["share"] / alloc.groupby("pc4")["share"].transform("sum")
    missing = sorted(set(table["code"]) - set(alloc["pc4"]))
    if missing:  # the cell holding the representative point, else the nearest cell centre
        t = table.set_index("code").loc[missing]
        d = (grid["x"].to_numpy()[None, :] - t["x"].to_numpy()[:, None]) ** 2 + (
            grid["y"].to_numpy()[None, :] - t["y"].to_numpy()[:, None]
        ) ** 2
        alloc = pd.concat([alloc, pd.DataFrame({"pc4": missing, "cell": d.argmin(axis=1), "share": 1.0})])
    alloc["cell_id"] = grid["cell_id"].to_numpy()[alloc["cell"].to_numpy()]
    alloc["share"] = alloc["share"].round(4)
    return alloc[["pc4", "cell_id", "share"]].sort_values(["pc4", "cell_id"], ignore_index=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    features = json.loads(gdf.to_json(drop_id=True))
    features["name"] = "pc4"
    path.write_text(json.dumps(features, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "source_dir", type=Path, help="folder holding cbs-pc4-2021/, eurostat-census2021-1km/, ..."
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_M, help="polygon simplification (m)")
    args = parser.parse_args()
    src: Path = args.source_dir
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    log: list[str] = []
    pc4, attrs, old, provinces, municipalities = load_cbs(src / "cbs-pc4-2021")
    empty = shapely.is_empty(pc4.geometry.to_numpy())
    for row in pc4[empty].itertuples():
        log.append(
            f"PC4 {row.code}: dropped, empty geometry in the CBS file ({row.inhabitants_cbs} inhabitants)"
        )
    pc4 = pc4[~empty].reset_index(drop=True)
    clean = clean_coverage(pc4, log)
    shapes = simplified_polygons(clean, args.tolerance, log)
    x, y = representative_points(clean, shapes, log)
    gn = geonames_places(src / "geonames-postal-nl" / "NL.txt")
    table = build_pc4(clean, attrs, old, provinces, municipalities, gn, x, y, log)
    cells = read_grid(src / "eurostat-census2021-1km" / "pub" / "v2" / "parquet" / "1000")
    grid = build_grid(cells, provinces, clean, log)
    write_csv(grid[["cell_id", "x", "y", "inhabitants", "province", "pc4"]], out / "grid_1km.csv")
    write_csv(grid[["cell_id", "inhabitants_65plus"]], out / "grid_1km_65plus.csv")
    write_csv(table, out / "pc4.csv")
    write_geojson(shapes, out / "pc4.geojson")
    write_csv(allocation(clean, table, grid), out / "pc4_grid_1km.csv")

    for line in log:
        print(line)
    totals = pd.DataFrame(
        {
            "CBS province": provinces.set_index("name")["inhabitants"].astype(np.int64),
            "CBS PC4": table.groupby("province")["inhabitants"].sum(),
            "1 km grid": grid.groupby("province")["inhabitants"].sum(),
            "65+ PC4": table.groupby("province")["inhabitants_65plus"].sum(),
            "65+ grid": grid.groupby("province")["inhabitants_65plus"].sum(),
        }
    ).sort_index()
    totals.loc["Nederland"] = totals.sum()
    totals.insert(3, "grid/CBS", (totals["1 km grid"] / totals["CBS province"] - 1).map("{:+.2%}".format))
    print()
    print(totals.to_string(formatters={c: "{:,}".format for c in totals.columns if c != "grid/CBS"}))
    print(f"\n{len(table):,} PC4 areas, {len(grid):,} grid cells")
    for path in sorted(out.iterdir()):
        packed = len(gzip.compress(path.read_bytes(), 9))
        print(f"{path.name:<22} {path.stat().st_size:>10,} bytes, {packed:>9,} gzipped")


if __name__ == "__main__":
    main()
