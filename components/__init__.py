"""Streamlit UI pieces of NetwerkAtlas: each reads widgets, calls :mod:`geo`, and renders.

Everything that is not Streamlit (map builders, texts, tables, files) lives in :mod:`geo`; the
cached wrappers of its loaders are in :mod:`components.cache`.
"""
