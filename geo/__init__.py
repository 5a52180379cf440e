"""NetwerkAtlas domain layer: loading, validating and analysing the hospital-network data.

Nothing in this package imports Streamlit; functions take and return plain data, DataFrames and
GeoDataFrames so that the app, the command line and the tests share one implementation.
"""

__version__ = "0.1.0"
