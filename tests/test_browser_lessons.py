"""The guided lessons in headless Chromium: walk them all, follow their links, screenshots."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import href, open_page, screenshot, wait_idle
from ui.content import LESSON_INDEX, LESSONS, Link
from ui.routes import PAGE_TITLE, PAGE_URL, page_url

pytestmark = pytest.mark.browser

#: One link to each kind of page (lesson id, link index): following them all takes too long.
FOLLOW = [("saturation", 1), ("saturation", 2), ("gradient-penalty", 2), ("mode-collapse", 1)]
HEADING = {page: title for page, title in PAGE_TITLE.items()}
HEADING["pages/compare.py"] = "Compare variants and training schemes"


def target(href: str) -> tuple[str, dict[str, str]]:
    """(page's URL path, query) of a link."""
    u = urlparse(href)
    return u.path.strip("/"), {k: v[-1] for k, v in parse_qs(u.query).items()}


def page_links(page: Page) -> list[tuple[str, dict[str, str]]]:
    """Targets of the page links in the main area, in order (Streamlit draws two <a> each)."""
    out: list[tuple[str, dict[str, str]]] = []
    for a in page.locator('[data-testid="stMain"] a[data-testid="stPageLink-NavLink"]').all():
        t = target(a.get_attribute("href") or "")
        if t not in out:
            out.append(t)
    return out


def expected(links: tuple[Link, ...], n: int) -> list[tuple[str, dict[str, str]]]:
    """The lesson's links, each carrying the way back to lesson ``n``."""
    return [(PAGE_URL[x.page], {**x.query, "from_lesson": str(n)}) for x in links]


def heading(page: Page) -> str:
    return page.locator("h1").first.inner_text().strip()


def wait_for(page: Page, condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_walk_every_lesson_with_the_next_button(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/lessons")
    assert heading(page) == "Guided lessons"
    for n, lesson in enumerate(LESSONS, start=1):
        title = f"{n}. {lesson.title}"
        wait_for(page, lambda t=title: page.get_by_role("heading", name=t).count() > 0)
        wait_idle(page)
        if n > 1:
            assert f"lesson={lesson.id}" in href(page)
        body = page.inner_text("body")
        assert lesson.question.removeprefix("Predict, then run: ")[:40] in body
        assert page_links(page) == expected(lesson.links, n)
        screenshot(page, f"lesson-{lesson.id}")
        if n < len(LESSONS):
            page.get_by_role("button", name="Next").click()
    assert page.get_by_role("button", name="Next").is_disabled()
    # the answer is hidden until asked for
    answer = re.sub(r"[*_`]", "", LESSONS[-1].answer)[:30]  # as rendered, without markup
    assert not page.get_by_text(answer).is_visible()
    page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').click()
    wait_for(page, lambda: page.get_by_text(answer).is_visible())
    page.get_by_role("tab", name="Glossary").click()
    wait_for(page, lambda: page.get_by_text("Critical damping").is_visible())
    assert not errors, errors
    page.close()


def check_opened(page: Page, link: Link, n: int) -> None:
    """The target page is open, its URL carries only the lesson's settings and the way back
    to lesson ``n``, no notes; a visible "← Back to lesson n" link."""
    path = "/" + PAGE_URL[link.page]
    wait_for(page, lambda: urlparse(href(page)).path == path)
    wait_idle(page)
    wait_for(page, lambda: heading(page) == HEADING[link.page])
    shown = target(href(page))[1]
    assert shown.pop("from_lesson") == str(n)
    assert shown, "the lesson's non-default settings are in the URL"
    for key, value in shown.items():
        assert link.query.get(key) == value, (key, value, dict(link.query))
    assert "is not valid" not in page.inner_text("body")
    assert page.get_by_role("link", name=f"← Back to lesson {n}").first.is_visible()


@pytest.mark.parametrize(("lesson_id", "i"), FOLLOW, ids=[f"{a}-{b}" for a, b in FOLLOW])
def test_a_lesson_link_opens_its_view(
    browser: Browser, app_url: str, lesson_id: str, i: int
) -> None:
    link = LESSON_INDEX[lesson_id].links[i]
    n = list(LESSON_INDEX).index(lesson_id) + 1
    page, errors = open_page(browser, f"{app_url}/lessons?lesson={lesson_id}")
    assert page_links(page) == expected(LESSON_INDEX[lesson_id].links, n)
    anchor = page.get_by_role("link", name=link.label).first
    code = page.locator(f".st-key-les_link_{n}_{i} code")
    assert code.inner_text().strip() == f"{app_url}/{page_url(link.page, link.query)}"
    code.click()  # one click selects the whole URL
    assert page.evaluate("() => window.getSelection().toString()") == code.inner_text()
    js = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    assert any("StreamlitMarkdown" in n for n in js)  # the list does name lazy chunks
    assert not [n for n in js if "SyntaxHighlighter" in n]  # no 1.6 MB highlighter (st.code)
    anchor.click()
    check_opened(page, link, n)
    assert not errors, errors
    page.close()


def test_lessons_wide_screen(browser: Browser, app_url: str) -> None:
    page, errors = open_page(
        browser, app_url + "/lessons?lesson=gradient-penalty", width=1920, height=1080
    )
    page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').click()
    answer = page.get_by_text(LESSON_INDEX["gradient-penalty"].answer[:30])
    wait_for(page, answer.is_visible)
    answer.evaluate("e => e.scrollIntoView({block: 'center'})")  # the answer in view
    wait_idle(page)
    screenshot(page, "lessons-1920x1080")
    assert not errors, errors
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_lessons_and_their_views_in_both_themes_and_presenter_mode(
    browser: Browser, app_url: str, scheme: str
) -> None:
    # Readability in both Streamlit themes (the browser's colour scheme picks the theme)
    # and on a projector: screenshots of the lessons page and three of its views, looked at.
    page = browser.new_page(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    views = [
        ("lessons", "/lessons?lesson=gradient-penalty"),
        ("explorer", "/?variant=gradient-penalty&methods=simgd,altgd&gamma=1"),
        ("stability", "/stability?variant=standard&method=altgd&axes=h,n_disc"),
        ("mode-collapse", "/mode_collapse"),
        ("lessons-presenter", "/lessons?lesson=simgd-vs-altgd&present=1"),
        ("explorer-presenter", "/explorer?present=1"),
        ("start-presenter", "/?present=1"),
    ]
    for name, path in views:
        page.goto(app_url + path)
        wait_idle(page)
        assert "Traceback" not in page.inner_text("body")
        bg = page.evaluate(
            "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
        )
        assert (bg == "rgb(255, 255, 255)") == (scheme == "light"), (name, bg)
        if "present=1" in path:
            assert not page.locator('[data-testid="stSidebarNav"]').is_visible()
        screenshot(page, f"theme-{scheme}-{name}")
    assert not errors, errors
    page.close()


def test_each_lesson_starts_with_its_answer_hidden(browser: Browser, app_url: str) -> None:
    """Issue: open "Show what to look for" in lesson 1, press Next: lesson 2 opened with its
    answer already showing, which defeats predict-then-run. Next, Previous and the sidebar
    link back to the page all show a lesson with its answer hidden."""
    page, errors = open_page(browser, app_url + "/lessons")
    summary = page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary')

    def shows(n: int) -> None:
        title = f"{n}. {LESSONS[n - 1].title}"
        wait_for(page, lambda: page.get_by_role("heading", name=title).count() > 0)
        wait_idle(page)

    def answer(n: int):  # type: ignore[no-untyped-def]
        return page.get_by_text(LESSONS[n - 1].answer[:30])

    def open_answer(n: int) -> None:
        assert not answer(n).is_visible(), f"lesson {n} opened with its answer showing"
        summary.click()
        wait_for(page, answer(n).is_visible)
        wait_idle(page)

    shows(1)
    open_answer(1)
    page.get_by_role("button", name="Next").click()
    shows(2)
    open_answer(2)  # asserts it was hidden first
    page.get_by_role("button", name="Previous").click()
    shows(1)
    open_answer(1)
    # away to another page and back through the navigation: the same lesson, answer hidden
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link", name="Dirac-GAN explorer").click()
    wait_for(page, lambda: heading(page) == "Dirac-GAN explorer")
    nav.get_by_role("link", name="Guided lessons").click()
    wait_for(page, lambda: heading(page) == "Guided lessons")
    shows(1)
    assert not answer(1).is_visible()
    assert not errors, errors
    page.close()
