"""Make every page run through ``app.py``'s ``st.navigation``, even on a first deep link.

Streamlit 1.67 still honours the old "pages/ directory" multipage mode until the first
``st.navigation`` call in the server process: if the first visitor of a fresh server opens
``/compare`` directly, Streamlit runs ``pages/compare.py`` on its own, with an automatic
navigation menu ("app", "compare", …) and without ``app.py``'s page config. We keep the
``pages/`` layout, so each page calls ``require_entrypoint()`` first: it switches the process
to ``st.navigation`` mode (the flag ``st.navigation`` itself clears) and reruns, and the
rerun goes through ``app.py`` to the page that was asked for.
"""

from __future__ import annotations

import streamlit as st

from ui.compat import leave_pages_directory_mode


def require_entrypoint() -> None:
    if leave_pages_directory_mode():
        st.rerun()
