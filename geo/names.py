"""Names of sites and organisations as people read them: the Dutch proper name and a remark in a language.

``name`` in ``sites.csv`` and ``organisations.csv`` holds only the Dutch proper name; what was said about
it ("formerly MC Zuiderzee", "part of Frisius MC since 1 January 2025") lives in ``remark_nl`` and
``remark_en``. :func:`check_names` keeps it so when the data loads; :func:`remark`, :func:`display_name`
and friends give every view the one way to show a name and its remark in the user's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.errors import Problem

#: English words that mark a remark, not a name (whole words, any case). None is a Dutch word or part of a
#: Dutch name: "hospital" does not match "Hospitaalweg", "clinic" not "polikliniek", "location" not "locatie".
#: "of" alone is left out (Dutch for "or"); "part of" is in.
REMARK_WORDS: tuple[str, ...] = (
    "former",
    "formerly",
    "since",
    "until",
    "part of",
    "merged",
    "closed",
    "old building",
    "new building",
    "building",
    "hospital",
    "clinic",
    "outpatient",
    "police station",
    "location",
    "centre",
    "center",
    "medical",
)
_ENGLISH = re.compile(
    r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w in REMARK_WORDS) + r")\b", re.IGNORECASE
)
#: The Dutch-only fields of each table that :func:`check_names` reads.
DUTCH_FIELDS: dict[str, tuple[str, ...]] = {
    "sites.csv": ("name", "remark_nl", "street", "city"),  # the address is shown as it stands
    "organisations.csv": ("name", "short_name", "remark_nl"),
}
#: Languages that have a remark column (``remark_<lang>``).
REMARK_LANGUAGES = ("nl", "en")
#: The remark columns of ``Atlas.sites``; a row without them (a planned site) has no remark.
REMARK_COLUMNS = ("remark_nl", "remark_en", "org_remark_nl", "org_remark_en")


def english_word(text: str) -> str | None:
    """The first English remark word of :data:`REMARK_WORDS` in ``text``, or ``None``."""
    hit = _ENGLISH.search(text)
    return hit.group(0) if hit else None


def check_names(frames: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Problems with names and remarks of sites and organisations, each naming file, line and field.

    A name (or short name, street, city, Dutch remark) may not contain an English remark word; a row gives
    both remarks or neither, so no language shows a remark the other lacks.
    """
    problems: list[Problem] = []
    for file, fields in DUTCH_FIELDS.items():
        frame = frames.get(file.removesuffix(".csv"))
        if frame is None or frame.empty:
            continue
        for _, row in frame.iterrows():
            line = int(row["_line"])
            for fld in fields:
                if word := english_word(str(row.get(fld, ""))):
                    where = "the remark" if fld.startswith("remark") else "the Dutch name or address only"
                    msg = (
                        f"contains the English word '{word}': keep {where} here and put the remark in "
                        "remark_nl (Dutch) and remark_en (English)"
                    )
                    problems.append(Problem(file, line, fld, msg))
            nl, en = str(row.get("remark_nl", "")), str(row.get("remark_en", ""))
            if bool(nl) != bool(en):
                missing, given = ("remark_en", "remark_nl") if nl else ("remark_nl", "remark_en")
                msg = f"is empty while {given} is given: give the remark in both languages or in neither"
                problems.append(Problem(file, line, missing, msg))
    return problems


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def remark(row: Mapping[str, Any], lang: str, *, organisation: bool = False) -> str:
    """The remark in ``lang`` on a site or organisation (a row of ``Atlas.sites``, ``Atlas.organisations``).

    With ``organisation=True`` a site row gives its organisation's remark (``org_remark_<lang>``). Empty
    when there is none (a planned site from an upload has none); an unknown language reads English.
    """
    lang = lang if lang in REMARK_LANGUAGES else "en"
    return _text(row.get(f"{'org_' if organisation else ''}remark_{lang}"))


def with_remark(name: str, note: str) -> str:
    """``"name (remark)"``, or ``"name, remark"`` when the name already ends in a parenthesis."""
    if not note:
        return name
    return f"{name}, {note}" if name.endswith(")") else f"{name} ({note})"


def display_name(row: Mapping[str, Any], lang: str) -> str:
    """A site's name with its remark in ``lang``, on one line (tables, tooltips, lists, texts)."""
    return with_remark(_text(row.get("name")), remark(row, lang))


def organisation_name(row: Mapping[str, Any], lang: str) -> str:
    """A site's organisation with the organisation's remark in ``lang``, on one line."""
    return with_remark(_text(row.get("organisation")), remark(row, lang, organisation=True))


def display_names(sites: pd.DataFrame, lang: str) -> pd.Series:
    """:func:`display_name` of every row, indexed like ``sites``."""
    return pd.Series(
        [display_name(r, lang) for r in sites.to_dict("records")], index=sites.index, dtype=object
    )


def organisation_names(sites: pd.DataFrame, lang: str) -> pd.Series:
    """:func:`organisation_name` of every row, indexed like ``sites``."""
    return pd.Series(
        [organisation_name(r, lang) for r in sites.to_dict("records")], index=sites.index, dtype=object
    )


def site_labels(sites: pd.DataFrame, lang: str) -> dict[str, str]:
    """:func:`display_name` by ``site_id``: the lookup of lists and tables that hold site ids."""
    return dict(zip(sites["site_id"], display_names(sites, lang), strict=True))


def organisation_labels(organisations: pd.DataFrame, lang: str) -> dict[str, str]:
    """Each organisation's name with its remark in ``lang``, by ``org_id`` (``Atlas.organisations``)."""
    return {
        r["org_id"]: with_remark(_text(r["name"]), remark(r, lang)) for r in organisations.to_dict("records")
    }
