"""Benchmark: the explorer's interactive-HTML download, written per request vs once per figure.

Run from the repository root::

    python bench/html_export.py [--requests N]

The explorer's default figure (standard GAN, SimGD and AltGD, 500 steps) is downloaded N
times, interleaved: ``per request`` calls ``ui.exports.figure_html`` every time (what the page
did before: ``fig.to_html`` in the download callable); ``once per figure`` calls
``ui.exports.figure_html_once`` with the page's key, so the first request writes the file and
the others get the cached text. Reported: median and total time per mode, the file's size and
how many distinct copies of it each mode produced (Streamlit's media file manager keeps every
served file until its session drops it, so each copy is memory held). The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dynamics.methods import Hyper
from dynamics.presets import DEFAULT_PRESET
from ui import compute, exports
from ui.figures.explorer import PathView, explorer_figure


def default_figure():  # type: ignore[no-untyped-def]
    d = DEFAULT_PRESET
    hp = compute.hyper_key(Hyper(lr_gen=d.lr, lr_disc=d.lr))
    runs = {m: compute.trajectory(d.variant, (), m, hp, d.start, d.steps) for m in d.methods}
    lines = compute.streamlines(d.variant, (), d.view, 1.0)
    paths = [PathView(m, m, r.points, r.status, r.diverged_at) for m, r in runs.items()]
    return explorer_figure(lines, paths, view=d.view)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=20)
    args = ap.parse_args()
    fig = default_figure()
    key = exports.settings_key("bench", DEFAULT_PRESET.variant, DEFAULT_PRESET.steps)
    exports.figure_html(fig)  # warm-up: Plotly's validators, the inlined plotly.js
    times: dict[str, list[float]] = {"per request": [], "once per figure": []}
    kept: dict[str, list[str]] = {mode: [] for mode in times}
    for _ in range(args.requests):
        t = time.perf_counter()
        kept["per request"].append(exports.figure_html(fig))
        times["per request"].append(time.perf_counter() - t)
        t = time.perf_counter()
        kept["once per figure"].append(exports.figure_html_once(key, lambda: fig))
        times["once per figure"].append(time.perf_counter() - t)
    size = len(kept["per request"][0].encode())
    out = {
        mode: {
            "median_ms": round(1000 * statistics.median(ts), 3),
            "total_ms": round(1000 * sum(ts), 1),
            "copies": len({id(text) for text in kept[mode]}),
        }
        for mode, ts in times.items()
    }
    for mode, r in out.items():
        print(f"{mode:>16}: median {r['median_ms']:8.3f} ms, total {r['total_ms']:8.1f} ms, "
              f"{r['copies']} copies of the file")  # fmt: skip
    print(f"file: {size / 1e6:.2f} MB, {args.requests} requests")
    print(json.dumps({"requests": args.requests, "bytes": size, **out}))


if __name__ == "__main__":
    main()
