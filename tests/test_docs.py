"""The data documentation keeps up with the data: every file and every column is described."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from geo import schema

DATA = Path(__file__).resolve().parents[1] / "data"
README = (DATA / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path",
    sorted(p for p in DATA.rglob("*") if p.is_file() and p.name != "README.md"),
    ids=lambda p: str(p.relative_to(DATA)),
)
def test_every_data_file_is_documented(path):
    assert path.name in README, f"data/README.md does not mention {path.relative_to(DATA)}"


@pytest.mark.parametrize("table", schema.TABLES, ids=lambda t: t.file)
def test_every_schema_column_is_documented(table):
    missing = [c for c in table.names if f"`{c}`" not in README]
    assert not missing, f"{table.file}: undocumented columns {missing}"


@pytest.mark.parametrize("name", ["fixed_links.csv", "ferries.csv", "calibration.csv"])
def test_travel_time_columns_are_documented(name):
    with (DATA / name).open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    missing = [c for c in header if f"`{c}`" not in README and c not in README]
    assert not missing, f"{name}: undocumented columns {missing}"


def test_every_source_is_a_link_with_a_date():
    for table in schema.TABLES:
        with (DATA / table.file).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                assert row["source_url"].startswith(("http://", "https://"))
                assert row["source_date"]
