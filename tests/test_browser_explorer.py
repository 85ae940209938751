"""The explorer page in headless Chromium: load, slider, click on the field, no console errors."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser

from tests.browser import click_point, href, open_page, plot_point, screenshot, trace_xy, wait_idle

pytestmark = pytest.mark.browser


def _start(page) -> tuple[float, float]:
    xy = trace_xy(page, "SimGD start")
    assert xy is not None
    return xy[0][0], xy[1][0]


def test_load_slide_click(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/explorer")
    assert page.get_by_role("heading", name="Dirac-GAN explorer").is_visible()
    assert page.locator(".js-plotly-plot").count() >= 3
    assert _start(page) == pytest.approx((1.0, 1.0), abs=1e-6)
    screenshot(page, "explorer-1280x800")

    # Move the learning-rate slider with the keyboard: the spectral radius text must change.
    before = page.get_by_text("SimGD · ρ").first.inner_text()
    assert "1.004988" in before
    thumb = page.get_by_role("slider", name="Learning rate h")
    thumb.focus()
    thumb.press("ArrowRight")
    thumb.press("ArrowRight")
    wait_idle(page)
    after = page.get_by_text("SimGD · ρ").first.inner_text()
    assert after != before
    assert "h=" in href(page)

    # Click on the field at (−1, 0.6): the start moves there.
    click_point(page, -1.0, 0.6)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _start(page) != pytest.approx((-1.0, 0.6), abs=1e-6):
        time.sleep(0.2)
    assert _start(page) == pytest.approx((-1.0, 0.6), abs=1e-6)
    assert "theta0=-1" in href(page) and "psi0=0.6" in href(page)
    screenshot(page, "explorer-after-click")

    # Replay the training in the browser (no rerun), then click again: still works.
    page.get_by_text("▶ Play").first.click()
    time.sleep(2.5)
    click_point(page, 0.4, -0.8)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _start(page) != pytest.approx((0.4, -0.8), abs=1e-6):
        time.sleep(0.2)
    assert _start(page) == pytest.approx((0.4, -0.8), abs=1e-6)
    assert not errors, errors
    page.close()


def _wait_start(page, xy: tuple[float, float]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _start(page) != pytest.approx(xy, abs=1e-6):
        time.sleep(0.2)
    assert _start(page) == pytest.approx(xy, abs=1e-6)


def test_a_second_click_on_the_same_point_moves_the_start_again(
    browser: Browser, app_url: str
) -> None:
    """Click a point, type another start, click the very same point: the start goes back
    there (each click is new, even when it lands on the same snapped point).

    The second click's pixel is measured again: the field's height is fitted to the window
    below it, so a note that appears or goes with the new start moves the plane, and the
    first click's pixel then points elsewhere (CI: (-0.74, 1) instead of (-1, 0.6))."""
    page, errors = open_page(browser, app_url + "/explorer")
    click_point(page, -1.0, 0.6)
    _wait_start(page, (-1.0, 0.6))
    box = page.get_by_role("spinbutton", name="θ₀ (generator)")
    box.fill("0.5")
    box.press("Enter")
    wait_idle(page)
    _wait_start(page, (0.5, 0.6))
    click_point(page, -1.0, 0.6)
    _wait_start(page, (-1.0, 0.6))
    assert not errors, errors
    page.close()


def test_large_screen_and_wgan_gp(browser: Browser, app_url: str) -> None:
    page, errors = open_page(
        browser, app_url + "/?variant=wgan-gp&methods=simgd,altgd,flow", width=1920, height=1080
    )
    assert "not differentiable at the equilibrium" in page.inner_text("body")
    screenshot(page, "explorer-wgan-gp-1920x1080")
    assert not errors, errors
    page.close()


