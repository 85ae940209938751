"""The explorer as a one-screen instrument, checked from the layout (bounding boxes) in
headless Chromium at a laptop's, a projector's and a phone's size.

Without scrolling, at 1440×900 and 1280×800 (sidebar open) and at 1920×1080 in presenter
mode, the field, the replay's transport bar and the spectrum summary are inside the window and
do not overlap; on a phone (400×850) they come one below the other, none cut off at the sides.
In every chart no legend, title or axis title overlaps another element. The compare and
mode-collapse pages' main charts are checked the same way at the three sizes. Screenshots of
each size go to screenshots/ for a person to look at.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import open_page, screenshot, trace_xy, wait_idle

pytestmark = pytest.mark.browser

#: (name, width, height, query)
SIZES = [
    ("laptop", 1440, 900, ""),
    ("projector", 1920, 1080, "?present=1"),
    ("phone", 400, 850, ""),
]
#: The explorer also on a short laptop screen, where its field was 320 px tall.
EXPLORER_SIZES = [*SIZES, ("small-laptop", 1280, 800, "")]

# Boxes (viewport pixels) of the three parts of the instrument, and of the plane's plot area.
PARTS_JS = """() => {
    const box = (el) => {
        if (!el) return null;
        const r = el.getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom];
    };
    const charts = [...document.querySelectorAll('.js-plotly-plot')];
    const field = charts[0];
    const L = field._fullLayout;
    const f = field.getBoundingClientRect();
    const summaryText = [...document.querySelectorAll('[data-testid=stMarkdown]')]
        .find((el) => el.innerText.startsWith('Update eigenvalues μ'));
    const eigen = charts[1];
    const s1 = box(summaryText), s2 = box(eigen);
    return {
        field: box(field),
        plane: [f.left + L.xaxis._offset, f.top + L.yaxis._offset,
                f.left + L.xaxis._offset + L.xaxis._length, f.top + L.yaxis._offset + L.yaxis._length],
        transport: box(document.querySelector('.lab-transport')),
        summary: [Math.min(s1[0], s2[0]), Math.min(s1[1], s2[1]),
                  Math.max(s1[2], s2[2]), Math.max(s1[3], s2[3])],
        page: [0, 0, document.documentElement.clientWidth, window.innerHeight],
    };
}"""

# Per chart: legend, title, paper-anchored annotations (subplot titles), axis titles and the
# plot area of every subplot, each as [kind, name, box].
CHART_PARTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map((gd) => {
    const out = [];
    const add = (kind, name, el) => {
        if (!el) return;
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) out.push([kind, name, [r.left, r.top, r.right, r.bottom]]);
    };
    add('legend', 'legend', gd.querySelector('g.legend'));
    add('title', 'title', gd.querySelector('.g-gtitle text'));
    const anns = gd._fullLayout.annotations || [];
    gd.querySelectorAll('g.annotation').forEach((el) => {
        const a = anns[Number(el.dataset.index)];
        if (a && a.xref === 'paper' && a.yref === 'paper') add('subtitle', a.text, el.querySelector('text'));
    });
    gd.querySelectorAll('text[class$=title]').forEach((el) => {
        if (/^[xy]\\d*title$/.test(el.getAttribute('class'))) add('axis', el.getAttribute('class'), el);
    });
    gd.querySelectorAll('.draglayer > g').forEach((g) => {
        add('plot', g.getAttribute('class'), g.querySelector('.nsewdrag'));
    });
    return out;
})"""


