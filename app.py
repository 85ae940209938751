"""Entry point: ``streamlit run app.py``. Declares the pages; each page is a short script."""

import streamlit as st

st.set_page_config(page_title="GAN dynamics lab", page_icon="🌀", layout="wide")

pages = [
    st.Page("pages/explorer.py", title="Dirac-GAN explorer", icon="🌀", default=True),
    st.Page("pages/mode_collapse.py", title="Mode collapse (GMM-GAN)", icon="🎯"),
]
st.navigation(pages).run()
