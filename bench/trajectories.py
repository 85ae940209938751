"""Trajectory throughput: 1,000 starts × 10,000 steps of AltGD on the standard GAN.

Compares the vectorised driver (`dynamics.methods.simulate`, all starts at once) with a
plain Python loop over points and steps (math module, one point at a time), measured on a
subset and reported per point-step. Also SimGD and the storage-free cost (the driver keeps
every step: (steps + 1, B, 2) floats).

    python bench/trajectories.py [--starts 1000] [--steps 10000]

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dynamics.methods import Hyper, simulate
from dynamics.variants import make_game


def python_altgd(theta: float, psi: float, h: float, steps: int) -> tuple[float, float]:
    """AltGD on the standard GAN, one point, plain Python (f'(t) = 1 / (1 + e^t))."""
    for _ in range(steps):
        t = theta * psi
        theta -= h * psi / (1.0 + math.exp(t)) if t < 700 else 0.0
        t = theta * psi
        psi += h * theta / (1.0 + math.exp(t)) if t < 700 else 0.0
    return theta, psi


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    game = make_game("standard")
    hp = Hyper()
    starts = np.random.default_rng(0).uniform(-2, 2, (args.starts, 2))
    res: dict[str, float | int] = {"starts": args.starts, "steps": args.steps}
    for method in ("altgd", "simgd"):
        t = best_of(lambda m=method: simulate(game, m, hp, starts, args.steps), args.repeats)
        res[f"{method}_s"] = round(t, 4)
        res[f"{method}_ns_per_point_step"] = round(t / (args.starts * args.steps) * 1e9, 2)
    # the plain loop on 20 starts, extrapolated per point-step
    sub = starts[:20]
    t = best_of(lambda: [python_altgd(a, b, hp.lr_gen, args.steps) for a, b in sub], 1)
    res["python_loop_ns_per_point_step"] = round(t / (len(sub) * args.steps) * 1e9, 1)
    res["python_loop_s_extrapolated"] = round(t / len(sub) * args.starts, 2)
    res["speedup_vs_python_loop"] = round(
        res["python_loop_ns_per_point_step"] / res["altgd_ns_per_point_step"], 1
    )
    # same result as the plain loop (the driver is not cutting corners)
    tr = simulate(game, "altgd", hp, sub[:3], 1000)
    ref = np.array([python_altgd(a, b, hp.lr_gen, 1000) for a, b in sub[:3]])
    res["max_abs_diff_vs_python"] = float(np.abs(tr.points[-1] - ref).max())
    print(
        f"AltGD {args.starts} × {args.steps}: {res['altgd_s']} s "
        f"({res['altgd_ns_per_point_step']} ns per point-step); plain Python "
        f"{res['python_loop_ns_per_point_step']} ns per point-step "
        f"(×{res['speedup_vs_python_loop']})"
    )
    print(json.dumps(res))


if __name__ == "__main__":
    main()