CHART_BOXES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map((gd) => {
    const r = gd.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
})"""


def _overlap(a: list[float], b: list[float], tol: float = 1.0) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol


def _inside(a: list[float], page: list[float], tol: float = 1.0) -> bool:
    return (
        a[0] >= page[0] - tol
        and a[1] >= page[1] - tol
        and a[2] <= page[2] + tol
        and a[3] <= page[3] + tol
    )


def _open(browser: Browser, app_url: str, width: int, height: int, query: str) -> Page:
    page, errors = open_page(browser, app_url + "/explorer" + query, width=width, height=height)
    # the field sizes itself to the window after the page's layout settled
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and page.locator(".lab-transport").count() == 0:
        time.sleep(0.2)
    wait_idle(page)
    assert not errors, errors
    return page


def test_the_field_refits_when_the_page_above_it_changes_height(
    browser: Browser, app_url: str
) -> None:
    """The field is fitted to the window below its top edge; when an element above it grows
    after the first draw (the page still arriving), the field moves without being resized:
    it must fit itself again, or its transport bar ends below the window."""
    page = _open(browser, app_url, 1440, 900, "")
    before = page.evaluate(PARTS_JS)
    page.evaluate("() => { document.querySelector('h1').style.paddingTop = '80px'; }")
    deadline = time.monotonic() + 10
    after = before
    while time.monotonic() < deadline:
        time.sleep(0.3)
        after = page.evaluate(PARTS_JS)
        if after["transport"][3] <= after["page"][3] + 1 and after["field"][1] > before["field"][1]:
            break
    assert after["field"][1] >= before["field"][1] + 79, (before, after)  # it did move down
    assert after["transport"][3] <= after["page"][3] + 1, (before, after)  # and still fits
    page.close()


# Per chart: the toolbar's box (laid out, transparent until hovered) and the legend's.
TOOLBAR_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map((gd) => {
    const box = (el) => {
        if (!el) return null;
        const r = el.getBoundingClientRect();
        return r.width > 0 ? [r.left, r.top, r.right, r.bottom] : null;
    };
    return [box(gd.querySelector('.modebar')), box(gd.querySelector('g.legend'))];
})"""


def _chart_overlaps(page: Page) -> list[str]:
    bad = []
    boxes = page.evaluate(CHART_BOXES_JS)
    for i, parts in enumerate(page.evaluate(CHART_PARTS_JS)):
        for j, (kind, name, box) in enumerate(parts):
            if not _inside(box, boxes[i]):  # clipped by the chart's edge (a margin too small)
                bad.append(f"chart {i}: {kind} {name!r} is cut off by the chart's edge")
            for kind2, name2, box2 in parts[j + 1 :]:
                if kind == "plot" and kind2 == "plot":
                    continue  # subplots never overlap; their boxes may touch
                if _overlap(box, box2):
                    bad.append(f"chart {i}: {kind} {name!r} overlaps {kind2} {name2!r}")
    return bad


@pytest.mark.parametrize("size", EXPLORER_SIZES, ids=[s[0] for s in EXPLORER_SIZES])
def test_field_transport_and_spectrum_fit_one_screen(
    browser: Browser, app_url: str, size: tuple[str, int, int, str]
) -> None:
    name, width, height, query = size
    page = _open(browser, app_url, width, height, query)
    parts = page.evaluate(PARTS_JS)
    screenshot(page, f"layout-{name}")
    field, transport, summary, view = (parts[k] for k in ("field", "transport", "summary", "page"))
    for a, b in ((field, transport), (field, summary), (transport, summary)):
        assert not _overlap(a, b), parts
    if name == "phone":
        # one column: field, transport, then the summary, each within the width
        assert transport[1] >= field[3] - 1 and summary[1] >= transport[3] - 1, parts
        for box in (field, transport, summary):
            assert box[0] >= -1 and box[2] <= view[2] + 1, parts
        assert _inside(field, view), parts  # the field itself is on the first screen
        for i, (toolbar, legend) in enumerate(page.evaluate(TOOLBAR_JS)):
            if toolbar and legend:
                assert not _overlap(toolbar, legend), f"chart {i}: the toolbar covers its legend"
    else:
        for box in (field, transport, summary):
            assert _inside(box, view), (name, parts)
        plane = parts["plane"]
        # the field is the largest element: its plot area is taller than the summary
        assert plane[3] - plane[1] > 0.5 * (summary[3] - summary[1]), parts
        if name == "projector":
            assert plane[3] - plane[1] >= 0.6 * height, parts
        else:  # a laptop: the data space below the plane and the transport bar take less
            assert plane[3] - plane[1] >= 0.42 * height, parts
    bad = _chart_overlaps(page)
    assert bad == [], "\n".join(bad)
    page.close()


def test_no_chart_title_or_legend_overlaps_in_dark_presenter_mode(
    browser: Browser, app_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, color_scheme="dark")
    page.goto(app_url + "/explorer?present=1&methods=simgd,altgd,flow")
    wait_idle(page)
    screenshot(page, "layout-projector-dark")
    bad = _chart_overlaps(page)
    assert bad == [], "\n".join(bad)
    page.close()


