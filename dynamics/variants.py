"""The registry of Dirac-GAN training games ("variants").

Each variant is data: its parameters (default = the authors' figure setting, valid range,
meaning), its vector field v(θ, ψ) = (−∂L/∂θ, ∂L/∂ψ) vectorised over arrays of any shape,
the analytic Jacobian at the equilibrium (0, 0), the closed-form eigenvalues (LaTeX and
value), a projection if the game has one, and a short explanation with its paper.

Source: L. Mescheder, A. Geiger, S. Nowozin, "Which Training Methods for GANs do actually
Converge?", ICML 2018, Section 2–3 (the Dirac-GAN and its regularisations).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from string import Template
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dynamics import jacobians
from dynamics.losses import FP0, FPP0, fprime, fprime1, fsecond, fsecond1
from dynamics.noise import smoothed_logistic

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]
Params = Mapping[str, float]
FieldFn = Callable[[FloatArray, FloatArray, Params], tuple[FloatArray, FloatArray]]
#: The field at one point in plain floats, (θ, ψ) -> (v_θ, v_ψ), its parameters bound.
Field1 = Callable[[float, float], tuple[float, float]]

NOT_DIFFERENTIABLE = "not differentiable at the equilibrium"


@dataclass(frozen=True)
class Param:
    """One real parameter of a variant."""

    name: str  # the paper's symbol spelled out: gamma, sigma, clip, g0
    symbol: str  # LaTeX
    label: str  # words for the UI
    default: float
    lo: float
    hi: float
    help: str

    def check(self, value: float) -> float:
        """Return ``value`` as float, or raise ``ValueError`` naming the valid range."""
        x = float(value)
        if not math.isfinite(x) or not self.lo <= x <= self.hi:
            raise ValueError(f"{self.name} must be in [{self.lo:g}, {self.hi:g}], got {value!r}")
        return x


@dataclass(frozen=True)
class SmoothCase:
    """Where a variant that is not differentiable at (0, 0) in general is at some parameters."""

    applies: Callable[[Params], bool]
    jacobian: Callable[[Params], FloatArray]
    eigenvalues: Callable[[Params], ComplexArray]
    eig_latex: str
    eig_latex_values: str


@dataclass(frozen=True)
class Variant:
    """A training game on the Dirac-GAN. Immutable; see ``VARIANTS``."""

    name: str
    label: str
    params: tuple[Param, ...]
    field: FieldFn
    explanation: str
    references: tuple[str, ...]  # keys of content/references.toml (dynamics.references)
    #: work of one field evaluation relative to the standard game's (no default: an unpriced
    #: game would slip past the app's work budget, ui/budget.py), measured with
    #: ``python bench/rerun_cost.py`` and rounded up
    cost: float
    #: analytic Jacobian of the field at (0, 0); None where the field is not differentiable
    jacobian: Callable[[Params], FloatArray] | None
    #: closed-form eigenvalues of that Jacobian, and the formula as LaTeX (symbolic and with
    #: ``$name`` placeholders for the current parameter values)
    eigenvalues: Callable[[Params], ComplexArray] | None
    eig_latex: str | None
    eig_latex_values: str | None
    no_jacobian_reason: str | None = None
    #: bounds on ψ enforced after every update (WGAN weight clipping), else None
    psi_bound: Callable[[Params], float] | None = None
    #: optional cheaper single components (v_θ alone, v_ψ alone) for alternating updates
    field_theta: Callable[[FloatArray, FloatArray, Params], FloatArray] | None = None
    field_psi: Callable[[FloatArray, FloatArray, Params], FloatArray] | None = None
    #: for a field that is smooth except across ψ = 0: the Jacobian, eigenvalues and formulas
    #: at the parameter values where it is differentiable at (0, 0) after all (WGAN-GP, γg₀ = 0)
    smooth_case: SmoothCase | None = None
    #: for a field that is affine on each side of ψ = 0: ``pieces(p)[s] = (A, c)`` with
    #: v(z) = A z + c where sign ψ = s (s = ±1); the flow is then solved exactly, piece by piece
    pieces: Callable[[Params], Mapping[int, tuple[FloatArray, FloatArray]]] | None = None
    #: endpoints of a segment of stationary points on ψ = 0 (Filippov equilibria of a switching
    #: field), or None where there is none at these parameter values
    stationary_segment: (
        Callable[[Params], tuple[tuple[float, float], tuple[float, float]] | None] | None
    ) = None
    #: the analytic Jacobian of the field at any point, (θ, ψ) -> (..., 2, 2) (dynamics/jacobians.py)
    jacobian_at: Callable[[FloatArray, FloatArray, Params], FloatArray] | None = None
    #: work of the continuous flow's ODE solver relative to the standard game's: it follows
    #: the solver's step count, not ``cost`` (more only where the field is stiff or costly
    #: inside the solver)
    flow_cost: float = 1.0
    #: binds the parameters and returns the field at one point in plain floats: the same
    #: operations as ``field`` in the same order (the same bits; tests/test_one_start.py), for
    #: one-start runs, where numpy's per-call overhead is most of a step. None: those runs take
    #: the array path (instance noise: a 64-node quadrature per evaluation).
    field1: Callable[[Params], Field1] | None = None
    # dataclasses.field: the attribute ``field`` (the vector field) shadows the name here
    param_index: Mapping[str, Param] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "param_index", MappingProxyType({p.name: p for p in self.params}))

    @property
    def differentiable(self) -> bool:
        return self.jacobian is not None

    def resolve(self, values: Mapping[str, float] | None = None) -> dict[str, float]:
        """Defaults overridden by ``values``; raises ``ValueError`` on unknown or bad ones."""
        values = dict(values or {})
        unknown = set(values) - set(self.param_index)
        if unknown:
            have = ", ".join(self.param_index) or "none"
            raise ValueError(
                f"{sorted(unknown)[0]} is not a parameter of variant '{self.name}' "
                f"(its parameters: {have})"
            )
        return {p.name: p.check(values.get(p.name, p.default)) for p in self.params}

    def latex_with_values(self, params: Params) -> str | None:
        """The eigenvalue formula with the current parameter values substituted."""
        if self.eig_latex_values is None:
            return None
        return Template(self.eig_latex_values).substitute({k: f"{v:g}" for k, v in params.items()})


# --------------------------------------------------------------------------- fields
# All fields take θ, ψ as float arrays of one shape and return (v_θ, v_ψ) of that shape.


def _standard(theta: FloatArray, psi: FloatArray, p: Params) -> tuple[FloatArray, FloatArray]:
    fp = fprime(theta * psi)
    return -psi * fp, theta * fp


def _non_saturating(theta: FloatArray, psi: FloatArray, p: Params) -> tuple[FloatArray, FloatArray]:
    t = theta * psi
    return -psi * fprime(-t), theta * fprime(t)


def _wgan(theta: FloatArray, psi: FloatArray, p: Params) -> tuple[FloatArray, FloatArray]:
    return -psi, theta + 0.0 * psi


def _wgan_gp(theta: FloatArray, psi: FloatArray, p: Params) -> tuple[FloatArray, FloatArray]:
    # np.sign(0) == 0: at ψ = 0 the penalty's subgradient is taken as 0 (docs/theory.md §1.6).
    return -psi + 0.0 * theta, theta - p["gamma"] * (np.abs(psi) - p["g0"]) * np.sign(psi)


def _instance_noise(theta: FloatArray, psi: FloatArray, p: Params) -> tuple[FloatArray, FloatArray]:
    sigma = p["sigma"]
    if sigma == 0.0:
        # No noise: exactly the standard field (the quadrature weights sum to 1 only to rounding).
        return _standard(theta, psi, p)
    s = np.abs(psi) * sigma
    a, b = smoothed_logistic(theta * psi, s)
    _, b0 = smoothed_logistic(np.zeros_like(s), s)
    # Stein's lemma: E[ε g(ε)] = σ² E[g'(ε)], see dynamics/noise.py.
    return -psi * a, theta * a + sigma**2 * psi * (b + b0)


def _gradient_penalty(
    theta: FloatArray, psi: FloatArray, p: Params
) -> tuple[FloatArray, FloatArray]:
    vt, vp = _standard(theta, psi, p)
    return vt, vp - p["gamma"] * psi


def _ns_gradient_penalty(
    theta: FloatArray, psi: FloatArray, p: Params
) -> tuple[FloatArray, FloatArray]:
    vt, vp = _non_saturating(theta, psi, p)
    return vt, vp - p["gamma"] * psi


def _consensus(theta: FloatArray, psi: FloatArray, p: Params) -> tuple[FloatArray, FloatArray]:
    # ½‖v‖² = ½(θ² + ψ²) f'(θψ)²; its exact gradient (the authors' plotting code halves the
    # cubic term r² f' f'' — same linearisation, different far field).
    t = theta * psi
    fp, fpp = fprime(t), fsecond(t)
    cubic = (theta * theta + psi * psi) * fp * fpp
    g_theta = theta * fp * fp + cubic * psi
    g_psi = psi * fp * fp + cubic * theta
    gamma = p["gamma"]
    return -psi * fp - gamma * g_theta, theta * fp - gamma * g_psi


def _consensus_authors(
    theta: FloatArray, psi: FloatArray, p: Params
) -> tuple[FloatArray, FloatArray]:
    # The authors' plotting code: the cubic term r² f' f'' of ∇(½‖v‖²) halved.
    t = theta * psi
    fp, fpp = fprime(t), fsecond(t)
    cubic = 0.5 * (theta * theta + psi * psi) * fp * fpp
    gamma = p["gamma"]
    return (
        -psi * fp - gamma * (theta * fp * fp + cubic * psi),
        theta * fp - gamma * (psi * fp * fp + cubic * theta),
    )


def _least_squares(theta: FloatArray, psi: FloatArray, p: Params) -> tuple[FloatArray, FloatArray]:
    # D(x) = ψx scores the real sample x = 0 as 0 whatever b is: only the fake term acts.
    t = theta * psi
    return -(t - p["c"]) * psi, -(t + 1.0) * theta


def _lecam(theta: FloatArray, psi: FloatArray, p: Params) -> tuple[FloatArray, FloatArray]:
    # λ R_LC with the anchors' fixed values: D(real) = 0, so α_R = 0 and only the fake term
    # λ(ψθ − α_R)² has a ψ-gradient (docs/theory.md §1.13).
    vt, vp = _standard(theta, psi, p)
    return vt, vp - 2.0 * p["lam"] * theta * theta * psi


def _standard_theta(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    return -psi * fprime(theta * psi)


def _standard_psi(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    return theta * fprime(theta * psi)


def _ns_theta(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    return -psi * fprime(-theta * psi)


def _penalty_psi(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    return theta * fprime(theta * psi) - p["gamma"] * psi


def _wgan_theta(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    return -psi


def _wgan_psi(theta: FloatArray, psi: FloatArray, p: Params) -> FloatArray:
    return theta.copy()


# ------------------------------------------------------------------- fields of one point
# The fields above for one point in plain floats, statement for statement (no ``**``: it
# raises on overflow where numpy gives inf). Each ``*1`` binds the parameters once.


def _standard_at(theta: float, psi: float) -> tuple[float, float]:
    fp = fprime1(theta * psi)
    return -psi * fp, theta * fp


def _non_saturating_at(theta: float, psi: float) -> tuple[float, float]:
    t = theta * psi
    return -psi * fprime1(-t), theta * fprime1(t)


def _wgan_at(theta: float, psi: float) -> tuple[float, float]:
    return -psi, theta + 0.0 * psi


def _sign1(x: float) -> float:
    """``np.sign`` of one float: ±1, 0.0 for ±0, NaN for NaN."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else x


