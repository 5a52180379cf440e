"""The data documentation keeps up with the data: every file listed, every column described in its place."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from geo import schema

DATA = Path(__file__).resolve().parents[1] / "data"
README = (DATA / "README.md").read_text(encoding="utf-8")
TICKED = re.compile(r"`([^`]+)`")


def _file_table() -> set[str]:
    """Files named in the first column of the README's overview table."""
    first = README.split("\n## ", 1)[0]
    rows = [line for line in first.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in TICKED.findall(row.split("|")[1])}


def _section(title: str) -> str:
    """The text under ``### title`` up to the next heading."""
    match = re.search(rf"^### {re.escape(title)}\n(.*?)(?=^#)", README + "\n#", re.M | re.S)
    assert match, f"data/README.md has no section '### {title}'"
    return match[1]


def _bullet(section: str, name: str) -> str:
    match = re.search(rf"^- `{re.escape(name)}`:(.*?)(?=^- `|\Z)", section, re.M | re.S)
    assert match, f"no bullet for {name}"
    return match[1]


def test_every_data_file_is_in_the_table_and_every_listed_file_exists():
    files = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file() and p.name != "README.md"}
    assert _file_table() == files


@pytest.mark.parametrize("table", schema.TABLES, ids=lambda t: t.file)
def test_every_column_is_described_in_its_own_section(table):
    section = _section(table.file)
    described = set(TICKED.findall(section))
    assert sorted(set(table.names) - described) == []
    # Table rows (| `col`, `col` | meaning |) name columns only: a row for a dropped column is stale.
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    assert sorted({c for cell in rows for c in TICKED.findall(cell)} - set(table.names)) == []


@pytest.mark.parametrize("name", ["fixed_links.csv", "ferries.csv", "calibration.csv"])
def test_travel_time_columns_are_described_in_their_bullet(name):
    with (DATA / name).open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    bullet = _bullet(_section("fixed_links.csv, ferries.csv, calibration.csv and traveltime/"), name)
    assert sorted(set(header) - set(TICKED.findall(bullet))) == []


@pytest.mark.parametrize("table", schema.TABLES, ids=lambda t: t.file)
def test_every_source_is_a_link_with_a_date(table):
    with (DATA / table.file).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for row in rows:
        assert re.match(r"https?://[^\s/]+\.[^\s/]+", row["source_url"]), row
        # As data/README.md says: YYYY[-MM[-DD]], or "undated" for a page that gives no date.
        assert re.fullmatch(r"\d{4}(-\d{2}){0,2}|undated", row["source_date"]), row
