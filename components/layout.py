"""Page layout rules that Streamlit has no option for: a compact header, the map block on phones."""

from __future__ import annotations

#: Injected once per run (``st.html`` with only a style element renders nothing visible).
#: - less empty space above the title and smaller metrics, so the map starts high on the page;
#: - on a phone (Streamlit stacks columns below 640 px) the side panel (finder, coverage controls)
#:   comes before the map, the metrics stay on one line, and buttons are at least 44 px tall.
PAGE_CSS = """<style>
.block-container { padding-top: 1.6rem; padding-bottom: 2rem; }
h1 { padding: 0 0 .1rem 0; font-size: 2rem; }
[data-testid="stMetric"] { padding: 0; }
[data-testid="stMetricValue"] { font-size: 1.5rem; line-height: 1.2; }
[data-testid="stMetricLabel"] { min-height: 0; }
@media (max-width: 640px) {
  .block-container { padding-top: 3.2rem; }
  h1 { font-size: 1.6rem; }
  .st-key-na_map_block [data-testid="stHorizontalBlock"] { flex-direction: column-reverse; }
  .st-key-na_metrics [data-testid="stHorizontalBlock"] { flex-wrap: nowrap !important; }
  .st-key-na_metrics [data-testid="stColumn"] { min-width: 0 !important; width: auto !important;
    flex: 1 1 0 !important; }
  button, [data-baseweb="select"] > div, [data-testid="stTextInput"] input { min-height: 44px !important; }
}
</style>"""
