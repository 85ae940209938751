"""Entry point: ``streamlit run app.py``. The pages are declared in ``ui/routes.py``; each
page is a short script."""

import streamlit as st

from ui.compat import batch_script_events, widgets_look_up_own_key
from ui.live_chart import preload_plotly
from ui.routes import ROUTES

# Streamlit internals, for server CPU per rerun (ui/compat.py, each tested there)
widgets_look_up_own_key()  # each widget reads its own key, not the whole session
batch_script_events()  # a run's messages wake the event loop once per batch, not per message

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
    st.Page(r.script, title=r.title, icon=r.icon, url_path=r.path or None, default=r.default)
    for r in ROUTES
]
preload_plotly()  # the charts' Plotly bundle loads while the page's script runs
st.navigation(pages, position="hidden" if presenting else "sidebar").run()
