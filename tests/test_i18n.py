"""The text catalogue (geo/i18n/*.toml): both languages say the same, every key is used, plurals count."""

from __future__ import annotations

import ast
import datetime as dt
import string
from pathlib import Path

import pytest

from geo.i18n import LANGS, catalogue, fmt_date, fmt_number, fmt_percent, t

ROOT = Path(__file__).resolve().parents[1]


def _forms(entry: object) -> list[str]:
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys():
    nl, en = catalogue("nl"), catalogue("en")
    assert sorted(set(nl) ^ set(en)) == []
    assert len(nl) > 200


def test_placeholders_match_between_languages_and_plural_forms():
    nl, en = catalogue("nl"), catalogue("en")
    mismatched = {}
    for key in nl:
        found = {lang: [_placeholders(f) for f in _forms(cat[key])] for lang, cat in (("nl", nl), ("en", en))}
        every = [p for forms in found.values() for p in forms]
        if any(p != every[0] for p in every):
            mismatched[key] = found
    assert mismatched == {}


def test_plural_texts_have_the_cldr_forms_and_a_count():
    for lang in LANGS:
        for key, entry in catalogue(lang).items():
            if isinstance(entry, dict):
                assert set(entry) == {"one", "other"}, key
                assert all("{n}" in form for form in entry.values()), key


def _used_keys() -> tuple[set[str], set[str]]:
    """String constants and f-string prefixes in the app's code (where keys are named)."""
    constants, prefixes = set(), set()
    files = [ROOT / "app.py", *(ROOT / "components").rglob("*.py"), *(ROOT / "geo").rglob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                prefixes.add(str(node.values[0].value))
    return constants, {p for p in prefixes if p.endswith(".")}


def test_every_key_is_used():
    constants, prefixes = _used_keys()

    def used(key: str) -> bool:
        # ".min" variants are picked by geo.render.tables.by_unit from the km key.
        return (
            key in constants
            or key.removesuffix(".min") in constants
            or any(key.startswith(p) for p in prefixes)
        )

    assert sorted(k for k in catalogue("nl") if not used(k)) == []


def test_every_literal_key_exists():
    nl = catalogue("nl")
    calls = set()
    files = [ROOT / "app.py", *(ROOT / "components").rglob("*.py"), *(ROOT / "geo").rglob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                calls.add(node.args[0].value)
    assert len(calls) > 100
    assert sorted(calls - set(nl)) == []


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("nl", 1, "1 geplande locatie toegevoegd aan de wat-als-analyse."),
        ("nl", 3, "3 geplande locaties toegevoegd aan de wat-als-analyse."),
        ("en", 1, "1 planned site added to the what-if analysis."),
        ("en", 0, "0 planned sites added to the what-if analysis."),
        ("nl", 1500, "1.500 geplande locaties toegevoegd aan de wat-als-analyse."),
    ],
)
def test_plurals_follow_the_count(lang, n, expected):
    assert t("cov.planned.ok", lang, n=n) == expected


def test_numbers_percentages_and_dates_per_language():
    assert fmt_number(1234567.891, "nl", decimals=1) == "1.234.567,9"
    assert fmt_number(1234567.891, "en", decimals=1) == "1,234,567.9"
    assert fmt_number(0.5, "nl") == "0" and fmt_number(2.5, "en") == "2"  # half to even, as CLDR
    assert fmt_percent(0.9744, "nl") == "97,4%" and fmt_percent(0.9744, "en") == "97.4%"
    assert fmt_date(dt.date(2026, 3, 5), "nl") == "5 maart 2026"
    assert fmt_date(dt.date(2026, 3, 5), "en") == "March 5, 2026"


def test_missing_keys_show_themselves():
    assert t("no.such.key", "en") == "no.such.key"
    assert t("app.title", "fr") == t("app.title", "nl")
