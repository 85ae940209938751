"""First complete render of each page in a fresh browser, beside the blank page's.

Each load opens a new browser context (no cache: Streamlit's frontend and every lazily
loaded chunk are fetched, as on a first visit) and times navigation → the page settled
(``wait_idle``: script done, every chart drawn, nothing changing for 0.8 s, which is then
subtracted). Pages are loaded in turn, ``--loads`` rounds; medians are reported, with each
page's ratio to the blank one-slider page (bench/baseline_blank.py). ``--base DIR`` serves a
second checkout (e.g. the previous commit in a detached worktree) and loads its pages in the
same rounds. ``--throttle`` emulates a network (Chrome DevTools: 20 Mbit/s down, 5 Mbit/s
up, 40 ms round trip): on loopback the download of the 4.7 MB Plotly bundle is free and the
render is bound by the browser's CPU, over a real network it is not. Also lists the
JavaScript chunks the first explorer load fetched, with their sizes.

    python bench/first_render.py [--loads 3] [--base DIR] [--throttle]

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from tests.appserver import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402
from tests.browser import wait_idle  # noqa: E402

PAGES = ("explorer", "compare", "stability", "mode_collapse")
#: bytes/s and ms, as Chrome DevTools' custom profiles take them
NETWORK = {"latency": 40, "downloadThroughput": 20e6 / 8, "uploadThroughput": 5e6 / 8}


def load(browser: Browser, url: str, throttle: bool) -> tuple[float, list[tuple[str, int]]]:
    """ms from navigation until the page settled, and the JS files fetched (name, bytes)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    if throttle:
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **NETWORK})
    t0 = time.perf_counter()
    page.goto(url)
    wait_idle(page)
    ms = (time.perf_counter() - t0 - 0.8) * 1000  # wait_idle returns 0.8 s after it settled
    js = page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".filter(e => e.name.endsWith('.js')).map(e => [e.name.split('/').pop(), e.decodedBodySize])"
    )
    ctx.close()
    return ms, [(str(n), int(b)) for n, b in js]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--loads", type=int, default=3)
    ap.add_argument("--base", type=Path, default=None, help="a checkout to compare with")
    ap.add_argument("--throttle", action="store_true", help="emulate a 20 Mbit/s network")
    args = ap.parse_args(argv)
    if not 1 <= args.loads <= 10:
        ap.error("--loads within 1..10")
    if args.base is not None and not (args.base / "app.py").is_file():
        ap.error("--base must be a checkout with an app.py")
    with ExitStack() as stack, sync_playwright() as p:
        app = stack.enter_context(serve())
        blank = stack.enter_context(serve(ROOT / "bench" / "baseline_blank.py"))
        targets = {"blank": blank}
        servers = [("", app)]
        if args.base is not None:
            root = args.base.resolve()
            servers.append(("base ", stack.enter_context(serve(root / "app.py", cwd=root))))
        for prefix, url in servers:
            for name in PAGES:
                targets[prefix + name] = f"{url}/{name}"
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # a first load per server warms its caches and imports (not a visitor's wait)
        for _, url in servers:
            load(browser, url + "/explorer", False)
        times: dict[str, list[float]] = {k: [] for k in targets}
        chunks: dict[str, list[tuple[str, int]]] = {}
        for _ in range(args.loads):
            for name, url in targets.items():
                ms, js = load(browser, url, args.throttle)
                times[name].append(ms)
                chunks.setdefault(name, js)
        browser.close()
    med = {k: round(statistics.median(v), 1) for k, v in times.items()}
    res: dict[str, Any] = {
        "loads": args.loads,
        "throttle": NETWORK if args.throttle else None,
        "first_render_ms": med,
        "ratio_to_blank": {k: round(v / med["blank"], 2) for k, v in med.items() if k != "blank"},
        "js_bytes": {k: sum(b for _, b in v) for k, v in chunks.items()},
        "explorer_js_over_100kB": sorted(
            ((n, b) for n, b in chunks["explorer"] if b > 100_000), key=lambda x: -x[1]
        ),
    }
    for k, v in med.items():
        ratio = "" if k == "blank" else f"  ×{res['ratio_to_blank'][k]}"
        print(f"{k:20s} {v:8.0f} ms{ratio}  ({res['js_bytes'][k] / 1e6:.1f} MB of JS)")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
