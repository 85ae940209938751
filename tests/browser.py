"""Shared helpers for the real-browser tests (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.appserver import CHROMIUM, CHROMIUM_ARGS, ROOT, serve, wait_idle

SHOTS = ROOT / "screenshots"


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    with serve() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # No skip: a missing browser is a broken test environment, and .ci/run installs it.
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(
    browser: Browser, url: str, *, width: int = 1280, height: int = 800
) -> tuple[Page, ConsoleErrors]:
    """A new page at ``url``; returns it with the list that collects console errors."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(url)
    wait_idle(page)
    return page, ConsoleErrors(errors, failed)


class ConsoleErrors:
    """Console errors, minus the frontend's own probes on a page's sub-path.

    On a deep link such as ``/compare``, Streamlit's frontend first asks for
    ``/compare/_stcore/health`` and ``/compare/_stcore/host-config`` (in case the app is served
    under that base path), gets 404 and falls back to ``/_stcore/...``. Those two 404s are
    logged as console errors by Chromium; they are expected and everything else counts.
    """

    def __init__(self, errors: list[str], failed: list[str]) -> None:
        self._errors, self._failed = errors, failed  # filled live by the page's listeners

    def _current(self) -> list[str]:
        probes = [
            u for u in self._failed if u.endswith(("/_stcore/health", "/_stcore/host-config"))
        ]
        others = [u for u in self._failed if u not in probes]
        n_probe_msgs = len(probes)
        out = []
        for e in self._errors:
            if n_probe_msgs and e.startswith("Failed to load resource") and not others:
                n_probe_msgs -= 1
                continue
            out.append(e)
        return out + [f"HTTP error: {u}" for u in others]

    def __bool__(self) -> bool:
        return bool(self._current())

    def __repr__(self) -> str:
        return repr(self._current())

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())


def href(page: Page) -> str:
    """The address bar now. ``page.url`` can lag: Streamlit rewrites the query string with
    ``history.replaceState``, which Playwright does not always report as a navigation."""
    return str(page.evaluate("location.href"))


def screenshot(page: Page, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def plot_point(page: Page, x: float, y: float, chart: int = 0) -> tuple[float, float]:
    """Pixel position of data point (x, y) on the first subplot of the ``chart``-th figure,
    once the chart has stopped moving: on a loaded machine the field is still being fitted
    to the window (or pushed down by elements arriving above it) after the first draw, and a
    click computed from that geometry landed at another point ((-0.74, 1) for (-1, 0.6))."""
    reads: list[tuple[float, float]] = []
    deadline = time.monotonic() + 10
    while True:
        reads = [*reads[-2:], _plot_point_now(page, x, y, chart)]
        # three equal reads over half a second: a transient layout held still for 250 ms
        if (len(reads) == 3 and len(set(reads)) == 1) or time.monotonic() > deadline:
            return reads[-1]
        time.sleep(0.25)


def _plot_point_now(page: Page, x: float, y: float, chart: int) -> tuple[float, float]:
    return tuple(
        page.evaluate(
            """([x, y, i]) => {
                const gd = document.querySelectorAll('.js-plotly-plot')[i];
                const L = gd._fullLayout;
                // the point must be on screen for a mouse click: scroll it into view first
                gd.scrollIntoView({block: 'nearest'});
                const r0 = gd.getBoundingClientRect();
                const py0 = r0.top + L.yaxis._offset + L.yaxis.l2p(y);
                if (py0 < 0 || py0 > window.innerHeight) {
                    let el = gd.parentElement;
                    while (el && el.scrollHeight <= el.clientHeight) el = el.parentElement;
                    if (el) el.scrollTop += py0 - window.innerHeight / 2;
                }
                const r = gd.getBoundingClientRect();
                // whole pixels: Chromium truncates a mouse event's fractional position, up
                // to 1 px off, more than half a snapped cell on a smaller plane
                return [Math.round(r.left + L.xaxis._offset + L.xaxis.l2p(x)),
                        Math.round(r.top + L.yaxis._offset + L.yaxis.l2p(y))];
            }""",
            [x, y, chart],
        )
    )


def click_point(page: Page, x: float, y: float, chart: int = 0) -> None:
    """Click data point (x, y) of the ``chart``-th figure and wait for the rerun it starts."""
    px, py = plot_point(page, x, y, chart)
    page.mouse.move(px, py)
    time.sleep(0.3)  # Plotly picks the point under the cursor on hover; the click selects it
    page.mouse.click(px, py)
    wait_idle(page)


def trace_xy(page: Page, name: str, chart: int = 0) -> list[list[float]]:
    """x and y of the trace called ``name`` in the ``chart``-th figure, as drawn."""
    return page.evaluate(
        """([name, i]) => {
            const gd = document.querySelectorAll('.js-plotly-plot')[i];
            const t = gd._fullData.find(d => d.name === name);
            return t ? [Array.from(t.x), Array.from(t.y)] : null;
        }""",
        [name, chart],
    )
