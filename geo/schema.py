"""Schemas of the shipped tables in ``data/``: columns, allowed values and field checks.

Each table is a list of :class:`Column`. A column check returns an error message for a bad value or
``None`` when the value is fine; the loader in :mod:`geo.data` runs them on every row and collects the
problems with file, line and field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

PROVINCES = (
    "Drenthe",
    "Flevoland",
    "Friesland",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
)
SPECIALTIES = ("cardiology", "oncology")
SITE_KINDS = ("hospital", "outpatient", "radiotherapy", "other")
EMERGENCY = ("yes", "limited", "no", "unknown")
STATUSES = ("open", "closed")
#: building: a cited coordinate source geocoded this building's address; site: a cited coordinate on the
#: grounds (a helipad, a former building on the same grounds), not the entrance; street: placed by hand on the
#: street; town: the town centre.
PRECISIONS = ("building", "site", "street", "town")
#: Precisions that claim a cited coordinate: the row must name the source file and the record in it.
CITED_PRECISIONS = ("building", "site")
EVIDENCE = ("named", "inferred", "partner")
#: Display categories derived from kind + emergency; markers are shaped by these.
CATEGORIES = ("hospital_ed", "hospital", "outpatient", "radiotherapy", "other")

_ID = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
_DATE = re.compile(r"^\d{4}(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")
_POSTCODE = re.compile(r"^[1-9]\d{3} ?[A-Z]{2}$")
_URL = re.compile(r"^https?://[^\s<>\"']+$")

Check = Callable[[str], "str | None"]


def check_id(value: str) -> str | None:
    """Lower-case slug of letters and digits joined by ``_`` or ``-``."""
    return None if _ID.match(value) else f"'{value}' is not a valid id (lower-case letters, digits, _ and -)"


def check_url(value: str) -> str | None:
    """An absolute http(s) URL without spaces or quotes."""
    return None if _URL.match(value) else f"'{value}' is not an http(s) URL"


def check_date(value: str) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or ``undated`` for a page that gives no date."""
    if value == "undated" or _DATE.match(value):
        return None
    return f"'{value}' is not a date (YYYY, YYYY-MM, YYYY-MM-DD or 'undated')"


def check_postcode(value: str) -> str | None:
    """A Dutch postcode, ``1234 AB``."""
    return None if _POSTCODE.match(value) else f"'{value}' is not a Dutch postcode (1234 AB)"


def check_int(value: str) -> str | None:
    """A non-negative whole number."""
    return None if value.isdigit() else f"'{value}' is not a whole number"


def check_float(lo: float, hi: float) -> Check:
    """A decimal number between ``lo`` and ``hi``."""

    def check(value: str) -> str | None:
        try:
            number = float(value)
        except ValueError:
            return f"'{value}' is not a number"
        if not lo <= number <= hi:
            return f"{number} is outside {lo}..{hi} (the European Netherlands)"
        return None

    return check


def one_of(options: tuple[str, ...]) -> Check:
    """One of a fixed set of values."""

    def check(value: str) -> str | None:
        return None if value in options else f"'{value}' is not one of {', '.join(options)}"

    return check


def list_of(options: tuple[str, ...]) -> Check:
    """A ``;``-separated list whose items are each one of ``options``."""

    def check(value: str) -> str | None:
        bad = [item for item in value.split(";") if item.strip() not in options]
        return f"{', '.join(repr(b) for b in bad)} not in {', '.join(options)}" if bad else None

    return check


