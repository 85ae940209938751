"""Mode-collapse batch: this tree against a base commit, side by side in one run.

Two measurements, each interleaved (base, new, base, new, ...) so that a busy machine slows
both alike; the minimum and the median of the repeats are reported, in wall-clock and in CPU
seconds (CPU time is what a shared 2-core machine distorts least):

1. the first-order dynamics alone: the batch experiment with 1,000 runs × 1,500 steps (the
   default settings), in a fresh interpreter per repeat (imports excluded from the timing);
   the final means of both trees are compared (they must be identical); either tree's API
   (keyword arguments before, one ``GMMSettings`` since) is detected;
2. the whole command ``python -m dynamics gmm-batch --dynamics first-order`` (start-up
   included), with the same explicit target for both trees;
3. floors, what no NumPy version of this design can go below:
   ``np.exp`` alone on the 24 values per run-step that both versions evaluate (16 for the
   discriminator's gradient, 8 for the generator's), for the same runs × steps (identical
   results need the same exponentials), and the start-up of an interpreter that imports
   ``numpy.random`` and nothing else (the command cannot start faster), as the caller's
   environment has it and with one OpenBLAS thread (what the GMM commands now ask for).

The base is checked out into a scratch ``git worktree`` (detached, removed afterwards).

    python bench/gmm_batch.py [--base main] [--repeats 5] [--target=-2,2]

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DYNAMICS = """
import inspect, json, sys, time
import numpy as np
from dynamics import gmm
kw = dict(runs={runs}, steps={steps}, target={target})
if "settings" in inspect.signature(gmm.batch_experiment).parameters:
    args = (gmm.GMMSettings(dynamics="first-order", **kw),), {{}}
else:  # the keyword API before GMMSettings became the argument
    args = ("first-order",), kw
t0, c0 = time.perf_counter(), time.process_time()
r = gmm.batch_experiment(*args[0], **args[1])
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
np.save(sys.argv[1], r.mu_final)
print(json.dumps({{"wall": wall, "cpu": cpu}}))
"""


def run_dynamics(tree: Path, runs: int, steps: int, target: tuple[float, float], out: Path):
    code = DYNAMICS.format(runs=runs, steps=steps, target=target)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(out)], cwd=tree, env=env, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_command(
    tree: Path, target: str, argv: list[str] | None = None, **extra_env: str
) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), **extra_env}
    argv = argv or ["-m", "dynamics", "gmm-batch", "--dynamics", "first-order",
                    f"--target={target}"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=tree, env=env, capture_output=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def summary(samples: list[dict[str, float]]) -> dict[str, float]:
    out = {}
    for key in ("wall", "cpu"):
        vals = [s[key] for s in samples]
        out[f"{key}_min"] = round(min(vals), 4)
        out[f"{key}_median"] = round(statistics.median(vals), 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="main", help="commit or branch to compare with")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument(
        "--target", default="-2,2", help="the same for both trees (default: the default)"
    )
    args = ap.parse_args()
    target = tuple(float(v) for v in args.target.split(","))
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.base],
            check=True, capture_output=True,
        )  # fmt: skip
        try:
            sha = subprocess.run(
                ["git", "-C", str(base), "rev-parse", "--short", "HEAD"], capture_output=True,
                text=True, check=True,
            ).stdout.strip()  # fmt: skip
            trees = {"base": base, "new": ROOT}
            dyn: dict[str, list] = {k: [] for k in trees}
            cmd: dict[str, list] = {k: [] for k in trees}
            startup: list[dict[str, float]] = []
            startup_1: list[dict[str, float]] = []
            for _ in range(args.repeats):
                for name, tree in trees.items():
                    out = Path(tmp) / f"{name}.npy"
                    dyn[name].append(run_dynamics(tree, args.runs, args.steps, target, out))
                    cmd[name].append(run_command(tree, args.target))
                startup.append(run_command(ROOT, "", ["-c", "import numpy.random"]))
                startup_1.append(
                    run_command(ROOT, "", ["-c", "import numpy.random"], OPENBLAS_NUM_THREADS="1")
                )
            a, b = np.load(Path(tmp) / "base.npy"), np.load(Path(tmp) / "new.npy")
            same = float(np.max(np.abs(a - b)))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                capture_output=True,
            )  # fmt: skip
    x16, x8 = np.random.default_rng(0).random((2, 4, 4, args.runs))
    floors = []
    for _ in range(args.repeats):
        c0 = time.process_time()
        for _ in range(args.steps):
            np.exp(x16)
            np.exp(x8[:2])
        floors.append(time.process_time() - c0)
    res = {
        "base": f"{args.base} ({sha})",
        "runs": args.runs,
        "steps": args.steps,
        "target": list(target),
        "max_abs_diff_final_means": same,
        "dynamics": {k: summary(v) for k, v in dyn.items()},
        "command": {k: summary(v) for k, v in cmd.items()},
        "exp_floor_cpu_min": round(min(floors), 4),
        "numpy_startup_floor": summary(startup),
        "numpy_startup_floor_one_blas_thread": summary(startup_1),
    }
    for part in ("dynamics", "command"):
        for key in ("wall_min", "cpu_min", "cpu_median"):
            res[part][f"speedup_{key}"] = round(res[part]["base"][key] / res[part]["new"][key], 2)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
