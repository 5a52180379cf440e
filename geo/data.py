"""Load, validate and join the shipped data into one :class:`Atlas`.

Every load validates every file and raises one :class:`~geo.errors.DataValidationError` that lists
every problem (file, line, field), so a maintainer fixes a bad data change in one pass.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo import schema
from geo.crs import RD, WGS84
from geo.defaults import PROVINCE_TOLERANCE_M
from geo.errors import DataValidationError, Problem, UnknownIdError
from geo.names import check_names

#: Folder of the shipped data.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
PROVINCES_FILE = "provinces.geojson"
#: How far outside the PC4 area of its postcode a site may lie before ``check_postcode_areas`` warns.
PC4_TOLERANCE_M = 250.0
#: A coordinate source is a data file at a fixed commit (the Eurostat/GISCO file, OurAirports) or a
#: PDOK Locatieserver query (``scripts/geocode_pdok.py``).
_COORD_SOURCE = re.compile(r"/blob/[0-9a-f]{40}/|^https://api\.pdok\.nl/bzk/locatieserver/")
#: Words that say a point is not the building; they contradict a building or site precision.
_NOT_BUILDING = re.compile(
    r"\b(?:town|city|village|district)(?:[- /]+(?:district|centre))*[- ]centre\b|town[- ]point|"
    r"\b(?:stads|dorps|plaats)centrum\b|\bcentrum van\b|not the building|\bapproximate\b|±",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Atlas:
    """All shipped data, validated and joined.

    ``sites`` is a GeoDataFrame in EPSG:4326 with one row per physical location and derived columns:
    ``organisation``, ``org_remark_nl``/``_en``, ``website``, ``networks`` / ``subregions`` / ``specialties``
    (tuples of ids), ``category`` (marker class, see :data:`geo.schema.CATEGORIES`) and ``in_network``.
    """

    networks: pd.DataFrame
    subregions: pd.DataFrame
    organisations: pd.DataFrame
    memberships: pd.DataFrame
    sites: gpd.GeoDataFrame
    claims: pd.DataFrame
    provinces: gpd.GeoDataFrame

    def network(self, network_id: str) -> pd.Series:
        """Return the row of one network; raise :class:`UnknownIdError` for an unknown id."""
        hit = self.networks[self.networks["network_id"] == network_id]
        if hit.empty:
            known = ", ".join(self.networks["network_id"])
            msg = f"unknown network '{network_id}'; known networks: {known}"
            raise UnknownIdError(msg)
        return hit.iloc[0]

    def network_ids(self, specialty: str | None = None) -> list[str]:
        """Ids of the networks, optionally only those of one specialty."""
        nets = self.networks
        if specialty:
            nets = nets[nets["specialty"] == specialty]
        return list(nets["network_id"])

    def partial_provinces(self, network_ids: Iterable[str]) -> list[str]:
        """Provinces only partly in the networks' region (e.g. Gelderland for Noord-Oost), sorted."""
        out: set[str] = set()
        for nid in network_ids:
            out.update(p for p in self.network(nid)["partial_provinces"].split(";") if p)
        return sorted(out)

    def region_provinces(self, network_ids: Iterable[str]) -> list[str]:
        """Provinces that make up the regions of the given networks, in alphabetical order."""
        out: set[str] = set()
        for nid in network_ids:
            out.update(self.network(nid)["provinces"].split(";"))
        return sorted(out)


