"""What one start's path costs per step, and what bounds it (the explorer simulates one start
per method on every move).

For every discrete method of the registry on the standard game: µs per step of a one-start
run (``simulate`` with B = 1, the explorer's case) on the array path (``scalar=False``, numpy
on a (1, 2) state) and, where the method has a one-point form, in plain floats (the default,
``Method.step1``); the same update rule called directly on the state as a (2,) array instead
of (1, 2) (0-d components: what a "smaller representation" gives without touching the rules);
and ns per point-step of a 1,000-start batch (the per-call overhead shared by 1,000 paths). Then a steps-slider move down (2,000 → 1,000 steps) served
by ``dynamics.paths.head`` from the kept longer run (ui/compute.py) against simulating it.
Process CPU time, best of ``--reps``.

    python bench/one_path.py [--steps 2000] [--reps 3]

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from dynamics.methods import METHODS, Hyper, one_point, simulate  # noqa: E402
from dynamics.paths import head, prefix_exact  # noqa: E402
from dynamics.variants import make_game  # noqa: E402


def best(f: Callable[[], object], reps: int) -> float:
    out = []
    for _ in range(reps):
        t = time.process_time()
        f()
        out.append(time.process_time() - t)
    return min(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    if not 100 <= args.steps <= 20000 or not 1 <= args.reps <= 10:
        ap.error("--steps within 100..20000, --reps within 1..10")
    game, hp, n = make_game("standard"), Hyper(), args.steps
    rows = {}
    for name, m in METHODS.items():
        if not prefix_exact(m) or m.step is None:
            continue
        one = (
            best(lambda m=m: simulate(game, m, hp, [(1.0, 0.5)], n, scalar=False), args.reps)
            / n
            * 1e6
        )
        floats = (
            best(lambda m=m: simulate(game, m, hp, [(1.0, 0.5)], n), args.reps) / n * 1e6
            if one_point(game, m) is not None
            else None
        )

        def direct(m=m) -> None:
            z = np.array([1.0, 0.5])
            mem = m.init(game, hp, z)
            for _ in range(n):
                z, mem = m.step(game, hp, z, mem)

        flat = best(direct, args.reps) / n * 1e6
        starts = np.random.default_rng(0).uniform(-1, 1, (1000, 2))
        batch = best(lambda m=m, s=starts: simulate(game, m, hp, s, n // 4), 1) / (n // 4) / 1000
        rows[name] = {
            "one_start_array_us_per_step": round(one, 2),
            "one_start_floats_us_per_step": None if floats is None else round(floats, 2),
            "state_as_2_vector_us_per_step": round(flat, 2),
            "batch_1000_ns_per_point_step": round(batch * 1e9, 1),
        }
        fl = "     —" if floats is None else f"{floats:6.2f}"
        print(
            f"{name:14s} one start: array {one:6.2f}, floats {fl} µs/step; (2,) state "
            f"{flat:6.2f} µs/step; 1,000 starts {batch * 1e9:6.1f} ns per point-step",
            file=sys.stderr,
        )
    long = simulate(game, "altgd", hp, [(1.0, 0.5)], n)
    cut = best(lambda: head(long, n // 2), args.reps) * 1e3
    again = best(lambda: simulate(game, "altgd", hp, [(1.0, 0.5)], n // 2), args.reps) * 1e3
    print(
        f"AltGD {n} → {n // 2} steps: head {cut:.3f} ms, simulate {again:.2f} ms",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "steps": n,
                "methods": rows,
                "steps_down_head_ms": round(cut, 3),
                "steps_down_simulate_ms": round(again, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
