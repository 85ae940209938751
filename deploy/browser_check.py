"""Open a running GAN-lab server in headless Debian Chromium and check that the page renders.

Used by deploy/smoke.sh (the container) and deploy/loopback_proxy_check.sh (nginx in
front of two Streamlit processes). Exit code 0 when the page shows the expected text and
selectors, 1 otherwise (with a screenshot of what was there), 2 for bad arguments.

    .venv/bin/python deploy/browser_check.py http://127.0.0.1:8501/ \
        --screenshot screenshots/docker-explorer.png \
        --expect-selector '.js-plotly-plot'

Playwright drives Debian's /usr/bin/chromium: `playwright install` cannot download
browsers here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url", help="page to open, e.g. http://127.0.0.1:8501/")
    p.add_argument(
        "--expect-text",
        default="Dirac-GAN explorer",
        help="text that must become visible (default: %(default)r)",
    )
    p.add_argument(
        "--expect-selector",
        action="append",
        default=None,
        metavar="CSS",
        help="CSS selector that must become visible; repeatable "
        "(default: [data-testid=\"stApp\"]; pass '.js-plotly-plot' once the explorer "
        "draws its figure)",
    )
    p.add_argument("--timeout", type=float, default=60.0, help="seconds for each wait")
    p.add_argument("--screenshot", type=Path, default=None, help="PNG to write (full page)")
    p.add_argument("--chromium", default=DEFAULT_CHROMIUM, help="browser executable")
    p.add_argument(
        "--no-exception-check",
        action="store_true",
        help="do not fail when the page shows a Streamlit exception box",
    )
    args = p.parse_args(argv)
    if args.expect_selector is None:
        args.expect_selector = ['[data-testid="stApp"]']
    if args.timeout <= 0:
        p.error("--timeout must be > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser_check: playwright is not installed in this Python", file=sys.stderr)
        return 1

    timeout_ms = args.timeout * 1000
    t0 = time.monotonic()
    failures: list[str] = []
    console_errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on(
                "console",
                lambda m: console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on(
                "requestfailed",
                lambda r: console_errors.append(f"request failed: {r.url} ({r.failure})"),
            )
            try:
                resp = page.goto(args.url, wait_until="domcontentloaded", timeout=timeout_ms)
                status = resp.status if resp is not None else None
                print(f"browser_check: GET {args.url} -> HTTP {status}")
                if status is not None and status >= 400:
                    failures.append(f"HTTP {status}")
                waits = [(f"selector {sel!r}", page.locator(sel)) for sel in args.expect_selector]
                if args.expect_text:
                    waits.append((f"text {args.expect_text!r}", page.get_by_text(args.expect_text)))
                for what, locator in waits:
                    try:
                        locator.first.wait_for(state="visible", timeout=timeout_ms)
                        print(f"browser_check: {what} visible")
                    except PlaywrightError:
                        failures.append(f"{what} not visible within {args.timeout:g} s")
                        break
                # Streamlit renders an uncaught script error as an exception box.
                n_exc = page.locator('[data-testid="stException"]').count()
                if n_exc and not args.no_exception_check:
                    failures.append(f"{n_exc} Streamlit exception box(es) on the page")
            except PlaywrightError as exc:
                failures.append(str(exc).splitlines()[0])
            if args.screenshot is not None:
                args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                try:
                    page.screenshot(path=str(args.screenshot), full_page=True)
                    print(f"browser_check: screenshot {args.screenshot}")
                except PlaywrightError as exc:
                    print(f"browser_check: screenshot failed: {exc}", file=sys.stderr)
        finally:
            browser.close()

    for msg in console_errors[:10]:
        print(f"browser_check: console error: {msg}", file=sys.stderr)
    elapsed = time.monotonic() - t0
    if failures:
        for f in failures:
            print(f"browser_check: FAIL: {f}", file=sys.stderr)
        return 1
    print(f"browser_check: OK in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