def _standard1(p: Params) -> Field1:
    return _standard_at


def _non_saturating1(p: Params) -> Field1:
    return _non_saturating_at


def _wgan1(p: Params) -> Field1:
    return _wgan_at


def _wgan_gp1(p: Params) -> Field1:
    gamma, g0 = p["gamma"], p["g0"]

    def v(theta: float, psi: float) -> tuple[float, float]:
        return -psi + 0.0 * theta, theta - gamma * (abs(psi) - g0) * _sign1(psi)

    return v


def _penalised1(base: Field1) -> Callable[[Params], Field1]:
    def bind(p: Params) -> Field1:
        gamma = p["gamma"]

        def v(theta: float, psi: float) -> tuple[float, float]:
            vt, vp = base(theta, psi)
            return vt, vp - gamma * psi

        return v

    return bind


def _consensus_at(scale: float) -> Callable[[Params], Field1]:
    """Consensus optimisation at one point, its cubic term scaled by ``scale`` (1: the
    paper's ∇½‖v‖², 0.5: the authors' code). Scaling by 1 or ½ is exact, so both give the
    bits of their array fields."""

    def bind(p: Params) -> Field1:
        gamma = p["gamma"]

        def v(theta: float, psi: float) -> tuple[float, float]:
            t = theta * psi
            fp, fpp = fprime1(t), fsecond1(t)
            cubic = scale * (theta * theta + psi * psi) * fp * fpp
            g_theta = theta * fp * fp + cubic * psi
            g_psi = psi * fp * fp + cubic * theta
            return -psi * fp - gamma * g_theta, theta * fp - gamma * g_psi

        return v

    return bind


