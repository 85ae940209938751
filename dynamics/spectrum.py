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

from dynamics.methods import NEUTRAL_TOL, Hyper, Method, get_method, integrate_flow
from dynamics.variants import Game, sort_eigs

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]

FIELD_FD_STEP = 1e-6
MAP_FD_STEP = 1e-5
FLOW_FD_STEP = 1e-4  # the flow map is computed by an ODE solver: larger step, tighter tolerance
#: Finite differences of the one-step map are checked only while ρ·step stays below this: the
#: perturbation grows to ρ·step in one step and the nonlinear terms swamp the difference
#: quotient (50–100 % off at ρ ≈ 1e6).
FD_RHO_STEP_MAX = 0.1
NOT_CHECKED_RHO = "not checked: ρ too large for finite differences"
NOT_CHECKED_OVERFLOW = "not checked: the perturbed map overflows"
#: Eigenvalues closer than this are one (repeated) eigenvalue when testing for a Jordan block.
CLUSTER_TOL = 1e-6
LINEAR_GROWTH = "grows linearly"


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
    verdict: str | None  # "converges" | "neutral" | "grows linearly" | "diverges"
    reason: str | None
    #: why the finite-difference check is missing (``numeric`` is None), else None
    check_note: str | None = None
    #: the equilibrium the operator is linearised at
    at: tuple[float, float] = (0.0, 0.0)

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


def _is_origin(at: tuple[float, float] | None) -> bool:
    return at is None or (at[0] == 0.0 and at[1] == 0.0)


def numeric_jacobian(game: Game, at: tuple[float, float] = (0.0, 0.0)) -> FloatArray:
    """Central-difference Jacobian of the vector field (one vectorised field call)."""
    e = FIELD_FD_STEP
    pts = np.array(at, dtype=float) + np.array([[e, 0], [-e, 0], [0, e], [0, -e]])
    vt, vp = game.field(pts[:, 0], pts[:, 1])
    v = np.stack((vt, vp), axis=-1)
    return np.stack(((v[0] - v[1]) / (2 * e), (v[2] - v[3]) / (2 * e)), axis=-1)


def numeric_operator(
    game: Game, method: Method, hp: Hyper, at: tuple[float, float] = (0.0, 0.0)
) -> FloatArray:
    """Central-difference Jacobian of the one-step map on the augmented state at ``at``.

    The batch of 2n perturbed states goes through the method's own rule (or the ODE solver)
    in one call, so this checks the implementation, not a re-derivation.
    """
    n = method.state_dim
    z_eq = np.asarray(at, dtype=float)
    if method.continuous:
        e = FLOW_FD_STEP
        starts = z_eq + np.concatenate([e * np.eye(2), -e * np.eye(2)])
        with np.errstate(all="ignore"):
            pts = integrate_flow(game, hp, starts, 1, rtol=1e-13, atol=1e-18)[0][1]
        return ((pts[:2] - pts[2:]) / (2 * e)).T
    assert method.step is not None
    e = MAP_FD_STEP
    aug = np.concatenate([e * np.eye(n), -e * np.eye(n)])  # (2n, n)
    z = aug[:, :2] + z_eq
    mem_eq = method.init(game, hp, np.broadcast_to(z_eq, (2 * n, 2)).copy())
    # Memory at an equilibrium is all zeros for every linearisable rule; perturb it.
    mem = tuple(
        aug[:, 2 * (i + 1) : 2 * (i + 2)] + np.asarray(m_eq)
        for i, m_eq in enumerate(mem_eq[: method.memory_size])
    )
    with np.errstate(all="ignore"):  # an overflow is reported by the caller
        z_next, mem_next = method.step(game, hp, z, mem)
    out = np.concatenate([z_next - z_eq, *mem_next[: method.memory_size]], axis=-1)
    return ((out[:n] - out[n:]) / (2 * e)).T


def verdict(rho: float) -> str:
    """converges / neutral / diverges from the spectral radius."""
    if abs(rho - 1.0) <= NEUTRAL_TOL:
        return "neutral"
    return "converges" if rho < 1.0 else "diverges"


def defective_on_unit_circle(op: FloatArray) -> bool:
    """Whether a repeated eigenvalue of modulus 1 of ``op`` lacks eigenvectors (a Jordan block).

    Then the error grows linearly in the number of steps although ρ = 1. A defective double
    eigenvalue splits under rounding into two at distance ~√ε: eigenvalues within
    ``CLUSTER_TOL`` are one, and the block is defective where rank(op − μI) exceeds
    n − (cluster size).
    """
    op = np.asarray(op, dtype=float)
    n = op.shape[0]
    mus = np.linalg.eigvals(op)
    scale = max(1.0, float(np.max(np.abs(op))))
    for mu in mus:
        cluster = mus[np.abs(mus - mu) <= CLUSTER_TOL]
        centre = complex(np.mean(cluster))
        if len(cluster) < 2 or abs(abs(centre) - 1.0) > CLUSTER_TOL:
            continue
        sv = np.linalg.svd(op - centre * np.eye(n), compute_uv=False)
        rank = int(np.sum(sv > 1e-5 * scale))
        if n - rank < len(cluster):
            return True
    return False


