"""Start the app (or any Streamlit script) on a free loopback port, for browser tests and
benchmarks. Used as a context manager; the server is always stopped afterwards."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Terminate a server process; kill it if it is still there after ``timeout`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def serve(
    script: str | Path = ROOT / "app.py",
    *,
    extra_args: tuple[str, ...] = (),
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> Iterator[str]:
    """Yield the base URL of a running ``streamlit run script`` on a free port (``cwd``: the
    checkout whose ``.streamlit/config.toml`` applies)."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false", *extra_args,
    ]  # fmt: skip
    # The log goes to a file, not a pipe: nobody drains a pipe while tests run, and a
    # server that logs more than the pipe buffer (64 KiB) would block mid-rerun.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    out = log.read().decode(errors="replace")
                    raise RuntimeError(f"streamlit did not start on port {port}:\n{out[-2000:]}")
                time.sleep(0.2)
            yield base
        finally:
            stop(proc, timeout=10)


#: Every chart's box and plot area, as one string (rounded to whole pixels).
_GEOMETRY = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
    const r = gd.getBoundingClientRect(), L = gd._fullLayout || {}, x = L.xaxis || {},
        y = L.yaxis || {};
    return [r.left, r.top, r.width, r.height, x._offset, x._length, y._offset, y._length]
        .map(v => Math.round(v || 0)).join(",");
}).join(";")"""


def wait_idle(page: Page, timeout: float = 60.0) -> None:
    """Wait until the script has finished, nothing is stale, every chart is drawn, and the
    page has stayed like that for a moment (Plotly loads lazily, reruns can chain)."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout * 1000
    )
    deadline = time.monotonic() + timeout
    last: tuple[int, int, str] = (-1, -1, "")
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        drawn = page.locator(".js-plotly-plot").count()
        elements = page.locator('[data-testid="stElementContainer"]').count()
        busy = (
            elements == 0
            or page.locator('[data-stale="true"]').count()
            or page.locator('[data-testid="stApp"][data-test-script-state="running"]').count()
            # lazily loaded elements (plotly.js) show a skeleton until they are drawn
            or page.locator('[data-testid="stSkeleton"]').count()
            or page.locator('[data-testid="stPlotlyChart"]').count() > drawn
            # ui/live_chart.py: a chart that has not been drawn yet (Plotly still loading)
            or page.locator(".lab-chart:not(.js-plotly-plot)").count()
        )
        # where every chart is: a chart is still being fitted to the window (or pushed by
        # elements arriving above it) for a while after it is drawn, and a click computed
        # meanwhile lands elsewhere (CI: (-0.74, 1) for (-1, 0.6))
        now = (drawn, elements, page.evaluate(_GEOMETRY) if drawn else "")
        if busy or now != last:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since > 0.8:
            return
        time.sleep(0.1)
    raise TimeoutError("the page did not settle")