def read_table(table: schema.Table, data_dir: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read one CSV file as strings and check it against its schema.

    Returns the frame (with a ``_line`` column: the line number in the file) and the problems found.
    """
    path = data_dir / table.file
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return pd.DataFrame(columns=[*table.names, "_line"]), [
            Problem(table.file, None, None, "file is missing")
        ]
    except UnicodeDecodeError as exc:
        return pd.DataFrame(columns=[*table.names, "_line"]), [
            Problem(table.file, None, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
        ]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = list(reader)
    if not rows:
        return pd.DataFrame(columns=[*table.names, "_line"]), [
            Problem(table.file, None, None, "file is empty")
        ]
    header = [h.strip() for h in rows[0]]
    missing = [c for c in table.names if c not in header]
    unknown = [h for h in header if h not in table.names]
    if missing:
        problems.append(Problem(table.file, 1, None, f"missing column(s): {', '.join(missing)}"))
    if unknown:
        problems.append(Problem(table.file, 1, None, f"unknown column(s): {', '.join(unknown)}"))
    records = []
    line = 1
    for raw in rows[1:]:
        line += 1 + sum(v.count("\n") for v in raw[:-1])  # quoted newlines: keep line numbers true
        if not any(v.strip() for v in raw):
            continue
        if len(raw) != len(header):
            problems.append(
                Problem(table.file, line, None, f"has {len(raw)} fields, header has {len(header)}")
            )
            continue
        rec = {h: v.strip() for h, v in zip(header, raw, strict=True)}
        for col in table.columns:
            value = rec.get(col.name, "")
            if not value:
                if col.required and col.name in header:
                    problems.append(Problem(table.file, line, col.name, "is empty"))
                continue
            if col.check and (msg := col.check(value)):
                problems.append(Problem(table.file, line, col.name, msg))
        rec["_line"] = line
        records.append(rec)
    frame = pd.DataFrame.from_records(records, columns=[*table.names, "_line"]).astype(object).fillna("")
    if table.key and not frame.empty:
        dup = frame[frame.duplicated(list(table.key), keep="first")]
        for _, r in dup.iterrows():
            key = ", ".join(f"{k}={r[k]}" for k in table.key)
            problems.append(Problem(table.file, int(r["_line"]), table.key[0], f"duplicate {key}"))
    return frame, problems


#: Environment variable naming the data folder (a checkout's ``data/``, or a copy of it).
DATA_ENV = "NETWERKATLAS_DATA"


def default_data_dir() -> Path:
    """The data folder: ``$NETWERKATLAS_DATA`` when set, else the ``data/`` folder next to ``geo/``.

    An editable install (``make setup``) finds ``data/`` in the checkout. A plain ``pip install .``
    ships the code only: it then needs ``NETWERKATLAS_DATA``, and without it this raises a
    :class:`~geo.errors.DataValidationError` that says so instead of failing on a missing file later.
    """
    given = os.environ.get(DATA_ENV)
    folder = Path(given) if given else DATA_DIR
    if not (folder / PROVINCES_FILE).is_file():
        where = f"{DATA_ENV}={given}" if given else f"{folder} (no {DATA_ENV} set)"
        msg = (
            f"no NetwerkAtlas data folder at {where}: set {DATA_ENV} to the data/ folder of a "
            "NetwerkAtlas checkout (an installed package ships the code, not the data)"
        )
        raise DataValidationError([Problem("data", None, None, msg)])
    return folder


def load_provinces(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """Load the 12 province polygons (EPSG:4326) with columns ``name``, ``code`` and ``geometry``."""
    path = (data_dir or default_data_dir()) / PROVINCES_FILE
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types; the message names the file either way
        raise DataValidationError([Problem(PROVINCES_FILE, None, None, f"cannot be read: {exc}")]) from exc
    names = set(gdf.get("name", []))
    if names != set(schema.PROVINCES):
        msg = f"expected the 12 provinces, found {sorted(names)}"
        raise DataValidationError([Problem(PROVINCES_FILE, None, "name", msg)])
    return gdf.set_crs(WGS84, allow_override=True)[["name", "code", "geometry"]]


def _check_references(t: dict[str, pd.DataFrame]) -> list[Problem]:
    problems: list[Problem] = []
    orgs = set(t["organisations"]["org_id"])
    nets = set(t["networks"]["network_id"])
    subs = dict(zip(t["subregions"]["subregion_id"], t["subregions"]["network_id"], strict=True))
    site_org = dict(zip(t["sites"]["site_id"], t["sites"]["org_id"], strict=True))

    def bad(file: str, row: pd.Series, fld: str, msg: str) -> None:
        problems.append(Problem(file, int(row["_line"]), fld, msg))

    for _, r in t["subregions"].iterrows():
        if r["network_id"] not in nets:
            bad("subregions.csv", r, "network_id", f"unknown network '{r['network_id']}'")
    for _, r in t["sites"].iterrows():
        if r["org_id"] and r["org_id"] not in orgs:
            bad("sites.csv", r, "org_id", f"unknown organisation '{r['org_id']}' (not in organisations.csv)")
        if r["status"] == "closed" and not r["closed_on"]:
            bad("sites.csv", r, "closed_on", "a closed site needs the date it closed")
    for _, r in t["memberships"].iterrows():
        if r["network_id"] not in nets:
            bad("memberships.csv", r, "network_id", f"unknown network '{r['network_id']}'")
        if r["org_id"] not in orgs:
            bad("memberships.csv", r, "org_id", f"unknown organisation '{r['org_id']}'")
        sub = r["subregion_id"]
        if sub and sub not in subs:
            bad("memberships.csv", r, "subregion_id", f"unknown sub-region '{sub}'")
        elif sub and subs[sub] != r["network_id"]:
            bad("memberships.csv", r, "subregion_id", f"sub-region '{sub}' belongs to network '{subs[sub]}'")
        for sid in filter(None, (s.strip() for s in r["sites"].split(";"))):
            if sid not in site_org:
                bad("memberships.csv", r, "sites", f"unknown site '{sid}'")
            elif site_org[sid] != r["org_id"]:
                bad(
                    "memberships.csv",
                    r,
                    "sites",
                    f"site '{sid}' belongs to '{site_org[sid]}', not '{r['org_id']}'",
                )
    for _, r in t["claims"].iterrows():
        if r["network_id"] not in nets:
            bad("claims.csv", r, "network_id", f"unknown network '{r['network_id']}'")
    for _, r in t["networks"].iterrows():
        prov = set(filter(None, r["provinces"].split(";")))
        part = set(filter(None, r["partial_provinces"].split(";")))
        if not part <= prov:
            bad("networks.csv", r, "partial_provinces", "must be a subset of provinces")
    return problems


def _check_geography(sites: pd.DataFrame, provinces: gpd.GeoDataFrame) -> list[Problem]:
    """Each site must lie within (or within 1 km of) the province it claims."""
    ok = sites[
        pd.to_numeric(sites["lat"], errors="coerce").notna()
        & pd.to_numeric(sites["lon"], errors="coerce").notna()
        & sites["province"].isin(schema.PROVINCES)
    ]
    if ok.empty:
        return []
    pts = gpd.GeoSeries(
        gpd.points_from_xy(ok["lon"].astype(float), ok["lat"].astype(float)), crs=WGS84, index=ok.index
    ).to_crs(RD)
    prov_rd = provinces.to_crs(RD).set_index("name").geometry
    problems = []
    for idx, pt in pts.items():
        row = ok.loc[idx]
        claimed = prov_rd[row["province"]]
        dist = shapely.distance(pt, claimed)
        if dist > PROVINCE_TOLERANCE_M:
            actual = prov_rd.index[prov_rd.contains(pt)]
            where = f"it lies in {actual[0]}" if len(actual) else "it lies outside every province"
            msg = f"({row['lat']}, {row['lon']}) is {dist / 1000:.1f} km outside {row['province']}; {where}"
            problems.append(Problem("sites.csv", int(row["_line"]), "province", msg))
    return problems


def _check_precision(sites: pd.DataFrame) -> list[Problem]:
    """Tie each precision to its evidence, and allow a shared coordinate only between co-located sites.

    ``building`` and ``site`` need a pinned coordinate source and the record in it; their notes may not
    call the point a town centre or approximate; two rows may share a coordinate only when each lists the
    other in ``colocated_with`` (or when all of them are town centres).
    """
    problems: list[Problem] = []
    ids = set(sites["site_id"])

    def bad(row: pd.Series, fld: str, msg: str) -> None:
        problems.append(Problem("sites.csv", int(row["_line"]), fld, msg))

    for _, r in sites.iterrows():
        if r["precision"] in schema.CITED_PRECISIONS:
            if not _COORD_SOURCE.search(r["coord_source_url"]):
                bad(
                    r,
                    "coord_source_url",
                    f"precision '{r['precision']}' needs a coordinate source (a file at a fixed commit, "
                    "…/blob/<commit>/…, or a PDOK query); use 'street' or 'town' for a point placed by hand",
                )
            if not r["coord_source_id"]:
                bad(
                    r,
                    "coord_source_id",
                    f"precision '{r['precision']}' needs the record in the coordinate source",
                )
            if hit := _NOT_BUILDING.search(r["notes"]):
                bad(r, "notes", f"says '{hit.group(0)}' but precision is '{r['precision']}'")
        for other in filter(None, (s.strip() for s in r["colocated_with"].split(";"))):
            if other == r["site_id"] or other not in ids:
                bad(r, "colocated_with", f"'{other}' is not another site id")
    coords = (
        pd.to_numeric(sites["lat"], errors="coerce").round(5).astype(str)
        + ","
        + pd.to_numeric(sites["lon"], errors="coerce").round(5).astype(str)
    )
    for _, group in sites.groupby(coords):
        if len(group) < 2 or (group["precision"] == "town").all():
            continue  # a town centre stands for every site known only by its town
        for _, r in group.iterrows():
            listed = {s.strip() for s in r["colocated_with"].split(";")}
            missing = sorted(set(group["site_id"]) - listed - {r["site_id"]})
            if missing:
                bad(
                    r,
                    "colocated_with",
                    f"shares its coordinate with {', '.join(missing)}; list them here if they are in the "
                    "same building or on the same grounds, else give each its own coordinate",
                )
    return problems


def check_postcode_areas(
    sites: pd.DataFrame,
    pc4: gpd.GeoDataFrame | Mapping[str, shapely.Geometry],
    *,
    tolerance_m: float = PC4_TOLERANCE_M,
) -> list[Problem]:
    """Warn about sites whose coordinate lies outside (beyond ``tolerance_m``) the PC4 area of their postcode.

    An independent check of the coordinates: the postcode comes from the address, the PC4 polygons from CBS.

    Parameters
    ----------
    sites
        Rows of ``sites.csv`` as :func:`validate` returns them (``site_id``, ``postcode``, ``lat``, ``lon``,
        ``_line``); rows without a postcode are skipped.
    pc4
        PC4 polygons: a GeoDataFrame with a ``postcode`` column (any CRS), or a mapping from the four digits
        to a polygon in RD New (EPSG:28992).
    tolerance_m
        Distance outside the polygon that is still accepted (points next to the border).

    Returns
    -------
    list of Problem
        One warning per site, naming file, line and the ``postcode`` field.
    """
    if isinstance(pc4, gpd.GeoDataFrame):
        areas = dict(zip(pc4["postcode"].astype(str).str[:4], pc4.to_crs(RD).geometry, strict=True))
    else:
        areas = {str(k)[:4]: v for k, v in pc4.items()}
    rows = sites[sites["postcode"].astype(str).str.strip() != ""]
    pts = gpd.GeoSeries(
        gpd.points_from_xy(rows["lon"].astype(float), rows["lat"].astype(float)), crs=WGS84, index=rows.index
    ).to_crs(RD)
    problems = []
    for idx, pt in pts.items():
        row = rows.loc[idx]
        code = str(row["postcode"]).strip()[:4]
        line = int(row["_line"]) if "_line" in row else None
        if code not in areas:
            problems.append(
                Problem("sites.csv", line, "postcode", f"PC4 area {code} is not in the PC4 layer")
            )
            continue
        dist = shapely.distance(pt, areas[code])
        if dist > tolerance_m:
            msg = f"({row['lat']}, {row['lon']}) lies {dist / 1000:.1f} km outside PC4 area {code}"
            problems.append(Problem("sites.csv", line, "postcode", msg))
    return problems


def validate(data_dir: Path | None = None) -> tuple[dict[str, pd.DataFrame], gpd.GeoDataFrame]:
    """Read and check every shipped table; raise one :class:`DataValidationError` listing all problems."""
    data_dir = data_dir or default_data_dir()
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for table in schema.TABLES:
        frame, found = read_table(table, data_dir)
        frames[table.file.removesuffix(".csv")] = frame
        problems += found
    try:
        provinces = load_provinces(data_dir)
    except DataValidationError as exc:
        raise DataValidationError(problems + exc.problems) from None
    problems += _check_references(frames)
    problems += _check_geography(frames["sites"], provinces)
    problems += _check_precision(frames["sites"]) + check_names(frames)
    if problems:
        raise DataValidationError(problems)
    return frames, provinces


def _category(kind: str, emergency: str) -> str:
    if kind == "hospital":
        return "hospital_ed" if emergency == "yes" else "hospital"
    return kind


def load_atlas(data_dir: Path | None = None) -> Atlas:
    """Validate and join the shipped data; see :class:`Atlas` for what it holds."""
    t, provinces = validate(data_dir)
    orgs = t["organisations"].set_index("org_id")
    nets = t["networks"].set_index("network_id")
    sites = t["sites"].copy()
    site_nets: dict[str, list[str]] = {s: [] for s in sites["site_id"]}
    site_subs: dict[str, list[str]] = {s: [] for s in sites["site_id"]}
    for _, m in t["memberships"].iterrows():
        listed = [s.strip() for s in m["sites"].split(";") if s.strip()]
        members = listed or list(sites.loc[sites["org_id"] == m["org_id"], "site_id"])
        for sid in members:
            site_nets[sid].append(m["network_id"])
            if m["subregion_id"]:
                site_subs[sid].append(m["subregion_id"])
    sites["networks"] = [tuple(sorted(set(site_nets[s]))) for s in sites["site_id"]]
    sites["subregions"] = [tuple(sorted(set(site_subs[s]))) for s in sites["site_id"]]
    sites["specialties"] = [tuple(sorted({nets.loc[n, "specialty"] for n in ns})) for ns in sites["networks"]]
    sites["in_network"] = sites["networks"].map(bool)
    sites["organisation"] = sites["org_id"].map(orgs["name"])
    sites["org_short"] = sites["org_id"].map(orgs["short_name"])
    for lang in ("nl", "en"):  # the organisation's remark, for geo.names
        sites[f"org_remark_{lang}"] = sites["org_id"].map(orgs[f"remark_{lang}"]).fillna("")
    sites["website"] = sites["org_id"].map(orgs["website"]).fillna("")
    sites["category"] = [_category(k, e) for k, e in zip(sites["kind"], sites["emergency"], strict=True)]
    sites["lat"] = sites["lat"].astype(float)
    sites["lon"] = sites["lon"].astype(float)
    gdf = gpd.GeoDataFrame(
        sites.drop(columns="_line"), geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=WGS84
    )
    networks = t["networks"].drop(columns="_line")
    networks["members_reported"] = networks["members_reported"].astype(int)
    return Atlas(
        networks=networks,
        subregions=t["subregions"].drop(columns="_line"),
        organisations=t["organisations"].drop(columns="_line"),
        memberships=t["memberships"].drop(columns="_line"),
        sites=gdf,
        claims=t["claims"].drop(columns="_line"),
        provinces=provinces,
    )


def _check_ids(given: Sequence[str] | None, known: Iterable[str], what: str) -> None:
    if given is None:
        return
    known_set = set(known)
    unknown = [g for g in given if g not in known_set]
    if unknown:
        msg = f"unknown {what}: {', '.join(unknown)}; known: {', '.join(sorted(known_set))}"
        raise UnknownIdError(msg)


def filter_sites(
    atlas: Atlas,
    *,
    networks: Sequence[str] | None = None,
    specialty: str | None = None,
    subregions: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    provinces: Sequence[str] | None = None,
    include_context: bool = False,
    include_closed: bool = False,
) -> gpd.GeoDataFrame:
    """Select the sites to show.

    Parameters
    ----------
    atlas
        The loaded data.
    networks
        Network ids; a site is kept when it belongs to at least one. ``None`` means every network.
    specialty
        Keep only networks of this specialty (``cardiology`` or ``oncology``).
    subregions
        Sub-region ids; network sites outside them are dropped. ``None`` or empty: no sub-region filter.
    categories
        Marker categories to keep (see :data:`geo.schema.CATEGORIES`); ``None`` keeps all.
    provinces
        Province names to keep; ``None`` keeps all.
    include_context
        Also return open hospitals that belong to none of the networks (``in_network`` is False).
    include_closed
        Also return closed sites (never drawn as open: their ``status`` says closed).

    Returns
    -------
    GeoDataFrame
        The matching rows of ``atlas.sites``, network sites first, in a stable order.
    """
    _check_ids(networks, atlas.networks["network_id"], "network")
    _check_ids(subregions, atlas.subregions["subregion_id"], "sub-region")
    _check_ids(categories, schema.CATEGORIES, "site kind")
    _check_ids(provinces, schema.PROVINCES, "province")
    if specialty is not None:
        _check_ids([specialty], schema.SPECIALTIES, "specialty")
    wanted = set(atlas.network_ids(specialty))
    if networks is not None:
        wanted &= set(networks)
    s = atlas.sites
    in_sel = s["networks"].map(lambda ns: bool(wanted.intersection(ns)))
    if subregions:
        in_sel &= s["subregions"].map(lambda ss: bool(set(subregions).intersection(ss)))
    keep = in_sel
    if include_context:
        keep = keep | ~s["in_network"]
    if not include_closed:
        keep &= s["status"] == "open"
    if categories is not None:
        keep &= s["category"].isin(categories)
    if provinces is not None:
        keep &= s["province"].isin(provinces)
    out = s[keep].copy()
    # Within the selection, list only the networks the user asked for.
    out["networks"] = out["networks"].map(lambda ns: tuple(n for n in ns if n in wanted))
    return out.sort_values(["in_network", "organisation", "name"], ascending=[False, True, True])


def network_names(atlas: Atlas) -> tuple[dict[str, str], dict[str, str]]:
    """Display names of networks and of sub-regions, by id: the one lookup every view uses."""
    return (
        dict(zip(atlas.networks["network_id"], atlas.networks["name"], strict=True)),
        dict(zip(atlas.subregions["subregion_id"], atlas.subregions["name"], strict=True)),
    )
