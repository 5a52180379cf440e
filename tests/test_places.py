"""Tests of the gazetteer and the place resolver (:mod:`geo.places`)."""

from __future__ import annotations

import dataclasses
import random
import string

import geopandas as gpd
import pytest
import shapely

from geo.data import load_provinces
from geo.geography import assign_provinces, in_netherlands_bbox
from geo.geonames import ADMIN1_PROVINCES
from geo.places import (
    ALIASES,
    MAX_QUERY_CHARS,
    Place,
    PlaceResolution,
    load_places,
    normalize_key,
    parse_coordinates,
    place_by_id,
    resolve_place,
)
from geo.schema import PROVINCES


@pytest.fixture(scope="module")
def places() -> gpd.GeoDataFrame:
    # The only slow step (about 2 s): the GeoNames extract is parsed once for the whole module.
    return load_places()


def one(places: gpd.GeoDataFrame, query: str) -> Place:
    """Resolve ``query`` and return its single match (fails the test otherwise)."""
    res = resolve_place(query, places)
    assert res.status == "found", (query, res)
    assert res.place is not None
    return res.place


# --- the gazetteer -------------------------------------------------------------------------------


def test_gazetteer_has_the_dutch_places(places):
    assert len(places) > 1_500
    assert places["place_id"].is_unique
    assert places["name"].str.strip().str.len().gt(0).all()
    assert places.crs.to_epsg() == 4326
    assert all(in_netherlands_bbox(la, lo) for la, lo in zip(places["lat"], places["lon"], strict=True))
    assert (places["population"] >= 0).all()
    assert places["population"].is_monotonic_decreasing


def test_every_place_has_one_of_the_12_provinces(places):
    assert places["province"].notna().all()
    assert set(places["province"]) == set(PROVINCES)
    assert set(ADMIN1_PROVINCES.values()) == set(PROVINCES)


def test_provinces_agree_with_the_polygons(places):
    # GeoNames' admin1 codes and the province polygons are independent sources; they may differ only
    # near borders and where the 2019 move of the Vijfheerenlanden postdates the polygons.
    by_polygon = assign_provinces(places.geometry, load_provinces())
    differ = places.loc[by_polygon != places["province"], "name"]
    assert len(differ) / len(places) < 0.02, list(differ)
    assert one(places, "Leerdam").province == "Utrecht"  # in Utrecht since 2019


def test_assign_provinces_falls_back_on_the_nearest_province():
    provinces = load_provinces()
    pts = gpd.GeoSeries(
        [
            shapely.Point(5.1217, 52.0908),  # Utrecht, Dom
            shapely.Point(3.40, 51.55),  # North Sea off Walcheren
            shapely.Point(4.75, 53.30),  # Wadden Sea west of Vlieland: nearest is Friesland or N-H
            shapely.Point(5.75, 50.75),  # just over the Belgian border south of Maastricht
        ],
        crs="EPSG:4326",
        index=[10, 11, 12, 13],
    )
    got = assign_provinces(pts, provinces)
    assert list(got.index) == [10, 11, 12, 13]
    assert got[10] == "Utrecht"
    assert got[11] == "Zeeland"
    assert got[12] in {"Friesland", "Noord-Holland"}
    assert got[13] == "Limburg"
    assert got.notna().all()


def test_dutch_name_replaces_the_english_one(places):
    row = places[places["place_id"] == ALIASES["The Hague"]].iloc[0]
    assert row["name"] == "Den Haag"
    assert "The Hague" in row["alt_names"]
    assert "'s-Gravenhage" in row["alt_names"]
    assert not places["name"].str.startswith("The ").any()


def test_alternate_names_are_latin_script_names_not_codes(places):
    alts = [a for tup in places["alt_names"] for a in tup]
    assert alts
    assert all(any(c.isupper() for c in a) for a in alts)
    assert not any(any(c.isdigit() for c in a) for a in alts)
    amsterdam = places[places["name"] == "Amsterdam"].iloc[0]
    assert "AMS" not in amsterdam["alt_names"]


