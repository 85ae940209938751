"""Entry point: ``streamlit run app.py``. Declares the pages; each page is a short script."""

import streamlit as st

# Presenter mode (?present=1): the sidebar with the controls and the navigation start hidden.
presenting = st.query_params.get("present", "").lower() in ("1", "true", "yes", "on")
st.set_page_config(
    page_title="GAN dynamics lab",
    page_icon="🌀",
    layout="wide",
    initial_sidebar_state="collapsed" if presenting else "auto",
)

if presenting:
    from ui.presenter import enlarge_text

    enlarge_text()

pages = [
    st.Page(
        "pages/explorer.py", title="Dirac-GAN explorer", icon=":material/explore:", default=True
    ),
    st.Page("pages/compare.py", title="Compare variants", icon=":material/grid_view:"),
    st.Page("pages/stability.py", title="Stability map", icon=":material/map:"),
    st.Page(
        "pages/mode_collapse.py", title="Mode collapse (GMM-GAN)", icon=":material/scatter_plot:"
    ),
    st.Page("pages/lessons.py", title="Guided lessons", icon=":material/school:"),
]
st.navigation(pages, position="hidden" if presenting else "sidebar").run()
