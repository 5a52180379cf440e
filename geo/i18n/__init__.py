"""Every user-facing text in Dutch (default) and English, and numbers and dates written the language's way.

The texts are data: ``geo/i18n/nl.toml`` and ``en.toml``, one key per text with ``{placeholders}``;
a plural text is a table of CLDR plural forms (``one``, ``other``) picked by its count ``n`` with
Babel's plural rules. ``t("key", lang, **values)`` looks a text up; a key missing in one language
falls back to Dutch and then to the key itself, so a forgotten entry shows up visibly instead of
crashing the page. Numbers, percentages and dates follow CLDR through Babel (Dutch ``1.234,5``,
``97,4%``, ``1 december 2026``; English ``1,234.5``, ``97.4%``, ``December 1, 2026``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent, format_scientific, get_decimal_symbol

from geo.errors import Problem

LANGS = ("nl", "en")
DEFAULT_LANG = "nl"
CATALOGUE_DIR = Path(__file__).resolve().parent

Entry = str | dict[str, str]


@cache
def catalogue(lang: str) -> dict[str, Entry]:
    """The texts of ``lang`` as read from ``geo/i18n/<lang>.toml`` (read once)."""
    with (CATALOGUE_DIR / f"{lang}.toml").open("rb") as f:
        return tomllib.load(f)


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def _pick(entry: Entry, lang: str, values: dict[str, object]) -> str:
    if isinstance(entry, str):
        return entry
    count = values.get("n")
    form = _locale(lang).plural_form(count) if isinstance(count, int | float) else "other"
    return entry.get(form) or entry["other"]


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """Return the text for ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    For a plural text the count ``n`` (a number) picks the form and is written as a number of the
    language (``1.234``).
    """
    lang = lang if lang in LANGS else DEFAULT_LANG
    entry = catalogue(lang).get(key)
    if entry is None:
        entry = catalogue(DEFAULT_LANG).get(key)
        lang = DEFAULT_LANG if entry is not None else lang
    if entry is None:
        return key
    text = _pick(entry, lang, values)
    if not isinstance(entry, str) and isinstance(values.get("n"), int | float):
        values = {**values, "n": fmt_number(values["n"], lang)}  # type: ignore[arg-type]
    return text.format(**values) if values else text


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def fmt_number(value: float, lang: str = DEFAULT_LANG, *, decimals: int = 0) -> str:
    """Format a number with ``decimals`` decimals and the language's separators (``1.234,5`` in Dutch)."""
    return format_decimal(value, format=_pattern(decimals), locale=_locale(lang))


def fmt_percent(fraction: float, lang: str = DEFAULT_LANG, *, decimals: int = 1) -> str:
    """Format a fraction (0.974) as a percentage: ``97,4%`` (nl) or ``97.4%`` (en), per CLDR."""
    return format_percent(fraction, format=_pattern(decimals) + "%", locale=_locale(lang))


def fmt_date(day: dt.date, lang: str = DEFAULT_LANG) -> str:
    """A date written out the way the language does: ``1 december 2026`` or ``December 1, 2026``."""
    return format_date(day, format="long", locale=_locale(lang))


def fmt_position(coords: tuple[float, ...], lang: str = DEFAULT_LANG) -> str:
    """A position as given, the language's way: ``(52,5085; 5,475)`` (nl) or ``(52.5085, 5.475)`` (en).

    Each coordinate keeps its decimals (up to six) and is not grouped; where the decimal sign is a
    comma, a semicolon separates the coordinates.
    """
    locale = _locale(lang)
    sep = "; " if get_decimal_symbol(locale) == "," else ", "
    parts = (
        format_decimal(c, format="0.######", locale=locale)
        if abs(c) < 1e9
        else format_scientific(c, locale=locale)  # a number that is no coordinate at all
        for c in coords
    )
    return "(" + sep.join(parts) + ")"


def problem_text(problem: Problem, lang: str = DEFAULT_LANG) -> str:
    """One problem of a data file in ``lang``: file, line/row/feature, field and what is wrong.

    The message comes from ``problem.<code>`` with the problem's values; a problem without a code
    keeps its English ``message``.
    """
    where = problem.file
    if problem.row is not None:
        where += ", " + t(f"problem.where.{problem.unit}", lang, row=problem.row)
    if problem.field:
        where += ", " + t("problem.where.field", lang, field=problem.field)
    # Counts other than the plural's ``n`` are written the language's way here (``n`` by :func:`t`),
    # and so are positions (a tuple of coordinates).
    values = {
        k: fmt_number(v, lang, decimals=int(isinstance(v, float)))
        if isinstance(v, int | float) and not isinstance(v, bool) and k != "n"
        else fmt_position(v, lang)
        if isinstance(v, tuple)
        else v
        for k, v in problem.values.items()
    }
    if not problem.code:
        return f"{where}: {problem.message}"
    message = t(f"problem.{problem.code}", lang, **values)
    if "hint" in values:  # what the numbers look like instead, e.g. swapped latitude and longitude
        message += " (" + t(f"problem.hint.{values['hint']}", lang) + ")"
    return f"{where}: {message}"