def test_every_alias_points_at_a_place(places):
    ids = set(places["place_id"])
    assert set(ALIASES.values()) <= ids
    for alias, pid in ALIASES.items():
        assert one(places, alias).place_id == pid, alias


def test_load_places_returns_an_independent_copy(places):
    first = load_places()
    first.loc[0, "name"] = "Gewijzigd"
    assert load_places().loc[0, "name"] == places.loc[0, "name"] != "Gewijzigd"


# --- resolving names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name", "province"),
    [
        ("Utrecht", "Utrecht", "Utrecht"),
        ("Emmeloord", "Emmeloord", "Flevoland"),
        ("Urk", "Urk", "Flevoland"),
        ("Leeuwarden", "Leeuwarden", "Friesland"),
        ("Ljouwert", "Leeuwarden", "Friesland"),  # Frisian
        ("Den Bosch", "'s-Hertogenbosch", "Noord-Brabant"),
        ("'s-Hertogenbosch", "'s-Hertogenbosch", "Noord-Brabant"),
        ("Den Haag", "Den Haag", "Zuid-Holland"),
        ("The Hague", "Den Haag", "Zuid-Holland"),
        ("'s-Gravenhage", "Den Haag", "Zuid-Holland"),
        ("Den Burg", "Den Burg", "Noord-Holland"),
        ("Texel", "Den Burg", "Noord-Holland"),
        ("Bergen op Zoom", "Bergen op Zoom", "Noord-Brabant"),
    ],
)
def test_exact_names_and_aliases(places, query, name, province):
    place = one(places, query)
    assert (place.name, place.province) == (name, province)
    assert place.population > 0
    assert in_netherlands_bbox(place.lat, place.lon)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("utrecht", "Utrecht"),
        ("UTRECHT", "Utrecht"),
        ("  Utrecht  ", "Utrecht"),
        ("den bosch", "'s-Hertogenbosch"),
        ("Den-Bosch", "'s-Hertogenbosch"),
        ("DENBOSCH", "'s-Hertogenbosch"),
        ("s Hertogenbosch", "'s-Hertogenbosch"),
        ("’s-Hertogenbosch", "'s-Hertogenbosch"),  # typographic apostrophe
        ("'s hertogenbosch", "'s-Hertogenbosch"),
        ("den  haag", "Den Haag"),
        ("DEN-HAAG", "Den Haag"),
        ("the hague", "Den Haag"),
        ("s-gravenhage", "Den Haag"),
        ("texel", "Den Burg"),
        ("Tweede Exloermond", "Tweede Exloërmond"),  # diacritics left out
        ("TWEEDE EXLOËRMOND", "Tweede Exloërmond"),
        ("Sint Odilienberg", "Sint Odiliënberg"),
        ("Sint Oedenrode", "Sint-Oedenrode"),  # space for hyphen
        ("St. Oedenrode", "Sint-Oedenrode"),  # St. for Sint
        ("Alphen a/d Rijn", "Alphen aan den Rijn"),
        ("Ysselstein", "IJsselstein"),  # y for ij
        ("Ｕｔｒｅｃｈｔ", "Utrecht"),  # full-width letters
    ],
)
def test_matching_ignores_case_diacritics_and_punctuation(places, query, name):
    assert one(places, query).name == name


def test_normalize_key_examples():
    assert normalize_key("'s-Hertogenbosch") == normalize_key("S HERTOGENBOSCH") == "shertogenbosch"
    assert normalize_key("Tweede Exloërmond") == "tweedeexloermond"
    assert normalize_key("IJmuiden") == normalize_key("Ymuiden")
    assert normalize_key("") == normalize_key(" - ' ") == ""


@pytest.mark.parametrize(
    ("query", "provinces"),
    [
        ("Hengelo", {"Overijssel", "Gelderland"}),
        ("hengelo", {"Overijssel", "Gelderland"}),
        ("Oosterhout", {"Noord-Brabant", "Gelderland"}),
    ],
)
def test_shared_name_is_ambiguous_with_every_place(places, query, provinces):
    res = resolve_place(query, places)
    assert res.status == "ambiguous"
    assert res.place is None
    assert {m.province for m in res.matches} == provinces
    assert len(res.matches) == len(provinces)
    pops = [m.population for m in res.matches]
    assert pops == sorted(pops, reverse=True)  # most populous first: Hengelo (Overijssel)


