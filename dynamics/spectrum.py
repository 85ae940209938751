"""Local stability at the equilibrium: Jacobians, eigenvalues, update operators, verdicts.

Everything is computed twice, independently: numerically (central differences of the vector
field and of the actual one-step map) and analytically (the registry's Jacobian and closed
forms), so the app and the tests can show that theory and simulation agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dynamics.methods import NEUTRAL_TOL, Hyper, Method, get_method
from dynamics.methods import _integrate as integrate_flow
from dynamics.variants import Game, sort_eigs

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]

FIELD_FD_STEP = 1e-6
MAP_FD_STEP = 1e-5
FLOW_FD_STEP = 1e-4  # the flow map is computed by an ODE solver: larger step, tighter tolerance


@dataclass(frozen=True)
class ContinuousSpectrum:
    """Eigenvalues of the Jacobian J of the vector field at the equilibrium."""

    jacobian_numeric: FloatArray | None
    jacobian_analytic: FloatArray | None
    numeric: ComplexArray | None
    analytic: ComplexArray | None
    formula: str | None
    formula_values: str | None
    reason: str | None  # why there are no numbers (WGAN-GP)


@dataclass(frozen=True)
class UpdateSpectrum:
    """Eigenvalues of the linearised one-step update operator of a training method."""

    operator_numeric: FloatArray | None
    operator_analytic: FloatArray | None
    numeric: ComplexArray | None
    analytic: ComplexArray | None  # closed form where one exists, else eig of the analytic operator
    closed_form: bool  # whether ``analytic`` comes from the method's closed-form formula
    formula: str | None
    spectral_radius: float | None
    verdict: str | None  # "converges" | "neutral" | "diverges"
    reason: str | None

    @property
    def steps_per_decade(self) -> float | None:
        """Steps to shrink the error tenfold, ln 10 / −ln ρ (converging methods only)."""
        rho = self.spectral_radius
        if rho is None or self.verdict != "converges" or rho <= 0.0:
            return None
        return math.log(10.0) / -math.log(rho)


@dataclass(frozen=True)
class Spectrum:
    continuous: ContinuousSpectrum
    update: UpdateSpectrum


def numeric_jacobian(game: Game, at: tuple[float, float] = (0.0, 0.0)) -> FloatArray:
    """Central-difference Jacobian of the vector field (one vectorised field call)."""
    e = FIELD_FD_STEP
    pts = np.array(at, dtype=float) + np.array([[e, 0], [-e, 0], [0, e], [0, -e]])
    vt, vp = game.field(pts[:, 0], pts[:, 1])
    v = np.stack((vt, vp), axis=-1)
    return np.stack(((v[0] - v[1]) / (2 * e), (v[2] - v[3]) / (2 * e)), axis=-1)


def numeric_operator(game: Game, method: Method, hp: Hyper) -> FloatArray:
    """Central-difference Jacobian of the one-step map on the augmented state at equilibrium.

    The batch of 2n perturbed states goes through the method's own rule (or the ODE solver)
    in one call, so this checks the implementation, not a re-derivation.
    """
    n = method.state_dim
    if method.continuous:
        e = FLOW_FD_STEP
        starts = np.concatenate([e * np.eye(2), -e * np.eye(2)])
        with np.errstate(all="ignore"):
            pts = integrate_flow(game, hp, starts, 1, rtol=1e-13, atol=1e-18)[0][1]
        return ((pts[:2] - pts[2:]) / (2 * e)).T
    assert method.step is not None
    e = MAP_FD_STEP
    aug = np.concatenate([e * np.eye(n), -e * np.eye(n)])  # (2n, n)
    z = aug[:, :2].copy()
    zero = np.zeros((2 * n, 2))
    mem_eq = method.init(game, hp, zero)
    # Memory at the equilibrium is all zeros for every linearisable rule; perturb it.
    mem = tuple(
        aug[:, 2 * (i + 1) : 2 * (i + 2)] + np.asarray(m_eq)
        for i, m_eq in enumerate(mem_eq[: method.memory_size])
    )
    z_next, mem_next = method.step(game, hp, z, mem)
    out = np.concatenate([z_next, *mem_next[: method.memory_size]], axis=-1)
    return ((out[:n] - out[n:]) / (2 * e)).T


def verdict(rho: float) -> str:
    """converges / neutral / diverges from the spectral radius."""
    if abs(rho - 1.0) <= NEUTRAL_TOL:
        return "neutral"
    return "converges" if rho < 1.0 else "diverges"


def continuous_spectrum(game: Game) -> ContinuousSpectrum:
    v = game.variant
    if not v.differentiable:
        return ContinuousSpectrum(None, None, None, None, None, None, v.no_jacobian_reason)
    J = game.jacobian()
    Jn = numeric_jacobian(game)
    return ContinuousSpectrum(
        jacobian_numeric=Jn,
        jacobian_analytic=J,
        numeric=sort_eigs(np.linalg.eigvals(Jn)),
        analytic=game.eigenvalues(),
        formula=v.eig_latex,
        formula_values=v.latex_with_values(game.params),
        reason=None,
    )


def update_spectrum(game: Game, method: str | Method, hp: Hyper) -> UpdateSpectrum:
    m = get_method(method) if isinstance(method, str) else method
    if not game.variant.differentiable:
        reason = game.variant.no_jacobian_reason
        return UpdateSpectrum(None, None, None, None, False, m.formula, None, None, reason)
    if m.operator is None:
        return UpdateSpectrum(None, None, None, None, False, None, None, None, m.no_operator_reason)
    J = game.jacobian()
    assert J is not None
    op = m.operator(J, hp)
    op_num = numeric_operator(game, m, hp)
    closed = m.closed_form(J, hp) if m.closed_form is not None else None
    analytic = sort_eigs(closed if closed is not None else np.linalg.eigvals(op))
    rho = float(np.max(np.abs(analytic)))
    return UpdateSpectrum(
        operator_numeric=op_num,
        operator_analytic=op,
        numeric=sort_eigs(np.linalg.eigvals(op_num)),
        analytic=analytic,
        closed_form=closed is not None,
        formula=m.formula,
        spectral_radius=rho,
        verdict=verdict(rho),
        reason=None,
    )


def spectrum(game: Game, method: str | Method, hp: Hyper) -> Spectrum:
    """Both spectra for a game and a training method."""
    return Spectrum(continuous_spectrum(game), update_spectrum(game, method, hp))
