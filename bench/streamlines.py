"""Benchmark: our streamline tracer against matplotlib's and plotly's.

Run from the repository root::

    python bench/streamlines.py [--reps N]

Same field (the "standard" Dirac-GAN field), range [-2, 2]² and densities (1 and 2), on a
40 × 40 grid for the competitors.  The timings are medians of interleaved repetitions (the
machine is shared: ratios measured side by side are what counts).  Ours includes the field
evaluation; matplotlib is timed on the ``streamplot`` call alone, on fresh axes; plotly on
``create_streamline``.

Quality, measured the same way for both: coverage is the fraction of the cells of a
30·density per axis grid that a line passes through (polylines densified first, so a long
segment counts every cell it crosses); ``min_dist`` is the smallest distance between points
of two different lines, in spacing cells, leaving out one cell of arc length at the ends.

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib  # benchmark only: the app never imports it

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import plotly.figure_factory as ff
from scipy.spatial import cKDTree
from scipy.special import expit

from dynamics.streamlines import CELLS_PER_DENSITY, trace_streamlines

RANGE = (-2.0, 2.0)
GRID = 40
DENSITIES = (1, 2)


def standard_field(theta: np.ndarray, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dirac-GAN: θ' = -ψ f'(θψ), ψ' = θ f'(θψ) with f'(t) = 1 / (1 + e^t)."""
    fp = expit(-theta * psi)
    return -psi * fp, theta * fp


def pick_field() -> tuple[object, str]:
    """The project's standard game if ``dynamics.variants`` offers it, else the formula."""
    try:
        from dynamics.variants import make_game  # type: ignore[import-not-found]

        field = make_game("standard").field
        x = np.linspace(-2, 2, 7)
        u, v = field(*np.meshgrid(x, x))
        if np.shape(u) == (7, 7) and np.shape(v) == (7, 7):
            return field, "dynamics.variants.make_game('standard').field"
    except Exception:  # any failure means: use the inline formula
        pass
    return standard_field, "inline expit formula"


class Counted:
    """Wraps a field and counts the points it is evaluated at."""

    def __init__(self, field) -> None:
        self.field = field
        self.points = 0

    def __call__(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.points += np.size(x)
        return self.field(x, y)


def densify(line: np.ndarray, step: float) -> np.ndarray:
    """Points along a polyline, at most ``step`` apart."""
    if len(line) < 2:
        return line
    seg = np.diff(line, axis=0)
    n = np.maximum(1, np.ceil(np.hypot(*seg.T) / step).astype(int))
    start = np.repeat(line[:-1], n, axis=0)
    t = np.concatenate([np.arange(1, k + 1) / k for k in n])[:, None]
    return np.vstack([line[:1], start + t * np.repeat(seg, n, axis=0)])


def quality(lines: list[np.ndarray], density: float) -> tuple[float, float]:
    """Coverage of the 30·density grid and the min distance between lines, in cells."""
    m = round(CELLS_PER_DENSITY * density)
    h = (RANGE[1] - RANGE[0]) / m
    touched = np.zeros((m, m), bool)
    points, labels = [], []
    for i, line in enumerate(lines):
        p = densify(np.asarray(line, float), h / 4)
        cell = np.clip(((p - RANGE[0]) / h).astype(int), 0, m - 1)
        touched[cell[:, 1], cell[:, 0]] = True
        arc = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])
        inner = (arc > h) & (arc < arc[-1] - h)
        points.append(p[inner])
        labels.append(np.full(inner.sum(), i))
    pts, lab = np.vstack(points), np.concatenate(labels)
    pairs = cKDTree(pts).query_pairs(3 * h, output_type="ndarray")
    pairs = pairs[lab[pairs[:, 0]] != lab[pairs[:, 1]]]
    if not len(pairs):
        return float(touched.mean()), 3.0
    dist = np.hypot(*(pts[pairs[:, 0]] - pts[pairs[:, 1]]).T).min()
    return float(touched.mean()), float(dist / h)


def chain(segments: list[np.ndarray]) -> list[np.ndarray]:
    """matplotlib's segments as polylines (older versions give one 2-point piece each)."""
    lines: list[list[np.ndarray]] = []
    for seg in segments:
        if lines and np.array_equal(lines[-1][-1][-1], seg[0]):
            lines[-1].append(seg[1:])
        else:
            lines.append([seg])
    return [np.vstack(parts) for parts in lines]