def _least_squares1(p: Params) -> Field1:
    c = p["c"]

    def v(theta: float, psi: float) -> tuple[float, float]:
        t = theta * psi
        return -(t - c) * psi, -(t + 1.0) * theta

    return v


def _lecam1(p: Params) -> Field1:
    lam = p["lam"]

    def v(theta: float, psi: float) -> tuple[float, float]:
        vt, vp = _standard_at(theta, psi)
        return vt, vp - 2.0 * lam * theta * theta * psi

    return v


# --------------------------------------------------------------- Jacobians, eigenvalues


def jacobian_matrix(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike) -> FloatArray:
    """[[a, b], [c, d]], broadcast: array entries give a stack (..., 2, 2), so a Jacobian
    formula evaluates a whole grid of parameter values at once (the stability map)."""
    a, b, c, d = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a, b, c, d)))
    return np.stack((np.stack((a, b), axis=-1), np.stack((c, d), axis=-1)), axis=-2)


def _rotation_jacobian(omega: float) -> Callable[[Params], FloatArray]:
    def jac(p: Params) -> FloatArray:
        return jacobian_matrix(0.0, -omega, omega, 0.0)

    return jac


def _rotation_eigs(omega: float) -> Callable[[Params], ComplexArray]:
    def eigs(p: Params) -> ComplexArray:
        return np.array([-1j * omega, 1j * omega])

    return eigs


