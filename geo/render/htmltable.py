"""An accessible HTML table of a small DataFrame, every cell escaped.

Used for the list of sites under the map: a real ``<table>`` with a caption and column headers is
read by screen readers cell by cell, and it needs none of the 1.3 MB of script a canvas data grid
loads before the map can show (bench/README.md, page-load timeline).
"""

from __future__ import annotations

import html

import pandas as pd

#: Scoped to the wrapper, so the page's other tables keep Streamlit's look.
TABLE_CSS = """<style>
.na-table { max-height: 28rem; overflow: auto; border: 1px solid rgba(49, 51, 63, .2); border-radius: .5rem; }
.na-table:focus-visible { outline: 2px solid #0072B2; outline-offset: 2px; }
.na-table table { border-collapse: collapse; width: 100%; font-size: .875rem; }
.na-table caption { text-align: left; padding: .4rem .6rem; color: rgba(49, 51, 63, .7); }
.na-table th, .na-table td { padding: .3rem .6rem; text-align: left; vertical-align: top;
  border-bottom: 1px solid rgba(49, 51, 63, .1); }
.na-table thead th { position: sticky; top: 0; background: #f0f2f6; z-index: 1; }
.na-table tbody tr:nth-child(even) { background: rgba(240, 242, 246, .5); }
</style>"""


def html_table(frame: pd.DataFrame, *, caption: str, label: str) -> str:
    """Return ``frame`` as a scrollable, keyboard-focusable HTML table (``label`` names the region).

    Missing values are empty cells; the index is not shown.
    """
    e = html.escape

    def cell(value: object) -> str:
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else e(str(value))

    head = "".join(f'<th scope="col">{e(str(c))}</th>' for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    return (
        f'{TABLE_CSS}<div class="na-table" role="region" aria-label="{e(label)}" tabindex="0">'
        f"<table><caption>{e(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )
