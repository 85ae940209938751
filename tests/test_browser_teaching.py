"""Teaching in headless Chromium: start page → lesson 2 → its figure → prediction → reveal →
the explorer → back to lesson 2; a curated link shows only the controls it keeps."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import href, open_page, screenshot, wait_idle
from ui.content import LESSON_INDEX, TRY_IT
from ui.controls import HIDE_KEY, base_specs

pytestmark = pytest.mark.browser

LESSON = LESSON_INDEX["simgd-vs-altgd"]
MAIN = '[data-testid="stMain"]'


def wait_for(page: Page, condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def heading(page: Page) -> str:
    return page.locator("h1").first.inner_text().strip()


def where(page: Page) -> tuple[str, dict[str, str]]:
    u = urlparse(href(page))
    return u.path, {k: v[-1] for k, v in parse_qs(u.query).items()}


def charts_in_main(page: Page) -> int:
    return page.locator(f"{MAIN} .js-plotly-plot").count()


def test_start_page_to_lesson_2_its_figure_the_explorer_and_back(
    browser: Browser, app_url: str
) -> None:
    page, errors = open_page(browser, app_url + "/", width=1440, height=900)
    # 1. the start page: one screen with the idea, a moving picture and three doors
    assert heading(page) == "GAN dynamics lab"
    wait_for(page, lambda: charts_in_main(page) == 1)
    wait_idle(page)
    doors = [
        page.locator(MAIN).get_by_role("link", name=name)
        for name in ("Take the lessons", "Explore freely", "Reproduce the paper's figures")
    ]
    chart = page.locator(f"{MAIN} .js-plotly-plot").first
    for el in [*doors, chart]:
        box = el.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900, box
    assert page.locator(MAIN).get_by_text("D(x) = ψx").first.is_visible()
    screenshot(page, "start-1440x900")
    # 2. → the lessons, then lesson 2
    doors[0].click()
    wait_for(page, lambda: heading(page) == "Guided lessons")
    page.get_by_role("button", name="Next").click()
    wait_for(page, lambda: page.get_by_role("heading", name=f"2. {LESSON.title}").count() > 0)
    wait_idle(page)
    assert where(page) == ("/lessons", {"lesson": LESSON.id})
    # 3. its figure waits for the prediction: no chart yet, a choice with nothing chosen
    assert charts_in_main(page) == 0
    assert page.get_by_text("Commit to a prediction").is_visible()
    radios = page.locator(f"{MAIN} [data-testid='stRadio'] input[type=radio]")
    assert radios.count() == len(TRY_IT[LESSON.id].choices)
    assert not any(r.is_checked() for r in radios.all())
    # 4. the prediction (a wrong one): the figure runs, with the lesson's numbers
    try_it = TRY_IT[LESSON.id]
    wrong = next(c for k, c in enumerate(try_it.choices) if k != try_it.correct)
    page.locator(f"{MAIN} [data-testid='stRadio'] label").filter(has_text=wrong).click()
    wait_for(page, lambda: charts_in_main(page) == 2)
    wait_idle(page)
    body = page.locator(MAIN).inner_text()
    assert "ρ = 1.004988" in body and "ρ = 1.000000" in body
    assert page.locator(MAIN).get_by_text("Learning rate h").first.is_visible()  # its control
    # 5. the reveal: right or not, and why
    assert "Not quite." in body and try_it.choices[try_it.correct] in body
    assert "Why." in body and "SimGD spirals outwards" in body
    screenshot(page, "lesson-2-figure-1440x900")
    # 6. → the explorer, which links back
    page.locator(MAIN).get_by_role("link", name=LESSON.links[0].label).click()
    wait_for(page, lambda: heading(page) == "Dirac-GAN explorer")
    wait_idle(page)
    path, query = where(page)
    assert path == "/explorer" and query.pop("from_lesson") == "2"
    for key, value in query.items():  # the lesson's settings (the defaults are not written)
        assert LESSON.links[0].query[key] == value, (key, value)
    back = page.locator(MAIN).get_by_role("link", name="← Back to lesson 2")
    assert back.is_visible()
    # 7. ← back to lesson 2
    back.click()
    wait_for(page, lambda: heading(page) == "Guided lessons")
    wait_for(page, lambda: page.get_by_role("heading", name=f"2. {LESSON.title}").count() > 0)
    assert where(page) == ("/lessons", {"lesson": LESSON.id})
    assert not errors, errors
    page.close()


def test_a_curated_link_shows_only_the_allowed_controls(browser: Browser, app_url: str) -> None:
    """A teacher's link where students move only the learning rate."""
    hide = [s.key for s in base_specs() if s.key != "h"] + ["gamma"]
    url = f"{app_url}/explorer?variant=gradient-penalty&gamma=0.7&{HIDE_KEY}={','.join(hide)}"
    page, errors = open_page(browser, url, width=1440, height=900)
    wait_for(page, lambda: heading(page) == "Dirac-GAN explorer")
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    labels = [
        t.strip()
        for t in sidebar.locator('[data-testid="stWidgetLabel"]:visible').all_inner_texts()
    ]
    assert labels == ["Learning rate h"], labels
    _, query = where(page)
    assert query["gamma"] == "0.7" and query[HIDE_KEY] == ",".join(hide)
    screenshot(page, "curated-link-1440x900")
    assert not errors, errors
    page.close()


