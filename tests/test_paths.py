"""A shorter run read off a longer one (dynamics/paths.py, used by ui/compute.py) is the run
itself: same points bit for bit, same status and divergence step, for every method of the
registry (new methods are covered automatically) and every variant."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dynamics.methods import METHODS, Hyper, simulate
from dynamics.paths import head, prefix_exact
from dynamics.variants import VARIANTS, make_game
from ui import compute

DISCRETE = [m for m in METHODS if prefix_exact(METHODS[m])]
#: around the driver's divergence-check chunk (128 steps), and the ends
LENGTHS = (0, 1, 2, 127, 128, 129, 300)
LONG = 400


def _same_run(a, b) -> None:
    assert a.points.shape == b.points.shape
    assert np.array_equal(a.points, b.points)
    assert np.array_equal(a.n_valid, b.n_valid)
    assert np.array_equal(a.diverged_at, b.diverged_at)
    assert a.status == b.status
    assert np.array_equal(a.final_distance, b.final_distance)
    assert a.failed_at == b.failed_at


def test_every_method_is_classified() -> None:
    # continuous-time methods are refused (the solver's last step depends on the span)
    assert DISCRETE and all(not METHODS[m].continuous for m in DISCRETE)
    assert all(not prefix_exact(m) for m in METHODS.values() if m.continuous)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("method", DISCRETE)
@pytest.mark.parametrize("lr", [0.2, 3.0])  # 3.0: most paths diverge within the run
def test_head_is_the_shorter_run(method: str, variant: str, lr: float) -> None:
    game = make_game(variant)
    hp = Hyper(lr_gen=lr, lr_disc=lr)
    starts = [(1.0, 1.0), (-0.7, 0.3), (0.0, 1.5)]
    long = simulate(game, method, hp, starts, LONG)
    for n in LENGTHS:
        _same_run(head(long, n), simulate(game, method, hp, starts, n))
    if lr > 1.0:
        # at h = 3 some maps are chaotic: the batch's and one start's last-bit rounding
        # (vectorised vs scalar loops) grow apart, as any two float computations would
        return
    # and each one-start path is the batch simulator's row, to 1e-12
    for b, z0 in enumerate(starts):
        one = head(simulate(game, method, hp, [z0], LONG), 300)
        assert np.allclose(one.path(0), long.path(b)[: one.n_valid[0]], rtol=0, atol=1e-12)
        assert one.status[0] == head(long, 300).status[b]


@settings(max_examples=30, deadline=None)
@given(
    method=st.sampled_from(DISCRETE),
    lr=st.floats(0.01, 5.0),
    n=st.integers(0, 260),
    extra=st.integers(0, 300),
    th=st.floats(-3, 3),
    ps=st.floats(-3, 3),
)
@example(method="simgd", lr=2.5, n=129, extra=1, th=1.0, ps=1.0)
def test_head_property(method: str, lr: float, n: int, extra: int, th: float, ps: float) -> None:
    game = make_game("standard")
    hp = Hyper(lr_gen=lr, lr_disc=lr)
    _same_run(
        head(simulate(game, method, hp, [(th, ps)], n + extra), n),
        simulate(game, method, hp, [(th, ps)], n),
    )


def test_head_refuses_what_it_cannot_give() -> None:
    game = make_game("standard")
    long = simulate(game, "simgd", Hyper(), [(1.0, 1.0)], 10)
    with pytest.raises(ValueError):
        head(long, 11)
    flow = simulate(make_game("wgan-gp"), "flow", Hyper(), [(1.0, 1.0)], 5)
    if flow.failed_at is not None:  # a solver-stopped run cannot be cut
        with pytest.raises(ValueError):
            head(flow, 2)


@pytest.mark.parametrize("method", list(METHODS))
def test_cached_trajectory_after_a_longer_run(method: str, monkeypatch) -> None:
    """ui.compute.trajectory gives the same path whether or not a longer run was kept, and
    simulates nothing for the shorter one of a discrete method."""
    compute.trajectory.clear()
    compute.LONGEST_RUNS.clear()
    args = ("standard", compute.params_key({}), method, compute.hyper_key(Hyper()), (1.0, 0.5))
    long = compute.trajectory(*args, 300)
    calls = []
    real = compute.simulate
    monkeypatch.setattr(compute, "simulate", lambda *a, **k: calls.append(a) or real(*a, **k))
    short = compute.trajectory(*args, 150)
    fresh = simulate(make_game("standard"), method, Hyper(), [(1.0, 0.5)], 150)
    assert np.array_equal(short.points, fresh.path(0))
    assert short.status == fresh.status[0]
    assert short.final_distance == float(fresh.final_distance[0])
    assert len(calls) == (0 if prefix_exact(METHODS[method]) else 1)
    if prefix_exact(METHODS[method]):
        assert np.array_equal(long.points[: len(short.points)], short.points)
    compute.trajectory.clear()
    compute.LONGEST_RUNS.clear()