def _damped_eigs(trace_half: float, det: float) -> ComplexArray:
    """Roots of λ² − 2·trace_half·λ + det, sorted by (re, im)."""
    root = np.emath.sqrt(trace_half**2 - det)
    return sort_eigs(np.array([trace_half - root, trace_half + root], dtype=complex))


def sort_eigs(values: ArrayLike) -> ComplexArray:
    """Eigenvalues sorted by (real, imaginary) part: the order the CLI and the UI use."""
    v = np.asarray(values, dtype=complex)
    # Round the sort key so that conjugate pairs with rounding noise in Re sort by Im.
    order = np.lexsort((v.imag, np.round(v.real, 12)))
    return v[order]


def _penalty_jacobian(p: Params) -> FloatArray:
    return jacobian_matrix(0.0, -FP0, FP0, -np.asarray(p["gamma"]))


def _penalty_eigs(p: Params) -> ComplexArray:
    # -γ/2 ± √(γ²/4 − f'(0)²)
    return _damped_eigs(-p["gamma"] / 2, FP0**2)


def _noise_jacobian(p: Params) -> FloatArray:
    return jacobian_matrix(0.0, -FP0, FP0, 2 * FPP0 * np.asarray(p["sigma"]) ** 2)


def _noise_eigs(p: Params) -> ComplexArray:
    # f''(0)σ² ± √(f''(0)²σ⁴ − f'(0)²)
    return _damped_eigs(FPP0 * p["sigma"] ** 2, FP0**2)


def _consensus_jacobian(p: Params) -> FloatArray:
    # J − γ JᵀJ with J the rotation by f'(0): JᵀJ = f'(0)² I.
    g = np.asarray(p["gamma"]) * FP0**2
    return jacobian_matrix(-g, -FP0, FP0, -g)


def _consensus_eigs(p: Params) -> ComplexArray:
    g = p["gamma"] * FP0**2
    return sort_eigs(np.array([-g - 1j * FP0, -g + 1j * FP0]))


def _least_squares_jacobian(p: Params) -> FloatArray:
    return jacobian_matrix(0.0, np.asarray(p["c"]), -1.0, 0.0)


def _least_squares_eigs(p: Params) -> ComplexArray:
    # λ² + c = 0: ±i√c
    w = float(np.sqrt(p["c"]))
    return np.array([-1j * w, 1j * w])


def _wgan_gp_smooth(p: Params) -> bool:
    # The jump 2γg₀ of v_ψ across ψ = 0 vanishes: v = (−ψ, θ − γψ), differentiable.
    return p["gamma"] * p["g0"] == 0.0


def _wgan_gp_jacobian(p: Params) -> FloatArray:
    return jacobian_matrix(0.0, -1.0, 1.0, -np.asarray(p["gamma"]))


def _wgan_gp_eigs(p: Params) -> ComplexArray:
    # −γ/2 ± √(γ²/4 − 1): the gradient penalty's formula with f'(0) replaced by 1 (f(t) = t)
    return _damped_eigs(-p["gamma"] / 2, 1.0)


def _wgan_gp_pieces(p: Params) -> Mapping[int, tuple[FloatArray, FloatArray]]:
    # On the side sign ψ = s: v = (−ψ, θ − γψ + sγg₀), affine.
    A = np.array([[0.0, -1.0], [1.0, -p["gamma"]]])
    return {s: (A, np.array([0.0, s * p["gamma"] * p["g0"]])) for s in (1, -1)}


def _wgan_gp_segment(p: Params) -> tuple[tuple[float, float], tuple[float, float]] | None:
    # Filippov: on ψ = 0 the one-sided fields are (0, θ ± γg₀); for |θ| ≤ γg₀ a convex
    # combination of them is 0, so every point of the segment is stationary.
    b = p["gamma"] * p["g0"]
    return None if b == 0.0 else ((-b, 0.0), (b, 0.0))


# --------------------------------------------------------------------------- registry

#: Both consensus fields (exact, and the authors' with the cubic term halved) have the same
#: linearisation at (0, 0): stated once.
_CONSENSUS_AT_EQUILIBRIUM: dict[str, Any] = dict(
    jacobian=_consensus_jacobian,
    eigenvalues=_consensus_eigs,
    eig_latex=r"\lambda_{1,2} = -\gamma f'(0)^2 \pm i\, f'(0)",
    eig_latex_values=r"\lambda_{1,2} = -$gamma\cdot\tfrac{1}{4} \pm \tfrac{i}{2}",
)

_GAMMA_PENALTY = Param(
    "gamma",
    r"\gamma",
    "regularisation strength γ",
    0.3,
    0.0,
    5.0,
    "Weight of the gradient penalty (γ/2)ψ² on the discriminator. γ = 1 is critical damping: "
    "below it the path spirals into the equilibrium, above it it creeps in without turning.",
)

_FP0_TEX = r"\tfrac{1}{2}"

