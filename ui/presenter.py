"""Presenter mode (``?present=1``): controls hidden, larger text and lines for a projector,
and a link for students that opens the same view with the controls visible. Also the other
links a teacher hands out: a curated link (only some controls visible) and, on a view opened
from a lesson (``?from_lesson=N``), the way back to that lesson."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlencode

import streamlit as st

from ui.content import LESSONS as ALL
from ui.routes import LESSONS, link_query
from ui.state import md_literal

FLAG = "present"
#: URL key of the lesson a view was opened from (its number, 1-based).
FROM_LESSON = "from_lesson"
#: URL key of a curated link's hidden controls (comma-separated URL keys).
HIDE = "hide"
#: Fonts, lines and markers grow by this factor on a projector.
SCALE = 1.45
#: Page text for a projector: a constant style sheet (never built from user input).
PROJECTOR_CSS = "<style>html { font-size: 125%; } .stMain h1 { font-size: 2.6rem; }</style>"
#: The share panel's links (the sidebar's "Share this view", the presenter's popover): one
#: click selects the whole address. A constant style sheet.
SHARE_CSS = (
    '<style>[data-testid="stSidebar"] [data-testid="stExpander"] code, '
    '[data-testid="stPopoverBody"] code { user-select: all; }</style>'
)
#: How to copy a link shown by ``copyable``.
COPY_HINT = "A click on a link selects all of it: then copy it (Ctrl+C, ⌘C)."


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


def lesson_of(raw: str | None) -> tuple[int, str] | None:
    """(number, lesson id) for a ``from_lesson`` value, or None if it names no lesson."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        return None
    n = int(text)
    return (n, ALL[n - 1].id) if 1 <= n <= len(ALL) else None


def back_link() -> None:
    """ "← Back to lesson N" on a view opened from a lesson; a bad ``from_lesson`` is named
    and dropped from the URL."""
    if FROM_LESSON not in st.query_params:
        return
    raw = st.query_params[FROM_LESSON]
    found = lesson_of(raw)
    if found is None:
        st.warning(
            f"URL parameter **{FROM_LESSON}** = “{md_literal(raw)}” is not valid (expected a "
            "lesson number); no link back to a lesson.",
            icon="⚠️",
        )
        del st.query_params[FROM_LESSON]
        return
    n, lesson_id = found
    shown = {FLAG: True} if active() else {}
    query = link_query(LESSONS, lesson=lesson_id, **shown)
    st.page_link(
        LESSONS, label=f"← Back to lesson {n}", query_params=query,
        help="Return to the lesson this view was opened from.",
    )  # fmt: skip


def curated_link(hidden: Sequence[str]) -> str:
    """The students' link to this view with the controls ``hidden`` (URL keys) hidden."""
    params = {k: v for k, v in st.query_params.to_dict().items() if k not in (FLAG, HIDE)}
    if hidden:
        params[HIDE] = ",".join(hidden)
    query = urlencode(params, safe=",")
    return (st.context.url or "") + ("?" + query if query else "")


def copyable(url: str) -> str:
    """``url`` as a Markdown code span: shown verbatim, wrapped in a narrow sidebar, and
    in the share panel selected whole by one click (``SHARE_CSS``).

    Not ``st.code``: its copy button needs Streamlit's 1.6 MB syntax-highlighter chunk, which
    every page then loaded on first visit for a collapsed panel (docs/performance.md). An
    inline code span is drawn as a plain ``<code>``. The fence is one backtick longer than
    the longest run of backticks in ``url``, so no address can end the span early.
    """
    one_line = " ".join(url.split())
    fence = "`" * (max(map(len, re.findall(r"`+", one_line)), default=0) + 1)
    return f"{fence} {one_line} {fence}"


def share_panel(hideable: Sequence[tuple[str, str]] = (), *, back: bool = True) -> None:
    """'Copy link' controls: in presenter mode at the top of the page, else in the sidebar.

    ``hideable``: (URL key, words) of the controls a teacher may hide in a curated link;
    the panel then builds that link from the controls ticked to keep. ``back``: show the
    link back to the lesson the view was opened from.
    """
    if back:
        back_link()
    student, presenter = links()
    st.html(SHARE_CSS)  # a style sheet alone: Streamlit draws no box for it
    if active():
        with st.popover(
            "Link for students",
            icon=":material/link:",
            help="The same view with the controls visible.",
        ):
            st.markdown(f"{copyable(student)}\n\n:small[:gray[{COPY_HINT}]]")
        return
    with st.sidebar.expander("Share this view", icon=":material/share:"):
        # one Markdown element for the hint and both links
        st.markdown(
            ":small[:gray[Every control is in the URL: a copied link reproduces this view "
            f"exactly. {COPY_HINT}]]\n\n"
            f"**Link for students** (controls visible)  \n{copyable(student)}\n\n"
            f"**Presenter link** (controls hidden, large text for a projector)  \n"
            f"{copyable(presenter)}"
        )
        if hideable:
            labels = dict(hideable)
            keep = st.multiselect(
                "Controls students can move",
                list(labels),
                default=list(labels),
                key="share_keep",
                format_func=lambda k: labels.get(k, k),
                help="Untick a control to hide it in the link below: students then see only "
                "the ticked ones, and the hidden ones keep this view's values.",
            )
            hidden = [k for k in labels if k not in set(keep)]
            st.markdown(
                f"**Curated link** (only the ticked controls)  \n{copyable(curated_link(hidden))}"
            )
