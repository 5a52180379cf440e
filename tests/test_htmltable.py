"""The HTML table under the map: escaped cells, real headers, a caption, a focusable region."""

from __future__ import annotations

import math

import pandas as pd

from geo.render.htmltable import html_table
from tests.tables import read_html_table


def test_cells_are_escaped_and_read_back_as_text() -> None:
    frame = pd.DataFrame(
        {"Locatie": ["<b>MST</b> & co", "Isala"], "SEH": [None, math.nan], "Plaats": ["A", "B"]}
    )
    markup = html_table(frame, caption="Locaties <i>in beeld</i>", label="Locaties")
    assert "<b>" not in markup and "<i>" not in markup  # no markup from the data reaches the page
    back = read_html_table(markup)
    assert list(back.columns) == ["Locatie", "SEH", "Plaats"]
    assert back.to_dict("records") == [
        {"Locatie": "<b>MST</b> & co", "SEH": "", "Plaats": "A"},
        {"Locatie": "Isala", "SEH": "", "Plaats": "B"},
    ]


def test_table_is_a_labelled_keyboard_region_with_column_headers() -> None:
    markup = html_table(pd.DataFrame({"a": [1]}), caption="Twee locaties", label='Locaties "x"')
    assert '<div class="na-table" role="region" aria-label="Locaties &quot;x&quot;" tabindex="0">' in markup
    assert "<caption>Twee locaties</caption>" in markup
    assert '<th scope="col">a</th>' in markup