def operator_verdict(op: FloatArray, rho: float) -> tuple[str, float]:
    """The verdict and ρ from the operator: a Jordan block on the unit circle grows linearly.

    Returns ρ = 1 exactly in that case (rounding splits the double eigenvalue to 1 ± 1e-8).
    """
    if abs(rho - 1.0) <= 10 * CLUSTER_TOL and defective_on_unit_circle(op):
        return LINEAR_GROWTH, 1.0
    return verdict(rho), rho


def continuous_spectrum(game: Game, at: tuple[float, float] | None = None) -> ContinuousSpectrum:
    """The Jacobian at (0, 0) (analytic and numeric) or at another equilibrium (numeric only)."""
    v = game.variant
    if not _is_origin(at):
        assert at is not None
        Jn = numeric_jacobian(game, at)
        eigs = sort_eigs(np.linalg.eigvals(Jn))
        return ContinuousSpectrum(Jn, None, eigs, None, None, None, None)
    if not game.differentiable:
        return ContinuousSpectrum(None, None, None, None, None, None, v.no_jacobian_reason)
    J = game.jacobian()
    Jn = numeric_jacobian(game)
    formula, formula_values = game.eig_latex()
    return ContinuousSpectrum(
        jacobian_numeric=Jn,
        jacobian_analytic=J,
        numeric=sort_eigs(np.linalg.eigvals(Jn)),
        analytic=game.eigenvalues(),
        formula=formula,
        formula_values=formula_values,
        reason=None,
    )


def update_spectrum(
    game: Game, method: str | Method, hp: Hyper, at: tuple[float, float] | None = None
) -> UpdateSpectrum:
    """The linearised update at (0, 0) (or at another equilibrium ``at``) and its verdict.

    Computes what is computable: an operator too large for finite differences is still
    given with its eigenvalues, with a note in place of the numeric check.
    """
    m = get_method(method) if isinstance(method, str) else method
    origin = _is_origin(at)
    at_ = (0.0, 0.0) if at is None else (float(at[0]), float(at[1]))
    if origin and not game.differentiable:
        reason = game.variant.no_jacobian_reason
        return UpdateSpectrum(None, None, None, None, False, m.formula, None, None, reason, at=at_)
    if m.operator is None:
        return UpdateSpectrum(
            None, None, None, None, False, None, None, None, m.no_operator_reason, at=at_
        )
    J = game.jacobian() if origin else numeric_jacobian(game, at_)
    assert J is not None
    with np.errstate(all="ignore"):
        op = m.operator(J, hp)
        closed = m.closed_form(J, hp) if (origin and m.closed_form is not None) else None
    if not np.isfinite(op).all():
        return UpdateSpectrum(
            None, None, None, None, False, m.formula, None, None,
            "the linearised update operator overflows (its entries exceed 1e308): ρ is "
            "astronomically large, the method diverges violently near the equilibrium",
            at=at_,
        )  # fmt: skip
    if closed is not None and not np.isfinite(closed).all():
        closed = None
    analytic = sort_eigs(closed if closed is not None else np.linalg.eigvals(op))
    rho = float(np.max(np.abs(analytic)))
    word, rho = operator_verdict(op, rho)
    op_num: FloatArray | None = None
    numeric: ComplexArray | None = None
    note = None
    if rho * (FLOW_FD_STEP if m.continuous else MAP_FD_STEP) > FD_RHO_STEP_MAX:
        note = NOT_CHECKED_RHO
        if float(np.min(np.abs(analytic))) < 1e-12 * rho:
            note += "; eigenvalues below ρ·1e-12 are lost in rounding (only ρ is reliable)"
    else:
        op_num = numeric_operator(game, m, hp, at_)
        if np.isfinite(op_num).all():
            numeric = sort_eigs(np.linalg.eigvals(op_num))
        else:
            op_num, note = None, NOT_CHECKED_OVERFLOW
    return UpdateSpectrum(
        operator_numeric=op_num,
        operator_analytic=op,
        numeric=numeric,
        analytic=analytic,
        closed_form=closed is not None,
        formula=m.formula,
        spectral_radius=rho,
        verdict=word,
        reason=None,
        check_note=note,
        at=at_,
    )


def spectrum(
    game: Game, method: str | Method, hp: Hyper, at: tuple[float, float] | None = None
) -> Spectrum:
    """Both spectra for a game and a training method, at (0, 0) or at the equilibrium ``at``."""
    return Spectrum(continuous_spectrum(game, at), update_spectrum(game, method, hp, at))
