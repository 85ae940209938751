"""Compare and stability-map pages in headless Chromium: render, links, click-through."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser

from tests.app_pages import AppPage, app_pages
from tests.browser import href, open_page, plot_point, screenshot, wait_idle

pytestmark = pytest.mark.browser


def test_compare_page_renders_and_links_to_the_explorer(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/compare", width=1920, height=1080)
    assert page.get_by_role("heading", name="Compare variants and training schemes").is_visible()
    # the sidebar navigation comes from app.py's st.navigation, not the pages/ folder
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Dirac-GAN explorer" in nav and "Stability map" in nav
    screenshot(page, "compare-1920x1080")
    # a panel's title is a link on two lines (variant, then scheme): the variant's line of the
    # panel whose link carries n_disc = 5
    titles = page.locator("a", has_text="Consensus optimisation (authors' code)")
    titles.first.wait_for()
    hrefs = titles.evaluate_all(
        "es => es.map(e => e.getAttribute('href') || e.getAttribute('xlink:href') || '')"
    )
    i = next(i for i, h in enumerate(hrefs) if "n_disc=5" in h)
    link, target = titles.nth(i), hrefs[i]
    assert "variant=consensus-authors" in target and "n_disc=5" in target
    link.click()
    wait_idle(page)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "consensus weight" not in page.inner_text("body"):
        time.sleep(0.2)
    body = page.inner_text("body")
    assert "variant=consensus-authors" in href(page) and "n_disc=5" in href(page)
    assert "consensus weight γ" in body and "is not valid" not in body
    assert not errors, errors
    page.close()


def test_compare_page_small_screen(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/compare")
    screenshot(page, "compare-1280x800")
    assert not errors, errors
    page.close()


def test_stability_map_click_opens_the_explorer(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/stability", width=1920, height=1080)
    assert page.get_by_role("heading", name="Stability map").is_visible()
    screenshot(page, "stability-1920x1080")
    px, py = plot_point(page, 0.0, 1.0)  # x axis is log10(h): 10**0 = 1, γ = 1
    page.mouse.move(px, py)
    time.sleep(0.5)
    page.mouse.click(px, py)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "variant=gradient-penalty" not in href(page):
        time.sleep(0.2)
    wait_idle(page)
    assert "variant=gradient-penalty" in href(page)
    assert page.get_by_role("heading", name="Dirac-GAN explorer").is_visible()
    assert "gamma=" in href(page)
    assert not errors, errors
    page.close()


def test_stability_map_hover_names_a_cell_without_a_marker_per_cell(
    browser: Browser, app_url: str
) -> None:
    """The map's hover grid is an invisible line through the cells: the mouse over the map
    shows the nearest cell's ρ and eigenvalues, and no SVG marker is drawn per cell (~4,500
    invisible markers took ~130-350 ms of every draw of the map)."""
    page, errors = open_page(browser, app_url + "/stability")
    chart = page.locator(".js-plotly-plot").first
    # the cells trace: drawn as one path, not one marker path per cell
    n_markers = chart.evaluate(
        "gd => { const tr = [...gd.querySelectorAll('.scatterlayer .trace')]"
        ".find(g => g.__data__[0].trace.name === 'cells');"
        " return [tr.__data__[0].trace.x.length, tr.querySelectorAll('.points path').length]; }"
    )
    assert n_markers[0] > 1000 and n_markers[1] == 0, n_markers
    px, py = plot_point(page, 0.0, 1.0)
    page.mouse.move(px - 20, py - 20)
    page.mouse.move(px, py, steps=5)
    hovered = "() => (document.querySelector('.js-plotly-plot')._hoverdata || []).length"
    page.wait_for_function(hovered, timeout=10_000)
    text = page.locator(".hoverlayer").first.evaluate("e => e.textContent")
    assert "ρ = " in text and "μ₁ = " in text and "μ₂ = " in text, text
    assert not errors, errors
    page.close()


def test_stability_map_small_screen(browser: Browser, app_url: str) -> None:
    page, errors = open_page(browser, app_url + "/stability?variant=standard&method=altgd")
    screenshot(page, "stability-1280x800")
    assert not errors, errors
    page.close()


def test_addresses_in_a_bad_url_are_quoted_not_linked(browser: Browser, app_url: str) -> None:
    """GitHub-flavoured Markdown links bare addresses even with escaped punctuation; the notes
    that quote a bad URL must show them as plain text."""
    query = "variant=%5Bx%5D(http://e.com)&h=see%20www.evil.example&mail%20me@evil.example=1"
    page, errors = open_page(browser, app_url + "/?" + query)
    alerts = page.locator('[data-testid="stAlert"]')
    assert alerts.count() == 3
    text = " ".join(alerts.all_inner_texts()).replace("\u2060", "")
    assert "http://e.com" in text and "www.evil.example" in text and "me@evil.example" in text
    assert page.locator('[data-testid="stAlert"] a').count() == 0
    assert not errors, errors
    page.close()


@pytest.mark.parametrize("page_def", app_pages(), ids=lambda p: p.name)
def test_no_chart_offers_to_share_itself_to_the_cloud(
    browser: Browser, app_url: str, page_def: AppPage
) -> None:
    """plotly.js 3 adds a "Share chart..." (send to Plotly's cloud) button to every modebar
    unless told not to; no chart of any page may show it."""
    page, errors = open_page(browser, f"{app_url}/{page_def.slug}")
    n_charts = page.locator(".js-plotly-plot").count()
    titles = page.eval_on_selector_all(
        ".modebar-btn", "bs => bs.map(b => b.getAttribute('data-title') || '')"
    )
    if n_charts:
        assert titles, "the charts have no toolbar buttons at all"
    assert not [t for t in titles if "share" in t.lower() or "cloud" in t.lower()], titles
    assert not errors, errors
    page.close()


def test_the_plotly_preload_takes_no_room_and_names_the_bundle(
    browser: Browser, app_url: str
) -> None:
    """ui/live_chart.py's preload: hidden (no box, no gap above the title), and it adds the
    modulepreload link of the very URL the charts import (else the bundle loads twice): the
    lab's partial Plotly build, served by Streamlit; Streamlit's full Plotly chunk (4.7 MB)
    is not fetched at all."""
    from ui.live_chart import HERE, PLOTLY_BUNDLE, PLOTLY_DIR, PLOTLY_FILE, PRELOAD_KEY

    page, errors = open_page(browser, app_url + "/compare")
    box = page.locator(f".st-key-{PRELOAD_KEY}").bounding_box()
    assert box is None or box["height"] == 0
    links = page.evaluate(
        "() => [...document.querySelectorAll('link[rel=modulepreload][data-lab-plotly]')]"
        ".map(l => l.href)"
    )
    assert links == [f"{app_url}/{PLOTLY_BUNDLE}"], links
    loaded = page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('plotly') || e.name.includes('Plotly'))"
        ".map(e => [e.name, e.decodedBodySize])"
    )
    # fetched once, by the preload, whole, and reused by the charts
    assert loaded == [[links[0], (HERE / PLOTLY_DIR / PLOTLY_FILE).stat().st_size]], loaded
    assert page.evaluate("() => window.Plotly.version") == "4.1.1"
    assert page.locator(".js-plotly-plot .main-svg").count() >= 1  # it draws
    assert not errors, errors
    page.close()