VARIANTS: Mapping[str, Variant] = MappingProxyType(
    {
        v.name: v
        for v in (
            Variant(
                name="standard",
                jacobian_at=jacobians.standard,
                label="Standard GAN",
                params=(),
                field=_standard,
                field1=_standard1,
                explanation=(
                    "The original minimax GAN. Near the equilibrium the field is a pure rotation: "
                    "the Jacobian's eigenvalues are ±i f'(0), purely imaginary, so the continuous "
                    "flow circles forever (θ² + ψ² is conserved), simultaneous gradient descent "
                    "spirals outwards and alternating descent keeps circling. In the quadrants "
                    "θψ > 0 the loss saturates and the arrows almost vanish."
                ),
                references=("goodfellow2014", "mescheder2018"),
                cost=1.0,
                jacobian=_rotation_jacobian(FP0),
                eigenvalues=_rotation_eigs(FP0),
                eig_latex=r"\lambda_{1,2} = \pm\, i\, f'(0)",
                eig_latex_values=r"\lambda_{1,2} = \pm\, i \cdot " + _FP0_TEX,
                field_theta=_standard_theta,
                field_psi=_standard_psi,
            ),
            Variant(
                name="non-saturating",
                jacobian_at=jacobians.non_saturating,
                label="Non-saturating GAN",
                params=(),
                field=_non_saturating,
                field1=_non_saturating1,
                explanation=(
                    "The generator maximises log D(G(z)) instead of minimising log(1 − D(G(z))), "
                    "which keeps its gradient alive where the standard loss saturates. The "
                    "linearisation is the same rotation as the standard GAN (eigenvalues ±i f'(0)), "
                    "so the eigenvalues alone predict no convergence; the nonlinear terms make "
                    "alternating descent converge, but only sublinearly (slower than any ρᵏ)."
                ),
                references=("goodfellow2014", "mescheder2018"),
                cost=1.3,
                jacobian=_rotation_jacobian(FP0),
                eigenvalues=_rotation_eigs(FP0),
                eig_latex=r"\lambda_{1,2} = \pm\, i\, f'(0)",
                eig_latex_values=r"\lambda_{1,2} = \pm\, i \cdot " + _FP0_TEX,
                field_theta=_ns_theta,
                field_psi=_standard_psi,
            ),
            Variant(
                name="wgan",
                jacobian_at=jacobians.wgan,
                label="WGAN (weight clipping)",
                params=(
                    Param(
                        "clip",
                        "c",
                        "clip value c",
                        1.0,
                        0.05,
                        3.0,
                        "After every update the discriminator weight ψ is clipped to [−c, c]. "
                        "Clipping bounds the discriminator but does not damp the rotation.",
                    ),
                ),
                field=_wgan,
                field1=_wgan1,
                explanation=(
                    "Wasserstein GAN with f(t) = t: the field is the exact rotation (−ψ, θ) with "
                    "eigenvalues ±i, and the discriminator weight is clipped to |ψ| ≤ c after "
                    "every step. Training oscillates and does not converge to the equilibrium."
                ),
                references=("arjovsky2017", "mescheder2018"),
                cost=2.0,
                jacobian=_rotation_jacobian(1.0),
                eigenvalues=_rotation_eigs(1.0),
                eig_latex=r"\lambda_{1,2} = \pm\, i",
                eig_latex_values=r"\lambda_{1,2} = \pm\, i",
                psi_bound=lambda p: p["clip"],
                field_theta=_wgan_theta,
                field_psi=_wgan_psi,
            ),
            Variant(
                name="wgan-gp",
                jacobian_at=jacobians.wgan_gp,
                label="WGAN-GP",
                params=(
                    Param(
                        "gamma",
                        r"\gamma",
                        "penalty strength γ",
                        0.7,
                        0.0,
                        5.0,
                        "Weight of the penalty (γ/2)(|ψ| − g₀)² that pushes the discriminator's "
                        "gradient norm |ψ| towards g₀.",
                    ),
                    Param(
                        "g0",
                        "g_0",
                        "target gradient norm g₀",
                        1.0,
                        0.0,
                        3.0,
                        "The gradient norm the penalty asks for; g₀ = 1 in the WGAN-GP paper.",
                    ),
                ),
                field=_wgan_gp,
                field1=_wgan_gp1,
                explanation=(
                    "WGAN with a gradient penalty (|∇D| − g₀)² instead of clipping. In the "
                    "Dirac-GAN ∇D = ψ, so the penalty pulls |ψ| to g₀ ≠ 0: v's ψ-part jumps by 2γg₀ "
                    "across ψ = 0. The field is not differentiable there: there is no Jacobian "
                    "and no eigenvalues at (0, 0). Every point of the segment ψ = 0, |θ| ≤ γg₀ "
                    "is stationary (the one-sided fields cancel), but the field pushes away from "
                    "it on both sides: for γ < 2 the flow settles on a cycle around the segment, "
                    "for γ ≥ 2 it ends at an end (±γg₀, 0) of the segment. With γg₀ = 0 the "
                    "field is smooth again, with eigenvalues −γ/2 ± √(γ²/4 − 1)."
                ),
                references=("gulrajani2017", "mescheder2018"),
                cost=1.5,
                flow_cost=4.5,  # the jump at ψ = 0 makes the flow stiff for the solver
                jacobian=None,
                eigenvalues=None,
                eig_latex=None,
                eig_latex_values=None,
                no_jacobian_reason=(
                    NOT_DIFFERENTIABLE + ": v's ψ-part jumps by 2γg₀ across ψ = 0, so there is no "
                    "Jacobian and no eigenvalues"
                ),
                smooth_case=SmoothCase(
                    applies=_wgan_gp_smooth,
                    jacobian=_wgan_gp_jacobian,
                    eigenvalues=_wgan_gp_eigs,
                    eig_latex=r"\lambda_{1,2} = -\tfrac{\gamma}{2} \pm \sqrt{\tfrac{\gamma^2}{4} - 1}",
                    eig_latex_values=(
                        r"\lambda_{1,2} = -\tfrac{$gamma}{2} \pm \sqrt{\tfrac{$gamma^2}{4} - 1}"
                    ),
                ),
                pieces=_wgan_gp_pieces,
                stationary_segment=_wgan_gp_segment,
            ),
            Variant(
                name="instance-noise",
                jacobian_at=jacobians.instance_noise,
                label="Instance noise",
                params=(
                    Param(
                        "sigma",
                        r"\sigma",
                        "noise level σ",
                        0.7,
                        0.0,
                        2.0,
                        "Standard deviation of the Gaussian noise added to real and generated "
                        "samples. Any σ > 0 gives the eigenvalues a negative real part.",
                    ),
                ),
                field=_instance_noise,
                explanation=(
                    "Gaussian noise N(0, σ²) is added to both real and generated samples. The "
                    "expectation over the noise is computed exactly (quadrature, not sampling). "
                    "It adds damping 2f''(0)σ² to the discriminator: the eigenvalues move into the "
                    "left half-plane and training converges."
                ),
                references=("sonderby2017", "arjovsky-bottou2017", "mescheder2018"),
                cost=13.0,  # quadrature over the noise at every evaluation
                flow_cost=3.0,  # the quadrature inside the solver
                jacobian=_noise_jacobian,
                eigenvalues=_noise_eigs,
                eig_latex=(
                    r"\lambda_{1,2} = f''(0)\,\sigma^2 \pm \sqrt{f''(0)^2\sigma^4 - f'(0)^2}"
                ),
                eig_latex_values=(
                    r"\lambda_{1,2} = -\tfrac{1}{4}\cdot $sigma^2 \pm "
                    r"\sqrt{\tfrac{1}{16}\cdot $sigma^4 - \tfrac{1}{4}}"
                ),
            ),
            Variant(
                name="gradient-penalty",
                jacobian_at=jacobians.gradient_penalty,
                label="Gradient penalty (R1 = R2)",
                params=(_GAMMA_PENALTY,),
                field=_gradient_penalty,
                field1=_penalised1(_standard_at),
                field_theta=_standard_theta,
                field_psi=_penalty_psi,
                explanation=(
                    "A zero-centred gradient penalty on the discriminator (R1 on real data, R2 on "
                    "generated data; both equal (γ/2)ψ² in the Dirac-GAN because ∇ₓD = ψ). The "
                    "eigenvalues −γ/2 ± √(γ²/4 − f'(0)²) have negative real part for every γ > 0: "
                    "training converges locally. γ = 2f'(0) = 1 is critical damping."
                ),
                references=("roth2017", "mescheder2018"),
                cost=1.5,
                jacobian=_penalty_jacobian,
                eigenvalues=_penalty_eigs,
                eig_latex=r"\lambda_{1,2} = -\tfrac{\gamma}{2} \pm \sqrt{\tfrac{\gamma^2}{4} - f'(0)^2}",
                eig_latex_values=(
                    r"\lambda_{1,2} = -\tfrac{$gamma}{2} \pm \sqrt{\tfrac{$gamma^2}{4} - \tfrac{1}{4}}"
                ),
            ),
            Variant(
                name="consensus",
                jacobian_at=jacobians.consensus,
                label="Consensus optimisation",
                params=(
                    Param(
                        "gamma",
                        r"\gamma",
                        "consensus weight γ",
                        1.0,
                        0.0,
                        5.0,
                        "Both players also descend γ·½‖v‖², the squared norm of the gradient field, "
                        "which damps the rotation.",
                    ),
                ),
                field=_consensus,
                field1=_consensus_at(1.0),
                explanation=(
                    "Both players follow v − γ∇(½‖v‖²): they also reduce the norm of the gradient "
                    "field. At the equilibrium this subtracts γJᵀJ = γf'(0)²I, so the eigenvalues "
                    "are −γf'(0)² ± i f'(0) and training converges near (0, 0). This is the exact "
                    "gradient of ½‖v‖²; it has further equilibria, saddles (at γ = 1 near "
                    "±(0.34, 2.17)), so not every start converges. The authors' plotting code "
                    "halves the cubic term: see the variant \"Consensus optimisation (authors' "
                    'code)".'
                ),
                references=("mescheder2017", "mescheder2018"),
                # the field's gradient-norm term
                cost=4.0,
                **_CONSENSUS_AT_EQUILIBRIUM,
            ),
            Variant(
                name="consensus-authors",
                jacobian_at=jacobians.consensus_authors,
                label="Consensus optimisation (authors' code)",
                params=(
                    Param(
                        "gamma",
                        r"\gamma",
                        "consensus weight γ",
                        1.0,
                        0.0,
                        5.0,
                        "As consensus optimisation, with the field of the authors' plotting code.",
                    ),
                ),
                field=_consensus_authors,
                field1=_consensus_at(0.5),
                explanation=(
                    "The consensus field exactly as the authors' plotting code computes it: the "
                    "cubic term (θ² + ψ²) f' f'' of ∇(½‖v‖²) is halved. Same Jacobian and "
                    "eigenvalues −γf'(0)² ± i f'(0) at (0, 0) as the exact consensus field, a "
                    "different field away from it; use it to reproduce the paper's figure."
                ),
                references=("mescheder2017", "mescheder2018"),
                # the same terms (measured 2.6 × SimGD, 3.6 × for Hamiltonian GD)
                cost=4.0,
                **_CONSENSUS_AT_EQUILIBRIUM,
            ),
            Variant(
                name="ns-gradient-penalty",
                jacobian_at=jacobians.ns_gradient_penalty,
                label="Non-saturating GAN + gradient penalty",
                params=(_GAMMA_PENALTY,),
                field=_ns_gradient_penalty,
                field1=_penalised1(_non_saturating_at),
                field_theta=_ns_theta,
                field_psi=_penalty_psi,
                explanation=(
                    "The non-saturating loss with the zero-centred gradient penalty (γ/2)ψ². Same "
                    "linearisation, hence the same eigenvalues, as the gradient penalty on the "
                    "standard loss; it converges locally for every γ > 0."
                ),
                references=("mescheder2018",),
                cost=1.5,
                jacobian=_penalty_jacobian,
                eigenvalues=_penalty_eigs,
                eig_latex=r"\lambda_{1,2} = -\tfrac{\gamma}{2} \pm \sqrt{\tfrac{\gamma^2}{4} - f'(0)^2}",
                eig_latex_values=(
                    r"\lambda_{1,2} = -\tfrac{$gamma}{2} \pm \sqrt{\tfrac{$gamma^2}{4} - \tfrac{1}{4}}"
                ),
            ),
            Variant(
                name="least-squares",
                jacobian_at=jacobians.least_squares,
                label="Least-squares GAN (LSGAN)",
                params=(
                    Param(
                        "c",
                        "c",
                        "generator target c",
                        1.0,
                        0.05,
                        1.0,
                        "The score the generator wants the discriminator to give its samples "
                        "(the discriminator wants a = −1 for them, b = 1 for real data). Smaller "
                        "c slows the rotation: the eigenvalues are ±i√c.",
                    ),
                ),
                field=_least_squares,
                field1=_least_squares1,
                explanation=(
                    "Least-squares losses instead of the log loss: the discriminator fits its "
                    "scores to a = −1 on generated and b = 1 on real samples, the generator "
                    "pulls its samples' score towards c. In the Dirac-GAN the real sample sits "
                    "at x = 0, where D(x) = ψx is 0 whatever ψ, so only the generated sample "
                    "matters. The Jacobian at (0, 0) is [[0, c], [−1, 0]]: a pure rotation with "
                    "eigenvalues ±i√c, so the least-squares loss alone does not damp the cycle."
                ),
                references=("mao2017",),
                # two polynomials (measured 1.0 for SimGD, 1.9 for AltGD)
                cost=1.3,
                jacobian=_least_squares_jacobian,
                eigenvalues=_least_squares_eigs,
                eig_latex=r"\lambda_{1,2} = \pm\, i\sqrt{c}",
                eig_latex_values=r"\lambda_{1,2} = \pm\, i \cdot \sqrt{$c}",
            ),
            Variant(
                name="lecam",
                jacobian_at=jacobians.lecam,
                label="LeCam regulariser",
                params=(
                    Param(
                        "lam",
                        r"\lambda",
                        "LeCam weight λ",
                        1.0,
                        0.0,
                        5.0,
                        "Weight of the LeCam regulariser, which pulls the discriminator's "
                        "scores of real samples towards the running mean of its scores of "
                        "generated ones and vice versa.",
                    ),
                ),
                field=_lecam,
                field1=_lecam1,
                explanation=(
                    "The standard GAN with the LeCam regulariser λ(‖D(x) − α_F‖² + "
                    "‖D(G(z)) − α_R‖²) on the discriminator, α_R and α_F running means of its "
                    "scores on real and generated samples. In the Dirac-GAN D(real) = 0 always, "
                    "so α_R = 0 and the term is λ(ψθ)²: it adds −2λθ²ψ to v_ψ, which vanishes "
                    "to second order at (0, 0). The eigenvalues stay ±i f'(0): the regulariser "
                    "damps the discriminator only where the generator is away from the data."
                ),
                references=("tseng2021",),
                # the standard field and one more term
                cost=1.5,
                jacobian=_rotation_jacobian(FP0),
                eigenvalues=_rotation_eigs(FP0),
                eig_latex=r"\lambda_{1,2} = \pm\, i\, f'(0)",
                eig_latex_values=r"\lambda_{1,2} = \pm\, i \cdot " + _FP0_TEX,
                field_theta=_standard_theta,
            ),
        )
    }
)