# The main chart of a page: its box and the plot area of each of its subplots.
MAIN_CHART_JS = """(i) => {
    const gd = document.querySelectorAll('.js-plotly-plot')[i];
    const box = (r) => [r.left, r.top, r.right, r.bottom];
    const plots = [...gd.querySelectorAll('.draglayer > g .nsewdrag')]
        .map((el) => box(el.getBoundingClientRect()))
        .filter((b) => b[2] > b[0] && b[3] > b[1]);
    return {chart: box(gd.getBoundingClientRect()), plots,
            page: [0, 0, document.documentElement.clientWidth, window.innerHeight]};
}"""

#: (page, URL path, what must be in view on a laptop or a projector): the compare page's grid
#: is taller than any screen, so its first row of panels; the mode-collapse plane whole.
MAIN_VIEWS = [
    ("compare", "/compare", "first row"),
    ("mode_collapse", "/mode_collapse", "all"),
    ("stability", "/stability", "all"),
]


@pytest.mark.parametrize("size", SIZES, ids=[s[0] for s in SIZES])
@pytest.mark.parametrize("view", MAIN_VIEWS, ids=[v[0] for v in MAIN_VIEWS])
def test_main_views_of_compare_and_mode_collapse(
    browser: Browser, app_url: str, view: tuple[str, str, str], size: tuple[str, int, int, str]
) -> None:
    """The page's main chart is on the first screen, within the width, and none of its
    titles, legends or axis titles overlaps another element (compare's panel titles did on a
    phone: three columns of 110 px); on a phone its widest panel spans most of the chart."""
    name, path, in_view = view
    size_name, width, height, query = size
    page, errors = open_page(browser, app_url + path + query, width=width, height=height)
    screenshot(page, f"layout-{name}-{size_name}")
    assert not errors, errors
    main = page.evaluate(MAIN_CHART_JS, 0)
    plots, screen = main["plots"], main["page"]
    assert plots, main
    for box in plots:  # nothing cut off at the sides
        assert box[0] >= -1 and box[2] <= screen[2] + 1, (size_name, main)
    if size_name == "phone":
        # below the title and introduction, the first panel starts on the first screen
        first = min(plots, key=lambda b: (b[1], b[0]))
        assert first[1] < screen[3] - 0.25 * (first[3] - first[1]), main
        # and takes most of the width (the stability map's upright colour bar left it 160
        # of 370 px)
        widest = max(b[2] - b[0] for b in plots)
        assert widest > 0.6 * (main["chart"][2] - main["chart"][0]), main
    else:
        top = min(b[1] for b in plots)
        shown = [b for b in plots if in_view == "all" or b[1] < top + 1]
        for box in shown:
            assert _inside(box, screen), (size_name, main)
    bad = _chart_overlaps(page)
    assert bad == [], "\n".join(bad)
    if size_name == "phone":
        for i, (toolbar, legend) in enumerate(page.evaluate(TOOLBAR_JS)):
            if toolbar and legend:
                assert not _overlap(toolbar, legend), f"chart {i}: the toolbar covers its legend"
    page.close()


# Counts messages to the server (a rerun starts with one) and full chart redraws.
COUNT_JS = """() => {
    window.__sent = 0;
    window.__reacts = 0;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (...a) { window.__sent += 1; return send.apply(this, a); };
    const react = window.Plotly.react;
    window.Plotly.react = function (...a) { window.__reacts += 1; return react.apply(this, a); };
}"""
STEP_JS = "() => document.querySelector('.lab-transport .lab-step').innerText"


def _now(page: Page) -> list[list[float]] | None:
    return trace_xy(page, "SimGD now")


