"""The GAN loss function f and its derivatives, computed without overflow.

In the Dirac-GAN objective ``L(θ, ψ) = f(ψθ) + f(0)`` with ``f(t) = −log(1 + e^(−t))``
(Mescheder, Geiger, Nowozin, ICML 2018). ``exp`` of a large argument never appears:
``f`` is a negated softplus and ``f'``, ``f''`` are written with the logistic function.
"""

from __future__ import annotations

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
