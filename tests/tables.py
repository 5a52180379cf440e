"""Read the HTML tables the app draws (``geo.render.htmltable``) back into DataFrames, for assertions."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd


def read_html_table(markup: str) -> pd.DataFrame:
    """Parse the first table in ``markup`` into a DataFrame of strings (header row as columns)."""

    class _Parser(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.header: list[str] = []
            self.rows: list[list[str]] = []
            self._cell: list[str] | None = None
            self._in_head = False

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "thead":
                self._in_head = True
            elif tag == "tr" and not self._in_head:
                self.rows.append([])
            elif tag in ("th", "td"):
                self._cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag == "thead":
                self._in_head = False
            elif tag in ("th", "td") and self._cell is not None:
                text = "".join(self._cell)
                (self.header if self._in_head else self.rows[-1]).append(text)
                self._cell = None

        def handle_data(self, data: str) -> None:
            if self._cell is not None:
                self._cell.append(data)

    parser = _Parser()
    parser.feed(markup)
    return pd.DataFrame(parser.rows, columns=parser.header)


def sites_table(at) -> pd.DataFrame:
    """The table of sites under the map in an AppTest run (the one HTML table of the page)."""
    tables = [h.proto.body for h in at.get("html") if 'class="na-table"' in h.proto.body]
    assert len(tables) == 1, f"expected one sites table, found {len(tables)}"
    return read_html_table(tables[0])