def test_every_shared_name_in_the_data_is_ambiguous(places):
    counts = places["name"].value_counts()
    shared = counts[counts > 1]
    assert len(shared) > 10
    for name, n in shared.items():
        res = resolve_place(name, places)
        assert res.status == "ambiguous", name
        expected = set(places.loc[places["name"] == name, "place_id"])
        assert expected <= {m.place_id for m in res.matches}, name
        assert len(res.matches) >= n


@pytest.mark.parametrize(
    ("query", "province"),
    [
        ("Hengelo, Gelderland", "Gelderland"),
        ("Hengelo (Gelderland)", "Gelderland"),
        ("hengelo (gld)", "Gelderland"),
        ("Hengelo Gld", "Gelderland"),
        ("Hengelo, Gelderland, Nederland", "Gelderland"),
        ("Hengelo, Overijssel", "Overijssel"),
        ("Hengelo (OV)", "Overijssel"),
        ("Oosterhout, Noord-Brabant", "Noord-Brabant"),
        ("Oosterhout (NB)", "Noord-Brabant"),
        ("Oosterhout, Brabant", "Noord-Brabant"),
    ],
)
def test_province_qualifier_picks_one(places, query, province):
    place = one(places, query)
    assert place.name.casefold() == query.split(",")[0].split("(")[0].split()[0].casefold()
    assert place.province == province


def test_label_of_a_match_resolves_back_to_it(places):
    for m in resolve_place("Hengelo", places).matches:
        assert one(places, m.label) == m
        assert place_by_id(m.place_id, places) == m
    assert place_by_id(-1, places) is None


def test_qualifier_naming_the_wrong_province_suggests_the_right_ones(places):
    res = resolve_place("Hengelo, Zeeland", places)
    assert (res.status, res.reason, res.matches) == ("unknown", "wrong_province", ())
    assert set(res.suggestions) == {"Hengelo (Overijssel)", "Hengelo (Gelderland)"}
    for s in res.suggestions:
        assert resolve_place(s, places).status == "found"


def test_bare_start_of_a_bigger_name_is_ambiguous(places):
    # "Alphen" is a village in Noord-Brabant, but most people typing it mean Alphen aan den Rijn.
    res = resolve_place("Alphen", places)
    assert res.status == "ambiguous"
    assert [m.name for m in res.matches] == ["Alphen aan den Rijn", "Alphen"]
    assert one(places, "Alphen, Noord-Brabant").name == "Alphen"


def test_address_text_resolves_to_its_town(places):
    assert one(places, "Hoofdstraat 1, 8302 AB Emmeloord").name == "Emmeloord"


def test_alternate_spelling_known_to_geonames_is_found(places):
    # GeoNames lists "Emmelord" as an alternate spelling, so it needs no suggestion.
    assert one(places, "Emmelord").name == "Emmeloord"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Emeloord", "Emmeloord"),
        ("Emmeloordt", "Emmeloord"),
        ("Amsterdm", "Amsterdam"),
        ("Groningn", "Groningen"),
        ("Nijmegn", "Nijmegen"),
        ("Leeuwaarden", "Leeuwarden"),
        ("Hertogenbos", "'s-Hertogenbosch"),
    ],
)
def test_unknown_name_gets_suggestions(places, query, expected):
    res = resolve_place(query, places)
    assert (res.status, res.reason, res.matches) == ("unknown", "no_match", ())
    assert expected in res.suggestions
    assert res.suggestions[0] == expected
    for s in res.suggestions:  # every suggestion leads somewhere
        assert resolve_place(s, places).status in {"found", "ambiguous"}, s