def free_text(max_len: int) -> Check:
    """Any text up to ``max_len`` characters without control characters."""

    def check(value: str) -> str | None:
        if len(value) > max_len:
            return f"text longer than {max_len} characters"
        if any(ord(c) < 32 and c not in "\t" for c in value):
            return "text contains control characters"
        return None

    return check


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, whether it may be empty, and its value check."""

    name: str
    required: bool = True
    check: Check | None = None
    doc: str = ""


@dataclass(frozen=True)
class Table:
    """A shipped CSV file and its columns."""

    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        """Column names in file order."""
        return [c.name for c in self.columns]


_SOURCE = (
    Column("source_url", check=check_url, doc="Page that states the fact."),
    Column("source_date", check=check_date, doc="Date of that page (YYYY[-MM[-DD]] or 'undated')."),
)

#: A short remark on a name in each language, both or neither (checked in :mod:`geo.names`).
_REMARKS = (
    Column(
        "remark_nl", required=False, check=free_text(120), doc="Remark in Dutch: 'voormalig MC Zuiderzee'."
    ),
    Column("remark_en", required=False, check=free_text(120), doc="The same remark in English."),
)

NETWORKS = Table(
    "networks.csv",
    (
        Column("network_id", check=check_id, doc="Stable id: cardionovo, onconovo, noord-oost."),
        Column("name", check=free_text(120), doc="Name as the network uses it."),
        Column("specialty", check=one_of(SPECIALTIES), doc="cardiology or oncology."),
        Column("region", check=free_text(120), doc="Region in words."),
        Column("provinces", check=list_of(PROVINCES), doc="Provinces of the network region, ;-separated."),
        Column(
            "partial_provinces",
            required=False,
            check=list_of(PROVINCES),
            doc="Provinces only partly in the region (subset of provinces).",
        ),
        Column("founded", check=check_date, doc="Date founded or signed."),
        Column("name_status", check=one_of(("final", "provisional")), doc="Whether the name is final."),
        Column("members_reported", check=check_int, doc="Member count the network itself reports."),
        *_SOURCE,
        Column("notes", required=False, check=free_text(1000)),
    ),
    key=("network_id",),
)

SUBREGIONS = Table(
    "subregions.csv",
    (
        Column("subregion_id", check=check_id),
        Column("network_id", check=check_id),
        Column("name", check=free_text(120)),
        Column("area", check=free_text(200), doc="The area it serves, in words."),
        *_SOURCE,
        Column("notes", required=False, check=free_text(1000)),
    ),
    key=("subregion_id",),
)

ORGANISATIONS = Table(
    "organisations.csv",
    (
        Column("org_id", check=check_id),
        Column("name", check=free_text(120)),
        Column("short_name", check=free_text(60)),
        *_REMARKS,
        Column("website", required=False, check=check_url),
        *_SOURCE,
        Column("notes", required=False, check=free_text(1000)),
    ),
    key=("org_id",),
)

MEMBERSHIPS = Table(
    "memberships.csv",
    (
        Column("network_id", check=check_id),
        Column("org_id", check=check_id),
        Column("subregion_id", required=False, check=check_id),
        Column(
            "sites",
            required=False,
            check=free_text(400),
            doc="Site ids (;-separated) that take part; empty means every site of the organisation.",
        ),
        Column(
            "evidence",
            check=one_of(EVIDENCE),
            doc="named: a source names it as member; inferred: deduced; "
            "partner: a sub-network partner, not a signatory.",
        ),
        *_SOURCE,
        Column("notes", required=False, check=free_text(1000)),
    ),
    key=("network_id", "org_id"),
)

SITES = Table(
    "sites.csv",
    (
        Column("site_id", check=check_id),
        Column("org_id", check=check_id),
        Column("name", check=free_text(160), doc="The Dutch proper name only; remarks go in remark_nl/en."),
        *_REMARKS,
        Column("kind", check=one_of(SITE_KINDS)),
        Column("emergency", check=one_of(EMERGENCY), doc="24/7 emergency department (SEH)."),
        Column("status", check=one_of(STATUSES)),
        Column("closed_on", required=False, check=check_date),
        Column("street", required=False, check=free_text(120)),
        Column("postcode", required=False, check=check_postcode),
        Column("city", check=free_text(80)),
        Column("province", check=one_of(PROVINCES)),
        Column("lat", check=check_float(50.70, 53.60)),
        Column("lon", check=check_float(3.30, 7.25)),
        Column("precision", check=one_of(PRECISIONS), doc="building, site, street or town."),
        Column("coord_source_url", check=check_url),
        Column("coord_source_date", check=check_date),
        Column(
            "coord_source_id",
            required=False,
            check=free_text(40),
            doc="Record in the coordinate source (GISCO id, OurAirports ident); needed for building/site.",
        ),
        Column(
            "colocated_with",
            required=False,
            check=free_text(200),
            doc="Site ids (;-separated) in the same building: only these may share a coordinate.",
        ),
        *_SOURCE,
        Column("notes", required=False, check=free_text(1000)),
    ),
    key=("site_id",),
)

CLAIMS = Table(
    "claims.csv",
    (
        Column("network_id", check=check_id),
        Column("field", check=check_id, doc="What is claimed: member_count, name, name_status, founded, ..."),
        Column("value", check=free_text(200)),
        *_SOURCE,
        Column("quote", required=False, check=free_text(600)),
    ),
)

TABLES = (NETWORKS, SUBREGIONS, ORGANISATIONS, MEMBERSHIPS, SITES, CLAIMS)
