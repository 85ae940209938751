"""Shorter runs read off a longer one: the first ``n`` steps of a simulated path.

A discrete method's step k depends only on the steps before it, so the first ``n + 1`` rows
of a run of ``N ≥ n`` steps are the run of ``n`` steps, bit for bit, and its status follows
from them with the driver's own rules (``dynamics.methods._finalise``). A page that moves
its "steps" slider down (or back up to a length it has run before) therefore needs no new
simulation. Continuous-time methods are not prefix-exact (the adaptive solver's last step
is cut at the end of the span, which changes the samples near it) and are refused.
"""

from __future__ import annotations

import numpy as np

from dynamics.methods import CONVERGENCE_TOL, Method, Trajectory, _finalise


def prefix_exact(method: Method) -> bool:
    """Whether a shorter run of ``method`` is exactly a prefix of a longer one."""
    return not method.continuous


def head(traj: Trajectory, steps: int, tol: float = CONVERGENCE_TOL) -> Trajectory:
    """The run of ``steps`` steps that ``traj`` (a longer run of a discrete method) began with.

    Same points, divergence step, status and final distance as ``simulate(..., steps)``
    with the same arguments (``tol`` must be the one the long run used).
    """
    if not 0 <= steps <= traj.steps:
        raise ValueError(f"steps must be within 0..{traj.steps}")
    # A per-step solve (the implicit step) that failed stops its own path where it failed
    # (n_valid); a solver that stopped the whole run (the flow's) is not prefix-exact.
    failed = np.array([s == "solver failed" for s in traj.status], dtype=bool)
    if traj.failed_at is not None and not failed.any():
        raise ValueError("a run its solver stopped is not prefix-exact")
    # The driver's first non-finite/out-of-bound step per path; beyond the prefix it is as if
    # the path had not stopped (the driver marks that case with steps + 1).
    first_bad = np.where(traj.diverged_at >= 0, traj.diverged_at, traj.steps + 1)
    first_bad = np.where(failed, traj.n_valid, first_bad)
    first_bad = np.where(first_bad <= steps, first_bad, steps + 1).astype(np.int64)
    return _finalise(
        traj.points[: steps + 1].copy(),
        first_bad,
        tol,
        steps,
        paths_failed=failed & (first_bad <= steps),
    )


__all__ = ["head", "prefix_exact"]
