"""A work budget per rerun: legal settings must not cost one user the server's minutes.

Every control is within its range, yet their product was not bounded: the explorer at 5,000
steps, every method, 20 + 20 sub-steps on the instance-noise game took 17 s of CPU for one
rerun (0.34 s at the defaults), the compare page with every scheme at 5,000 steps 12 s
(0.54 s; ``bench/rerun_cost.py``, cold caches). Paths are what costs: the work of one path is its number of steps
times the work of one step, which depends on the method (sub-steps, extra evaluations, an
ODE solver) and on the game (instance noise integrates over the noise at every
evaluation). This module estimates that work in *units* (one SimGD step on the standard
game, ~6 µs on the development machine) and tells a page how many steps fit in
``WORK_BUDGET`` units; the page cuts its paths there and says so.

The factors were measured with ``python bench/rerun_cost.py`` (500 steps of every method on
every game, process CPU time, relative to SimGD on the standard game) and rounded up; on a
busy 2-core machine the model stays within the measurement's own noise (~1.3x) of the CPU. ``tests/test_budget.py`` checks that every method and variant is covered and that every
preset and the compare page's defaults fit uncut.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from dynamics.methods import HYPER_PARAMS, METHODS, Hyper

_UNROLL_DEFAULT = int(HYPER_PARAMS["unroll_k"].default)

#: Units per rerun: about 1 s of CPU on the development machine at the worst factors.
WORK_BUDGET = 150_000

#: Units per step of a method beyond the one update (the rest are 1): extragradient
#: evaluates the field twice, Adam carries two moments, the flow's ODE solver takes ~10
#: evaluations per sample.
_METHOD_UNITS: Mapping[str, float] = {
    "simgd": 1.0,
    "extragradient": 2.0,
    "adam": 2.5,
    "flow": 15.0,
    "momentum": 1.5,
    "optimistic": 1.5,
    # the field's Jacobian at every iterate (measured 3.4, 5.3 and 3.7 × SimGD)
    "hamiltonian": 3.5,
    "sga": 5.5,
    "cgd": 4.0,
    # Newton's method per step (~5 iterations of field + Jacobian; measured 20.6 × SimGD)
    "implicit": 21.0,
    # unrolled GAN at k = 0 (one field and one v_ψ): the unroll adds ``_UNROLL_PER_K`` per k
    "unrolled": 1.5,
}
#: Units per unrolled discriminator step (a Jacobian and a v_ψ; measured 13.6 × SimGD at
#: k = 5 on the standard game, 26 × on LeCam's, whose Jacobian costs more than its field).
_UNROLL_PER_K = 3.0
#: Lookahead-minmax takes k SimGD steps, then averages (measured 4.8 × SimGD at k = 5,
#: 19.2 × at k = 20): per step ``k`` units plus this.
_LOOKAHEAD_EXTRA = 0.5
#: The flow's cost follows the solver's step count, not the field's price: measured, it
#: is about the same on every game but the stiff WGAN-GP field (a jump at ψ = 0) and the
#: instance-noise one (quadrature inside the solver).
_FLOW_FACTOR: Mapping[str, float] = {"wgan-gp": 4.5, "instance-noise": 3.0}
#: Units per sub-step of the alternating methods (they loop n_gen + n_disc times a step).
_SUBSTEP_UNITS: Mapping[str, float] = {
    "altgd": 0.5,
    "momentum-alt": 1.0,
    "ema": 0.5,
    "average": 0.5,
}
#: Units per step of the alternating methods besides their sub-steps (the iterate averages
#: keep a running mean too: measured 1.8 and 2.0 × SimGD at n = 1 + 1, 21 × at 20 + 20).
_SUBSTEP_BASE: Mapping[str, float] = {"ema": 1.0, "average": 1.0}
#: Work of one field evaluation relative to the standard game.
VARIANT_FACTOR: Mapping[str, float] = {
    "instance-noise": 13.0,  # quadrature over the noise at every evaluation
    "consensus": 4.0,  # the field's gradient norm term
    "consensus-authors": 4.0,  # the same terms (measured 2.6 × SimGD, 3.6 × for Hamiltonian GD)
    "wgan-gp": 1.5,
    "gradient-penalty": 1.5,
    "ns-gradient-penalty": 1.5,
    "non-saturating": 1.3,
    "wgan": 2.0,
    "least-squares": 1.3,  # two polynomials (measured 1.0 for SimGD, 1.9 for AltGD)
    "lecam": 1.5,  # the standard field and one more term
}


def step_units(
    method: str,
    n_gen: int = 1,
    n_disc: int = 1,
    lookahead_k: int = 1,
    unroll_k: int = _UNROLL_DEFAULT,
) -> float:
    """Units of one step of ``method`` on the standard game (``KeyError`` for a method the
    tables do not price: a new method must be measured and added here)."""
    if method not in METHODS:
        raise KeyError(method)
    if method in _SUBSTEP_UNITS:
        return _SUBSTEP_UNITS[method] * (n_gen + n_disc) + _SUBSTEP_BASE.get(method, 0.5)
    if "lookahead_k" in METHODS[method].uses:
        return lookahead_k + _LOOKAHEAD_EXTRA
    if "unroll_k" in METHODS[method].uses:
        return _METHOD_UNITS[method] + _UNROLL_PER_K * unroll_k
    return _METHOD_UNITS[method]


def path_units(
    variant: str,
    method: str,
    n_gen: int = 1,
    n_disc: int = 1,
    lookahead_k: int = 1,
    unroll_k: int = _UNROLL_DEFAULT,
) -> float:
    """Units of one step of ``method`` on ``variant``."""
    if method == "flow":
        return _FLOW_FACTOR.get(variant, 1.0) * step_units(method)
    units = step_units(method, n_gen, n_disc, lookahead_k, unroll_k)
    return VARIANT_FACTOR.get(variant, 1.0) * units


def hyper_units(variant: str, method: str, hp: Hyper) -> float:
    """``path_units`` with the counts a method's hyper-parameters set (sub-steps, k)."""
    return path_units(variant, method, hp.n_gen, hp.n_disc, hp.lookahead_k, hp.unroll_k)


