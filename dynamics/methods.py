"""Training methods: one-step update rules, their linearisations, and the one driver.

Every discrete method is a small pure function with one signature::

    step(game, hp, z, memory) -> (z_next, memory_next)

``z`` holds states ``(..., 2)`` = (θ, ψ); ``memory`` is a tuple of arrays shaped like ``z``
for rules that remember something (previous gradient, velocity, Adam moments). The players
*follow* the field: an update is ``z ← z + H v(z)`` with ``H = diag(h_gen, h_disc)``.
``simulate`` is the only loop over time.

A rule may also have a one-point form ``step1`` on plain floats (see ``Step1Fn``):
``simulate`` takes it for a single start, where numpy's per-call overhead is most of a
step, and gives the same numbers as the array rule (tests/test_one_start.py).

Each method also states its linearised update operator at the equilibrium (on the augmented
state (z, memory...)), and a closed form for its eigenvalues in terms of κ, the eigenvalues
of HJ (κ = hλ for equal learning rates), where one exists.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from dynamics.variants import Field1, Game, sort_eigs

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]
Memory = tuple[FloatArray, ...]

#: A path is stopped once |θ| or |ψ| exceeds this (or becomes non-finite): "diverged".
DIVERGENCE_BOUND = 1e6
#: A path is "converged" when its final distance to the equilibrium is below this.
CONVERGENCE_TOL = 1e-3
#: |ρ − 1| below this counts as "neutral" (eigenvalues on the unit circle).
NEUTRAL_TOL = 1e-9


@dataclass(frozen=True)
class HyperParam:
    """One hyper-parameter of the training methods: the single place its range is written.

    ``lo``/``hi`` is the range the core accepts (the CLI's range). ``ui_lo``/``ui_hi``, when
    given, is the narrower range the app's controls offer (a value the core accepts outside
    it is moved to the nearest end of it, with a note); ``ui_step`` is the controls' step.
    """

    name: str  # the Hyper field
    label: str  # words for the UI ("momentum")
    symbol: str  # unicode, for legends and narrow widgets ("β")
    lo: float
    hi: float
    default: float
    integer: bool = False
    log_scale: bool = False
    help: str = ""
    ui_lo: float | None = None
    ui_hi: float | None = None
    ui_step: float | None = None  # None: 1 for integers, log-spaced options for log_scale
    short: str = ""  # label for a narrow (half-width) control; defaults to the symbol

    def __post_init__(self) -> None:
        if not self.lo <= self.ui_range[0] < self.ui_range[1] <= self.hi:
            raise ValueError(f"{self.name}: the UI range must lie inside [{self.lo}, {self.hi}]")
        if not self.ui_range[0] <= self.default <= self.ui_range[1]:
            raise ValueError(f"{self.name}: the default must lie inside the UI range")

    @property
    def ui_range(self) -> tuple[float, float]:
        """The range the app's controls offer (the core's range unless narrowed)."""
        return (
            self.lo if self.ui_lo is None else self.ui_lo,
            self.hi if self.ui_hi is None else self.ui_hi,
        )

    @property
    def title(self) -> str:
        """Words and symbol: "momentum β"."""
        return f"{self.label} {self.symbol}"

    @property
    def flag(self) -> str:
        """The CLI flag: --n-gen."""
        return "--" + self.name.replace("_", "-")


#: The hyper-parameters of the training methods, declared once: the ``Hyper`` defaults, the
#: CLI flags, the app's widgets and URL parameters and the stability-map axes derive from it.
HYPER_PARAMS: Mapping[str, HyperParam] = MappingProxyType(
    {
        p.name: p
        for p in (
            HyperParam(
                "lr_gen", "generator learning rate", "h_gen", 1e-6, 100.0, 0.2,
                log_scale=True, ui_lo=0.001, ui_hi=2.0,
                help="Step size of the generator.",
            ),
            HyperParam(
                "lr_disc", "discriminator learning rate", "h_disc", 1e-6, 100.0, 0.2,
                log_scale=True, ui_lo=0.001, ui_hi=2.0,
                help="Step size of the discriminator.",
            ),
            HyperParam(
                "n_gen", "generator steps", "n_gen", 1, 50, 1, integer=True, ui_hi=20,
                help="Generator steps per round (AltGD).",
            ),
            HyperParam(
                "n_disc", "discriminator steps", "n_disc", 1, 50, 1, integer=True, ui_hi=20,
                help="Discriminator steps per round (AltGD).",
            ),
            HyperParam(
                "beta", "momentum", "β", -1.0, 0.999, 0.0, ui_hi=0.99, ui_step=0.01,
                help="Heavy-ball momentum: negative values damp the rotation (Gidel et al. 2019).",
            ),
            HyperParam(
                "beta1", "Adam first-moment decay", "β₁", 0.0, 0.999, 0.9, ui_step=0.01,
                short="Adam β₁", help="Decay of Adam's running mean of the gradient.",
            ),
            HyperParam(
                "beta2", "Adam second-moment decay", "β₂", 0.0, 0.99999, 0.999, ui_step=0.001,
                short="Adam β₂", help="Decay of Adam's running mean of the squared gradient.",
            ),
            HyperParam(
                "eps", "Adam denominator offset", "ε", 1e-12, 1.0, 1e-8, log_scale=True,
                help="Added to Adam's root-mean-square before dividing (avoids 0/0).",
            ),
            HyperParam(
                "sga_lambda", "SGA adjustment weight", "λ", 0.0, 10.0, 1.0, ui_hi=5.0,
                ui_step=0.05, short="SGA λ",
                help="Weight of the symplectic adjustment Aᵀξ in SGA; its sign is chosen at "
                "every step by the alignment criterion (Balduzzi et al. 2018).",
            ),
            HyperParam(
                "lookahead_k", "lookahead steps", "k", 1, 50, 5, integer=True, ui_hi=20,
                short="lookahead k",
                help="SimGD steps taken before each lookahead interpolation.",
            ),
            HyperParam(
                "lookahead_alpha", "lookahead step fraction", "α", 0.0, 1.0, 0.5, ui_lo=0.01,
                ui_step=0.01, short="lookahead α",
                help="Fraction of the way to the k-step point that the lookahead moves "
                "(α = 1: plain SimGD).",
            ),
            HyperParam(
                "ema_beta", "averaging weight", "β_EMA", 1e-4, 1.0, 0.01, log_scale=True,
                ui_lo=0.001, short="EMA β",
                help="Weight of the newest iterate in the exponential moving average "
                "w̄ ← (1 − β)w̄ + βw (β = 1: no averaging).",
            ),
            HyperParam(
                "unroll_k", "unrolled discriminator steps", "k_unroll", 0, 20, 5, integer=True,
                ui_hi=10, short="unroll k",
                help="Discriminator steps the generator looks ahead and differentiates "
                "through (Metz et al. 2017; k = 0: plain SimGD).",
            ),
        )
    }
)  # fmt: skip


def _default(name: str) -> Any:
    p = HYPER_PARAMS[name]
    return int(p.default) if p.integer else float(p.default)


@dataclass(frozen=True)
class Hyper:
    """Hyper-parameters of the training methods (each method uses some of them).

    Plain data: the defaults come from ``HYPER_PARAMS``; ranges are checked by the CLI / UI.
    """

    lr_gen: float = _default("lr_gen")
    lr_disc: float = _default("lr_disc")
    n_gen: int = _default("n_gen")
    n_disc: int = _default("n_disc")
    beta: float = _default("beta")  # heavy-ball momentum, in [−1, 1)
    beta1: float = _default("beta1")  # Adam
    beta2: float = _default("beta2")
    eps: float = _default("eps")
    sga_lambda: float = _default("sga_lambda")  # SGA, magnitude; sign by alignment
    lookahead_k: int = _default("lookahead_k")  # lookahead-minmax
    lookahead_alpha: float = _default("lookahead_alpha")
    ema_beta: float = _default("ema_beta")  # iterate averaging (EMA)
    unroll_k: int = _default("unroll_k")  # unrolled GAN

    @property
    def equal_rates(self) -> bool:
        """h_gen = h_disc (elementwise for the stability map's arrays of rates)."""
        return bool(np.all(np.asarray(self.lr_gen) == np.asarray(self.lr_disc)))


#: Valid (core) ranges of the hyper-parameters, from ``HYPER_PARAMS``.
HYPER_RANGES: Mapping[str, tuple[float, float]] = MappingProxyType(
    {n: (p.lo, p.hi) for n, p in HYPER_PARAMS.items()}
)

StepFn = Callable[[Game, Hyper, FloatArray, Memory], tuple[FloatArray, Memory]]
InitFn = Callable[[Game, Hyper, FloatArray], Memory]
OperatorFn = Callable[[FloatArray, Hyper], FloatArray]
ClosedFormFn = Callable[[FloatArray, Hyper], ComplexArray | None]
#: The memory of a one-point rule: the array memory's entries, flattened, as floats.
Memory1 = tuple[float, ...]
#: ``step1(v, c, hp, theta, psi, memory) -> (theta, psi, memory)``: one step of a rule at one
#: point in plain floats, ``v`` the game's ``Game.field1()``, ``c`` its |ψ| clip (inf if none).
Step1Fn = Callable[[Field1, float, Hyper, float, float, Memory1], tuple[float, float, Memory1]]


def _pair(a: FloatArray, b: FloatArray) -> FloatArray:
    """``np.stack((a, b), axis=-1)`` for two arrays of one shape, in a third of the time:
    np.stack's checks cost ~2.7 µs, a quarter of a one-path step."""
    out = np.empty((*np.shape(a), 2))
    out[..., 0] = a
    out[..., 1] = b
    return out


def _field(game: Game, z: FloatArray) -> FloatArray:
    return _pair(*game.field(z[..., 0], z[..., 1]))


def _rates(hp: Hyper) -> FloatArray:
    return np.array([hp.lr_gen, hp.lr_disc])


def _no_memory(game: Game, hp: Hyper, z: FloatArray) -> Memory:
    return ()


# ------------------------------------------------------------------------- update rules


def simgd_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Simultaneous gradient descent: both players step from the same point."""
    return game.project(z + _rates(hp) * _field(game, z)), mem


def altgd_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Alternating descent: n_gen generator steps, then n_disc discriminator steps, each at
    the newest point."""
    theta = z[..., 0].copy()  # contiguous copies: the hot loop of the trajectory benchmark
    psi = z[..., 1].copy()
    c = game.psi_limit()
    for _ in range(hp.n_gen):
        theta += hp.lr_gen * game.v_theta(theta, psi)
    for _ in range(hp.n_disc):
        psi += hp.lr_disc * game.v_psi(theta, psi)
        if c is not None:
            np.clip(psi, -c, c, out=psi)
    return _pair(theta, psi), mem


def extragradient_step(
    game: Game, hp: Hyper, z: FloatArray, mem: Memory
) -> tuple[FloatArray, Memory]:
    """Extragradient (Korpelevich 1976): step with the field at a look-ahead point."""
    rates = _rates(hp)
    look = game.project(z + rates * _field(game, z))
    return game.project(z + rates * _field(game, look)), mem


def _previous_gradient(game: Game, hp: Hyper, z: FloatArray) -> Memory:
    # With v(z_{-1}) := v(z_0) the first optimistic step is a plain gradient step.
    return (_field(game, z),)


def optimistic_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Optimistic gradient (OGDA): z ← z + 2H v(z_k) − H v(z_{k−1}); memory: v(z_{k−1})."""
    g = _field(game, z)
    return game.project(z + _rates(hp) * (2.0 * g - mem[0])), (g,)


def _zero_velocity(game: Game, hp: Hyper, z: FloatArray) -> Memory:
    return (np.zeros_like(z),)


def momentum_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Simultaneous heavy ball: z ← z + H v(z) + β(z_k − z_{k−1}); memory: z_k − z_{k−1}."""
    new = game.project(z + _rates(hp) * _field(game, z) + hp.beta * mem[0])
    return new, (new - z,)


def momentum_alt_step(
    game: Game, hp: Hyper, z: FloatArray, mem: Memory
) -> tuple[FloatArray, Memory]:
    """Alternating heavy ball (Gidel et al. 2019): each player's sub-step carries its own
    velocity; the discriminator sees the generator's new position."""
    z = z.copy()
    vel = mem[0].copy()
    theta, psi = z[..., 0], z[..., 1]
    for _ in range(hp.n_gen):
        before = theta.copy()
        theta += hp.lr_gen * game.field(theta, psi)[0] + hp.beta * vel[..., 0]
        vel[..., 0] = theta - before
    for _ in range(hp.n_disc):
        before = psi.copy()
        psi += hp.lr_disc * game.field(theta, psi)[1] + hp.beta * vel[..., 1]
        game.project(z)
        vel[..., 1] = psi - before
    return z, (vel,)


def _adam_init(game: Game, hp: Hyper, z: FloatArray) -> Memory:
    zeros = np.zeros_like(z)
    return zeros, zeros.copy(), np.zeros_like(z[..., :1])


def adam_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Adam (Kingma & Ba 2015) for both players, simultaneous, bias-corrected moments."""
    m, s, t = mem
    g = _field(game, z)
    t = t + 1.0
    m = hp.beta1 * m + (1.0 - hp.beta1) * g
    s = hp.beta2 * s + (1.0 - hp.beta2) * g * g
    m_hat = m / (1.0 - hp.beta1**t)
    s_hat = s / (1.0 - hp.beta2**t)
    return game.project(z + _rates(hp) * m_hat / (np.sqrt(s_hat) + hp.eps)), (m, s, t)


# Methods that use the game's second-order structure need J(θ, ψ) at the current point: the
# variants' analytic pointwise Jacobians (dynamics/jacobians.py), never finite differences.


def _jacobian(game: Game, z: FloatArray) -> FloatArray:
    return game.jacobian_at(z[..., 0], z[..., 1])


def hamiltonian_step(
    game: Game, hp: Hyper, z: FloatArray, mem: Memory
) -> tuple[FloatArray, Memory]:
    """Hamiltonian gradient descent: descent on ℋ = ½‖ξ‖², w ← w − H Jᵀξ.

    With ξ = −v (the lab's players follow v) ∇ℋ = J_ξᵀ ξ = Jᵀv, J = ∂v/∂z.
    """
    J = _jacobian(game, z)
    v = _field(game, z)
    grad = _pair(
        J[..., 0, 0] * v[..., 0] + J[..., 1, 0] * v[..., 1],
        J[..., 0, 1] * v[..., 0] + J[..., 1, 1] * v[..., 1],
    )
    return game.project(z - _rates(hp) * grad), mem


#: ε of the alignment criterion (Balduzzi et al. 2018, Algorithm 1; Letcher et al. 2019).
SGA_ALIGN_EPS = 0.1


def sga_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Symplectic gradient adjustment: w ← w − H(ξ + λ Aᵀξ), A = (J_ξ − J_ξᵀ)/2.

    λ = sga_lambda · sign(⟨ξ, ∇ℋ⟩⟨Aᵀξ, ∇ℋ⟩/d + ε) (alignment, d = 2, ε = 0.1), ∇ℋ = J_ξᵀξ.
    """
    J = -_jacobian(game, z)  # J_ξ: the Jacobian of ξ = −v
    xi = -_field(game, z)
    a = 0.5 * (J[..., 0, 1] - J[..., 1, 0])  # A = [[0, a], [−a, 0]]
    adj = _pair(-a * xi[..., 1], a * xi[..., 0])  # Aᵀξ
    grad_h = _pair(
        J[..., 0, 0] * xi[..., 0] + J[..., 1, 0] * xi[..., 1],
        J[..., 0, 1] * xi[..., 0] + J[..., 1, 1] * xi[..., 1],
    )
    align = (xi * grad_h).sum(axis=-1) * (adj * grad_h).sum(axis=-1) / 2.0 + SGA_ALIGN_EPS
    lam = hp.sga_lambda * np.sign(align)[..., None]
    return game.project(z - _rates(hp) * (xi + lam * adj)), mem


def cgd_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Competitive gradient descent: both steps are the Nash equilibrium of the local bilinear
    game with quadratic regularisers 1/(2h) (scalar players: the inverse is a division).

    Δθ = h_g (v_θ + h_d J_θψ v_ψ)/(1 − h_g h_d J_θψ J_ψθ), Δψ symmetric, J = ∂v/∂z.
    """
    J = _jacobian(game, z)
    v = _field(game, z)
    b, c = J[..., 0, 1], J[..., 1, 0]
    hg, hd = hp.lr_gen, hp.lr_disc
    denom = 1.0 - hg * hd * b * c
    step = _pair(
        hg * (v[..., 0] + hd * b * v[..., 1]) / denom,
        hd * (v[..., 1] + hg * c * v[..., 0]) / denom,
    )
    return game.project(z + step), mem


def lookahead_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Lookahead-minmax: k SimGD steps to w̃, then w ← w + α(w̃ − w) (a convex combination of
    two points of the clip box, so it stays inside)."""
    fast = z
    for _ in range(hp.lookahead_k):
        fast, _unused = simgd_step(game, hp, fast, mem)
    return z + hp.lookahead_alpha * (fast - z), mem


#: Newton iterations of one implicit step before its solve counts as failed.
IMPLICIT_MAX_ITER = 40
#: The implicit step's solve has converged once the Newton correction is below this times
#: 1 + max(|θ|, |ψ|) (quadratic convergence leaves an error far below it).
IMPLICIT_TOL = 1e-13


def implicit_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Implicit (proximal point) step: z' solves z' = z + H v(z'), by Newton's method from z.

    Newton's matrix is I − H J(z') with the variant's analytic pointwise Jacobian (a 2×2
    solve by Cramer's rule, for all starts at once). A path whose solve has not converged in
    ``IMPLICIT_MAX_ITER`` iterations, or meets a singular matrix, gets NaN: the driver reports
    it as "solver failed" and keeps the path up to the step before.
    """
    hg, hd = hp.lr_gen, hp.lr_disc
    rates = _rates(hp)
    u = z.copy()
    active = np.ones(z.shape[:-1], dtype=bool)
    for _ in range(IMPLICIT_MAX_ITER):
        F = u - z - rates * _field(game, u)
        J = _jacobian(game, u)
        a, b = 1.0 - hg * J[..., 0, 0], -hg * J[..., 0, 1]
        c, d = -hd * J[..., 1, 0], 1.0 - hd * J[..., 1, 1]
        det = a * d - b * c
        du = _pair((d * F[..., 0] - b * F[..., 1]) / det, (a * F[..., 1] - c * F[..., 0]) / det)
        u = np.where(active[..., None], u - du, u)
        size = np.abs(du).max(axis=-1)
        active &= ~(size <= IMPLICIT_TOL * (1.0 + np.abs(u).max(axis=-1)))
        if not active.any():
            break
    u[active] = np.nan
    return game.project(u), mem


def unrolled_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Unrolled GAN: the generator follows its field at the discriminator ψ_k reached by k
    discriminator steps from ψ, differentiated through them; the discriminator takes its own
    plain step.

    v_θ^unr = v_θ(θ, ψ_k) − (∂ψ_k/∂θ) v_ψ(θ, ψ_k): the second term is the generator seeing
    how the discriminator's objective (∂_ψ of it = v_ψ) changes through the unrolled steps
    (docs/theory.md §2.15). ∂ψ_k/∂θ is carried forward with the pointwise Jacobian:
    ∂ψ_{j+1}/∂θ = ∂ψ_j/∂θ + h_d (J_ψθ + J_ψψ ∂ψ_j/∂θ), zero where the clip is active.
    """
    theta, psi = z[..., 0], z[..., 1]
    hd = hp.lr_disc
    c = game.psi_limit()
    pk = psi.copy()
    dpk = np.zeros_like(psi)
    for _ in range(hp.unroll_k):
        J = _jacobian(game, _pair(theta, pk))
        dpk = dpk + hd * (J[..., 1, 0] + J[..., 1, 1] * dpk)
        pk = pk + hd * game.v_psi(theta, pk)
        if c is not None:
            dpk = np.where(np.abs(pk) < c, dpk, 0.0)
            np.clip(pk, -c, c, out=pk)
    vt, vp = game.field(theta, pk)
    new = _pair(theta + hp.lr_gen * (vt - dpk * vp), psi + hd * game.v_psi(theta, psi))
    return game.project(new), mem


# Iterate averaging: the state shown is the average w̄; the training iterate w, which keeps
# moving by AltGD (the authors' training scheme), is the memory.


def _raw_iterate(game: Game, hp: Hyper, z: FloatArray) -> Memory:
    return (z.copy(),)


def ema_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Exponential moving average of AltGD's iterates: w ← AltGD(w), w̄ ← (1 − β)w̄ + βw."""
    w, _unused = altgd_step(game, hp, mem[0], ())
    return (1.0 - hp.ema_beta) * z + hp.ema_beta * w, (w,)


def _raw_iterate_and_count(game: Game, hp: Hyper, z: FloatArray) -> Memory:
    return z.copy(), np.zeros_like(z[..., :1])


def average_step(game: Game, hp: Hyper, z: FloatArray, mem: Memory) -> tuple[FloatArray, Memory]:
    """Uniform average of AltGD's iterates w_0, ..., w_k: w̄ ← w̄ + (w − w̄)/(k + 1)."""
    w, _unused = altgd_step(game, hp, mem[0], ())
    k = mem[1] + 1.0
    return z + (w - z) / (k + 1.0), (w, k)


# -------------------------------------------------------------- update rules, one point
# The rules above for one start in plain floats, operation for operation, so that the
# results are the array rules' (tests/test_one_start.py): a step costs ~15 numpy calls,
# ~5 µs on a (1, 2) state, against well under 1 µs in floats (bench/one_path.py).


def _clip1(psi: float, c: float) -> float:
    """``np.clip(psi, −c, c)`` of one float (NaN stays NaN; c = inf: no clip)."""
    return -c if psi < -c else c if psi > c else psi


def simgd_step1(
    v: Field1, c: float, hp: Hyper, theta: float, psi: float, mem: Memory1
) -> tuple[float, float, Memory1]:
    """SimGD at one point: ``simgd_step``."""
    vt, vp = v(theta, psi)
    return theta + hp.lr_gen * vt, _clip1(psi + hp.lr_disc * vp, c), mem


def altgd_step1(
    v: Field1, c: float, hp: Hyper, theta: float, psi: float, mem: Memory1
) -> tuple[float, float, Memory1]:
    """AltGD at one point: ``altgd_step`` (v_θ, v_ψ read off the whole field, the same bits)."""
    hg, hd = hp.lr_gen, hp.lr_disc
    for _ in range(hp.n_gen):
        theta += hg * v(theta, psi)[0]
    for _ in range(hp.n_disc):
        psi = _clip1(psi + hd * v(theta, psi)[1], c)
    return theta, psi, mem


def extragradient_step1(
    v: Field1, c: float, hp: Hyper, theta: float, psi: float, mem: Memory1
) -> tuple[float, float, Memory1]:
    """Extragradient at one point: ``extragradient_step``."""
    hg, hd = hp.lr_gen, hp.lr_disc
    vt, vp = v(theta, psi)
    vt, vp = v(theta + hg * vt, _clip1(psi + hd * vp, c))
    return theta + hg * vt, _clip1(psi + hd * vp, c), mem


def optimistic_step1(
    v: Field1, c: float, hp: Hyper, theta: float, psi: float, mem: Memory1
) -> tuple[float, float, Memory1]:
    """OGDA at one point: ``optimistic_step``; memory (v_θ, v_ψ) of the previous step."""
    gt, gp = v(theta, psi)
    return (
        theta + hp.lr_gen * (2.0 * gt - mem[0]),
        _clip1(psi + hp.lr_disc * (2.0 * gp - mem[1]), c),
        (gt, gp),
    )


def momentum_step1(
    v: Field1, c: float, hp: Hyper, theta: float, psi: float, mem: Memory1
) -> tuple[float, float, Memory1]:
    """Simultaneous heavy ball at one point: ``momentum_step``; memory z_k − z_{k−1}."""
    vt, vp = v(theta, psi)
    nt = theta + hp.lr_gen * vt + hp.beta * mem[0]
    np_ = _clip1(psi + hp.lr_disc * vp + hp.beta * mem[1], c)
    return nt, np_, (nt - theta, np_ - psi)


def momentum_alt_step1(
    v: Field1, c: float, hp: Hyper, theta: float, psi: float, mem: Memory1
) -> tuple[float, float, Memory1]:
    """Alternating heavy ball at one point: ``momentum_alt_step``; memory the velocities."""
    vel_t, vel_p = mem
    hg, hd, beta = hp.lr_gen, hp.lr_disc, hp.beta
    for _ in range(hp.n_gen):
        before = theta
        theta += hg * v(theta, psi)[0] + beta * vel_t
        vel_t = theta - before
    for _ in range(hp.n_disc):
        before = psi
        psi = _clip1(psi + (hd * v(theta, psi)[1] + beta * vel_p), c)
        vel_p = psi - before
    return theta, psi, (vel_t, vel_p)


def adam_step1(
    v: Field1, c: float, hp: Hyper, theta: float, psi: float, mem: Memory1
) -> tuple[float, float, Memory1]:
    """Adam at one point: ``adam_step``; memory (m_θ, m_ψ, s_θ, s_ψ, t)."""
    mt, mp, st, sp, t = mem
    b1, b2 = hp.beta1, hp.beta2
    gt, gp = v(theta, psi)
    t = t + 1.0
    mt = b1 * mt + (1.0 - b1) * gt
    mp = b1 * mp + (1.0 - b1) * gp
    st = b2 * st + (1.0 - b2) * gt * gt
    sp = b2 * sp + (1.0 - b2) * gp * gp
    # β**t as the array rule computes it: numpy's pow on an array differs from libm's (and
    # from numpy's on a scalar) in ~3 % of cases by an ulp, which Adam's chaotic runs at
    # large steps amplify to O(1) within a few hundred steps. ~0.7 µs each.
    tt = np.array([[t]])
    c1, c2 = 1.0 - float((b1**tt)[0, 0]), 1.0 - float((b2**tt)[0, 0])
    nt = theta + hp.lr_gen * (mt / c1) / (math.sqrt(st / c2) + hp.eps)
    np_ = _clip1(psi + hp.lr_disc * (mp / c1) / (math.sqrt(sp / c2) + hp.eps), c)
    return nt, np_, (mt, mp, st, sp, t)


def lookahead_step1(
    v: Field1, c: float, hp: Hyper, theta: float, psi: float, mem: Memory1
) -> tuple[float, float, Memory1]:
    """Lookahead-minmax at one point: ``lookahead_step``."""
    ft, fp = theta, psi
    for _ in range(hp.lookahead_k):
        ft, fp, _unused = simgd_step1(v, c, hp, ft, fp, mem)
    a = hp.lookahead_alpha
    return theta + a * (ft - theta), psi + a * (fp - psi), mem


def ema_step1(
    v: Field1, c: float, hp: Hyper, theta: float, psi: float, mem: Memory1
) -> tuple[float, float, Memory1]:
    """EMA of AltGD at one point: ``ema_step``; memory the raw iterate w."""
    wt, wp, _unused = altgd_step1(v, c, hp, mem[0], mem[1], ())
    b = hp.ema_beta
    return (1.0 - b) * theta + b * wt, (1.0 - b) * psi + b * wp, (wt, wp)


def average_step1(
    v: Field1, c: float, hp: Hyper, theta: float, psi: float, mem: Memory1
) -> tuple[float, float, Memory1]:
    """Uniform average of AltGD at one point: ``average_step``; memory (w_θ, w_ψ, k)."""
    wt, wp, _unused = altgd_step1(v, c, hp, mem[0], mem[1], ())
    k = mem[2] + 1.0
    return theta + (wt - theta) / (k + 1.0), psi + (wp - psi) / (k + 1.0), (wt, wp, k)


# ------------------------------------------------------------ linearised update operators
# All operators and closed forms broadcast: J may be a stack (..., 2, 2) and the learning
# rates and β arrays of shape (...), so the stability map evaluates a whole parameter grid
# in one call. n_gen and n_disc are plain integers.


def _eye(n: int, batch: tuple[int, ...]) -> FloatArray:
    return np.broadcast_to(np.eye(n), (*batch, n, n)).copy()


def _HJ(J: FloatArray, hp: Hyper) -> FloatArray:
    """H J with H = diag(h_gen, h_disc): row i of J scaled by player i's learning rate."""
    J = np.asarray(J, dtype=float)
    hg = np.asarray(hp.lr_gen, dtype=float)[..., None]
    hd = np.asarray(hp.lr_disc, dtype=float)[..., None]
    return np.stack(np.broadcast_arrays(hg * J[..., 0, :], hd * J[..., 1, :]), axis=-2)


def _H(hp: Hyper, batch: tuple[int, ...]) -> FloatArray:
    H = np.zeros((*batch, 2, 2))
    H[..., 0, 0] = hp.lr_gen
    H[..., 1, 1] = hp.lr_disc
    return H


def _block(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> FloatArray:
    a, b, c, d = np.broadcast_arrays(a, b, c, d)
    return np.concatenate(
        [np.concatenate([a, b], axis=-1), np.concatenate([c, d], axis=-1)], axis=-2
    )


def _simgd_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    A = _HJ(J, hp)
    return _eye(2, A.shape[:-2]) + A


def _altgd_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    A = _HJ(J, hp)
    batch = A.shape[:-2]
    G = _eye(2, batch)
    G[..., 0, :] += A[..., 0, :]  # the generator's sub-step moves θ only
    D = _eye(2, batch)
    D[..., 1, :] += A[..., 1, :]
    return np.linalg.matrix_power(D, hp.n_disc) @ np.linalg.matrix_power(G, hp.n_gen)


def _flow_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    return expm(_HJ(J, hp))


def _extragradient_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    A = _HJ(J, hp)
    return _eye(2, A.shape[:-2]) + A + A @ A


def _optimistic_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    # state (z, g_prev):  z' = (I + 2HJ) z − H g_prev,  g' = J z
    A = _HJ(J, hp)
    batch = A.shape[:-2]
    J = np.broadcast_to(J, A.shape)
    return _block(_eye(2, batch) + 2 * A, -_H(hp, batch), J, np.zeros(A.shape))


def _momentum_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    # state (z, d = z_k − z_{k−1}):  z' = (I + HJ) z + β d,  d' = z' − z = HJ z + β d
    A = _HJ(J, hp)
    batch = A.shape[:-2]
    b = np.asarray(hp.beta, dtype=float)[..., None, None] * _eye(2, batch)
    return _block(_eye(2, batch) + A, b, A, b)


def _momentum_alt_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    # Product of the linearised sub-steps on (θ, ψ, d_θ, d_ψ).
    A = _HJ(J, hp)
    batch = A.shape[:-2]
    beta = np.broadcast_to(np.asarray(hp.beta, dtype=float), batch)

    def sub(player: int) -> FloatArray:
        M = _eye(4, batch)
        row = np.zeros((*batch, 4))
        row[..., :2] = A[..., player, :]
        row[..., 2 + player] = beta
        M[..., player, :] += row
        M[..., 2 + player, :] = row  # new velocity = the increment
        return M

    G = np.linalg.matrix_power(sub(0), hp.n_gen)
    D = np.linalg.matrix_power(sub(1), hp.n_disc)
    return D @ G


def _T(J: FloatArray) -> FloatArray:
    return np.swapaxes(np.asarray(J, dtype=float), -1, -2)


def _hamiltonian_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    # z' = z − H J(z)ᵀ v(z) ≈ z − H JᵀJ z: the derivative of J(z)ᵀ meets v(0) = 0.
    A = _HJ(_T(J) @ np.asarray(J, dtype=float), hp)
    return _eye(2, A.shape[:-2]) - A


def _sga_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    # z' = z + H(v + λ A v) with A = (J − Jᵀ)/2 of v (= A_ξᵀ); near the equilibrium the
    # alignment term is O(|z|⁴) < ε, so λ's sign is +.
    J = np.asarray(J, dtype=float)
    lam = np.asarray(hp.sga_lambda, dtype=float)[..., None, None]
    K = J + lam * (0.5 * (J - _T(J))) @ J
    A = _HJ(K, hp)
    return _eye(2, A.shape[:-2]) + A


def _cgd_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    # z' = z + c H (I + O H) J z, O = offdiag(J), c = 1/(1 − h_g h_d J_θψ J_ψθ).
    J = np.asarray(J, dtype=float)
    hg = np.asarray(hp.lr_gen, dtype=float)
    hd = np.asarray(hp.lr_disc, dtype=float)
    b, c = J[..., 0, 1], J[..., 1, 0]
    batch = np.broadcast_shapes(J.shape[:-2], hg.shape, hd.shape)
    K = _eye(2, batch)
    K[..., 0, 1] = b * hd
    K[..., 1, 0] = c * hg
    A = _HJ(K @ J, hp) / (1.0 - hg * hd * b * c)[..., None, None]
    return _eye(2, A.shape[:-2]) + A


def _lookahead_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    M = _simgd_operator(J, hp)
    alpha = np.asarray(hp.lookahead_alpha, dtype=float)[..., None, None]
    return alpha * np.linalg.matrix_power(M, hp.lookahead_k) + (1.0 - alpha) * _eye(2, M.shape[:-2])


def _ema_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    # state (w̄, w):  w̄' = (1 − β) w̄ + β M w,  w' = M w,  M = AltGD's operator
    M = _altgd_operator(J, hp)
    batch = M.shape[:-2]
    beta = np.asarray(hp.ema_beta, dtype=float)[..., None, None]
    return _block((1.0 - beta) * _eye(2, batch), beta * M, np.zeros(M.shape), M)


def _implicit_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    # z' = z + H v(z') ⇒ dz' = dz + HJ dz': the operator is (I − HJ)⁻¹.
    A = _HJ(J, hp)
    return np.asarray(np.linalg.inv(_eye(2, A.shape[:-2]) - A), dtype=np.float64)


def _unrolled_jacobian(J: FloatArray, hp: Hyper) -> FloatArray:
    """J_k, the Jacobian at (0, 0) of the unrolled field (v_θ^unr, v_ψ): a polynomial in J's
    blocks a, b, c, d. With q = 1 + h_d d and s = h_d c (1 + q + … + q^{k−1}) = ∂ψ_k/∂θ,
    ψ_k ≈ q^k ψ + sθ, so v_θ^unr ≈ (a − sc)θ + (b − sd)ψ_k (v and v_ψ vanish at (0, 0))."""
    J = np.asarray(J, dtype=float)
    hd = np.asarray(hp.lr_disc, dtype=float)
    a, b, c, d = J[..., 0, 0], J[..., 0, 1], J[..., 1, 0], J[..., 1, 1]
    q = 1.0 + hd * d
    qk = q**hp.unroll_k
    geo = sum((q**j for j in range(hp.unroll_k)), np.zeros_like(q))
    s = hd * c * geo
    a, b, c, d, s, qk = np.broadcast_arrays(a, b, c, d, s, qk)
    out = np.empty((*a.shape, 2, 2))
    out[..., 0, 0] = a - s * c + (b - s * d) * s
    out[..., 0, 1] = (b - s * d) * qk
    out[..., 1, 0] = c
    out[..., 1, 1] = d
    return out


def _unrolled_operator(J: FloatArray, hp: Hyper) -> FloatArray:
    A = _HJ(_unrolled_jacobian(J, hp), hp)
    return _eye(2, A.shape[:-2]) + A


# ------------------------------------------------------ closed-form operator eigenvalues


def _kappa(J: FloatArray, hp: Hyper) -> ComplexArray:
    """Eigenvalues of HJ (= hλ for equal rates), via the 2×2 closed form."""
    return eig2(_HJ(J, hp))


def eig2(A: ArrayLike) -> ComplexArray:
    """Eigenvalues of 2×2 matrices ``A[..., 2, 2]`` from trace and determinant.

    A single matrix gives its two eigenvalues sorted by (re, im); a stack gives (..., 2).
    """
    A = np.asarray(A, dtype=float)
    half_tr = 0.5 * (A[..., 0, 0] + A[..., 1, 1])
    det = A[..., 0, 0] * A[..., 1, 1] - A[..., 0, 1] * A[..., 1, 0]
    root = np.emath.sqrt(half_tr**2 - det)
    lam = np.stack((half_tr - root, half_tr + root), axis=-1).astype(complex)
    if lam.ndim == 1:
        return sort_eigs(lam)
    return lam


def _quadratic_roots(b: ComplexArray, c: ComplexArray | float) -> ComplexArray:
    """Both roots of μ² − bμ + c = 0 for each b (and c), concatenated on the last axis."""
    b = np.asarray(b, dtype=complex)
    c = np.asarray(c, dtype=complex)
    c = c[..., None] if c.ndim and c.ndim == b.ndim - 1 else c
    disc = np.sqrt(b * b / 4 - c)
    return np.concatenate([b / 2 - disc, b / 2 + disc], axis=-1)


def _simgd_closed(J: FloatArray, hp: Hyper) -> ComplexArray:
    return 1.0 + _kappa(J, hp)


def _is_rotation(J: FloatArray) -> bool:
    J = np.asarray(J)
    return bool(
        np.all(J[..., 0, 0] == 0.0)
        and np.all(J[..., 1, 1] == 0.0)
        and np.all(J[..., 0, 1] == -J[..., 1, 0])
    )


def _altgd_closed(J: FloatArray, hp: Hyper) -> ComplexArray | None:
    if not _is_rotation(J):
        return None  # no closed form beyond the 2×2 product of sub-steps
    alpha2 = (
        hp.n_gen
        * hp.n_disc
        * np.asarray(hp.lr_gen)
        * np.asarray(hp.lr_disc)
        * np.asarray(J)[..., 1, 0] ** 2
    )
    return _quadratic_roots((2.0 - alpha2)[..., None], 1.0)


def _flow_closed(J: FloatArray, hp: Hyper) -> ComplexArray:
    return np.exp(_kappa(J, hp))


def _extragradient_closed(J: FloatArray, hp: Hyper) -> ComplexArray:
    k = _kappa(J, hp)
    return 1.0 + k + k * k


def _optimistic_closed(J: FloatArray, hp: Hyper) -> ComplexArray:
    k = _kappa(J, hp)
    return _quadratic_roots(1.0 + 2.0 * k, k)


def _momentum_closed(J: FloatArray, hp: Hyper) -> ComplexArray:
    k = _kappa(J, hp)
    beta = np.asarray(hp.beta, dtype=float)[..., None]
    return _quadratic_roots(1.0 + beta + k, beta)


def _hamiltonian_closed(J: FloatArray, hp: Hyper) -> ComplexArray | None:
    """μ = 1 − hσ², σ² the eigenvalues of the symmetric JᵀJ (real, by the 2×2 formula)."""
    if not hp.equal_rates:
        return None  # eig(H JᵀJ) is no function of the singular values alone
    G = _T(J) @ np.asarray(J, dtype=float)
    half_tr = 0.5 * (G[..., 0, 0] + G[..., 1, 1])
    root = np.hypot(0.5 * (G[..., 0, 0] - G[..., 1, 1]), G[..., 0, 1])
    sigma2 = np.stack((half_tr - root, half_tr + root), axis=-1)
    h = np.asarray(hp.lr_gen, dtype=float)[..., None]
    return (1.0 - h * sigma2).astype(complex)


def _rotation_plus_scalar(J: FloatArray) -> bool:
    """J = sI + ωR: equal diagonal, antisymmetric off-diagonal (J normal, S ∝ I)."""
    J = np.asarray(J)
    return bool(np.all(J[..., 0, 0] == J[..., 1, 1]) and np.all(J[..., 0, 1] == -J[..., 1, 0]))


def _sga_closed(J: FloatArray, hp: Hyper) -> ComplexArray | None:
    """μ = 1 + hλ(1 + i λ_SGA Im λ) when J = sI + ωR and h_g = h_d (A and J commute)."""
    if not (hp.equal_rates and _rotation_plus_scalar(J)):
        return None
    k = _kappa(J, hp)
    h = np.asarray(hp.lr_gen, dtype=float)[..., None]
    lam = np.asarray(hp.sga_lambda, dtype=float)[..., None]
    return 1.0 + k * (1.0 + 1j * lam * k.imag / h)


def _cgd_closed(J: FloatArray, hp: Hyper) -> ComplexArray | None:
    """μ = 1/(1 − κ) on a zero-diagonal J (bilinear games): (HJ)² = κ²I there."""
    J = np.asarray(J)
    if not (np.all(J[..., 0, 0] == 0.0) and np.all(J[..., 1, 1] == 0.0)):
        return None
    return 1.0 / (1.0 - _kappa(J, hp))


def _lookahead_closed(J: FloatArray, hp: Hyper) -> ComplexArray:
    k = _kappa(J, hp)
    alpha = np.asarray(hp.lookahead_alpha, dtype=float)[..., None]
    return 1.0 - alpha + alpha * (1.0 + k) ** hp.lookahead_k


def _ema_closed(J: FloatArray, hp: Hyper) -> ComplexArray | None:
    """Block triangular: 1 − β (twice) and AltGD's eigenvalues (closed form on rotations)."""
    alt = _altgd_closed(J, hp)
    if alt is None:
        return None
    beta = np.asarray(hp.ema_beta, dtype=float)[..., None]
    avg = np.broadcast_to(1.0 - beta, (*alt.shape[:-1], 2)).astype(complex)
    return np.concatenate([avg, alt], axis=-1)


def _implicit_closed(J: FloatArray, hp: Hyper) -> ComplexArray:
    """μ = 1/(1 − κ): the eigenvalues of (I − HJ)⁻¹ are the inverses of those of I − HJ."""
    return 1.0 / (1.0 - _kappa(J, hp))


def _unrolled_closed(J: FloatArray, hp: Hyper) -> ComplexArray:
    """μ = 1 + eig(H J_k), by the 2×2 formula (trace and determinant of H J_k)."""
    return 1.0 + eig2(_HJ(_unrolled_jacobian(J, hp), hp))


# ------------------------------------------------------------------------------ registry


@dataclass(frozen=True)
class Cost:
    """Work of one step of a method, in units of one SimGD step on the standard game.

    ``base + Σ per[name] · hp.name``: ``per`` prices the hyper-parameters that repeat work
    within a step (sub-steps, look-ahead or unrolled steps). The numbers were measured with
    ``python bench/rerun_cost.py`` (process CPU of 500 steps of every method on every game,
    relative to SimGD on the standard game) and rounded up; the app's work budget per rerun
    (``ui/budget.py``) reads them, so a new method is priced where it is declared.
    """

    base: float
    # not hashed (a mapping is not hashable); read-only after construction
    per: Mapping[str, float] = dataclasses.field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "per", MappingProxyType(dict(self.per)))

    def units(self, hp: Hyper) -> float:
        """Units of one step at the counts ``hp`` sets."""
        return self.base + sum(w * float(getattr(hp, name)) for name, w in self.per.items())


@dataclass(frozen=True)
class Method:
    """A training method: its rule, what it remembers, and its linear theory."""

    name: str
    label: str
    explanation: str
    references: tuple[str, ...]  # keys of content/references.toml (dynamics.references)
    uses: frozenset[str]  # Hyper fields this method reads
    step: StepFn | None  # None for the continuous flow
    #: work of one step (no default: an unpriced method would slip past the work budget);
    #: a continuous method's cost is its solver's and scales with ``Variant.flow_cost``
    cost: Cost
    init: InitFn = _no_memory
    operator: OperatorFn | None = None
    closed_form: ClosedFormFn | None = None
    formula: str | None = None  # LaTeX of the closed form, in κ = eig(HJ) (= hλ)
    no_operator_reason: str | None = None
    memory_size: int = 0  # number of extra (…, 2) arrays in the augmented linear state
    continuous: bool = False
    #: why a path can stop with "solver failed" (a method that solves an equation per step:
    #: its step returns NaN where the solve fails), else None
    failure_note: str | None = None
    #: The order in which the players move within one step when they take turns (names from
    #: ``PLAYERS``); empty when they move at once. ``half_steps`` reads it.
    phases: tuple[str, ...] = ()
    #: ``step`` at one point in plain floats (``Step1Fn``), for one-start runs; None: those
    #: take the array path (rules with Jacobians or a per-step solve: not worth their code yet)
    step1: Step1Fn | None = None

    def __post_init__(self) -> None:
        if self.step1 is not None and (self.step is None or self.failure_note is not None):
            raise ValueError(f"{self.name}: a one-point step needs an array step and no solve")

    @property
    def state_dim(self) -> int:
        return 2 * (1 + self.memory_size)


_RATES = frozenset({"lr_gen", "lr_disc"})


def _substeps(units: float) -> dict[str, float]:
    """The price of each of the n_gen + n_disc sub-steps of an alternating method."""
    return {"n_gen": units, "n_disc": units}


METHODS: Mapping[str, Method] = MappingProxyType(
    {
        m.name: m
        for m in (
            Method(
                name="simgd",
                label="SimGD",
                explanation=(
                    "Simultaneous gradient descent: both players take a step of size h along their "
                    "own gradient from the same point. Its update operator is I + hJ with "
                    "eigenvalues 1 + hλ; a purely imaginary λ gives |1 + hλ| > 1, so it spirals out."
                ),
                references=("mescheder2018",),
                uses=_RATES,
                step=simgd_step,
                step1=simgd_step1,
                cost=Cost(1.0),
                operator=_simgd_operator,
                closed_form=_simgd_closed,
                formula=r"\mu = 1 + h\lambda",
            ),
            Method(
                name="altgd",
                label="AltGD",
                explanation=(
                    "Alternating gradient descent: the generator takes n_gen steps, then the "
                    "discriminator takes n_disc steps, each at the newest point. Unregularised it "
                    "keeps circling (eigenvalues on the unit circle) while α = √(n_gen n_disc) h "
                    "f'(0) ≤ 2."
                ),
                references=("mescheder2018",),
                uses=_RATES | {"n_gen", "n_disc"},
                step=altgd_step,
                step1=altgd_step1,
                cost=Cost(0.5, _substeps(0.5)),
                operator=_altgd_operator,
                closed_form=_altgd_closed,
                phases=("generator", "discriminator"),
                formula=(  # two lines: on one, it ran past the explorer's spectrum card
                    r"\begin{aligned}\mu &= 1 - \tfrac{\alpha^2}{2} \pm "
                    r"\sqrt{\left(1 - \tfrac{\alpha^2}{2}\right)^2 - 1},\\"
                    r"\alpha &= \sqrt{n_g n_d\, h_g h_d}\, f'(0)\end{aligned}"
                ),
            ),
            Method(
                name="flow",
                label="Continuous flow",
                explanation=(
                    "The continuous-time limit: the ODE ż = H v(z), solved with an adaptive "
                    "Runge–Kutta method (DOP853) to tight tolerances and sampled once per step "
                    "(time h per step for equal learning rates). Its one-step map is exp(hJ)."
                ),
                references=("mescheder2018",),
                uses=_RATES,
                step=None,
                # the ODE solver takes ~10 field evaluations per sample
                cost=Cost(15.0),
                operator=_flow_operator,
                closed_form=_flow_closed,
                formula=r"\mu = e^{h\lambda}",
                continuous=True,
            ),
            Method(
                name="extragradient",
                label="Extragradient",
                explanation=(
                    "Take a look-ahead step, then step from the original point with the gradient "
                    "at the look-ahead point. The extra term h²λ² pulls the eigenvalues of a "
                    "rotation inside the unit circle for small h: it converges where SimGD spirals out."
                ),
                references=("korpelevich1976", "gidel2019-vi"),
                uses=_RATES,
                step=extragradient_step,
                step1=extragradient_step1,
                # the field twice
                cost=Cost(2.0),
                operator=_extragradient_operator,
                closed_form=_extragradient_closed,
                formula=r"\mu = 1 + h\lambda + h^2\lambda^2",
            ),
            Method(
                name="optimistic",
                label="Optimistic GD (OGDA)",
                explanation=(
                    "z ← z + 2h v(zₖ) − h v(zₖ₋₁): the previous gradient is used as a "
                    "prediction of the next one. It converges on bilinear games for small h, "
                    "where SimGD diverges."
                ),
                references=("daskalakis2018", "gidel2019-vi"),
                uses=_RATES,
                step=optimistic_step,
                step1=optimistic_step1,
                cost=Cost(1.5),
                init=_previous_gradient,
                operator=_optimistic_operator,
                closed_form=_optimistic_closed,
                formula=r"\mu^2 - (1 + 2h\lambda)\,\mu + h\lambda = 0",
                memory_size=1,
            ),
            Method(
                name="momentum",
                label="Momentum (simultaneous)",
                explanation=(
                    "Heavy-ball momentum: z ← z + h v(z) + β(zₖ − zₖ₋₁), both players at once. "
                    "Positive β makes the rotation worse; with simultaneous updates even negative "
                    "β cannot stop a pure rotation from spiralling out."
                ),
                references=("polyak1964", "gidel2019-momentum"),
                uses=_RATES | {"beta"},
                step=momentum_step,
                step1=momentum_step1,
                cost=Cost(1.5),
                init=_zero_velocity,
                operator=_momentum_operator,
                closed_form=_momentum_closed,
                formula=r"\mu^2 - (1 + \beta + h\lambda)\,\mu + \beta = 0",
                memory_size=1,
            ),
            Method(
                name="momentum-alt",
                label="Momentum (alternating)",
                explanation=(
                    "Heavy-ball momentum with alternating updates, each player keeping its own "
                    "velocity. Gidel et al. show that suitably negative momentum (β < 0) makes "
                    "alternating training of the bilinear game converge."
                ),
                references=("gidel2019-momentum",),
                uses=_RATES | {"beta", "n_gen", "n_disc"},
                step=momentum_alt_step,
                step1=momentum_alt_step1,
                cost=Cost(0.5, _substeps(1.0)),
                init=_zero_velocity,
                operator=_momentum_alt_operator,
                closed_form=None,
                formula=None,
                memory_size=1,
                phases=("generator", "discriminator"),
            ),
            Method(
                name="adam",
                label="Adam",
                explanation=(
                    "Adam, the optimiser real GANs are trained with, for both players "
                    "simultaneously: bias-corrected running means of the gradient (β₁) and of its "
                    "square (β₂) set each coordinate's step."
                ),
                references=("kingma2015",),
                uses=_RATES | {"beta1", "beta2", "eps"},
                step=adam_step,
                step1=adam_step1,
                # two moments
                cost=Cost(2.5),
                init=_adam_init,
                operator=None,
                no_operator_reason=(
                    "Adam has no fixed linear update operator: it divides each step by a running "
                    "estimate of the gradient's magnitude, which tends to 0 at the equilibrium, so "
                    "the map is not differentiable there and its linearisation depends on history."
                ),
            ),
            Method(
                name="hamiltonian",
                label="Hamiltonian GD",
                explanation=(
                    "Gradient descent on ℋ = ½‖v‖², the squared length of the field: "
                    "z ← z − h Jᵀv, so the players chase the points where the field vanishes "
                    "instead of following it. Near the equilibrium the operator is I − hJᵀJ, "
                    "so on the standard GAN ‖v‖ shrinks every step where SimGD spirals out."
                ),
                references=("balduzzi2018", "abernethy2019"),
                uses=_RATES,
                step=hamiltonian_step,
                # the field's Jacobian at every iterate (measured 3.4 × SimGD)
                cost=Cost(3.5),
                operator=_hamiltonian_operator,
                closed_form=_hamiltonian_closed,
                formula=r"\mu = 1 - h\,\sigma^2,\quad \sigma = \text{singular values of } J",
            ),
            Method(
                name="sga",
                label="Symplectic gradient adjustment (SGA)",
                explanation=(
                    "Adds λ times the rotation-cancelling term Aᵀξ, A the antisymmetric part "
                    "of the game's Jacobian, to each player's gradient; the sign of λ is chosen "
                    "every step by the alignment criterion so that the step also points "
                    "downhill on ½‖ξ‖². On the rotation it turns the circling into an inward "
                    "spiral while keeping the players' own gradients in the step."
                ),
                references=("balduzzi2018", "letcher2019"),
                uses=_RATES | {"sga_lambda"},
                step=sga_step,
                # the Jacobian too (measured 5.3 × SimGD)
                cost=Cost(5.5),
                operator=_sga_operator,
                closed_form=_sga_closed,
                formula=(
                    r"\mu = 1 + h\lambda\,\bigl(1 + i\,\lambda_{\mathrm{SGA}}\,"
                    r"\operatorname{Im}\lambda\bigr)\quad (J = sI + \omega R)"
                ),
            ),
            Method(
                name="cgd",
                label="Competitive GD (CGD)",
                explanation=(
                    "Each step is the Nash equilibrium of a local bilinear approximation of "
                    "the game, so each player anticipates the other's simultaneous move through "
                    "the mixed second derivatives. On a bilinear game its operator is "
                    "(I − hJ)⁻¹, the implicit step, which converges for every h."
                ),
                references=("schafer2019",),
                uses=_RATES,
                step=cgd_step,
                # the Jacobian too (measured 3.7 × SimGD)
                cost=Cost(4.0),
                operator=_cgd_operator,
                closed_form=_cgd_closed,
                formula=r"\mu = \frac{1}{1 - h\lambda}\quad (\text{zero-diagonal } J)",
            ),
            Method(
                name="lookahead",
                label="Lookahead-minmax",
                explanation=(
                    "Take k SimGD steps, then move only a fraction α of the way from the start "
                    "to where they ended. Averaging a spiral's start and end points pulls it "
                    "inwards: μ = 1 − α + α(1 + hλ)ᵏ lies inside the unit circle when (1 + hλ)ᵏ "
                    "has turned far enough, even where SimGD itself spirals out."
                ),
                references=("chavdarova2021",),
                uses=_RATES | {"lookahead_k", "lookahead_alpha"},
                step=lookahead_step,
                step1=lookahead_step1,
                # k SimGD steps, then the average (measured 4.8 × at k = 5, 19.2 × at k = 20)
                cost=Cost(0.5, {"lookahead_k": 1.0}),
                operator=_lookahead_operator,
                closed_form=_lookahead_closed,
                formula=r"\mu = 1 - \alpha + \alpha\,(1 + h\lambda)^k",
            ),
            Method(
                name="ema",
                label="Iterate averaging (EMA)",
                explanation=(
                    "Trains with AltGD but shows the exponential moving average "
                    "w̄ ← (1 − β)w̄ + βw of its iterates, as GAN practice does for the generator. "
                    "Where AltGD circles, the average moves on a much smaller circle (about "
                    "β/√(β² + φ²) of the orbit's radius, φ the turn per step) but, unlike the "
                    "uniform average, does not converge."
                ),
                references=("yazici2019",),
                uses=_RATES | {"n_gen", "n_disc", "ema_beta"},
                step=ema_step,
                step1=ema_step1,
                # AltGD and a running mean (measured 1.8 × at n = 1 + 1, 21 × at 20 + 20)
                cost=Cost(1.0, _substeps(0.5)),
                init=_raw_iterate,
                operator=_ema_operator,
                closed_form=_ema_closed,
                formula=(
                    r"\mu \in \{1 - \beta_{\mathrm{EMA}}\ (\text{twice})\} \cup "
                    r"\{\mu_{\mathrm{AltGD}}\}"
                ),
                memory_size=1,
            ),
            Method(
                name="average",
                label="Iterate averaging (uniform)",
                explanation=(
                    "Trains with AltGD but shows the plain mean w̄ = (w₀ + … + wₖ)/(k + 1) of all "
                    "its iterates so far. Where AltGD circles the equilibrium, the mean "
                    "converges to it, slowly (like 1/k), while the iterates themselves never do."
                ),
                references=("yazici2019",),
                uses=_RATES | {"n_gen", "n_disc"},
                step=average_step,
                step1=average_step1,
                # as EMA (measured 2.0 × at n = 1 + 1)
                cost=Cost(1.0, _substeps(0.5)),
                init=_raw_iterate_and_count,
                operator=None,
                no_operator_reason=(
                    "The uniform average gives the k-th iterate the weight 1/(k + 1): the update "
                    "changes with time, so there is no fixed linear operator. Its iterates are "
                    "AltGD's, whose spectrum the AltGD entry shows; the average of iterates on "
                    "the unit circle (μ ≠ 1) tends to the equilibrium like 1/k."
                ),
            ),
            Method(
                name="implicit",
                label="Implicit step (proximal point)",
                explanation=(
                    "Each step uses the field at the point it arrives at, z' = z + h v(z'), an "
                    "equation solved by Newton's method at every step. Its operator is "
                    "(I − hJ)⁻¹ with eigenvalues 1/(1 − hλ): any λ with Re λ ≤ 0 and λ ≠ 0 gives "
                    "|μ| < 1, so on a rotation it converges for every step size h."
                ),
                references=("rockafellar1976", "mokhtari2020"),
                uses=_RATES,
                step=implicit_step,
                # Newton's method per step, ~5 iterations of field + Jacobian (measured 20.6 ×)
                cost=Cost(21.0),
                operator=_implicit_operator,
                closed_form=_implicit_closed,
                formula=r"\mu = \frac{1}{1 - h\lambda}",
                failure_note=(
                    "the implicit step's equation z' = z + h v(z') could not be solved (Newton's "
                    "method did not converge, as where the field jumps across ψ = 0 or a large "
                    "step leaves no nearby solution)"
                ),
            ),
            Method(
                name="unrolled",
                label="Unrolled GAN",
                explanation=(
                    "The generator looks k discriminator steps ahead: it follows its gradient "
                    "at the discriminator those steps would reach, differentiated through them, "
                    "while the discriminator takes its plain step. On the rotation this adds "
                    "−2k h ω² θ to the generator's field at first order, damping the cycle; "
                    "k = 0 is SimGD."
                ),
                references=("metz2017",),
                uses=_RATES | {"unroll_k"},
                step=unrolled_step,
                # per unrolled step a Jacobian and a v_ψ (13.6 × at k = 5; 26 × on LeCam's game)
                cost=Cost(1.5, {"unroll_k": 3.0}),
                operator=_unrolled_operator,
                closed_form=_unrolled_closed,
                formula=(
                    r"\begin{aligned}\mu &= 1 + \operatorname{eig}(H J_k),\ J_k = "
                    r"\begin{pmatrix} a - sc + (b - sd)s & (b - sd)q^k \\ c & d \end{pmatrix},"
                    r"\\ q &= 1 + h_d d,\ s = h_d c\,(1 + q + \dots + q^{k-1})\end{aligned}"
                ),
            ),
        )
    }
)


def get_method(name: str) -> Method:
    """Look a method up by name; ``KeyError`` lists the valid names."""
    try:
        return METHODS[name]
    except KeyError:
        raise KeyError(f"unknown method {name!r}; choose one of: {', '.join(METHODS)}") from None


#: The players, in the order of their coordinates in z = (θ, ψ).
PLAYERS = ("generator", "discriminator")


def half_steps(method: str | Method, points: ArrayLike) -> FloatArray | None:
    """Where a method whose players take turns stands between their moves.

    ``points`` are a path's states ``(n, ..., 2)``; the result ``(n − 1, ..., 2)`` holds, for
    each step k, the state after the first player's sub-steps of that step: its coordinate
    already at step k + 1, the other player's still at step k. Exact, because within a step
    each player's sub-steps change only its own coordinate (a projection touches ψ only,
    after the discriminator's moves). None when the players move at once (``phases`` empty).
    """
    m = get_method(method) if isinstance(method, str) else method
    if not m.phases:
        return None
    z = np.asarray(points, dtype=float)
    first = PLAYERS.index(m.phases[0])
    out = z[:-1].copy()
    out[..., first] = z[1:, ..., first]
    return out


# ----------------------------------------------------------------------------- the driver

#: "solver failed": the flow's ODE solver could not continue (it happens on WGAN-GP, whose field
#: jumps across ψ = 0, over very long time spans); the path is kept up to that step.
STATUSES = ("converged", "not converged", "diverged", "solver failed")


@dataclass(frozen=True)
class Trajectory:
    """Paths of a batch of starts. Always finite.

    ``points[k, b]`` is path b after k steps for k < ``n_valid[b]``; a path stopped early
    (diverged) repeats its last kept point afterwards, so slice with ``n_valid`` to draw it.
    """

    points: FloatArray  # (steps + 1, B, 2)
    n_valid: NDArray[np.int64]  # (B,)
    diverged_at: NDArray[np.int64]  # (B,), −1 when the path did not diverge
    status: tuple[str, ...]  # (B,) one of STATUSES
    failed_at: int | None
    final_distance: FloatArray  # (B,) distance to the equilibrium of the last kept point

    @property
    def steps(self) -> int:
        return self.points.shape[0] - 1

    def path(self, b: int = 0) -> FloatArray:
        """Kept points of path b, shape (n_valid[b], 2)."""
        return self.points[: int(self.n_valid[b]), b]

    def distance(self) -> FloatArray:
        """Distance to the equilibrium, (steps + 1, B); frozen after a stop."""
        return np.hypot(self.points[..., 0], self.points[..., 1])


def simulate(
    game: Game,
    method: str | Method,
    hp: Hyper,
    starts: ArrayLike,
    steps: int,
    *,
    bound: float = DIVERGENCE_BOUND,
    tol: float = CONVERGENCE_TOL,
    scalar: bool = True,
) -> Trajectory:
    """Run a batch of starting points ``(B, 2)`` for ``steps`` steps of ``method``.

    A single start of a method and game with one-point forms (``one_point``) runs in plain
    floats, with the same results; ``scalar=False`` forces the array path (the reference).
    """
    m = get_method(method) if isinstance(method, str) else method
    z0 = np.array(starts, dtype=float).reshape(-1, 2)
    if not np.isfinite(z0).all() or (np.abs(z0) > bound).any():
        raise ValueError(f"start points must be finite and within ±{bound:g}")
    if steps < 0:
        raise ValueError("steps must be ≥ 0")
    game.project(z0)
    with np.errstate(all="ignore"):  # divergence is detected below, not warned about
        failed_at = None
        if m.continuous:
            out, solved = integrate_flow(game, hp, z0, steps)
            first_bad = _first_bad(out[:solved], bound, np.full(z0.shape[0], steps + 1), 0)
            if solved < steps + 1:
                failed_at = solved
                out = out[:solved]
        elif scalar and z0.shape[0] == 1 and (v := one_point(game, m)) is not None:
            out, first_bad = _iterate1(game, m, hp, z0, steps, bound, v)
        else:
            out, first_bad = _iterate(game, m, hp, z0, steps, bound)
            if m.failure_note is not None:
                return _finalise(
                    out, first_bad, tol, steps, paths_failed=_nan_stops(out, first_bad)
                )
    return _finalise(out, first_bad, tol, steps, failed_at)


def _nan_stops(out: FloatArray, first_bad: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Paths whose first bad row is NaN: a failed solve (a divergence gives ±inf or a large
    finite value, never NaN, before it is stopped)."""
    stopped = first_bad < out.shape[0]
    row = out[np.minimum(first_bad, out.shape[0] - 1), np.arange(out.shape[1])]
    return stopped & np.isnan(row).any(axis=-1)


#: Steps between divergence checks: small enough to stay in cache, large enough to amortise.
_CHECK_EVERY = 128


def _first_bad(
    chunk: FloatArray, bound: float, first_bad: NDArray[np.int64], k0: int
) -> NDArray[np.int64]:
    """Update the first step index where each path is non-finite or beyond ``bound``."""
    # max(|θ|, |ψ|) <= bound is False for NaN and ±inf too: one test covers all three.
    ok = np.abs(chunk).max(axis=-1) <= bound
    bad_any = ~ok.all(axis=0)
    if bad_any.any():
        idx = k0 + np.argmin(ok, axis=0)
        first_bad = np.where(bad_any & (idx < first_bad), idx, first_bad)
    return first_bad


def _iterate(
    game: Game, m: Method, hp: Hyper, z: FloatArray, steps: int, bound: float
) -> tuple[FloatArray, NDArray[np.int64]]:
    assert m.step is not None
    B = z.shape[0]
    out = np.empty((steps + 1, *z.shape))
    out[0] = z
    first_bad = np.full(B, steps + 1, dtype=np.int64)
    mem = m.init(game, hp, z)
    step = m.step
    k0 = 1
    for k in range(1, steps + 1):
        z, mem = step(game, hp, z, mem)
        out[k] = z
        if k - k0 + 1 == _CHECK_EVERY or k == steps:
            first_bad = _first_bad(out[k0 : k + 1], bound, first_bad, k0)
            k0 = k + 1
            if (first_bad <= steps).all():  # every path has diverged: nothing left to run
                out = out[: k + 1]
                break
    return out, first_bad


def one_point(game: Game, method: str | Method) -> Field1 | None:
    """The game's one-point field when ``simulate`` runs a single start of ``method`` on it in
    plain floats (both declare a one-point form), else None (the array path)."""
    m = get_method(method) if isinstance(method, str) else method
    return None if m.step1 is None else game.field1()


def _iterate1(
    game: Game, m: Method, hp: Hyper, z: FloatArray, steps: int, bound: float, v: Field1
) -> tuple[FloatArray, NDArray[np.int64]]:
    """``_iterate`` for one start with ``m.step1``: the same rows up to the first bad one."""
    assert m.step1 is not None
    step1 = m.step1
    c = game.psi_limit()
    clip = math.inf if c is None else float(c)
    # The array rule's initial memory (the same bits), flattened to floats.
    mem = tuple(float(x) for a in m.init(game, hp, z) for x in np.ravel(a))
    theta, psi = float(z[0, 0]), float(z[0, 1])
    rows = [theta, psi]
    first_bad = steps + 1
    for k in range(1, steps + 1):
        theta, psi, mem = step1(v, clip, hp, theta, psi, mem)
        rows += (theta, psi)
        # as _first_bad: False for NaN and ±inf too; the array path's later rows are frozen
        # over by _finalise, so stopping at the first bad row changes nothing
        if not (abs(theta) <= bound and abs(psi) <= bound):
            first_bad = k
            break
    return np.array(rows).reshape(-1, 1, 2), np.array([first_bad], dtype=np.int64)


FLOW_RTOL = 1e-10
FLOW_ATOL = 1e-12


def integrate_flow(
    game: Game,
    hp: Hyper,
    z0: FloatArray,
    steps: int,
    rtol: float = FLOW_RTOL,
    atol: float = FLOW_ATOL,
) -> tuple[FloatArray, int]:
    """The flow ż = H v(z) sampled at t = 0, 1, …, steps (units of steps).

    Returns the samples and how many rows the solver reached (rows after a failure are NaN).
    """
    B = z0.shape[0]
    rates = _rates(hp)
    c = game.psi_limit()
    if game.variant.pieces is not None and steps > 0:
        # An adaptive solver stepping across the jump of v at ψ = 0 rejects step after step at
        # every crossing (minutes, then "solver failed"): solve each affine piece exactly.
        out = np.empty((steps + 1, B, 2))
        for b in range(B):
            out[:, b] = _switching_flow(game, rates, z0[b], steps)
        return out, steps + 1

    def rhs(t: float, y: FloatArray) -> FloatArray:
        z = y.reshape(B, 2)
        v = _field(game, z) * rates
        if c is not None:
            # Clipping in continuous time: ψ stops at ±c while the field pushes outwards.
            outward = (np.abs(z[:, 1]) >= c) & (v[:, 1] * z[:, 1] > 0)
            v[outward, 1] = 0.0
        return v.ravel()

    out = np.full((steps + 1, B, 2), np.nan)
    out[0] = z0
    if steps == 0:
        return out, 1
    sol = solve_ivp(
        rhs,
        (0.0, float(steps)),
        z0.ravel(),
        method="DOP853",
        t_eval=np.arange(steps + 1, dtype=float),
        rtol=rtol,
        atol=atol,
    )
    n = sol.y.shape[1]
    out[:n] = sol.y.T.reshape(n, B, 2)
    if c is not None:
        np.clip(out[..., 1], -c, c, out=out[..., 1])
    return out, n


def _on_axis_rate(a: float, d1: float, th: float) -> float:
    """ψ̇ = a·θ + d₁ on the line ψ = 0, for one affine piece of a switching field."""
    return a * th + d1


def _expm2(M: tuple[float, float, float, float], t: float) -> tuple[float, float, float, float]:
    """exp(tM) of a real 2×2 matrix (a, b, c, d) in closed form, in plain floats: the
    switching flow calls it at every crossing, where scipy's Padé expm cost ~50 µs."""
    a, b, c, d = M
    m = 0.5 * (a + d)
    q = m * m - (a * d - b * c)
    if q > 0:
        r = math.sqrt(q)
        ch, sh = math.cosh(r * t), math.sinh(r * t) / r
    elif q < 0:
        r = math.sqrt(-q)
        ch, sh = math.cos(r * t), math.sin(r * t) / r
    else:
        ch, sh = 1.0, t
    e = math.exp(m * t)
    return (e * (ch + sh * (a - m)), e * sh * b, e * sh * c, e * (ch + sh * (d - m)))


def _switching_flow(game: Game, rates: FloatArray, z0: FloatArray, steps: int) -> FloatArray:
    """The flow ż = H v(z) of a field affine on each side of ψ = 0, sampled at t = 0 … steps.

    On the side sign ψ = s, v = A z + c, so z(t) = z* + e^{tM}(z₀ − z*) with M = HA and z* the
    zero of Mz + Hc: each piece is solved exactly, no right-hand-side evaluations. Crossings
    of ψ = 0 are bracketed on sub-intervals short against the rotation (|μ|δ ≤ 1/4, so ψ
    changes sign at most once in one) and located by a root finder. On ψ = 0 the path goes
    on into the half-plane both one-sided fields point into; where they point away from each
    other (or one is tangent) the point is a Filippov equilibrium and the path stays there.
    """
    from scipy.optimize import brentq

    assert game.variant.pieces is not None
    hg, hd = float(rates[0]), float(rates[1])
    M: dict[int, tuple[float, float, float, float]] = {}
    zs: dict[int, tuple[float, float]] = {}
    up: dict[int, Callable[[float], float]] = {}
    for s_, (A, cst) in game.variant.pieces(game.params).items():
        m = (hg * A[0, 0], hg * A[0, 1], hd * A[1, 0], hd * A[1, 1])
        det = m[0] * m[3] - m[1] * m[2]
        if det == 0.0:
            raise ValueError("switching flow: a piece with a singular Jacobian is not supported")
        d0, d1 = hg * cst[0], hd * cst[1]
        M[s_] = m
        zs[s_] = ((-m[3] * d0 + m[1] * d1) / det, (m[2] * d0 - m[0] * d1) / det)
        up[s_] = functools.partial(_on_axis_rate, m[2], d1)  # ψ̇ on the line ψ = 0

    def side(th: float, ps: float) -> int:
        if ps != 0.0:
            return 1 if ps > 0 else -1
        a, b = up[1](th), up[-1](th)
        return 1 if a > 0 and b > 0 else -1 if a < 0 and b < 0 else 0

    def advance(s_: int, th: float, ps: float, t: float) -> tuple[float, float]:
        p = _expm2(M[s_], t)
        x, y = th - zs[s_][0], ps - zs[s_][1]
        return zs[s_][0] + p[0] * x + p[1] * y, zs[s_][1] + p[2] * x + p[3] * y

    mu = max(float(np.max(np.abs(np.linalg.eigvals(np.reshape(m, (2, 2)))))) for m in M.values())
    m_sub = max(1, math.ceil(4.0 * mu))  # sub-steps per unit time
    delta = 1.0 / m_sub
    P = {s_: _expm2(m, delta) for s_, m in M.items()}
    out = np.full((steps + 1, 2), np.nan)
    th, ps = float(z0[0]), float(z0[1])
    out[0] = th, ps
    s_ = side(th, ps)
    for k in range(1, steps + 1):
        for _ in range(m_sub if s_ != 0 else 0):
            (p0, p1, p2, p3), (a, b) = P[s_], zs[s_]
            x, y = th - a, ps - b
            nth, nps = a + p0 * x + p1 * y, b + p2 * x + p3 * y
            if nps * s_ >= 0.0 or not math.isfinite(nps):
                th, ps = nth, nps
                continue
            tc = brentq(
                lambda t, s_=s_, th=th, ps=ps: advance(s_, th, ps, t)[1], 0.0, delta, xtol=1e-16
            )
            th, _ = advance(s_, th, ps, tc)
            ps = 0.0
            s_ = side(th, ps)
            if s_ == 0:
                break
            th, ps = advance(s_, th, ps, delta - tc)
        out[k] = th, ps
        if not (abs(th) <= DIVERGENCE_BOUND and abs(ps) <= DIVERGENCE_BOUND):
            break
    return out


def _finalise(
    out: FloatArray,
    first_bad: NDArray[np.int64],
    tol: float,
    steps: int,
    failed_at: int | None = None,
    paths_failed: NDArray[np.bool_] | None = None,
) -> Trajectory:
    """Freeze stopped paths at their last kept point and pad to ``steps + 1`` rows.

    ``failed_at``: every path not stopped failed there (the flow's solver); ``paths_failed``:
    these stopped paths failed rather than diverged (a per-step solve).
    """
    n_done, B, _ = out.shape
    stopped = first_bad <= steps
    n_valid = np.minimum(first_bad, steps + 1)
    failed = np.zeros(B, dtype=bool)
    if failed_at is not None:
        failed = ~stopped
        n_valid = np.where(failed, failed_at, n_valid)
    if paths_failed is not None and paths_failed.any():
        failed, stopped = paths_failed, stopped & ~paths_failed
        failed_at = int(n_valid[failed].min())
    if n_done < steps + 1:  # the loop ended early because every path had diverged
        out = np.concatenate([out, np.empty((steps + 1 - n_done, B, 2))])
    if (stopped | failed).any():
        cols = np.flatnonzero(stopped | failed)
        idx = np.minimum(np.arange(steps + 1)[:, None], n_valid[cols] - 1)
        out[:, cols] = out[idx, cols[None, :]]
    last = out[-1]
    dist = np.hypot(last[:, 0], last[:, 1])
    status = tuple(
        "diverged" if s else "solver failed" if f else ("converged" if d < tol else "not converged")
        for s, f, d in zip(stopped, failed, dist, strict=True)
    )
    return Trajectory(
        points=out,
        n_valid=n_valid.astype(np.int64),
        diverged_at=np.where(stopped, first_bad, -1).astype(np.int64),
        status=status,
        final_distance=dist,
        failed_at=failed_at,
    )


__all__ = [
    "CONVERGENCE_TOL",
    "DIVERGENCE_BOUND",
    "HYPER_PARAMS",
    "HYPER_RANGES",
    "METHODS",
    "Hyper",
    "HyperParam",
    "Method",
    "Trajectory",
    "eig2",
    "get_method",
    "integrate_flow",
    "one_point",
    "simulate",
]
