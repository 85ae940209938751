"""The mode-collapse page (GMM-GAN after Li et al.) in headless Chromium: load, animation,
click on the (mu1, mu2) plane, the batch tab, both screen sizes, no console errors.
(Bad links are covered by tests/test_gmm_page.py.)"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import click_point, open_page, screenshot, trace_xy, wait_idle

pytestmark = pytest.mark.browser

START_TRACE = "optimal discriminator start"


def _start(page: Page) -> tuple[float, float]:
    xy = trace_xy(page, START_TRACE)
    assert xy is not None
    return xy[0][0], xy[1][0]


def _slider_step(page: Page) -> int:
    return page.evaluate(
        "() => document.querySelectorAll('.js-plotly-plot')[0]._fullLayout.sliders[0].active"
    )


def test_load_animate_click(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/mode_collapse")
    assert page.get_by_role("heading", name="Mode collapse (GMM-GAN)").is_visible()
    assert page.locator(".js-plotly-plot").count() == 2  # plane + data space, time series
    assert _start(page) == pytest.approx((1.5, -1.0), abs=1e-6)
    body = page.inner_text("body")
    assert "converged" in body and "collapsed" in body
    page.mouse.move(5, 5)  # no tooltip in the picture
    screenshot(page, "gmm-1280x800")

    # The step slider and ▶ work in the browser, without a script rerun: jump near the end
    # on the slider's rail, then play the remaining frames. (Not ❚❚: pausing interrupts
    # Plotly.animate, whose rejected promise Plotly leaves unhandled, a console error.)
    n_frames = page.evaluate(
        "() => document.querySelectorAll('.js-plotly-plot')[0]._fullLayout.sliders[0].steps.length"
    )
    assert _slider_step(page) == n_frames - 1  # opens at the step the table reports
    page.locator(".slider-rail-rect").first.scroll_into_view_if_needed()
    time.sleep(0.3)
    rail = page.locator(".slider-rail-rect").first.bounding_box()
    assert rail is not None
    page.mouse.click(rail["x"] + 0.85 * rail["width"], rail["y"] + rail["height"] / 2)
    time.sleep(0.3)
    assert 0.7 * n_frames < _slider_step(page) < n_frames - 1
    page.locator(".updatemenu-button").first.click()  # ▶
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _slider_step(page) < n_frames - 1:
        time.sleep(0.2)
    assert _slider_step(page) == n_frames - 1

    # Click on the plane at (−1, 0.6): the start moves there, and into the URL.
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    time.sleep(0.3)
    click_point(page, -1.0, 0.6)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _start(page) != pytest.approx((-1.0, 0.6), abs=1e-6):
        time.sleep(0.2)
    assert _start(page) == pytest.approx((-1.0, 0.6), abs=1e-6)
    assert "mu1=-1" in page.url and "mu2=0.6" in page.url
    assert not errors, errors
    page.close()


def test_large_screen(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/mode_collapse", width=1920, height=1080)
    assert page.locator(".js-plotly-plot").count() == 2
    page.mouse.move(5, 5)
    screenshot(page, "gmm-1920x1080")
    assert not errors, errors
    page.close()


def test_batch_tab_runs_in_the_browser(browser: Browser, app_url: str) -> None:
    query = "?tab=batch&runs=200&bsteps=200&ks=1,5&grid=21"
    page, errors = open_page(browser, app_url + "/mode_collapse" + query)
    page.get_by_role("button", name="Run batch experiment").click()
    page.get_by_text("first-order, k = 5").first.wait_for(timeout=60_000)
    wait_idle(page)
    assert page.locator(".js-plotly-plot").count() == 3  # fractions, separation map, maps
    assert "optimal discriminator" in page.inner_text("body")
    page.mouse.move(5, 5)
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    time.sleep(0.5)
    screenshot(page, "gmm-batch-1280x800")
    assert not errors, errors
    page.close()
