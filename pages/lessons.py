"""Guided lessons: read, predict, open the view with the right settings, check, and a glossary."""

from __future__ import annotations

import streamlit as st

from dynamics.lessons import GLOSSARY, LESSON_INDEX, LESSONS, PAGE_TITLE, Lesson, Link
from ui import presenter
from ui.boot import require_entrypoint
from ui.state import Spec, UrlState

require_entrypoint()

IDS = tuple(LESSON_INDEX)
SPECS = [Spec("lesson", "choice", IDS[0], choices=IDS, label="lesson")]
MAX_WIDTH = 980  # px: lines of text stay readable on wide screens
ICON = {
    "pages/explorer.py": ":material/explore:",
    "pages/compare.py": ":material/grid_view:",
    "pages/stability.py": ":material/map:",
    "pages/mode_collapse.py": ":material/scatter_plot:",
}


def _current(url: UrlState) -> int:
    """Index of the lesson in the session state; a value no browser sends (a hand-made client
    can send any text as the selectbox's option) counts as the first lesson."""
    lid = st.session_state.get(url.sk("lesson"))
    return IDS.index(lid) if lid in IDS else 0


def _step(url: UrlState, delta: int) -> None:
    i = _current(url)
    st.session_state[url.sk("lesson")] = IDS[min(max(i + delta, 0), len(IDS) - 1)]


def answer_key(lesson_id: str) -> str:
    """Key of a lesson's "Show what to look for" expander. The browser keeps an expander's
    open state with its element, and one expander shared by all lessons carried lesson 1's
    open answer into lesson 2; a key per lesson makes each lesson's answer its own element,
    mounted closed whenever the lesson is shown. (Untracked on purpose: no widget state a
    client could send, no rerun per click.)"""
    return f"les_answer_{lesson_id}"


def lesson_selector(url: UrlState) -> Lesson:
    """Previous / select / next; the lesson id lives in the URL (``?lesson=…``)."""
    i = _current(url)
    if st.session_state.get(url.sk("lesson")) != IDS[i]:  # only a hand-made client gets here
        st.session_state[url.sk("lesson")] = IDS[i]  # before the selectbox reads it
    c1, c2, c3 = st.columns([1, 4, 1], vertical_alignment="bottom")
    c1.button(
        "Previous", key="les_prev", icon=":material/arrow_back:", on_click=_step,
        args=(url, -1), disabled=i == 0, width="stretch",
    )  # fmt: skip
    c2.selectbox(
        "Lesson", IDS, key=url.sk("lesson"), persist_state="session",
        format_func=lambda n: f"{IDS.index(n) + 1}. {LESSON_INDEX[n].title}",
        help="Each lesson is also a link: the page's URL names it (?lesson=…).",
    )  # fmt: skip
    c3.button(
        "Next", key="les_next", icon=":material/arrow_forward:", icon_position="right",
        on_click=_step, args=(url, 1), disabled=i == len(IDS) - 1, width="stretch",
    )  # fmt: skip
    return LESSON_INDEX[st.session_state[url.sk("lesson")]]


def base_url() -> str:
    """The app's address as the browser sees it ("" when unknown, e.g. under AppTest)."""
    here = st.context.url or ""
    return here.removesuffix("/").removesuffix("/lessons")


def link_block(link: Link, base: str) -> None:
    """The link (in presenter mode it opens the view in presenter mode too) and its URL."""
    query = dict(link.query)
    if presenter.active():
        query[presenter.FLAG] = "1"
    with st.container(border=True):
        st.page_link(
            link.page, label=f"**{link.label}**", icon=ICON.get(link.page), query_params=query,
            help=f"Opens the {PAGE_TITLE[link.page]} page with exactly these settings.",
        )  # fmt: skip
        st.code(f"{base}/{link.url}", language=None, wrap_lines=True)


url = UrlState("lessons", prefix="les_")
url.begin(SPECS)

page = st.container(width=MAX_WIDTH)
page.title("Guided lessons")
page.caption(
    "Ten short lessons on why GAN training circles, diverges or converges. Each one explains an "
    "idea, asks you to predict what will happen, and opens the right view with exactly the "
    "right settings: run it, then check your prediction under *Show what to look for*."
)
for note in url.notes():
    page.warning(note, icon="⚠️")

with page:
    lesson = lesson_selector(url)
    url.publish(url.values(SPECS), SPECS)
    presenter.share_panel()
n = IDS.index(lesson.id) + 1

tab_lesson, tab_glossary = page.tabs(["Lesson", "Glossary"])
with tab_lesson:
    st.subheader(f"{n}. {lesson.title}", anchor=False)
    st.markdown(lesson.explanation)
    head, _, rest = lesson.question.partition(":")
    st.info(f"**{head}:**{rest}", icon=":material/psychology_alt:")
    base = base_url()
    for link in lesson.links:
        link_block(link, base)
    with st.expander(
        "Show what to look for", icon=":material/visibility:", key=answer_key(lesson.id)
    ):
        st.markdown(lesson.answer)
    st.markdown(f"**Reference**: {lesson.reference}")
    st.caption(f"Lesson {n} of {len(LESSONS)}.")
with tab_glossary:
    st.markdown("\n".join(f"- **{term}**: {text}" for term, text in GLOSSARY))
