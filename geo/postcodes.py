"""Dutch postcodes offline: read "8301", "8301AB", "8301 ab", find the PC4 area of a postcode or of a point.

A Dutch postcode is four digits (1000-9999) and, for an address, two letters (``8301 AB``; the letter
pairs SA, SD and SS are not used). Offline only the 4-digit area (PC4) is known: a full postcode
resolves to its PC4 area, whose point (a point inside the area, see ``data/README.md``) stands in
for the address; :attr:`PostcodeArea.centre_of_area` says so. The areas and their polygons come
from :mod:`geo.census`.

Bad input raises :class:`PostcodeError` with a :attr:`~PostcodeError.reason` code, what was
understood and, where one is clear, a suggestion, so the interface can say it in Dutch or English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import shapely

from geo.census import load_census, load_pc4_polygons
from geo.crs import to_wgs84
from geo.data import default_data_dir

Reason = Literal[
    "empty",
    "not_a_postcode",
    "letter_for_digit",
    "starts_with_zero",
    "letters_first",
    "bad_letters",
    "reserved_letters",
    "unknown_area",
]
#: Letter pairs PostNL does not use in postcodes.
RESERVED_LETTERS = ("SA", "SD", "SS")
#: Letters typed where a digit belongs, and the digit meant.
DIGIT_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8"})

_POSTCODE = re.compile(r"^(?P<digits>\d{4})(?P<letters>[A-Z]{2})?$")
_LETTERS_FIRST = re.compile(r"^(?P<letters>[A-Z]{2})(?P<digits>\d{4})$")
_DIGITS_THEN = re.compile(r"^(?P<digits>\d{4})(?P<rest>.*)$")
_ALMOST = re.compile(r"^(?P<head>[0-9OILZSB]{4})(?P<letters>[A-Z]{0,2})$")

_MESSAGES: dict[str, str] = {
    "empty": "no postcode given",
    "not_a_postcode": "'{text}' is not a postcode: a Dutch postcode is 4 digits and 2 letters, e.g. 8301 AB",
    "letter_for_digit": "'{text}' has a letter among its 4 digits (read as {understood})",
    "starts_with_zero": "'{text}': Dutch postcodes run from 1000 to 9999",
    "letters_first": "'{text}': the 4 digits come first, then the 2 letters",
    "bad_letters": "'{text}': after the 4 digits {understood} come 2 letters (A-Z), e.g. {understood} AB",
    "reserved_letters": "'{text}': the letters {letters} are not used in Dutch postcodes",
    "unknown_area": "postcode {understood}: {digits} is not a 4-digit postcode area in the CBS 2021 list",
}


class PostcodeError(ValueError):
    """A postcode that cannot be resolved: why (:attr:`reason`), what was understood, and a suggestion.

    Attributes
    ----------
    reason
        One of :data:`Reason`'s values, for a message in the user's language.
    text
        The input as typed.
    understood
        What was read from it: the normalised postcode (``"8300 AB"``), the digits with ``?`` for a
        character that is not one (``"83?1"``), or ``None`` when nothing was.
    suggestion
        A known postcode the input probably meant (``"8301"`` for ``"83O1"``), else ``None``.
    """

    def __init__(
        self, reason: Reason, text: str, *, understood: str | None = None, suggestion: str | None = None
    ) -> None:
        self.reason: Reason = reason
        self.text = text
        self.understood = understood
        self.suggestion = suggestion
        letters = (understood or "")[5:]
        digits = (understood or "")[:4]
        msg = _MESSAGES[reason].format(
            text=text.strip(), understood=understood, letters=letters, digits=digits
        )
        if suggestion:
            msg += f"; did you mean {suggestion}?"
        super().__init__(msg)


@dataclass(frozen=True)
class Postcode:
    """A well-formed postcode: its 4 digits and, when given, its 2 letters (upper case)."""

    digits: str
    letters: str | None = None

    def __str__(self) -> str:
        return f"{self.digits} {self.letters}" if self.letters else self.digits


@dataclass(frozen=True)
class PostcodeArea:
    """A 4-digit postcode area (CBS PC4 2021) and the postcode it was found by.

    ``lat``/``lon`` (WGS84) and ``x``/``y`` (RD New) are the area's point, not an address:
    ``centre_of_area`` is always True here, so the caller can say that the position is the centre of
    the 4-digit area.
    """

    code: str
    postcode: str
    place: str
    places_geonames: tuple[str, ...]
    municipality: str
    province: str
    inhabitants: int
    inhabitants_65plus: int
    lat: float
    lon: float
    x: float
    y: float
    centre_of_area: bool = True

    @property
    def label(self) -> str:
        """``"8301 (Emmeloord)"``: the postcode as understood and its place."""
        return f"{self.postcode} ({self.place})"


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def looks_like_postcode(text: str) -> bool:
    """Whether ``text`` is meant as a postcode (starts with 4 digit-like characters, or 2 letters + 4 digits).

    For a search box that takes both place names and postcodes: ``"8301"``, ``"8301 ab"``, ``"83O1"``
    and ``"AB 8301"`` do, ``"Emmeloord"`` and ``"Zwolle 2"`` do not.
    """
    s = _clean(text)
    if _LETTERS_FIRST.match(s):
        return True
    head = s[:4]
    return (
        len(head) == 4
        and sum(c.isdigit() for c in head) >= 3
        and bool(_ALMOST.match(s) or _DIGITS_THEN.match(s))
    )


def parse_postcode(text: str) -> Postcode:
    """Read a Dutch postcode, ignoring case and spaces: ``"8301"``, ``"8301AB"``, ``"8301 ab"``.

    Raises
    ------
    PostcodeError
        ``empty``, ``not_a_postcode``, ``letter_for_digit`` (``"83O1"``), ``starts_with_zero``
        (``"0000"``), ``letters_first`` (``"AB 8301"``), ``bad_letters`` (``"8301 A1"``) or
        ``reserved_letters`` (``"8301 SS"``).
    """
    s = _clean(text)
    if not s:
        raise PostcodeError("empty", text)
    if m := _POSTCODE.match(s):
        digits, letters = m["digits"], m["letters"]
        if digits[0] == "0":
            raise PostcodeError("starts_with_zero", text, understood=digits)
        if letters in RESERVED_LETTERS:
            raise PostcodeError("reserved_letters", text, understood=f"{digits} {letters}")
        return Postcode(digits, letters)
    if m := _LETTERS_FIRST.match(s):
        turned = f"{m['digits']} {m['letters']}"
        raise PostcodeError("letters_first", text, understood=turned, suggestion=turned)
    if (m := _ALMOST.match(s)) and not m["head"].isdigit():
        head = m["head"]
        understood = "".join(c if c.isdigit() else "?" for c in head)
        meant = head.translate(DIGIT_LOOKALIKES)
        tail = f" {m['letters']}" if len(m["letters"]) == 2 else ""
        raise PostcodeError("letter_for_digit", text, understood=understood, suggestion=meant + tail)
    if m := _DIGITS_THEN.match(s):
        raise PostcodeError("bad_letters", text, understood=m["digits"])
    raise PostcodeError("not_a_postcode", text)


@cache
def _index(data_dir: str) -> dict[str, tuple[object, ...]]:
    """PC4 code -> (place, places_geonames, municipality, province, inhabitants, 65+, lat, lon, x, y)."""
    p = load_census(Path(data_dir)).pc4
    lon, lat = to_wgs84().transform(p["x"].to_numpy(dtype=float), p["y"].to_numpy(dtype=float))
    rows = zip(
        p["code"].astype(str),
        p["place"],
        p["places_geonames"],
        p["municipality"],
        p["province"],
        p["inhabitants"],
        p["inhabitants_65plus"],
        np.round(lat, 6),
        np.round(lon, 6),
        p["x"],
        p["y"],
        strict=True,
    )
    return {
        code: (
            place,
            tuple(n for n in str(gn).split(";") if n),
            mun,
            prov,
            int(n),
            int(n65),
            float(la),
            float(lo),
            float(x),
            float(y),
        )
        for code, place, gn, mun, prov, n, n65, la, lo, x, y in rows
    }


def _area(data_dir: str, code: str, postcode: str) -> PostcodeArea:
    place, gn, mun, prov, n, n65, lat, lon, x, y = _index(data_dir)[code]
    return PostcodeArea(code, postcode, str(place), gn, str(mun), str(prov), int(n), int(n65), lat, lon, x, y)  # type: ignore[arg-type]


def _root(data_dir: Path | None) -> str:
    return str((data_dir or default_data_dir()).resolve())


def lookup_postcode(text: str, *, data_dir: Path | None = None) -> PostcodeArea:
    """Find the PC4 area of a typed postcode, offline.

    ``"8301 ab"`` gives the area 8301 (Emmeloord) with ``postcode == "8301 AB"``; the letters are
    read and kept but not checked (the list of full postcodes is not shipped).

    Raises
    ------
    PostcodeError
        For malformed input (see :func:`parse_postcode`) and ``unknown_area`` for a well-formed
        postcode whose 4 digits are not a CBS PC4 area (a PO-box range such as 1000, or a typo).
    """
    root = _root(data_dir)
    try:
        pc = parse_postcode(text)
    except PostcodeError as exc:  # suggest only a postcode that exists
        if exc.suggestion and exc.suggestion[:4] not in _index(root):
            raise PostcodeError(exc.reason, exc.text, understood=exc.understood) from None
        raise
    if pc.digits not in _index(root):
        raise PostcodeError("unknown_area", text, understood=str(pc))
    return _area(root, pc.digits, str(pc))


@cache
def _tree(data_dir: str) -> tuple[shapely.STRtree, np.ndarray]:
    polygons = load_pc4_polygons(Path(data_dir))
    return shapely.STRtree(polygons.geometry.to_numpy()), polygons["code"].astype(str).to_numpy()


def area_at(lat: float, lon: float, *, data_dir: Path | None = None) -> PostcodeArea | None:
    """The PC4 area a WGS84 point (a map click) falls in, or ``None`` (water, abroad, no area).

    Looked up in the drawn polygons (simplified to 75 m), so a click within about that distance of
    an area's edge may name its neighbour.
    """
    root = _root(data_dir)
    tree, codes = _tree(root)
    point = shapely.Point(lon, lat)
    hits = tree.query(point, predicate="intersects")
    if not len(hits):
        return None
    inside = [i for i in hits if tree.geometries[i].contains_properly(point)]  # not on a shared edge
    code = str(codes[int(min(inside or hits))])
    return _area(root, code, code)
