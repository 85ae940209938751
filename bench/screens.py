"""Screenshots of every page at the sizes the lab is used at, light and dark, for looking at.

    .venv/bin/python -m bench.screens [--out screenshots/review] [--pages explorer,compare]

Starts the app on a free loopback port (tests/appserver.py), opens each page in Debian's
headless Chromium at 1440×900 (laptop), 1920×1080 with ``?present=1`` (projector) and
400×850 (phone), in the light and the dark colour scheme, waits until the page is idle and
writes one full-viewport PNG per combination. Nothing is asserted here: the browser tests
assert layout facts; this is for a person to look at what the lab shows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.appserver import CHROMIUM, CHROMIUM_ARGS, ROOT, serve, wait_idle
from ui.routes import ROUTES

#: (name, width, height, extra query): the three sizes of the developers' guide.
SIZES = (
    ("1440x900", 1440, 900, ""),
    ("1920x1080-present", 1920, 1080, "present=1"),
    ("400x850", 400, 850, ""),
)
#: URL path of every page (app.py's navigation, ui/routes.py); "" is the landing page.
PAGES = {r.script.removeprefix("pages/").removesuffix(".py"): r.path for r in ROUTES}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "screenshots" / "review"))
    p.add_argument("--pages", default=",".join(PAGES), help="comma-separated page names")
    args = p.parse_args(argv)
    names = [n for n in args.pages.split(",") if n]
    unknown = [n for n in names if n not in PAGES]
    if unknown:
        print(f"unknown page(s): {', '.join(unknown)}; choose from {', '.join(PAGES)}")
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with serve() as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for scheme in ("light", "dark"):
            for size, w, h, query in SIZES:
                ctx = browser.new_context(viewport={"width": w, "height": h}, color_scheme=scheme)
                page = ctx.new_page()
                for name in names:
                    url = f"{base}/{PAGES[name]}" + (f"?{query}" if query else "")
                    page.goto(url)
                    wait_idle(page)
                    path = out / f"{name}-{size}-{scheme}.png"
                    page.screenshot(path=str(path))
                    print(path)
                ctx.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
