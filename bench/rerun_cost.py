"""Server CPU of one rerun: each Dirac-GAN page at its defaults and at its largest legal
settings, with the work budget (ui/budget.py) and without it, side by side in one run; and
the budget's cost model against measured CPU.

    python bench/rerun_cost.py [--reps 2]

One rerun is a fresh ``AppTest`` run of the page with every core cache cleared first (a
new combination of settings, as an abusive client would send), timed with the process's
CPU clock. "unbudgeted" sets ``ui.budget.WORK_BUDGET`` to infinity, i.e. the code before
the budget. The calibration part runs 500 steps of every method on every game (n_gen =
n_disc = 1 and 20) and prints measured units (SimGD steps on the standard game) over the
model's: at most 1 means the model never underestimates. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from dynamics.methods import METHODS, Hyper, simulate  # noqa: E402
from dynamics.presets import SCHEMES  # noqa: E402
from dynamics.variants import VARIANTS, make_game  # noqa: E402
from ui import budget, compute  # noqa: E402
from ui.cache import BoundedCache  # noqa: E402
from ui.controls import N_SUBSTEPS_MAX, STEPS_MAX  # noqa: E402

PAGES: dict[str, tuple[str, dict[str, str]]] = {
    "explorer": (
        "pages/explorer.py",
        {"variant": "instance-noise", "methods": ",".join(METHODS), "steps": str(STEPS_MAX),
         "n_gen": str(N_SUBSTEPS_MAX), "n_disc": str(N_SUBSTEPS_MAX), "view": "20",
         "density": "3", "speed": "1"},
    ),
    "compare": ("pages/compare.py", {"steps": str(STEPS_MAX), "schemes": ",".join(SCHEMES)}),
    "stability": (
        "pages/stability.py",
        {"variant": "instance-noise", "method": "momentum-alt", "res": "301",
         "n_gen": str(N_SUBSTEPS_MAX), "n_disc": str(N_SUBSTEPS_MAX)},
    ),
}  # fmt: skip


def clear_caches() -> None:
    for obj in vars(compute).values():
        if isinstance(obj, BoundedCache | compute.LongestRuns):
            obj.clear()


def rerun_cpu(page: str, query: dict[str, str]) -> float:
    clear_caches()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params.update(query)
    t = time.process_time()
    at.switch_page(page).run()
    dt = time.process_time() - t
    if at.exception:
        raise RuntimeError(f"{page} {query}: {at.exception[0].value}")
    return dt


def calibrate(steps: int = 500) -> dict[str, Any]:
    """Measured units per step over the model's, for every (variant, method, n)."""

    def cpu(variant: str, method: str, n: int) -> float:
        game = make_game(variant)
        hp = Hyper(lr_gen=0.1, lr_disc=0.1, n_gen=n, n_disc=n)
        t = time.process_time()
        simulate(game, method, hp, [(1.0, 1.0)], steps)
        return (time.process_time() - t) / steps

    unit = statistics.median(cpu("standard", "simgd", 1) for _ in range(5))
    ratios = {}
    for v in VARIANTS:
        for m in METHODS:
            for n in (1, N_SUBSTEPS_MAX) if "n_disc" in METHODS[m].uses else (1,):
                hp = Hyper(n_gen=n, n_disc=n)
                ratios[f"{v}/{m}/n={n}"] = round(
                    cpu(v, m, n) / unit / budget.hyper_units(v, m, hp), 2
                )
    worst = sorted(ratios.items(), key=lambda kv: -kv[1])[:5]
    return {"unit_us": round(unit * 1e6, 2), "worst_measured_over_model": worst}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=2)
    args = p.parse_args(argv)
    if not 1 <= args.reps <= 5:
        p.error("--reps within 1..5")
    rows: dict[str, Any] = {}
    for name, (page, largest) in PAGES.items():
        for label, query, cap in (
            ("default", {}, None),
            ("largest, budgeted", largest, None),
            ("largest, unbudgeted", largest, math.inf),
        ):
            saved = budget.WORK_BUDGET
            if cap is not None:
                budget.WORK_BUDGET = cap  # type: ignore[misc]
            try:
                times = [rerun_cpu(page, query) for _ in range(args.reps)]
            finally:
                budget.WORK_BUDGET = saved  # type: ignore[misc]
            rows[f"{name}: {label}"] = round(statistics.median(times), 3)
            print(f"# {name:9s} {label:20s} {rows[f'{name}: {label}']:8.3f} s CPU", file=sys.stderr)
    cal = calibrate()
    print(f"# calibration: {cal}", file=sys.stderr)
    print(json.dumps({"cpus": os.cpu_count(), "rerun_cpu_s": rows, "calibration": cal}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