@pytest.mark.parametrize(
    ("name", "path", "width", "height"),
    [
        ("lesson-gradient-penalty-1440x900", "/lessons?lesson=gradient-penalty", 1440, 900),
        ("lesson-mode-collapse-1440x900", "/lessons?lesson=mode-collapse", 1440, 900),
        ("lesson-2-presenter-1920x1080", "/lessons?lesson=simgd-vs-altgd&present=1", 1920, 1080),
        ("start-presenter-1920x1080", "/?present=1", 1920, 1080),
    ],
)
def test_lesson_and_start_screenshots(
    browser: Browser, app_url: str, name: str, path: str, width: int, height: int
) -> None:
    """For looking at: a lesson after its prediction, and presenter mode on a projector."""
    page, errors = open_page(browser, app_url + path, width=width, height=height)
    if "lesson=" in path:
        lesson_id = parse_qs(urlparse(path).query)["lesson"][0]
        right = TRY_IT[lesson_id].choices[TRY_IT[lesson_id].correct]
        page.locator(f"{MAIN} [data-testid='stRadio'] label").filter(has_text=right).click()
        wait_for(page, lambda: charts_in_main(page) == (1 if "mode-collapse" in path else 2))
        assert page.get_by_text("Right.").first.is_visible()
        # the figure in view, the prediction just above it
        page.locator(f"{MAIN} [data-testid='stRadio']").first.scroll_into_view_if_needed()
        page.locator(f"{MAIN} .js-plotly-plot").first.evaluate(
            "e => e.scrollIntoView({block: 'end'})"
        )
    else:
        wait_for(page, lambda: charts_in_main(page) == 1)
    wait_idle(page)
    screenshot(page, name)
    assert not errors, errors
    page.close()


def test_an_old_explorer_link_to_the_root_still_opens_the_explorer(
    browser: Browser, app_url: str
) -> None:
    """A link shared when the explorer was the landing page: "/" with explorer settings."""
    page, errors = open_page(browser, app_url + "/?variant=wgan&clip=0.5&h=0.5&methods=simgd")
    wait_for(page, lambda: heading(page) == "Dirac-GAN explorer")
    wait_for(page, lambda: where(page)[0] == "/explorer")
    wait_idle(page)
    assert where(page)[1] == {"variant": "wgan", "clip": "0.5", "h": "0.5", "methods": "simgd"}
    assert "is not valid" not in page.inner_text("body")
    assert not errors, errors
    page.close()


def test_the_share_panel_link_is_selected_by_one_click_without_the_highlighter(
    browser: Browser, app_url: str
) -> None:
    """The share links are code spans, not ``st.code``: a first visit to a page fetches no
    syntax-highlighter chunk (1.6 MB of JavaScript), and one click selects a whole link."""
    page, errors = open_page(browser, app_url + "/explorer?variant=gradient-penalty&h=0.5")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stExpander"] summary', has_text="Share this view").click()
    link = sidebar.locator('[data-testid="stExpander"] code').first
    wait_for(page, link.is_visible)
    link.click()
    selected = page.evaluate("() => window.getSelection().toString()")
    assert selected == link.inner_text() == href(page)
    js = page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => n.endsWith('.js'))"
    )
    assert any("StreamlitMarkdown" in n for n in js)  # the list does name lazy chunks
    assert not [n for n in js if "SyntaxHighlighter" in n]
    assert not errors, errors
    page.close()
    # the presenter's popover: the students' link, the same view without present=1
    page, errors = open_page(browser, app_url + "/explorer?variant=gradient-penalty&present=1")
    page.get_by_role("button", name="Link for students").click()
    link = page.locator('[data-testid="stPopoverBody"] code').first
    wait_for(page, link.is_visible)
    link.click()
    selected = page.evaluate("() => window.getSelection().toString()")
    assert selected == link.inner_text() == app_url + "/explorer?variant=gradient-penalty"
    assert not errors, errors
    page.close()
