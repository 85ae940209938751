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

The prices are declared with the methods and games themselves (``Method.cost``,
``Variant.cost``, ``Variant.flow_cost`` in ``dynamics/``), so a new method or variant is
priced where it is declared. They were measured with ``python bench/rerun_cost.py`` (500
steps of every method on every game, process CPU time, relative to SimGD on the standard
game) and rounded up; on a busy 2-core machine the model stays within the measurement's own
noise (~1.3x) of the CPU. ``tests/test_budget.py`` checks that every price is positive,
that repeated work costs, and that every preset and the compare page's defaults fit uncut.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from dynamics.methods import METHODS, Hyper
from dynamics.variants import VARIANTS

#: Units per rerun: about 1 s of CPU on the development machine at the worst factors.
WORK_BUDGET = 150_000


def step_units(method: str, hp: Hyper | None = None) -> float:
    """Units of one step of ``method`` on the standard game at the counts ``hp`` sets
    (sub-steps, k; ``KeyError`` for an unknown method)."""
    return METHODS[method].cost.units(Hyper() if hp is None else hp)


def hyper_units(variant: str, method: str, hp: Hyper) -> float:
    """Units of one step of ``method`` on ``variant`` at the counts ``hp`` sets.

    A discrete method evaluates the game's field at every step, so the game's ``cost``
    scales it; the continuous flow's work follows its ODE solver's step count instead
    (``flow_cost``).
    """
    game = VARIANTS[variant]
    factor = game.flow_cost if METHODS[method].continuous else game.cost
    return factor * step_units(method, hp)


def path_units(
    variant: str,
    method: str,
    n_gen: int = 1,
    n_disc: int = 1,
    lookahead_k: int = 1,
    **counts: Any,  # other Hyper fields by name (int or float, as the field)
) -> float:
    """``hyper_units`` with counts given by name, the others at their defaults
    (``lookahead_k`` at 1: one look-ahead step)."""
    hp = dataclasses.replace(Hyper(), n_gen=n_gen, n_disc=n_disc, lookahead_k=lookahead_k, **counts)
    return hyper_units(variant, method, hp)


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