def steps_within(steps: int, units_per_step: float, budget: float | None = None) -> int:
    """The most steps (≤ ``steps``, ≥ 1) whose work fits in ``budget`` (``WORK_BUDGET``)."""
    budget = WORK_BUDGET if budget is None else budget
    if units_per_step <= 0 or math.isinf(budget):
        return steps
    return max(1, min(steps, math.floor(budget / units_per_step)))


def cut_note(steps: int, allowed: int, what: Iterable[str]) -> str:
    """The message a page shows when its paths are cut at ``allowed`` of ``steps``."""
    return (
        f"These settings ask for more work than one view may use ({steps:,} steps of "
        f"{', '.join(what)}), so the paths stop at step {allowed:,}. Fewer methods, fewer "
        "sub-steps (n_gen, n_disc) or another variant let them run further."
    )


# ------------------------------------------------------------------ a fair share of a core
# The budget bounds one rerun; a session can still rerun back to back. One process serves
# every session from one core (the GIL), so a session that keeps computing at the largest
# settings (~0.7 s a rerun) slowed another user's rerun ×3.8 (bench/hostile.py --costly).
# A session that has used more than FAIR_SHARE of a core over the last FAIR_WINDOW seconds
# waits before its next computation: time.sleep releases the GIL, so the others run.

#: Share of one core a session may use, averaged over ``FAIR_WINDOW`` seconds.
FAIR_SHARE = 0.3
FAIR_WINDOW = 10.0
#: Longest wait before one computation (a session is never locked out for long).
MAX_WAIT = 5.0
_FAIR_KEY = "_fair_share_history"


def wait_for(history: Iterable[tuple[float, float]], now: float) -> float:
    """Seconds a session should wait before computing again.

    ``history`` holds (end time, CPU seconds) of its recent computations. Beyond
    ``FAIR_SHARE × FAIR_WINDOW`` CPU seconds in the window, it waits the excess divided by
    the share (the time in which that much CPU is its fair share), at most ``MAX_WAIT``.
    """
    used = sum(cpu for t, cpu in history if now - t < FAIR_WINDOW)
    excess = used - FAIR_SHARE * FAIR_WINDOW
    return 0.0 if excess <= 0 else min(MAX_WAIT, excess / FAIR_SHARE)


def hold_back(
    state: MutableMapping[Any, Any],  # st.session_state: str or int keys
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[float, float]:
    """Wait this session's turn (see ``wait_for``); returns (seconds waited, a CPU mark for
    ``account``)."""
    history = state.get(_FAIR_KEY, [])
    wait = wait_for(history, clock())
    if wait > 0:
        sleep(wait)
    return wait, time.thread_time()


def account(
    state: MutableMapping[Any, Any], mark: float, *, clock: Callable[[], float] = time.monotonic
) -> None:
    """Record the CPU this session's script thread used since ``mark`` (from ``hold_back``)."""
    now = clock()
    history = [(t, c) for t, c in state.get(_FAIR_KEY, []) if now - t < FAIR_WINDOW]
    history.append((now, max(0.0, time.thread_time() - mark)))
    state[_FAIR_KEY] = history[-64:]


def waited_note(seconds: float) -> str:
    """What a page says after holding a session back."""
    return (
        f"This view has used more than its share of the server in the last "
        f"{FAIR_WINDOW:g} s, so it waited {seconds:.1f} s before computing (other users "
        "share the same server). Cheaper settings compute at once."
    )
