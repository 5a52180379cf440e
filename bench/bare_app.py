"""The bare page of ``bench/run.py``: one line of Streamlit, what every Streamlit page costs at least."""

import streamlit as st

st.write("NetwerkAtlas")
