"""Cost of one Plotly draw of the explorer figure in a bare page (headless Chromium).

What a slider move costs the browser per draw, without Streamlit: the explorer figure as
the page builds it (default preset) drawn from scratch (``Plotly.newPlot`` after
``Plotly.purge``: what ``st.plotly_chart`` does on every change, twice) and updated to the
figure of the next learning rate (``Plotly.react``: what ``ui/live_chart.py`` does once),
each timed to the next animation frame; then the same with the 21 × 21 invisible grid of
click targets the explorer needed before ui/live_chart.py reported clicks itself.
bench/latency.py counts how many draws a slider move makes in the app.

    python bench/plotly_draw.py [--reps 8]

Last line: one JSON object (medians in ms).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import plotly  # noqa: E402
import plotly.io as pio  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bench.appserver import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from dynamics.methods import METHODS, Hyper, simulate  # noqa: E402
from dynamics.presets import DEFAULT_PRESET as P  # noqa: E402
from dynamics.streamlines import trace_streamlines  # noqa: E402
from dynamics.variants import make_game  # noqa: E402
from ui.controls import LR_OPTIONS  # noqa: E402
from ui.figures.explorer import PathView, explorer_figure  # noqa: E402

CLICK_CELLS = 10  # the former click grid: 2·10 + 1 invisible markers per axis

DRAW_JS = """async ([call, spec]) => {
  if (call === 'newPlot') Plotly.purge('g');
  const t0 = performance.now();
  await Plotly[call]('g', spec);
  await new Promise((r) => requestAnimationFrame(() => r()));
  return performance.now() - t0;
}"""


def spec(h: float, click_grid: bool) -> dict:
    game = make_game(P.variant)
    lines = trace_streamlines(game.field, (-P.view, P.view), (-P.view, P.view), 1.0)
    paths = []
    for m in P.methods:
        tr = simulate(game, m, Hyper(lr_gen=h, lr_disc=h), [P.start], P.steps)
        paths.append(PathView(m, METHODS[m].label, tr.path(0), str(tr.status[0]), None))
    out = json.loads(pio.to_json(explorer_figure(lines, paths, view=P.view), validate=False))
    if click_grid:  # as the explorer drew it up to this commit's predecessor
        g = np.linspace(-P.view, P.view, 2 * CLICK_CELLS + 1)
        gx, gy = np.meshgrid(g, g)
        out["data"].insert(2, {
            "type": "scatter", "x": gx.ravel().tolist(), "y": gy.ravel().tolist(),
            "mode": "markers", "marker": {"size": 10, "opacity": 0}, "showlegend": False,
            "hovertemplate": "click to start here<extra></extra>", "name": "click grid",
            "selected": {"marker": {"opacity": 0}}, "unselected": {"marker": {"opacity": 0}},
            "xaxis": "x", "yaxis": "y",
        })  # fmt: skip
        out["layout"]["clickmode"] = "event+select"
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=8)
    args = ap.parse_args()
    hs = [h for h in LR_OPTIONS if h >= 0.1][: args.reps + 1]
    js = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()
    res: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_content("<div id=g style='width:760px;height:900px'></div>")
        page.add_script_tag(content=js)
        for name, grid in (("app", False), ("with_click_grid", True)):
            specs = [spec(h, grid) for h in hs]
            page.evaluate(DRAW_JS, ["newPlot", specs[0]])  # warm-up: compiles Plotly's code
            new = [page.evaluate(DRAW_JS, ["newPlot", s]) for s in specs[:5]]
            react = [page.evaluate(DRAW_JS, ["react", s]) for s in specs[1:]]
            res[f"{name}_newplot_ms"] = round(statistics.median(new), 1)
            res[f"{name}_react_ms"] = round(statistics.median(react), 1)
        browser.close()
    print(
        f"explorer figure: newPlot {res['app_newplot_ms']} ms, react {res['app_react_ms']} ms; "
        f"with the former click grid {res['with_click_grid_newplot_ms']} / "
        f"{res['with_click_grid_react_ms']} ms"
    )
    print(json.dumps(res))


if __name__ == "__main__":
    main()
