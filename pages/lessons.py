"""Guided lessons: read, predict, run the lesson's own figure, check; open the full view with
the right settings; and a glossary."""

from __future__ import annotations

import streamlit as st

from ui import embedded, presenter, routes
from ui.boot import require_entrypoint
from ui.content import (
    GLOSSARY,
    LESSON_INDEX,
    LESSONS,
    TRY_IT,
    Lesson,
    Link,
    content_problems,
)
from ui.glossary import TERM_BY_SLUG, Linker
from ui.routes import EXPLORER, MODE_COLLAPSE, PAGE_TITLE, ROUTE
from ui.state import UrlState

require_entrypoint()

IDS = tuple(LESSON_INDEX)
#: Numbers in words for the introduction ("Ten short lessons"); digits beyond.
COUNT = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
         "Eleven", "Twelve")  # fmt: skip
SPECS = ROUTE[routes.LESSONS].specs({})  # declared in ui/specs.py
MAX_WIDTH = 980  # px: lines of text stay readable on wide screens
FIGURE_WIDTH = 1400  # px: the lesson's figure may use more
FIGURE_HEIGHT = 740  # px: the field and the data space below it (less: their titles collide)
#: Key prefix of a lesson link's box; a click on its URL selects all of it (a constant style
#: sheet, as the share panel's; a literal, as tests/test_project.py requires of raw HTML).
LINK_KEY = "les_link"
LINK_CSS = '<style>[class*="st-key-les_link_"] code { user-select: all; }</style>'


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


def link_block(link: Link, base: str, n: int, i: int) -> None:
    """The ``i``-th link of lesson ``n`` (in presenter mode it opens the view in presenter
    mode too) and its URL. The view it opens shows "← Back to lesson n"; the copyable URL is
    the plain view."""
    shown = {presenter.FLAG: True} if presenter.active() else {}
    query, problems = routes.check(link.page, {**link.query, presenter.FROM_LESSON: n, **shown})
    if problems:  # a teacher's slip in a lesson file: say which setting, draw no broken link
        st.error(f"The link “{link.label}” has settings the page would not take: "
                 + "; ".join(problems), icon=":material/error:")  # fmt: skip
        return
    with st.container(border=True, key=f"{LINK_KEY}_{n}_{i}"):
        st.page_link(
            link.page, label=f"**{link.label}**", icon=ROUTE[link.page].icon, query_params=query,
            help=f"Opens the {PAGE_TITLE[link.page]} page with exactly these settings.",
        )  # fmt: skip
        # a code span, not st.code: st.code made a first visit fetch Streamlit's 1.6 MB
        # syntax highlighter (ui/presenter.py copyable); one click selects the whole URL
        st.markdown(presenter.copyable(f"{base}/{routes.link(link.page, **link.query)}"))


def predict_key(lesson_id: str) -> str:
    """Key of a lesson's prediction (one per lesson: each lesson starts unanswered)."""
    return f"les_predict_{lesson_id}"


def prediction(lesson: Lesson) -> int | None:
    """The student's prediction: a choice of answers, none chosen at first."""
    try_it = TRY_IT[lesson.id]
    choice = st.radio(
        "Your prediction", range(len(try_it.choices)), index=None, key=predict_key(lesson.id),
        format_func=lambda i: try_it.choices[i] if i in range(len(try_it.choices)) else "?",
        help="Commit to an answer: the figure then runs, and the page says why.",
    )  # fmt: skip
    return choice if choice in range(len(try_it.choices)) else None


def gmm_figure(lesson: Lesson, link: Link, chosen: int) -> None:
    """A mode-collapse link drawn on the page: both dynamics over training, their outcomes,
    and the number of discriminator steps k as the lesson's control."""
    query: dict[str, object] = dict(link.query)
    if "k" in TRY_IT[lesson.id].controls:
        state = f"les_ctl_{lesson.id}_{chosen}_k"
        if state not in st.session_state:  # the link's value, then the student's
            st.session_state[state] = int(link.query["k"])
        st.slider(
            "Discriminator steps k per generator step", 1, 100, key=state, width=480,
            help="The first-order discriminator's gradient steps between two generator steps.",
        )  # fmt: skip
        query["k"] = st.session_state[state]
    fig, outcomes, notes = embedded.gmm_view(query)
    for note in notes:
        st.warning(note, icon="⏱️")
    st.markdown(outcomes)
    embedded.draw(
        fig, key="les_gmm_series",
        alt="Four time series for both dynamics: TV, the discriminator's sub-optimality, "
        "the distance between the two generator means, and the generator's gradient norm.",
    )  # fmt: skip
    st.caption(
        "Blue solid: optimal discriminator; orange dashed: first-order. TV between generator "
        "and data; what the discriminator gives away, (1 + TV) − L; |μ₁ − μ₂| (0 is mode "
        "collapse); the generator's gradient."
    )


