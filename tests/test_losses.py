"""The loss f(t) = −log(1 + e^(−t)) and its derivatives (docs/theory.md §1.1)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamics.losses import FP0, FPP0, f, fprime, fsecond

#: Hypothesis budget for this module (no deadline: numerical examples vary in cost).
FAST = settings(max_examples=40, deadline=None)

# Where the textbook formulas can be evaluated without overflow: e^700 < 1.8e308.
SAFE = st.floats(-700.0, 700.0, allow_nan=False)
MODERATE = st.floats(-30.0, 30.0, allow_nan=False)


def test_values_at_zero_are_exact() -> None:
    assert f(0.0) == -math.log(2.0)
    assert fprime(0.0) == 0.5 == FP0
    assert fsecond(0.0) == -0.25 == FPP0


@FAST
@given(SAFE)
def test_f_matches_definition(t: float) -> None:
    expected = -math.log1p(math.exp(-t))
    assert float(f(t)) == pytest.approx(expected, rel=1e-14, abs=1e-300)


@FAST
@given(SAFE)
def test_fprime_matches_definition(t: float) -> None:
    expected = 1.0 / (1.0 + math.exp(t))
    assert float(fprime(t)) == pytest.approx(expected, rel=1e-14, abs=1e-300)


@FAST
@given(SAFE)
def test_fsecond_matches_definition(t: float) -> None:
    # f''(t) = −e^t / (1 + e^t)² written without cancellation: −1 / ((1 + e^t)(1 + e^−t)).
    expected = -1.0 / ((1.0 + math.exp(t)) * (1.0 + math.exp(-t)))
    assert float(fsecond(t)) == pytest.approx(expected, rel=1e-13, abs=1e-300)


@FAST
@given(MODERATE)
def test_derivatives_by_central_differences(t: float) -> None:
    # Central differences: truncation h²|f'''|/6 ≈ 2e-12, rounding ε|f|/h ≤ 1e-16·30/1e-5 = 3e-10.
    h = 1e-5
    d1 = (f(t + h) - f(t - h)) / (2 * h)
    d2 = (fprime(t + h) - fprime(t - h)) / (2 * h)
    assert float(d1) == pytest.approx(float(fprime(t)), abs=1e-9)
    assert float(d2) == pytest.approx(float(fsecond(t)), abs=1e-9)


@FAST
@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_symmetries(t: float) -> None:
    # σ(−t) + σ(t) = 1, f'' is even, f(t) − f(−t) = t.
    assert float(fprime(t) + fprime(-t)) == pytest.approx(1.0, abs=1e-15)
    assert float(fsecond(t)) == float(fsecond(-t))
    assert float(f(t) - f(-t)) == pytest.approx(t, rel=1e-15, abs=1e-15)


def test_extreme_arguments_are_finite_and_silent() -> None:
    t = np.array([-1e6, -1e4, -745.0, -710.0, -40.0, 0.0, 40.0, 710.0, 745.0, 1e4, 1e6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # independent of the pytest configuration
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
            vals = [f(t), fprime(t), fsecond(t)]
    for v in vals:
        assert v.shape == t.shape
        assert np.isfinite(v).all()
    # Asymptotes: f(t) → t for t → −∞ and → 0 for t → +∞; f' → 1 and 0; f'' → 0.
    assert f(-1e6) == pytest.approx(-1e6, rel=1e-15)
    assert f(1e6) == pytest.approx(0.0, abs=1e-300)
    assert fprime(-1e6) == 1.0
    assert fprime(1e6) == 0.0
    assert fsecond(1e6) == pytest.approx(0.0, abs=1e-300)
    assert fsecond(-1e6) == pytest.approx(0.0, abs=1e-300)
    # Signs: f < 0, 0 < f' < 1 and f'' < 0 wherever they are not rounded to 0 or 1.
    mid = np.linspace(-30.0, 30.0, 61)
    assert (f(mid) < 0).all()
    assert ((fprime(mid) > 0) & (fprime(mid) < 1)).all()
    assert (fsecond(mid) < 0).all()


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
def test_elementwise_over_any_shape(shape: tuple[int, ...], rng: np.random.Generator) -> None:
    t = rng.normal(scale=5.0, size=shape)
    for fn in (f, fprime, fsecond):
        out = fn(t)
        assert np.shape(out) == shape
        flat = np.array([float(fn(float(x))) for x in np.ravel(t)])
        np.testing.assert_array_equal(np.ravel(out), flat)
