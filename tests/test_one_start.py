"""One start in plain floats (``Method.step1``, ``Variant.field1``) against the array path.

``simulate`` runs a single start of a method and game that declare one-point forms without
numpy (issue 17: numpy's per-call overhead was most of a one-start step). The contract: the
same ``Trajectory`` as the array path (``simulate(..., scalar=False)``, the reference), points
and distances to 1e-12 and every status, stop step and count identical. The one-point forms
repeat the array code operation for operation, so in practice they agree bit for bit; the
tolerance leaves room for an ulp from a library function, not for a different formula.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

import dynamics.methods as methods_module
from dynamics.losses import fprime, fprime1, fsecond, fsecond1
from dynamics.methods import (
    HYPER_RANGES,
    METHODS,
    Hyper,
    Trajectory,
    one_point,
    simgd_step1,
    simulate,
)
from dynamics.variants import VARIANTS, Game, make_game

#: The methods with a one-point form; the explorer's default pair and the common presets'
#: methods must be among them (a rule losing its ``step1`` would silently slow the app down).
FAST_METHODS = [name for name, m in METHODS.items() if m.step1 is not None]
REQUIRED_FAST = {"simgd", "altgd", "extragradient", "optimistic", "momentum"}
#: Variants without a one-point field, on purpose: runs on them take the array path.
ARRAY_ONLY_VARIANTS = {"instance-noise"}  # a 64-node quadrature per evaluation

RTOL = ATOL = 1e-12

#: (start, hyper-parameters): slow circling or converging runs, fast divergence, and starts
#: next to the divergence bound (stopped at the first or a few steps).
CASES = [
    ((1.0, 0.5), Hyper()),
    ((2.0, -1.5), Hyper(lr_gen=1.0, lr_disc=0.7, beta=0.5, n_gen=2, n_disc=3)),
    ((0.3, 0.2), Hyper(lr_gen=2.5, lr_disc=2.5, beta=-0.5, lookahead_k=3, ema_beta=0.2)),
    ((5e5, -5e5), Hyper(lr_gen=50.0, lr_disc=50.0, beta=0.9, n_gen=2, n_disc=3)),
    ((999_990.0, -0.5), Hyper(lr_gen=100.0, lr_disc=100.0, beta=0.9)),
]
STEPS = 300


def _assert_same(fast: Trajectory, ref: Trajectory) -> None:
    assert fast.points.shape == ref.points.shape
    np.testing.assert_allclose(fast.points, ref.points, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(fast.n_valid, ref.n_valid)
    np.testing.assert_array_equal(fast.diverged_at, ref.diverged_at)
    assert fast.status == ref.status
    assert fast.failed_at == ref.failed_at
    np.testing.assert_allclose(fast.final_distance, ref.final_distance, rtol=RTOL, atol=ATOL)
    assert fast.points.dtype == ref.points.dtype == np.float64
    assert fast.n_valid.dtype == ref.n_valid.dtype == np.int64


def _no_array_path(*args: object) -> None:
    raise AssertionError("the array path ran where the one-point path should have")


def _fast_and_reference(
    monkeypatch: pytest.MonkeyPatch,
    game: Game,
    method: str,
    hp: Hyper,
    start: tuple[float, float],
    steps: int,
) -> tuple[Trajectory, Trajectory]:
    """The default run (which must not touch the array loop) and the array reference."""
    with monkeypatch.context() as mp:
        mp.setattr(methods_module, "_iterate", _no_array_path)
        fast = simulate(game, method, hp, [start], steps)
    ref = simulate(game, method, hp, [start], steps, scalar=False)
    return fast, ref


# --------------------------------------------------------------------------- declarations


def test_the_explorers_methods_have_a_one_point_form() -> None:
    assert set(FAST_METHODS) >= REQUIRED_FAST


def test_every_variant_but_the_declared_ones_has_a_one_point_field() -> None:
    assert {n for n, v in VARIANTS.items() if v.field1 is None} == ARRAY_ONLY_VARIANTS


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("method", list(METHODS))
def test_one_point_is_chosen_exactly_where_both_sides_declare_it(variant: str, method: str) -> None:
    game = make_game(variant)
    expected = METHODS[method].step1 is not None and variant not in ARRAY_ONLY_VARIANTS
    assert (one_point(game, method) is not None) == expected


def test_a_one_point_step_is_refused_for_a_method_that_solves_per_step() -> None:
    with pytest.raises(ValueError, match="one-point"):
        dataclasses.replace(METHODS["implicit"], step1=simgd_step1)
    with pytest.raises(ValueError, match="one-point"):
        dataclasses.replace(METHODS["flow"], step1=simgd_step1)


@pytest.mark.parametrize("method", sorted(REQUIRED_FAST))
def test_a_single_start_takes_the_one_point_path(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The speed-up cannot vanish silently: with the array loop disabled the explorer's call
    # (one start, ui/compute.py) still runs ...
    monkeypatch.setattr(methods_module, "_iterate", _no_array_path)
    traj = simulate(make_game("standard"), method, Hyper(), [(1.0, 0.5)], 50)
    assert traj.points.shape == (51, 1, 2)
    # ... while two starts, the array-only game and scalar=False do need the array loop.
    for call in (
        lambda: simulate(make_game("standard"), method, Hyper(), [(1.0, 0.5), (0.5, 1.0)], 5),
        lambda: simulate(make_game("instance-noise"), method, Hyper(), [(1.0, 0.5)], 5),
        lambda: simulate(make_game("standard"), method, Hyper(), [(1.0, 0.5)], 5, scalar=False),
    ):
        with pytest.raises(AssertionError, match="array path ran"):
            call()


# ------------------------------------------------------------------------ one-point pieces


def test_the_one_point_loss_derivatives_are_scipys_bits() -> None:
    rng = np.random.default_rng(17)
    t = np.concatenate(
        [
            rng.normal(0.0, 3.0, 20_000),
            rng.uniform(-800.0, 800.0, 20_000),
            [0.0, -0.0, 709.78, 709.79, -709.79, 745.2, -745.2, 1e300, -1e300, np.inf, -np.inf],
        ]
    )
    np.testing.assert_array_equal([fprime1(float(x)) for x in t], fprime(t))
    np.testing.assert_array_equal([fsecond1(float(x)) for x in t], fsecond(t))
    assert fprime1(1000.0) == float(expit(-1000.0)) == 0.0  # math.exp overflows there
    assert math.isnan(fprime1(math.nan))


def _param_settings(variant: str) -> list[dict[str, float]]:
    ps = VARIANTS[variant].params
    return [
        {p.name: p.default for p in ps},
        {p.name: p.lo for p in ps},
        {p.name: p.hi for p in ps},
        {p.name: 0.37 * p.lo + 0.63 * p.hi for p in ps},
    ]


@pytest.mark.parametrize("variant", sorted(set(VARIANTS) - ARRAY_ONLY_VARIANTS))
def test_the_one_point_field_is_the_array_fields_bits(variant: str) -> None:
    rng = np.random.default_rng(3)
    pts = np.concatenate(
        [
            rng.normal(0.0, 2.0, (1500, 2)),
            rng.uniform(-1e6, 1e6, (300, 2)),
            [[0.0, 0.0], [0.0, -0.0], [-0.0, 0.0], [2.0, 0.0], [1e6, -1e6], [-1e6, -1e6]],
        ]
    )
    for params in _param_settings(variant):
        game = make_game(variant, params)
        v = game.field1()
        assert v is not None
        one = np.array([v(float(a), float(b)) for a, b in pts])
        vt, vp = game.field(pts[:, 0], pts[:, 1])
        # bit for bit, and also the cheaper single components the alternating rules call
        np.testing.assert_array_equal(one[:, 0], vt)
        np.testing.assert_array_equal(one[:, 1], vp)
        np.testing.assert_array_equal(one[:, 0], game.v_theta(pts[:, 0], pts[:, 1]))
        np.testing.assert_array_equal(one[:, 1], game.v_psi(pts[:, 0], pts[:, 1]))


# ----------------------------------------------------------------- whole runs: fast == array


@pytest.mark.parametrize("variant", sorted(set(VARIANTS) - ARRAY_ONLY_VARIANTS))
@pytest.mark.parametrize("method", FAST_METHODS)
def test_one_start_runs_equal_the_array_path(
    method: str, variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for params in _param_settings(variant)[:2]:
        game = make_game(variant, params)
        for start, hp in CASES:
            fast, ref = _fast_and_reference(monkeypatch, game, method, hp, start, STEPS)
            _assert_same(fast, ref)


@pytest.mark.parametrize("method", FAST_METHODS)
def test_the_cases_include_stops_at_the_bound(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The comparison above would prove little if no run stopped: each method has runs that
    # diverge (NaN-free stops past 1e6) and runs that do not, on several games.
    seen: dict[str, set[str]] = {}
    for variant in ("standard", "wgan", "least-squares"):
        game = make_game(variant)
        for start, hp in CASES:
            fast, ref = _fast_and_reference(monkeypatch, game, method, hp, start, STEPS)
            _assert_same(fast, ref)
            seen.setdefault(fast.status[0], set()).add(variant)
            if fast.status[0] == "diverged":
                k = int(fast.diverged_at[0])
                assert 1 <= k <= STEPS and fast.n_valid[0] == k
                np.testing.assert_array_equal(
                    fast.points[k:, 0], fast.points[k - 1 : k, 0].repeat(STEPS + 1 - k, 0)
                )
    assert "diverged" in seen and len(seen) >= 2, seen


def test_zero_steps_and_a_start_on_the_clip(monkeypatch: pytest.MonkeyPatch) -> None:
    game = make_game("wgan", {"clip": 0.5})
    for steps in (0, 1, 129):
        # ψ₀ = 2 is clipped to 0.5 before the first step, in both paths
        fast, ref = _fast_and_reference(monkeypatch, game, "altgd", Hyper(), (1.0, 2.0), steps)
        _assert_same(fast, ref)
        assert fast.points[0, 0, 1] == 0.5


# --------------------------------------------------------------------------- property test

_FAST_VARIANTS = sorted(set(VARIANTS) - ARRAY_ONLY_VARIANTS)


def _log_uniform(name: str) -> st.SearchStrategy[float]:
    lo, hi = HYPER_RANGES[name]
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


def _uniform(name: str, hi: float | None = None) -> st.SearchStrategy[float]:
    lo, top = HYPER_RANGES[name]
    return st.floats(lo, top if hi is None else hi)


@st.composite
def _runs(draw: st.DrawFn) -> tuple[str, str, dict[str, float], Hyper, tuple[float, float]]:
    method = draw(st.sampled_from(FAST_METHODS))
    variant = draw(st.sampled_from(_FAST_VARIANTS))
    params = {p.name: draw(st.floats(p.lo, p.hi)) for p in VARIANTS[variant].params}
    hp = Hyper(
        lr_gen=draw(_log_uniform("lr_gen")),
        lr_disc=draw(_log_uniform("lr_disc")),
        n_gen=draw(st.integers(1, 4)),
        n_disc=draw(st.integers(1, 4)),
        beta=draw(_uniform("beta")),
        beta1=draw(_uniform("beta1")),
        beta2=draw(_uniform("beta2")),
        eps=draw(_log_uniform("eps")),
        lookahead_k=draw(st.integers(1, 4)),
        lookahead_alpha=draw(_uniform("lookahead_alpha")),
        ema_beta=draw(_log_uniform("ema_beta")),
    )
    scale = draw(st.sampled_from([1.0, 10.0, 1e5]))
    start = (draw(st.floats(-scale, scale)), draw(st.floats(-scale, scale)))
    return method, variant, params, hp, start


@settings(max_examples=150, deadline=None)
@given(run=_runs(), steps=st.integers(0, 400))
def test_one_start_equals_the_array_path_over_hyper_parameter_ranges(
    run: tuple[str, str, dict[str, float], Hyper, tuple[float, float]], steps: int
) -> None:
    method, variant, params, hp, start = run
    game = make_game(variant, params)
    assert one_point(game, method) is not None
    fast = simulate(game, method, hp, [start], steps)
    ref = simulate(game, method, hp, [start], steps, scalar=False)
    _assert_same(fast, ref)