def lesson_figure(lesson: Lesson, n: int) -> None:
    """The lesson's explorer links (else its mode-collapse links) drawn on the page, one at a
    time, with only the controls the lesson is about; the same numbers as the linked page."""
    links = [(i, x) for i, x in enumerate(lesson.links) if x.page == EXPLORER] or [
        (i, x) for i, x in enumerate(lesson.links) if x.page == MODE_COLLAPSE
    ]
    if not links:
        return
    names = {
        i: x.label.removeprefix("Open the explorer: ").removeprefix("Open the mode-collapse page: ")
        for i, x in links
    }
    chosen = links[0][0]
    if len(links) > 1:
        picked = st.radio(
            "Setting", list(names), key=f"les_setting_{lesson.id}", horizontal=True,
            format_func=lambda i: names.get(i, "?"),
        )  # fmt: skip
        chosen = picked if picked in names else chosen
    link = lesson.links[chosen]
    if link.page == MODE_COLLAPSE:
        gmm_figure(lesson, link, chosen)
        return
    settings = embedded.explorer_settings(link.query)
    specs = embedded.explorer_specs(settings.variant)
    moved: dict[str, object] = {}
    keys = [k for k in TRY_IT[lesson.id].controls if embedded.applicable(k, settings)]
    if keys:
        row = st.columns(max(len(keys), 2))
        for col, key in zip(row, keys, strict=False):
            state = f"les_ctl_{lesson.id}_{chosen}_{key}"
            if state not in st.session_state:  # the link's value, then the student's
                raw = link.query.get(key)
                st.session_state[state] = (
                    specs[key].default if raw is None else specs[key].parse(raw)
                )
            embedded.control(col, key, settings.variant, state_key=state)
            moved[key] = st.session_state[state]
    if moved:
        settings = embedded.explorer_settings({**link.query, **moved})
    field, dist, notes = embedded.figures(settings, height=FIGURE_HEIGHT)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        embedded.draw(
            field, key="les_field", autoplay=True,
            alt=f"Lesson {n}: the training paths on the vector field and in data space.",
        )  # fmt: skip
        st.caption(
            "Grey lines follow the vector field; each coloured path is one training method "
            "from the open marker to the filled one. ▶ replays training; below the field, the "
            "data at 0, the generator at θ and the discriminator's line ψx at that step."
        )
    with right:
        for note in notes:
            st.error(note)
        st.markdown(embedded.rho_lines(settings))
        if dist is not None:
            embedded.draw(
                dist, key="les_distance",
                alt="Distance to the equilibrium against the step, log scale, with the "
                "predicted ρ^k lines.",
            )  # fmt: skip


url = UrlState.of(routes.LESSONS)
if LESSONS:
    url.begin(SPECS)

page = st.container(width=MAX_WIDTH)
page.title("Guided lessons")
for problem in content_problems():  # a teacher's new file with a slip: say which and why
    page.error(f"Content file problem: {problem}", icon=":material/error:")
if not LESSONS:
    st.stop()
n_lessons = COUNT[len(LESSONS)] if len(LESSONS) < len(COUNT) else str(len(LESSONS))
page.caption(
    f"{n_lessons} short lessons on why GAN training circles, diverges or converges. Each one "
    "explains an idea and asks you to predict what will happen; once you have chosen an "
    "answer, its figure runs here and the lesson says why. Its links open the full view with "
    "exactly the right settings, to go further."
)
for note in url.notes():
    page.warning(note, icon="⚠️")

with page:
    lesson = lesson_selector(url)
    url.publish(url.values(SPECS), SPECS)
    presenter.share_panel(back=False)
n = IDS.index(lesson.id) + 1
term = TERM_BY_SLUG.get(st.session_state.get(url.sk("glossary")) or "")

wide = st.container(width=FIGURE_WIDTH)
tab_lesson, tab_glossary = wide.tabs(["Lesson", "Glossary"], default="Glossary" if term else None)
with tab_lesson:
    link = Linker()  # each glossary term is linked where the lesson first uses it
    with st.container(width=MAX_WIDTH):
        st.subheader(f"{n}. {lesson.title}", anchor=False)
        st.markdown(link(lesson.explanation))
        head, _, rest = link(lesson.question).partition(":")
        st.info(f"**{head}:**{rest}", icon=":material/psychology_alt:")
        guess = prediction(lesson)
        if guess is None:
            st.caption("Commit to a prediction: the lesson's figure then runs here.")
    if guess is not None:
        lesson_figure(lesson, n)  # the figure runs once the student has committed
    with st.container(width=MAX_WIDTH):
        if guess is not None:
            try_it = TRY_IT[lesson.id]
            right = try_it.choices[try_it.correct]
            if guess == try_it.correct:
                st.success(f"**Right.** {right}", icon=":material/check_circle:")
            else:
                st.warning(f"**Not quite.** The answer: {right}", icon=":material/lightbulb:")
            st.markdown(f"**Why.** {link(lesson.answer)}")
        base = base_url()
        st.html(LINK_CSS)
        for i, x in enumerate(lesson.links):
            link_block(x, base, n, i)
        if guess is None:  # for a teacher who wants the answer without predicting
            with st.expander(
                "Show what to look for", icon=":material/visibility:", key=answer_key(lesson.id)
            ):
                st.markdown(link(lesson.answer))
        st.markdown(f"**Reference**: {lesson.reference}")
        st.caption(f"Lesson {n} of {len(LESSONS)}.")
with tab_glossary:
    if term:
        st.info(f"**{term[0]}**: {term[1]}", icon=":material/menu_book:")
    st.markdown("\n".join(f"- **{t}**: {d}" for t, d in GLOSSARY))