def nan_split(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Lines from NaN-separated coordinate arrays."""
    xy = np.column_stack([x, y]).astype(float)
    gaps = np.flatnonzero(np.isnan(xy[:, 0]))
    pieces = [p[~np.isnan(p[:, 0])] for p in np.split(xy, gaps)]
    return [p for p in pieces if len(p) >= 2]


def payload_bytes(x: np.ndarray, y: np.ndarray) -> int:
    """Size of ``{"x": [...], "y": [...]}`` as Plotly's JSON (NaN -> null)."""

    def as_list(a: np.ndarray) -> list[float | None]:
        return [None if np.isnan(t) else float(t) for t in a]

    return len(json.dumps({"x": as_list(x), "y": as_list(y)}, separators=(",", ":")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="interleaved repetitions")
    args = parser.parse_args()

    field, source = pick_field()
    xs = np.linspace(*RANGE, GRID)
    gx, gy = np.meshgrid(xs, xs)
    u, v = field(gx, gy)
    print(f"field: {source}; range {RANGE}²; grid {GRID}×{GRID}; {args.reps} repetitions")

    times: dict[tuple[str, int], list[float]] = {}
    results: dict[tuple[str, int], object] = {}

    def timed(key: tuple[str, int], run) -> None:
        gc.collect()  # no collection of another tracer's garbage inside the timed call
        t0 = time.perf_counter()
        results[key] = run()
        times.setdefault(key, []).append(time.perf_counter() - t0)

    for _ in range(2):  # warm-up: imports, caches, first-call costs
        for d in DENSITIES:
            trace_streamlines(field, RANGE, RANGE, d, grid=GRID)
    for _ in range(args.reps):
        for d in DENSITIES:
            timed(("ours", d), lambda d=d: trace_streamlines(field, RANGE, RANGE, d, grid=GRID))
            fig, ax = plt.subplots()
            timed(("matplotlib", d), lambda d=d, ax=ax: ax.streamplot(gx, gy, u, v, density=d))
            plt.close(fig)
            timed(("plotly", d), lambda d=d: ff.create_streamline(xs, xs, u, v, density=d))

    out: dict[str, float | int | str] = {}
    rows = []
    for d in DENSITIES:
        suffix = "" if d == 1 else f"_d{d}"
        counted = Counted(field)
        ours = trace_streamlines(counted, RANGE, RANGE, d, grid=GRID)
        mpl_lines = chain(results[("matplotlib", d)].lines.get_segments())
        plotly_fig = results[("plotly", d)]
        plotly_lines = nan_split(np.asarray(plotly_fig.data[0].x), np.asarray(plotly_fig.data[0].y))
        ms = {
            name: 1e3 * float(np.median(times[(name, d)]))
            for name in ("ours", "matplotlib", "plotly")
        }
        cov = {}
        for name, lines in (
            ("ours", ours.lines()),
            ("matplotlib", mpl_lines),
            ("plotly", plotly_lines),
        ):
            cov[name] = quality(lines, d)
            rows.append(
                f"{d:>7} {name:<11} {ms[name]:>9.2f} {ms['matplotlib'] / ms[name]:>8.1f}x"
                f" {cov[name][0]:>9.3f} {cov[name][1]:>9.2f} {len(lines):>6}"
            )
        out[f"ours_ms{suffix}"] = round(ms["ours"], 3)
        out[f"matplotlib_ms{suffix}"] = round(ms["matplotlib"], 2)
        out[f"plotly_ms{suffix}"] = round(ms["plotly"], 2)
        out[f"speedup_vs_matplotlib{suffix}"] = round(ms["matplotlib"] / ms["ours"], 1)
        out[f"speedup_vs_plotly{suffix}"] = round(ms["plotly"] / ms["ours"], 1)
        out[f"coverage_ours{suffix}"] = round(cov["ours"][0], 4)
        out[f"coverage_matplotlib{suffix}"] = round(cov["matplotlib"][0], 4)
        out[f"coverage_plotly{suffix}"] = round(cov["plotly"][0], 4)
        out[f"min_dist_ours{suffix}"] = round(cov["ours"][1], 3)
        out[f"min_dist_matplotlib{suffix}"] = round(cov["matplotlib"][1], 3)
        out[f"field_evals{suffix}"] = counted.points
        out[f"n_lines{suffix}"] = ours.n_lines
        out[f"n_vertices{suffix}"] = int(np.isfinite(ours.x).sum())
        out[f"payload_bytes{suffix}"] = payload_bytes(ours.x, ours.y)
        out[f"payload_bytes_plotly{suffix}"] = payload_bytes(
            np.asarray(plotly_fig.data[0].x, float), np.asarray(plotly_fig.data[0].y, float)
        )

    print(
        f"{'density':>7} {'tracer':<11} {'ms':>9} {'vs mpl':>9} {'coverage':>9} {'min_dist':>9} {'lines':>6}"
    )
    print("\n".join(rows))
    for d in DENSITIES:
        suffix = "" if d == 1 else f"_d{d}"
        print(
            f"density {d}: our lines as Plotly JSON (x/y lists): {out[f'payload_bytes{suffix}']} bytes"
            f" ({out[f'n_vertices{suffix}']} vertices); plotly's create_streamline lines:"
            f" {out[f'payload_bytes_plotly{suffix}']} bytes; field evaluated at"
            f" {out[f'field_evals{suffix}']} points"
        )
    out["field_source"] = source
    print(json.dumps(out))


if __name__ == "__main__":
    main()