def test_limit_caps_suggestions(places):
    assert len(resolve_place("Emmelor", places, limit=5).suggestions) > 1
    assert len(resolve_place("Emmelor", places, limit=1).suggestions) == 1
    assert len(resolve_place("Sint", places, limit=3).suggestions) == 3
    with pytest.raises(ValueError, match="limit"):
        resolve_place("Utrecht", places, limit=0)


def test_province_name_is_not_a_place(places):
    res = resolve_place("Drenthe", places)
    assert (res.status, res.reason) == ("unknown", "province")


def _garbage() -> list[str]:
    rnd = random.Random(1)
    noise = "".join(rnd.choice(string.printable) for _ in range(10_000))
    return [
        "",
        "   ",
        "\x00\x01\x02",
        noise,
        "Amsterdam" * 1_200,
        "<script>alert('x')</script>",
        "<b>Utrecht</b><img src=x onerror=alert(1)>",
        "'; DROP TABLE sites; --",
        "%s%s%n{0}{}",
        "🏥🚑",
        "Зволле",
        "52.37",
        "999, 999",
        ",,,()()",
    ]


@pytest.mark.parametrize("query", _garbage(), ids=range(len(_garbage())))
def test_garbage_is_unknown_and_never_raises(places, query):
    res = resolve_place(query, places)
    assert isinstance(res, PlaceResolution)
    assert res.status == "unknown"
    assert res.matches == ()
    names = set(places["name"]) | set(ALIASES)
    assert all(s in names for s in res.suggestions)  # never echoes the input back
    assert len(res.query) <= MAX_QUERY_CHARS


def test_none_and_long_input_have_reasons(places):
    assert resolve_place(None, places).reason == "empty"
    assert resolve_place("x" * 10_240, places).reason == "too_long"


# --- coordinates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "52.37, 4.89",
        "52.37,4.89",
        "52.37 4.89",
        "(52.37, 4.89)",
        "52,37; 4,89",
        "52.37°N, 4.89°E",
        "4.89, 52.37",
    ],
)
def test_coordinates_inside_the_netherlands(places, query):
    place = one(places, query)
    assert (place.lat, place.lon) == (52.37, 4.89)
    assert place.is_coordinate
    assert place.province == "Noord-Holland"
    assert place.population == 0


@pytest.mark.parametrize(
    "query",
    ["48.8566, 2.3522", "51.2194, 4.4025", "51.5833, 6.2467", "53.80, 4.00", "-52.37, 4.89", "0, 0"],
    ids=["Paris", "Antwerp", "Kevelaer (Germany)", "North Sea", "southern hemisphere", "null island"],
)
def test_coordinates_outside_the_netherlands_are_unknown(places, query):
    res = resolve_place(query, places)
    assert (res.status, res.reason) == ("unknown", "outside_netherlands")


def test_coordinate_province_follows_the_nearest_place(places):
    assert one(places, "51.6991, 5.3042").province == "Noord-Brabant"  # 's-Hertogenbosch
    assert one(places, "53.2012, 5.7999").province == "Friesland"  # Leeuwarden
    assert one(places, "51.4425, 3.5736").province == "Zeeland"  # Vlissingen, outside the coarse coast


def test_parse_coordinates():
    assert parse_coordinates("52.0908, 5.1217") == (52.0908, 5.1217)
    assert parse_coordinates("52,0908 5,1217") == (52.0908, 5.1217)
    assert parse_coordinates("5.1217, 52.0908") == (52.0908, 5.1217)
    assert parse_coordinates("Utrecht") is None
    assert parse_coordinates("52.0908") is None
    assert parse_coordinates("120, 5") is None


def test_results_are_frozen(places):
    res = resolve_place("Utrecht", places)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.status = "unknown"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.matches[0].name = "X"  # type: ignore[misc]


def test_population_and_gazetteer_name_places_alike():
    from geo.population import load_population

    population = load_population(provinces=load_provinces())
    gazetteer = load_places()
    names = dict(zip(gazetteer["place_id"], gazetteer["name"], strict=True))
    assert "Den Haag" in set(population["name"]) and "The Hague" not in set(population["name"])
    assert all(names[i] == n for i, n in zip(population["geonameid"], population["name"], strict=True))
