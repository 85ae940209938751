"""The variants' pointwise Jacobians J(θ, ψ) (dynamics/jacobians.py) against central
differences of the fields, and the higher smoothed derivatives of instance noise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dynamics.losses import fsecond, fthird
from dynamics.noise import S_SWITCH, smoothed_logistic, smoothed_logistic_higher
from dynamics.variants import VARIANTS, Variant, make_game

FAST = settings(max_examples=40, deadline=None)


def params_strategy(variant: Variant) -> st.SearchStrategy[dict[str, float]]:
    return st.fixed_dictionaries({p.name: st.floats(p.lo, p.hi) for p in variant.params})


def fd_jacobian(game, theta: np.ndarray, psi: np.ndarray, e: float = 1e-6) -> np.ndarray:
    out = np.empty((*theta.shape, 2, 2))
    for k, (dt, dp) in enumerate(((e, 0.0), (0.0, e))):
        plus = np.stack(game.field(theta + dt, psi + dp), axis=-1)
        minus = np.stack(game.field(theta - dt, psi - dp), axis=-1)
        out[..., :, k] = (plus - minus) / (2 * e)
    return out


def test_every_variant_has_a_pointwise_jacobian() -> None:
    for v in VARIANTS.values():
        assert v.jacobian_at is not None, v.name


@pytest.mark.parametrize("variant", list(VARIANTS))
@FAST
@given(data=st.data())
def test_pointwise_jacobian_matches_finite_differences(variant: str, data: st.DataObject) -> None:
    game = make_game(variant, data.draw(params_strategy(VARIANTS[variant])))
    pts = np.array(
        data.draw(st.lists(st.tuples(st.floats(-4, 4), st.floats(-4, 4)), min_size=1, max_size=8))
    )
    if variant == "wgan-gp":
        # The field jumps across ψ = 0: compare away from it (the Jacobian leaves the jump out).
        pts = pts[np.abs(pts[:, 1]) > 1e-3]
        assume(len(pts) > 0)
    theta, psi = pts[:, 0], pts[:, 1]
    J = game.jacobian_at(theta, psi)
    assert J.shape == (len(pts), 2, 2)
    fd = fd_jacobian(game, theta, psi)
    # Central differences, step 1e-6: truncation ≲ e²·f''' and rounding ≲ ε·|v|/e.
    scale = 1.0 + np.abs(J).max()
    np.testing.assert_allclose(J, fd, rtol=0, atol=2e-7 * scale)


@pytest.mark.parametrize("variant", [n for n, v in VARIANTS.items() if v.jacobian is not None])
def test_pointwise_jacobian_at_the_equilibrium_is_the_registry_one(variant: str) -> None:
    v = VARIANTS[variant]
    for params in ({}, {p.name: p.hi for p in v.params}, {p.name: p.lo for p in v.params}):
        game = make_game(variant, params)
        np.testing.assert_allclose(game.jacobian_at(0.0, 0.0), game.jacobian(), rtol=0, atol=1e-14)


def test_wgan_gp_jacobian_leaves_the_jump_out() -> None:
    game = make_game("wgan-gp", gamma=0.7, g0=1.0)
    J = game.jacobian_at(np.array([0.3, 0.3, 0.3]), np.array([-0.5, 0.0, 0.5]))
    np.testing.assert_array_equal(J[:, 1, 1], -0.7)
    np.testing.assert_array_equal(J[:, 0, 1], -1.0)


def test_fthird_is_the_derivative_of_fsecond() -> None:
    t = np.linspace(-30, 30, 601)
    e = 1e-5
    np.testing.assert_allclose(fthird(t), (fsecond(t + e) - fsecond(t - e)) / (2 * e), atol=1e-10)


@FAST
@given(m=st.floats(-8, 8), s=st.floats(0.0, 4.0))
def test_smoothed_higher_derivatives_are_m_derivatives(m: float, s: float) -> None:
    """C = ∂B/∂m and D = ∂C/∂m, B from ``smoothed_logistic``, on both quadrature branches."""
    e = 1e-5
    c, d = smoothed_logistic_higher(np.array(m), np.array(s))
    _, bp = smoothed_logistic(np.array(m + e), np.array(s))
    _, bm = smoothed_logistic(np.array(m - e), np.array(s))
    cp, _ = smoothed_logistic_higher(np.array(m + e), np.array(s))
    cm, _ = smoothed_logistic_higher(np.array(m - e), np.array(s))
    assert float(c) == pytest.approx(float((bp - bm) / (2 * e)), abs=1e-9)
    assert float(d) == pytest.approx(float((cp - cm) / (2 * e)), abs=1e-9)


def test_smoothed_higher_derivatives_agree_across_the_quadrature_switch() -> None:
    m = np.linspace(-5, 5, 41)
    below = smoothed_logistic_higher(m, np.full_like(m, S_SWITCH))
    above = smoothed_logistic_higher(m, np.full_like(m, np.nextafter(S_SWITCH, 2.0)))
    for lo, hi in zip(below, above, strict=True):
        np.testing.assert_allclose(lo, hi, rtol=0, atol=1e-12)


def test_smoothed_higher_derivatives_at_zero_width_are_the_plain_ones() -> None:
    m = np.linspace(-6, 6, 25)
    c, _ = smoothed_logistic_higher(m, np.zeros_like(m))
    np.testing.assert_allclose(c, fthird(m), atol=1e-15)