def test_transport_steps_in_the_browser_without_a_rerun(browser: Browser, app_url: str) -> None:
    """Step, jump and play on the frames already sent: the counter and the current marker
    follow the path point by point, and no request reaches the server for it."""
    page = _open(browser, app_url, 1440, 900, "")
    path = trace_xy(page, "SimGD")
    assert page.evaluate(STEP_JS) == "step 0 / 500"
    assert _now(page) == [[], []]  # at step 0 the open start marker is not hidden
    bar = page.locator(".lab-transport")
    page.evaluate(COUNT_JS)
    for _ in range(3):
        bar.get_by_role("button", name="One step forward").click()
    assert page.evaluate(STEP_JS) == "step 3 / 500"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _now(page) != [[path[0][3]], [path[1][3]]]:
        time.sleep(0.1)
    assert _now(page) == [[path[0][3]], [path[1][3]]]
    bar.get_by_role("button", name="One step back").click()
    assert page.evaluate(STEP_JS) == "step 2 / 500"
    bar.get_by_role("button", name="Jump to the last step").click()
    assert page.evaluate(STEP_JS) == "step 500 / 500"
    bar.get_by_role("button", name="Jump to the start (step 0)").click()
    assert page.evaluate(STEP_JS) == "step 0 / 500"
    bar.get_by_role("combobox", name="Replay speed").select_option(label="4×")
    bar.get_by_role("button", name="Play or pause the replay").click()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and page.evaluate(STEP_JS) != "step 500 / 500":
        time.sleep(0.2)
    assert page.evaluate(STEP_JS) == "step 500 / 500"
    assert bar.get_by_role("button", name="Play or pause the replay").inner_text() == "▶ Play"
    # no rerun: nothing sent to the server, no chart redrawn from a new figure
    assert page.evaluate("() => [window.__sent, window.__reacts]") == [0, 0]
    # the counter is never under a button
    label = page.locator(".lab-transport .lab-step").bounding_box()
    for b in bar.get_by_role("button").all():
        bb = b.bounding_box()
        assert not _overlap(
            [label["x"], label["y"], label["x"] + label["width"], label["y"] + label["height"]],
            [bb["x"], bb["y"], bb["x"] + bb["width"], bb["y"] + bb["height"]],
        )
    page.close()


def test_half_steps_show_each_players_move_in_the_browser(browser: Browser, app_url: str) -> None:
    """With "half-steps" ticked, +½ moves AltGD's marker to the state between its players'
    turns (the generator moved, the discriminator not yet: θ of step 1, ψ of step 0), then
    to step 1; SimGD, whose players move at once, waits for the whole step. No rerun."""
    page = _open(browser, app_url, 1440, 900, "")
    bar = page.locator(".lab-transport")
    alt = trace_xy(page, "AltGD")
    sim = trace_xy(page, "SimGD")
    toggle = bar.get_by_role("checkbox", name="Show half-steps")
    assert toggle.is_visible()
    page.evaluate(COUNT_JS)
    toggle.check()
    fwd = bar.get_by_role("button", name="One step forward")
    assert fwd.inner_text() == "+½ ▶"
    phase = bar.locator(".lab-phase")

    def now(name: str, want: list[list[float]]) -> list[list[float]] | None:
        deadline = time.monotonic() + 5
        got = trace_xy(page, name + " now")
        while time.monotonic() < deadline and got != want:
            time.sleep(0.1)
            got = trace_xy(page, name + " now")
        return got

    fwd.click()
    assert page.evaluate(STEP_JS) == "step 0½ / 500"
    assert phase.inner_text() == "generator moved"
    assert now("AltGD", [[alt[0][1]], [alt[1][0]]]) == [[alt[0][1]], [alt[1][0]]]
    assert now("SimGD", [[sim[0][0]], [sim[1][0]]]) == [[sim[0][0]], [sim[1][0]]]
    fwd.click()
    assert page.evaluate(STEP_JS) == "step 1 / 500"
    assert phase.inner_text() == "discriminator moved"
    assert now("AltGD", [[alt[0][1]], [alt[1][1]]]) == [[alt[0][1]], [alt[1][1]]]
    assert now("SimGD", [[sim[0][1]], [sim[1][1]]]) == [[sim[0][1]], [sim[1][1]]]
    bar.get_by_role("button", name="One step back").click()
    assert page.evaluate(STEP_JS) == "step 0½ / 500"
    toggle.uncheck()  # whole steps again, from the step begun
    assert page.evaluate(STEP_JS) == "step 0 / 500"
    assert fwd.inner_text() == "+1 ▶"
    assert not phase.is_visible()
    assert page.evaluate("() => [window.__sent, window.__reacts]") == [0, 0]
    page.close()


def test_no_half_steps_toggle_without_a_turn_taking_method(browser: Browser, app_url: str) -> None:
    page = _open(browser, app_url, 1440, 900, "?methods=simgd,extragradient")
    assert page.locator(".lab-transport").is_visible()
    assert not page.locator(".lab-transport .lab-half").is_visible()
    page.close()