def test_bad_link_shows_a_note_not_a_traceback(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/?h=banana&steps=-3")
    body = page.inner_text("body")
    assert "Traceback" not in body
    assert "is not valid" in body and "h (learning rate h)" in body
    screenshot(page, "explorer-bad-link")
    assert not errors, errors
    page.close()


def test_presenter_mode_and_dark_theme(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/explorer?present=1", width=1920, height=1080)
    # controls and navigation start hidden; the student link is one click away
    assert not page.locator('[data-testid="stSidebarNav"]').is_visible()
    assert page.get_by_role("button", name="Link for students").is_visible()
    screenshot(page, "explorer-presenter-1920x1080")
    assert not errors, errors
    page.close()
    dark = browser.new_page(viewport={"width": 1280, "height": 800}, color_scheme="dark")
    dark.goto(app_url + "/?variant=gradient-penalty&methods=simgd,altgd,flow&speed=1")
    wait_idle(dark)
    bg = dark.evaluate(
        "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
    )
    assert bg != "rgb(255, 255, 255)"  # the dark theme is really on
    screenshot(dark, "explorer-dark-1280x800")
    dark.close()


TAGS_JS = "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((gd) => gd.__tag)"


def test_charts_stay_mounted_and_a_drag_pans_without_moving_the_start(
    browser: Browser, app_url: str
) -> None:
    """ui/live_chart.py keeps each chart's DOM node across reruns (st.plotly_chart replaced
    it on every change), and only a click, not a pan, moves the start."""
    page, errors = open_page(browser, app_url + "/explorer")
    page.evaluate(
        "() => document.querySelectorAll('.js-plotly-plot').forEach((gd, i) => { gd.__tag = i + 1; })"
    )
    path = trace_xy(page, "SimGD")
    thumb = page.get_by_role("slider", name="Learning rate h")
    thumb.focus()
    thumb.press("ArrowLeft")
    wait_idle(page)
    assert trace_xy(page, "SimGD") != path  # redrawn with the new learning rate ...
    assert page.evaluate(TAGS_JS) == [1, 2, 3]  # ... in the same three chart nodes

    x_range = page.evaluate(
        "() => document.querySelector('.js-plotly-plot')._fullLayout.xaxis.range"
    )
    px, py = plot_point(page, -1.0, 0.6)
    page.mouse.move(px, py)
    page.mouse.down()
    page.mouse.move(px + 80, py + 40, steps=8)
    page.mouse.up()
    wait_idle(page)
    panned = page.evaluate(
        "() => document.querySelector('.js-plotly-plot')._fullLayout.xaxis.range"
    )
    assert panned != pytest.approx(x_range)
    assert _start(page) == pytest.approx((1.0, 1.0), abs=1e-6)
    assert "theta0" not in href(page)
    assert not errors, errors
    page.close()


ORDER_JS = """() => {
    window.__order = [];
    const charts = () => [...document.querySelectorAll('.js-plotly-plot')];
    const react = window.Plotly.react;
    window.Plotly.react = async function (gd, ...args) {
        window.__order.push(['start', charts().indexOf(gd)]);
        const out = await react.call(this, gd, ...args);
        window.__order.push(['end', charts().indexOf(gd)]);
        return out;
    };
    const frame = () => { window.__order.push(['frame']); requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
}"""


def test_a_rerun_paints_each_chart_before_drawing_the_next(browser: Browser, app_url: str) -> None:
    """A slider move redraws all three charts; ui/live_chart.js draws them one at a time in
    page order with a painted frame after each, so the field is on screen before the other
    two are drawn (drawn back to back, it appeared only after the last one)."""
    page, errors = open_page(browser, app_url + "/explorer")
    page.evaluate(ORDER_JS)
    thumb = page.get_by_role("slider", name="Learning rate h")
    thumb.focus()
    thumb.press("ArrowRight")
    wait_idle(page)
    events = page.evaluate("window.__order")
    draws = [(e[0], e[1]) for e in events if e[0] != "frame"]
    assert draws == [("start", 0), ("end", 0), ("start", 1), ("end", 1), ("start", 2), ("end", 2)]
    kinds = [e[0] if e[0] == "frame" else f"{e[0]}{e[1]}" for e in events]
    for done, nxt in (("end0", "start1"), ("end1", "start2")):
        between = kinds[kinds.index(done) + 1 : kinds.index(nxt)]
        assert "frame" in between, (done, nxt, kinds)
    assert not errors, errors
    page.close()


def test_charts_follow_the_theme_switched_in_the_menu(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/explorer")
    colours_js = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(
        (gd) => [gd._fullLayout.paper_bgcolor, gd._fullLayout.font.color])"""

    def brightness(colour: str) -> int:
        return sum(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    light = page.evaluate(colours_js)
    assert len(light) == 3
    assert all(brightness(bg) > 3 * 200 and brightness(fg) < 3 * 160 for bg, fg in light)
    page.locator('[data-testid="stMainMenu"]').click()
    page.locator('[data-testid="stMainMenuItem-theme-Dark"]').click()

    def all_dark(colours: list[list[str]]) -> bool:
        return all(brightness(bg) < 3 * 64 and brightness(fg) > 3 * 160 for bg, fg in colours)

    # The charts are redrawn one at a time (a paint after each): wait for all of them, not the
    # first; on a loaded machine the last one follows the first by more than a poll interval.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all_dark(page.evaluate(colours_js)):
        time.sleep(0.2)
    page.keyboard.press("Escape")
    dark = page.evaluate(colours_js)
    assert all_dark(dark), dark
    screenshot(page, "explorer-dark-1280x800")
    assert not errors, errors
    page.close()
