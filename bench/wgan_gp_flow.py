"""WGAN-GP under the continuous flow: the piecewise-exact solver against the adaptive solver
it replaced (DOP853 on the whole field, which steps across the jump of v at ψ = 0).

    python bench/wgan_gp_flow.py [--baseline-timeout 600]

Both run side by side in this process, on the cases of issue 22: h = 100 for 100 steps (the
CLI case) and h = 2 for 5,000 steps (the explorer case). CPU time is ``time.process_time``;
the baseline runs in a child process killed after ``--baseline-timeout`` seconds. Last line:
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dynamics.methods import FLOW_ATOL, FLOW_RTOL, Hyper, simulate
from dynamics.variants import make_game

CASES = ((100.0, 100), (2.0, 5000))


def baseline(lr: float, steps: int, out: mp.Queue) -> None:
    """The previous `_integrate`: one DOP853 solve of ż = H v(z) over [0, steps]."""
    game = make_game("wgan-gp")
    calls = [0]

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        calls[0] += 1
        vt, vp = game.field(y[:1], y[1:])
        return lr * np.concatenate([vt, vp])

    t0 = time.process_time()
    sol = solve_ivp(rhs, (0.0, float(steps)), [1.0, 1.0], method="DOP853",
                    t_eval=np.arange(steps + 1.0), rtol=FLOW_RTOL, atol=FLOW_ATOL)  # fmt: skip
    ok = sol.y.shape[1] == steps + 1
    out.put({"cpu_s": time.process_time() - t0, "rhs_calls": calls[0], "finished": ok,
             "end": sol.y[:, -1].tolist()})  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline-timeout", type=float, default=600.0)
    args = ap.parse_args()
    result = {}
    for lr, steps in CASES:
        name = f"h={lr:g},steps={steps}"
        t0 = time.process_time()
        traj = simulate(make_game("wgan-gp"), "flow", Hyper(lr_gen=lr, lr_disc=lr), [(1, 1)], steps)
        new = {"cpu_s": time.process_time() - t0, "status": traj.status[0],
               "end": traj.points[-1, 0].tolist()}  # fmt: skip
        q: mp.Queue = mp.Queue()
        p = mp.Process(target=baseline, args=(lr, steps, q))
        w0 = time.time()
        p.start()
        p.join(args.baseline_timeout)
        if p.is_alive():
            p.terminate()
            p.join()
            old = {"cpu_s": None, "wall_s_over": time.time() - w0, "finished": False}
        else:
            old = q.get()
        result[name] = {"piecewise_exact": new, "adaptive_baseline": old}
        print(name, "new", new, "old", old, flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
