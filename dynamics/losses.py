"""The GAN loss function f and its derivatives, computed without overflow.

In the Dirac-GAN objective ``L(θ, ψ) = f(ψθ) + f(0)`` with ``f(t) = −log(1 + e^(−t))``
(Mescheder, Geiger, Nowozin, ICML 2018). ``exp`` of a large argument never appears:
``f`` is a negated softplus and ``f'``, ``f''`` are written with the logistic function.

``fprime1`` and ``fsecond1`` are the same functions of one plain float (one-start runs,
``dynamics.methods.simulate``): scipy's ``expit`` is 1/(1 + exp(−x)) with the C library's
exp, so ``math.exp`` gives the same bits (tests/test_one_start.py checks them).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

FloatArray = NDArray[np.float64]

#: f'(0) and f''(0), the two numbers every eigenvalue formula is written in.
FP0 = 0.5
FPP0 = -0.25


def f(t: ArrayLike) -> FloatArray:
    """``f(t) = −log(1 + e^(−t))``; ``logaddexp`` keeps it finite for any finite t."""
    return -np.logaddexp(0.0, -np.asarray(t, dtype=float))


def fprime(t: ArrayLike) -> FloatArray:
    """``f'(t) = σ(−t) = 1 / (1 + e^t)``."""
    return expit(-np.asarray(t, dtype=float))


def fsecond(t: ArrayLike) -> FloatArray:
    """``f''(t) = −σ(t) σ(−t)``; the product form avoids ``1 − σ`` cancellation."""
    t = np.asarray(t, dtype=float)
    return -expit(t) * expit(-t)


def fthird(t: ArrayLike) -> FloatArray:
    """``f'''(t) = σ(t) σ(−t) (σ(t) − σ(−t))`` (the pointwise Jacobian of consensus needs it)."""
    t = np.asarray(t, dtype=float)
    s, sb = expit(t), expit(-t)
    return s * sb * (s - sb)


def _expit1(x: float) -> float:
    """The logistic function of one float, bit for bit scipy's ``expit``."""
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:  # exp(−x) beyond the float range: numpy's inf gives exactly 0
        return 0.0


def fprime1(t: float) -> float:
    """``f'(t)`` of one float: ``fprime`` without numpy's per-call overhead."""
    return _expit1(-t)


def fsecond1(t: float) -> float:
    """``f''(t)`` of one float, the same product as ``fsecond``."""
    return -_expit1(t) * _expit1(-t)
