"""Interaction latency in a real browser: slider change → figure repainted with new data.

Starts three Streamlit servers side by side (the app; a blank one-slider page; a one-slider
page with a 500-point Plotly line) and drives each with headless Chromium: every repetition
presses → on a slider and measures, inside the page, the time from the key press to the first
painted frame whose chart data (or text) has changed. The three are interleaved repetition
by repetition, because this machine is shared and noisy. The key alternates: 10 presses of
→, then 10 of ←, and so on, one per measurement. Also reports the explorer figure's
payload and the first complete render of every page.

    python bench/latency.py [--reps 30]

With ``--base DIR`` (a checkout of the previous commit, e.g. a detached git worktree) that
checkout's explorer is served too and measured in the same interleaved loop, so before and
after come from the same run.

First complete render: each page (and the blank page, the reference) is opened in a fresh
browser context, so every load fetches Streamlit's frontend as a first visit does, ``--loads``
times in turn; medians are reported.

Then each page is measured again alone in the browser (idle Streamlit tabs beside the
explorer slowed it by ~40 ms on the 2-core development machine).

Last line: one JSON object (page_median_ms, page_p95_ms, blank_median_ms, plot_median_ms,
ratio = page / blank, ratio_plot = page / plot, solo_median_ms and solo_ratio_plot (each
page alone), payload_bytes, first_load_ms per page,
plotly_draws_per_move and charts_remounted_per_move for the explorer and the one-figure page).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.appserver import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402
from tests.browser import wait_idle  # noqa: E402

# In-page measurement: press → on the focused slider, then watch animation frames until the
# signature changes; one more frame so the change has been painted.
MEASURE_JS = """
async ([sigSrc, timeoutMs, key]) => {
  const sig = new Function(sigSrc);
  const before = sig();
  const slider = document.activeElement;
  const t0 = performance.now();
  const keyCode = key === 'ArrowRight' ? 39 : 37;
  slider.dispatchEvent(new KeyboardEvent('keydown', {key, code: key, keyCode, bubbles: true}));
  slider.dispatchEvent(new KeyboardEvent('keyup', {key, code: key, keyCode, bubbles: true}));
  return await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now - t0 > timeoutMs) return resolve(-1);
      let s; try { s = sig(); } catch (e) { s = before; }
      if (s !== before) {
        requestAnimationFrame(() => resolve(performance.now() - t0));
      } else {
        requestAnimationFrame(tick);
      }
    };
    requestAnimationFrame(tick);
  });
}
"""

# Counts the Plotly calls behind each measurement. Both Streamlit's chart element and
# ui/live_chart.py draw with Plotly.react; Plotly.purge means a chart was thrown away and
# mounted anew (st.plotly_chart's id hashes the figure, so any change remounts it; the
# one-figure baseline page still uses it).
COUNT_JS = """
(() => {
  window.__plotlyCalls = {};
  const wrap = () => {
    if (!window.Plotly || window.Plotly.__counted) return;
    for (const name of ['newPlot', 'react', 'purge']) {
      const f = window.Plotly[name];
      window.Plotly[name] = function (...args) {
        window.__plotlyCalls[name] = (window.__plotlyCalls[name] || 0) + 1;
        return f.apply(this, args);
      };
    }
    window.Plotly.__counted = true;
  };
  setInterval(wrap, 50);
})();
"""

SIG_TEXT = "return document.querySelector('[data-testid=stMarkdown]')?.innerText ?? ''"
SIG_PLOT = (
    "const gd = document.querySelector('.js-plotly-plot');"
    "const t = gd._fullData.find(d => d.name === %s) || gd._fullData[0];"
    "return String(t.y[t.y.length - 1]) + ':' + String(t.x[t.x.length - 1]) + ':' + t.y.length;"
)


def key_for(rep: int) -> str:
    """One key press per measurement, 10 to the right, 10 back, ...: a burst of presses to
    return to the start lost presses while reruns were in flight."""
    return "ArrowRight" if (rep // 10) % 2 == 0 else "ArrowLeft"


def focus_slider(page: Page, label: str) -> None:
    page.get_by_role("slider", name=label).focus()


def measure(
    page: Page, sig: str, label: str, timeout_ms: float = 20000, key: str = "ArrowRight"
) -> float:
    focus_slider(page, label)
    ms = page.evaluate(MEASURE_JS, [sig, timeout_ms, key])
    wait_idle(page)
    return float(ms)


def first_load(page: Page, url: str) -> float:
    """Time from navigation until the page settled (``wait_idle``), ms."""
    t0 = time.perf_counter()
    page.goto(url)
    wait_idle(page)
    # wait_idle returns 0.8 s after the page settled: report when it settled
    return (time.perf_counter() - t0 - 0.8) * 1000


def payload_bytes() -> int:
    from dynamics.methods import Hyper, simulate
    from dynamics.presets import DEFAULT_PRESET as P
    from dynamics.streamlines import trace_streamlines
    from dynamics.variants import make_game
    from ui.figures.explorer import PathView, explorer_figure
    from ui.figures.spec import figure_json

    game = make_game(P.variant)
    lines = trace_streamlines(game.field, (-P.view, P.view), (-P.view, P.view), 1.0)
    paths = []
    for m in P.methods:
        tr = simulate(game, m, Hyper(), [P.start], P.steps)
        paths.append(PathView(m, m, tr.path(0), tr.status[0], None))
    try:  # the page's figure: the replay runs in the browser, no Plotly frames are sent
        fig = explorer_figure(lines, paths, view=P.view, browser_replay=True)
    except TypeError:  # a commit from before the in-browser replay
        fig = explorer_figure(lines, paths, view=P.view)
    return len(figure_json(fig).encode())  # what ui/live_chart.py sends, less ~300 bytes of options


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--extra", nargs="*", default=[], help="extra streamlit options for the app")
    ap.add_argument("--base", type=Path, default=None, help="a checkout to compare with")
    ap.add_argument("--loads", type=int, default=3, help="first renders per page")
    args = ap.parse_args()
    if args.base is not None and not (args.base / "app.py").is_file():
        ap.error("--base must be a checkout with an app.py")
    if not 1 <= args.loads <= 10 or not 1 <= args.reps <= 200:
        ap.error("--loads within 1..10, --reps within 1..200")
    with ExitStack() as stack, sync_playwright() as p:
        app = stack.enter_context(serve(extra_args=tuple(args.extra)))
        blank = stack.enter_context(serve(ROOT / "bench" / "baseline_blank.py"))
        plot = stack.enter_context(serve(ROOT / "bench" / "baseline_plot.py"))
        base = None
        if args.base is not None:
            root = args.base.resolve()
            base = stack.enter_context(
                serve(root / "app.py", extra_args=tuple(args.extra), cwd=root)
            )
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        targets = {"blank": blank, "plot": plot}
        for prefix, url in (("", app), ("base ", base)):
            if url is not None:
                for name in ("explorer", "compare", "stability", "mode_collapse"):
                    targets[prefix + name] = f"{url}/{name}"
        load_times: dict[str, list[float]] = {k: [] for k in targets}
        for _ in range(args.loads):
            for name, url in targets.items():
                # a fresh context: no cached frontend, as on a first visit
                ctx = browser.new_context(viewport={"width": 1280, "height": 800})
                lp = ctx.new_page()
                load_times[name].append(first_load(lp, url))
                ctx.close()
        loads = {k: round(statistics.median(v), 1) for k, v in load_times.items()}
        pages = {}
        for name, url in (("page", app + "/explorer"), ("blank", blank), ("plot", plot),
                          *((("base", base + "/explorer"),) if base else ())):  # fmt: skip
            pg = browser.new_page(viewport={"width": 1280, "height": 800})
            pg.add_init_script(COUNT_JS)
            pg.goto(url)
            wait_idle(pg)
            pages[name] = pg
        spec = {
            "page": (SIG_PLOT % '"SimGD"', "Learning rate h"),
            "base": (SIG_PLOT % '"SimGD"', "Learning rate h"),
            "blank": (SIG_TEXT, "value"),
            "plot": (SIG_PLOT % '"line"', "value"),
        }
        times: dict[str, list[float]] = {k: [] for k in pages}
        calls: dict[str, list[dict[str, int]]] = {k: [] for k in pages}
        for rep in range(args.reps):
            key = key_for(rep)
            for name, pg in pages.items():
                sig, label = spec[name]
                pg.evaluate("window.__plotlyCalls = {}")
                times[name].append(measure(pg, sig, label, key=key))
                calls[name].append(pg.evaluate("window.__plotlyCalls"))
        for pg in pages.values():
            pg.close()
        # The same pages again, each alone in the browser: idle Streamlit tabs beside it made
        # the explorer ~40 ms slower on this 2-core machine (the lighter pages hardly at all).
        solo: dict[str, list[float]] = {}
        for name, url in (("page", app + "/explorer"), ("blank", blank), ("plot", plot),
                          *((("base", base + "/explorer"),) if base else ())):  # fmt: skip
            pg = browser.new_page(viewport={"width": 1280, "height": 800})
            pg.goto(url)
            wait_idle(pg)
            sig, label = spec[name]
            times_alone = [measure(pg, sig, label, key=key_for(rep)) for rep in range(args.reps)]
            solo[name] = [t for t in times_alone if t >= 0]
            pg.close()
        browser.close()
    ok = {k: [t for t in v if t >= 0] for k, v in times.items()}
    res = {
        "reps": args.reps,
        "page_median_ms": round(statistics.median(ok["page"]), 1),
        "page_p95_ms": round(pct(ok["page"], 0.95), 1),
        "blank_median_ms": round(statistics.median(ok["blank"]), 1),
        "blank_p95_ms": round(pct(ok["blank"], 0.95), 1),
        "plot_median_ms": round(statistics.median(ok["plot"]), 1),
        "plot_p95_ms": round(pct(ok["plot"], 0.95), 1),
        "timeouts": {k: sum(t < 0 for t in v) for k, v in times.items()},
        "payload_bytes": payload_bytes(),
        "first_load_ms": loads,
        # per slider move, median over the repetitions
        "plotly_draws_per_move": {
            k: statistics.median(c.get("react", 0) + c.get("newPlot", 0) for c in v)
            for k, v in calls.items()
            if k != "blank"
        },
        "charts_remounted_per_move": {
            k: statistics.median(c.get("purge", 0) for c in v)
            for k, v in calls.items()
            if k != "blank"
        },
        "app_options": args.extra,
    }
    res["ratio"] = round(res["page_median_ms"] / res["blank_median_ms"], 2)
    res["ratio_plot"] = round(res["page_median_ms"] / res["plot_median_ms"], 2)
    if base is not None:
        res["base_median_ms"] = round(statistics.median(ok["base"]), 1)
        res["base_p95_ms"] = round(pct(ok["base"], 0.95), 1)
        res["base_ratio_plot"] = round(res["base_median_ms"] / res["plot_median_ms"], 2)
    res["first_load_ratio_blank"] = {
        k: round(v / loads["blank"], 2) for k, v in loads.items() if k != "blank"
    }
    res["solo_median_ms"] = {k: round(statistics.median(v), 1) for k, v in solo.items() if v}
    if {"page", "plot"} <= res["solo_median_ms"].keys():
        res["solo_ratio_plot"] = round(
            res["solo_median_ms"]["page"] / res["solo_median_ms"]["plot"], 2
        )
    print(f"explorer: median {res['page_median_ms']} ms, p95 {res['page_p95_ms']} ms")
    if base is not None:
        print(f"base explorer: median {res['base_median_ms']} ms, p95 {res['base_p95_ms']} ms")
    print(
        f"blank:    median {res['blank_median_ms']} ms;  one-figure page: median {res['plot_median_ms']} ms"
    )
    print(f"each page alone in the browser: medians {res['solo_median_ms']}")
    print(f"payload of the explorer figure: {res['payload_bytes']} bytes; first loads: {loads}")
    print(
        f"Plotly draws per move: {res['plotly_draws_per_move']}; "
        f"charts remounted per move: {res['charts_remounted_per_move']}"
    )
    print(json.dumps(res))


if __name__ == "__main__":
    main()
