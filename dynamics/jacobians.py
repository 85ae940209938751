"""The Jacobian J(θ, ψ) = ∂v/∂z of each variant's field at any point, analytic, vectorised.

The methods that use second-order information of the game (Hamiltonian gradient descent,
symplectic gradient adjustment, competitive gradient descent; docs/theory.md §2.9–2.11) need J
at every iterate, not only at the equilibrium. Each function takes θ, ψ as float arrays of one
shape and returns J with shape (..., 2, 2), rows (v_θ, v_ψ), columns (∂/∂θ, ∂/∂ψ).
``tests/test_jacobians.py`` checks every one against central differences of the field.

WGAN-GP's field jumps across ψ = 0 (docs/theory.md §1.6): its Jacobian is the derivative away
from ψ = 0 (the jump, a Dirac mass on the line ψ = 0, has no pointwise value and is left out).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from dynamics.losses import fprime, fsecond, fthird
from dynamics.noise import smoothed_logistic, smoothed_logistic_higher

FloatArray = NDArray[np.float64]
Params = Mapping[str, float]


def _matrix(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> FloatArray:
    """[[a, b], [c, d]] stacked on the last two axes (entries broadcast together)."""
    a, b, c, d = np.broadcast_arrays(a, b, c, d)
    out = np.empty((*a.shape, 2, 2))
    out[..., 0, 0] = a
    out[..., 0, 1] = b
    out[..., 1, 0] = c
    out[..., 1, 1] = d
    return out


def standard(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """v = f'(θψ)(−ψ, θ)."""
    t = theta * psi
    fp, fpp = fprime(t), fsecond(t)
    return _matrix(-psi * psi * fpp, -fp - t * fpp, fp + t * fpp, theta * theta * fpp)


def non_saturating(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """v = (−ψ f'(−θψ), θ f'(θψ))."""
    t = theta * psi
    fp, fpp = fprime(t), fsecond(t)
    fpm, fppm = fprime(-t), fsecond(-t)
    return _matrix(psi * psi * fppm, -fpm + t * fppm, fp + t * fpp, theta * theta * fpp)


def wgan(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """v = (−ψ, θ): the constant rotation (clipping is a projection, not part of the field)."""
    zero = np.zeros(np.shape(theta))
    return _matrix(zero, zero - 1.0, zero + 1.0, zero)


def wgan_gp(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """v = (−ψ, θ − γ(|ψ| − g₀) sign ψ): ∂v_ψ/∂ψ = −γ away from ψ = 0 (the jump is left out)."""
    zero = np.zeros(np.broadcast_shapes(np.shape(theta), np.shape(psi)))
    return _matrix(zero, zero - 1.0, zero + 1.0, zero - p["gamma"])


def gradient_penalty(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """The standard GAN's Jacobian with −γ added to ∂v_ψ/∂ψ."""
    J = standard(theta, psi, p)
    J[..., 1, 1] -= p["gamma"]
    return J


def ns_gradient_penalty(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """The non-saturating GAN's Jacobian with −γ added to ∂v_ψ/∂ψ."""
    J = non_saturating(theta, psi, p)
    J[..., 1, 1] -= p["gamma"]
    return J


def _consensus_like(theta: FloatArray, psi: FloatArray, p: Params, w: float) -> FloatArray:
    """J_std − γ ∂g/∂z with g = (θf'² + cψ, ψf'² + cθ), c = w r² f' f'', r² = θ² + ψ², t = θψ.

    w = 1 is the exact ∇(½‖v_std‖²); w = ½ the authors' plotting code (cubic term halved).
    """
    t = theta * psi
    r2 = theta * theta + psi * psi
    fp, fpp, f3 = fprime(t), fsecond(t), fthird(t)
    q = fpp * fpp + fp * f3  # the derivative of f' f''
    c = w * r2 * fp * fpp
    dc_dtheta = w * (2.0 * theta * fp * fpp + r2 * q * psi)
    dc_dpsi = w * (2.0 * psi * fp * fpp + r2 * q * theta)
    diag = fp * fp + 2.0 * t * fp * fpp
    J = standard(theta, psi, p)
    gamma = p["gamma"]
    J[..., 0, 0] -= gamma * (diag + psi * dc_dtheta)
    J[..., 0, 1] -= gamma * (2.0 * theta * theta * fp * fpp + c + psi * dc_dpsi)
    J[..., 1, 0] -= gamma * (2.0 * psi * psi * fp * fpp + c + theta * dc_dtheta)
    J[..., 1, 1] -= gamma * (diag + theta * dc_dpsi)
    return J


def consensus(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """J_std − γ ∇²Φ, Φ = ½‖v_std‖² = ½ r² f'(t)²."""
    return _consensus_like(theta, psi, p, 1.0)


def consensus_authors(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """As ``consensus`` with the cubic term r² f' f'' halved (the authors' plotting code)."""
    return _consensus_like(theta, psi, p, 0.5)


def instance_noise(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """v = (−ψA, θA + σ²ψ(B + B₀)) with A, B = E f', E f'' at U ~ N(θψ, σ²ψ²), B₀ = B(0, s).

    With C, D = E f''', E f'''' (∂A/∂m = B, ∂A/∂s = sC, ∂B/∂m = C, ∂B/∂s = sD, and
    s ∂s/∂ψ = σ²ψ) every entry is smooth, also across ψ = 0.
    """
    sigma = p["sigma"]
    if sigma == 0.0:
        return standard(theta, psi, p)  # as the field does: exactly the standard GAN
    s2 = sigma * sigma
    s = np.abs(psi) * sigma
    m = theta * psi
    a, b = smoothed_logistic(m, s)
    c, d = smoothed_logistic_higher(m, s)
    zero = np.zeros_like(s)
    _, b0 = smoothed_logistic(zero, s)
    _, d0 = smoothed_logistic_higher(zero, s)
    da_dpsi = b * theta + s2 * psi * c
    db_dpsi = c * theta + s2 * psi * d
    return _matrix(
        -psi * psi * b,
        -a - psi * da_dpsi,
        a + m * b + s2 * psi * psi * c,
        theta * da_dpsi + s2 * (b + b0) + s2 * psi * (db_dpsi + s2 * psi * d0),
    )


def least_squares(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """v = (−(θψ − c)ψ, −(θψ + 1)θ): LSGAN with fake label a = −1 and generator target c."""
    t = theta * psi
    return _matrix(-psi * psi, p["c"] - 2.0 * t, -2.0 * t - 1.0, -theta * theta)


def lecam(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    """The standard GAN's Jacobian plus that of −2λθ²ψ in v_ψ: (−4λθψ, −2λθ²)."""
    J = standard(theta, psi, p)
    lam = p["lam"]
    J[..., 1, 0] -= 4.0 * lam * theta * psi
    J[..., 1, 1] -= 2.0 * lam * theta * theta
    return J
