"""Page layout rules that Streamlit has no option for: a compact header, the map block on phones."""

from __future__ import annotations

#: Injected once per run (``st.html`` with only a style element renders nothing visible).
#: - less empty space above the title and at the sides, and smaller metrics, so the map starts high
#:   on the page and takes the width of the window (the legend inside it then hides less of it);
#: - on a phone (Streamlit stacks columns below 640 px) the side panel (finder, coverage controls)
#:   comes before the map, both take the full width, the metrics take the width of their text (no
#:   "Organis…"), and buttons are at least 44 px tall.
PAGE_CSS = """<style>
.block-container { padding: 1.6rem 2.5rem 2rem; }
h1 { padding: 0 0 .1rem 0; font-size: 2rem; }
[data-testid="stMetric"] { padding: 0; }
[data-testid="stMetricValue"] { font-size: 1.5rem; line-height: 1.2; }
[data-testid="stMetricLabel"] { min-height: 0; }
@media (max-width: 640px) {
  .block-container { padding: 3.2rem 1rem 2rem; }
  h1 { font-size: 1.6rem; }
  .st-key-na_map_block [data-testid="stHorizontalBlock"] { flex-direction: column-reverse; }
  .st-key-na_map_block [data-testid="stColumn"] { width: 100% !important; min-width: 100% !important;
    flex: 1 1 100% !important; }
  .st-key-na_metrics [data-testid="stHorizontalBlock"] { flex-wrap: wrap !important; gap: .25rem 1.5rem; }
  .st-key-na_metrics [data-testid="stColumn"] { min-width: 0 !important; width: auto !important;
    flex: 0 1 auto !important; }
  button, [data-baseweb="select"] > div, [data-testid="stTextInput"] input { min-height: 44px !important; }
}
</style>"""
