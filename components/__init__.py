"""Streamlit and folium UI pieces of NetwerkAtlas.

Map builders (:mod:`geo.render.webmap`) return a ``folium.Map`` and do not need Streamlit; the ``render_*``
functions in the other modules draw Streamlit widgets and stay thin.
"""