@dataclass(frozen=True)
class Game:
    """A variant with its parameter values bound: what the training methods run on."""

    variant: Variant
    params: Mapping[str, float]

    @property
    def name(self) -> str:
        return self.variant.name

    def field(self, theta: ArrayLike, psi: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """v(θ, ψ), elementwise over arrays of one shape."""
        theta = np.asarray(theta, dtype=float)
        psi = np.asarray(psi, dtype=float)
        return self.variant.field(theta, psi, self.params)

    def field1(self) -> Field1 | None:
        """v at one point in plain floats (the same bits as ``field``), or None where the
        variant has no such form."""
        f1 = self.variant.field1
        return None if f1 is None else f1(self.params)

    def v_theta(self, theta: FloatArray, psi: FloatArray) -> FloatArray:
        """The generator's component v_θ alone (cheaper where the variant provides it)."""
        f_ = self.variant.field_theta
        return f_(theta, psi, self.params) if f_ is not None else self.field(theta, psi)[0]

    def v_psi(self, theta: FloatArray, psi: FloatArray) -> FloatArray:
        """The discriminator's component v_ψ alone."""
        f_ = self.variant.field_psi
        return f_(theta, psi, self.params) if f_ is not None else self.field(theta, psi)[1]

    def project(self, z: FloatArray) -> FloatArray:
        """Apply the variant's projection (WGAN clipping) to states ``z[..., 2]`` in place."""
        if self.variant.psi_bound is not None:
            c = self.variant.psi_bound(self.params)
            np.clip(z[..., 1], -c, c, out=z[..., 1])
        return z

    def psi_limit(self) -> float | None:
        """|ψ| bound enforced by the projection, if any."""
        bound = self.variant.psi_bound
        return None if bound is None else bound(self.params)

    def _smooth_case(self) -> SmoothCase | None:
        sc = self.variant.smooth_case
        return sc if sc is not None and sc.applies(self.params) else None

    @property
    def differentiable(self) -> bool:
        """Whether the field is differentiable at (0, 0) at these parameter values."""
        return self.variant.differentiable or self._smooth_case() is not None

    def jacobian(self) -> FloatArray | None:
        """The analytic Jacobian at (0, 0), None where the field is not differentiable there."""
        j = self.variant.jacobian
        if j is None:
            sc = self._smooth_case()
            return None if sc is None else sc.jacobian(self.params)
        return j(self.params)

    def jacobian_at(self, theta: ArrayLike, psi: ArrayLike) -> FloatArray:
        """J(θ, ψ) = ∂v/∂z at any points (arrays of one shape), shape (..., 2, 2)."""
        j = self.variant.jacobian_at
        if j is None:
            raise ValueError(f"variant '{self.name}' has no pointwise Jacobian")
        return j(np.asarray(theta, dtype=float), np.asarray(psi, dtype=float), self.params)

    def eigenvalues(self) -> ComplexArray | None:
        e = self.variant.eigenvalues
        if e is None:
            sc = self._smooth_case()
            return None if sc is None else sort_eigs(sc.eigenvalues(self.params))
        return sort_eigs(e(self.params))

    def eig_latex(self) -> tuple[str | None, str | None]:
        """The closed-form eigenvalue formula, symbolic and with the current values."""
        v = self.variant
        sc = self._smooth_case()
        if v.eig_latex is None and sc is not None:
            values = Template(sc.eig_latex_values).substitute(
                {k: f"{x:g}" for k, x in self.params.items()}
            )
            return sc.eig_latex, values
        return v.eig_latex, v.latex_with_values(self.params)

    def stationary_segment(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """Endpoints of the segment of stationary points on ψ = 0, if there is one."""
        seg = self.variant.stationary_segment
        return None if seg is None else seg(self.params)


def get_variant(name: str) -> Variant:
    """Look a variant up by name; ``KeyError`` lists the valid names."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise KeyError(f"unknown variant {name!r}; choose one of: {', '.join(VARIANTS)}") from None


def make_game(name: str, params: Mapping[str, float] | None = None, **kw: float) -> Game:
    """Bind a variant's parameters (defaults for those not given), validating ranges."""
    variant = get_variant(name)
    merged = {**(params or {}), **kw}
    return Game(variant, MappingProxyType(variant.resolve(merged)))
