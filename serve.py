"""Production entry point: ``streamlit run serve.py`` serves ``app.py`` behind the lab's guard.

``streamlit run`` sees the ``st.App`` below and serves it through uvicorn with the guard of
``ui/compat.py`` in front of every route: per-connection message limits on the WebSocket, no
file uploads, anti-framing headers. ``streamlit run app.py`` still works (local development,
tests) but without the guard.
"""

import streamlit as st
from starlette.middleware import Middleware

from ui.compat import ClientGuard

app = st.App("app.py", middleware=[Middleware(ClientGuard)])
