"""NetwerkAtlas domain layer: the data, the analyses, the texts, the maps and files, and the command line.

Nothing in this package imports Streamlit or :mod:`components` (``tests/test_layering.py`` checks
every module); functions take and return plain data, DataFrames and GeoDataFrames so that the app,
the command line and the tests share one implementation.
"""

__version__ = "0.1.0"
