"""Entry point: ``streamlit run app.py``. Declares the pages; each page is a short script."""

import streamlit as st

st.set_page_config(page_title="GAN dynamics lab", page_icon="🌀", layout="wide")

explorer = st.Page("pages/explorer.py", title="Dirac-GAN explorer", icon="🌀", default=True)
st.navigation([explorer]).run()
