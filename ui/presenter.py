"""Presenter mode (``?present=1``): controls hidden, larger text and lines for a projector,
and a link for students that opens the same view with the controls visible."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

FLAG = "present"
#: Fonts, lines and markers grow by this factor on a projector.
SCALE = 1.45
#: Page text for a projector: a constant style sheet (never built from user input).
PROJECTOR_CSS = "<style>html { font-size: 125%; } .stMain h1 { font-size: 2.6rem; }</style>"


def active() -> bool:
    return st.query_params.get(FLAG, "").lower() in ("1", "true", "yes", "on")


def scale() -> float:
    return SCALE if active() else 1.0


def enlarge_text() -> None:
    """In presenter mode, larger page text (figures are scaled by ``scale()``)."""
    if active():
        st.html(PROJECTOR_CSS)


def links() -> tuple[str, str]:
    """(link for students, presenter link) to the current view, controls and all."""
    base = st.context.url or ""
    params = {k: v for k, v in st.query_params.to_dict().items() if k != FLAG}
    student = base + ("?" + urlencode(params) if params else "")
    presenter = base + "?" + urlencode({**params, FLAG: "1"})
    return student, presenter


def share_panel() -> None:
    """'Copy link' controls: in presenter mode at the top of the page, else in the sidebar."""
    student, presenter = links()
    if active():
        with st.popover(
            "Link for students",
            icon=":material/link:",
            help="The same view with the controls visible.",
        ):
            st.code(student, language=None, wrap_lines=True)
        return
    with st.sidebar.expander("Share this view", icon=":material/share:"):
        st.caption("Every control is in the URL: a copied link reproduces this view exactly.")
        st.markdown("**Link for students** (controls visible)")
        st.code(student, language=None, wrap_lines=True)
        st.markdown("**Presenter link** (controls hidden, large text for a projector)")
        st.code(presenter, language=None, wrap_lines=True)
