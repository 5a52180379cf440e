"""Exceptions raised by the domain layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One problem found in a data file: where it is and what is wrong."""

    file: str
    row: int | None  # line number in the file (the header is line 1); None for file-level problems
    field: str | None
    message: str
    #: What ``row`` counts: "line" (CSV), "row" (spreadsheet) or "feature" (GeoJSON).
    unit: str = "line"
    #: Text key of the message (``problem.<code>`` in geo/i18n) and its values, for the user's
    #: language; ``message`` stays the English text of the command line and the logs.
    code: str | None = None
    values: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", {self.unit} {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class DataValidationError(ValueError):
    """The shipped or supplied data does not satisfy its schema; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [f"{len(self.problems)} {noun} in the data:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class UnknownIdError(ValueError):
    """An identifier (network, specialty, sub-region, site) that the data does not know."""
