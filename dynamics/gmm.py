"""Mixture-of-Gaussians GAN after Li, Madry, Peebles and Schmidt (ICML 2018).

The model, reconstructed from the paper's abstract and secondary sources (see docs/theory.md §5.1):

* true distribution ``G* = ½N(mu*_1, 1) + ½N(mu*_2, 1)``;
  generator ``G_mu = ½N(mu_1, 1) + ½N(mu_2, 1)``;
* discriminator ``D_ell`` = indicator of ``[ell_1, ell_2] ∪ [ell_3, ell_4]`` with
  ``ell_1 ≤ ell_2 ≤ ell_3 ≤ ell_4``;
* objective ``L(mu, ell) = E_{G*}[D_ell] + E_{G_mu}[1 - D_ell]`` (the discriminator maximises, the
  generator minimises); ``max_ell L = 1 + TV(G_mu, G*)``.

Conventions used throughout:

* ``mu`` has shape ``(2,)`` or ``(B, 2)`` (a leading batch axis of ``B`` independent runs), ``ell``
  has shape ``(4,)`` or ``(B, 4)``, ``target`` (``mu*``) has shape ``(2,)`` or ``(B, 2)``.
* Unbounded ends of the optimal intervals are replaced by the finite sentinels
  ``±(max(|mu|, |mu*|) + SENTINEL_MARGIN)`` of each run: every density is exactly 0 there in
  double precision (``exp(-40²/2)`` underflows), so ``L``, TV and the gradients are exact while
  every number stays finite and JSON-serialisable.
* An empty interval is stored as a degenerate one, ``ell_3 = ell_4 = ell_2`` when only one
  interval is needed, and all four ends at ``(mu*_1 + mu*_2)/2`` when the positive set is empty
  (``G_mu = G*``).

Pure numpy/scipy: no UI imports. Randomness only through an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GMM_PARAMS",
    "GRAD_TOL",
    "MAX_DISC_STEPS",
    "MAX_RUN_STEPS",
    "OUTCOMES",
    "SENTINEL_MARGIN",
    "STATUSES",
    "BatchResult",
    "Cancelled",
    "GMMParam",
    "GMMRun",
    "GMMSettings",
    "OutcomeGrid",
    "SeparationMap",
    "batch_experiment",
    "classify",
    "data_modes",
    "density_difference",
    "draw_starts",
    "g_mu",
    "g_star",
    "grad_ell",
    "grad_mu",
    "interval_mass",
    "objective",
    "optimal_intervals",
    "outcome_codes",
    "outcome_grid",
    "project_ordered",
    "run_first_order",
    "run_optimal",
    "run_status",
    "separation_map",
    "tv_distance",
]

FloatArray = NDArray[np.float64]
Dynamics = Literal["optimal", "first-order"]
Projection = Literal["isotonic", "sort"]

SENTINEL_MARGIN = 40.0
"""Distance beyond the farthest mean at which unbounded interval ends are cut off."""

OUTCOMES = ("converged", "collapsed", "stuck", "other")
"""Batch outcome labels; index = outcome code. ``stuck`` (the generator's gradient has
vanished away from the data: the discriminator collapsed) needs the final discriminator; without
it those runs count as ``other`` (oscillating or still moving)."""

GRAD_TOL = 1e-3
"""‖∇_mu L‖ below which a run that is neither converged nor collapsed is ``stuck``."""

STATUSES = ("converged", "collapsed", "oscillating", "stuck", "moving")
"""Single-run status badges, see :func:`run_status`."""

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# Roots of g* - g_mu farther than this from every mean are irrelevant: the densities there are
# below phi(12) ~ 5e-32, so the positive set is searched on [min mean - 12, max mean + 12] only.
_WINDOW = 12.0
# Signs of the four mixture components of h = g* - g_mu (two target, two generator components).
_H_SIGNS = np.array([1.0, 1.0, -1.0, -1.0])
_ELL_SIGNS = np.array([-1.0, 1.0, -1.0, 1.0])
# Batch experiments report progress every _TICK generator steps.
_TICK = 50


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GMMParam:
    """One setting of the GMM-GAN lab: the single place its range, default and help are written.

    The :class:`GMMSettings` field defaults, its validation, the CLI flags of ``gmm-run`` /
    ``gmm-batch`` and the mode-collapse page's widgets and URL specs derive from it. ``lo``/``hi``
    is the range the core accepts (for a pair: each component); ``lo_open`` excludes ``lo``
    itself. ``ui_lo``, when given, is the smallest value the app's controls offer.
    ``choices`` lists the values of a categorical setting (then there is no range).
    """

    name: str  # the GMMSettings field
    label: str  # words for the UI
    default: Any
    lo: float = -math.inf
    hi: float = math.inf
    integer: bool = False
    lo_open: bool = False
    pair: bool = False
    choices: tuple[Any, ...] = ()
    help: str = ""
    ui_lo: float | None = None

    @property
    def flag(self) -> str:
        """The CLI flag: ``--eta-gen``."""
        return "--" + self.name.replace("_", "-")

    @property
    def ui_range(self) -> tuple[float, float]:
        """The range the app's controls offer (the core's range unless narrowed)."""
        return (self.lo if self.ui_lo is None else self.ui_lo, self.hi)

    def check(self, value: Any) -> None:
        """Raise ``ValueError`` naming the setting and its range if ``value`` is not valid."""
        if self.choices:
            if value not in self.choices:
                raise ValueError(f"{self.name} must be one of {self.choices}, got {value!r}")
            return
        values = tuple(value) if self.pair and isinstance(value, tuple | list) else (value,)
        if self.pair and len(values) != 2:
            raise ValueError(f"{self.name} must be a pair of numbers, got {value!r}")
        left = "(" if self.lo_open else "["
        for v in values:
            ok = isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
            ok = ok and math.isfinite(v) and self.lo <= v <= self.hi
            ok = ok and not (self.lo_open and v == self.lo)
            if self.integer:
                ok = ok and isinstance(v, int | np.integer) and not isinstance(v, bool)
            if not ok:
                raise ValueError(
                    f"{self.name} must be in {left}{self.lo:g}, {self.hi:g}], got {value!r}"
                )


#: Every setting of the GMM-GAN lab, declared once (see :class:`GMMParam`).
GMM_PARAMS: Mapping[str, GMMParam] = MappingProxyType(
    {
        p.name: p
        for p in (
            GMMParam(
                "dynamics",
                "dynamics",
                "optimal",
                choices=("optimal", "first-order"),
                help="optimal discriminator each step, or k projected gradient steps",
            ),
            GMMParam(
                "k",
                "discriminator steps k",
                1,
                1,
                100,
                integer=True,
                help="First-order: projected gradient-ascent steps on ℓ before each generator "
                "step. Fixed to 1 with simultaneous updates.",
            ),
            GMMParam(
                "simultaneous",
                "simultaneous updates",
                False,
                choices=(False, True),
                help="First-order: both players step from the same old state, instead of k "
                "discriminator steps followed by one generator step.",
            ),
            GMMParam(
                "eta_gen",
                "generator rate",
                0.1,
                0.0,
                5.0,
                lo_open=True,
                ui_lo=0.001,
                help="Step size of the generator's gradient descent on μ (both dynamics; "
                "log-spaced).",
            ),
            GMMParam(
                "eta_disc",
                "discriminator rate",
                0.1,
                0.0,
                5.0,
                lo_open=True,
                ui_lo=0.001,
                help="Step size of the first-order discriminator's gradient ascent on the "
                "interval ends ℓ. The optimal discriminator has none: it jumps to the best "
                "intervals.",
            ),
            GMMParam(
                "steps",
                "generator steps",
                1500,
                1,
                10_000,
                integer=True,
                help="Training length of every batch run.",
            ),
            GMMParam(
                "runs",
                "runs per configuration",
                1000,
                1,
                20_000,
                integer=True,
                help="Each configuration trains from the same seeded random starts.",
            ),
            GMMParam(
                "seed",
                "random seed",
                0,
                0,
                2**32 - 1,
                integer=True,
                help="Seeds the random starting intervals and the batch's random starts: the "
                "same seed gives the same numbers.",
            ),
            # modes 4 apart: the data density clearly has two bumps (an equal mixture of unit
            # Gaussians is bimodal only when its means are more than 2 apart)
            GMMParam(
                "target",
                "true means μ*",
                (-2.0, 2.0),
                -5.0,
                5.0,
                pair=True,
                help="Means of the data G* = ½N(μ*₁, 1) + ½N(μ*₂, 1). Equal means make G* a "
                "single Gaussian.",
            ),
            GMMParam(
                "mu_range",
                "start means",
                (-2.0, 2.0),
                -5.0,
                5.0,
                pair=True,
                help="Batch: starting means are uniform in [from, to]².",
            ),
            GMMParam(
                "ell_range",
                "start ends",
                (-3.0, 3.0),
                -10.0,
                10.0,
                pair=True,
                help="First-order starts: four sorted uniform draws in [from, to].",
            ),
            GMMParam(
                "tol",
                "convergence tolerance",
                0.1,
                0.0,
                2.0,
                lo_open=True,
                ui_lo=0.001,
                help="Converged: every mean within this of the data's (in some order).",
            ),
            GMMParam(
                "collapse",
                "collapse threshold",
                0.5,
                0.0,
                5.0,
                help="Collapsed: not converged, and |μ₁ − μ₂| below this (both modes in one "
                "place).",
            ),
        )
    }
)
_P = GMM_PARAMS

MAX_RUN_STEPS = 30_000_000
"""Batch work limit: runs × steps (1000 × 1500 optimal-dynamics run-steps take about 3 s)."""
MAX_DISC_STEPS = 100_000_000
"""Batch work limit, first-order: runs × steps × k (1000 × 1500 × 25 take about 4 s)."""


@dataclass(frozen=True)
class GMMSettings:
    """Every setting of the GMM-GAN lab with its default, declared in :data:`GMM_PARAMS`.

    The one argument of the batch functions (:func:`batch_experiment`, :func:`outcome_grid`,
    :func:`separation_map`) and of the page's cached calls: frozen and hashable, so caches are
    keyed on it. ``RANGES`` maps a field to ``(lo, hi)``; for pairs (``target``, ``mu_range``,
    ``ell_range``) the range applies to each component; learning rates and ``tol`` exclude
    ``lo`` itself. Numbers are normalised to plain ``int``/``float`` (so that equal settings
    have equal hashes whatever numeric type they were given as).
    """

    dynamics: Dynamics = _P["dynamics"].default
    k: int = _P["k"].default
    simultaneous: bool = _P["simultaneous"].default
    eta_gen: float = _P["eta_gen"].default
    eta_disc: float = _P["eta_disc"].default
    steps: int = _P["steps"].default
    runs: int = _P["runs"].default
    seed: int = _P["seed"].default
    target: tuple[float, float] = _P["target"].default
    mu_range: tuple[float, float] = _P["mu_range"].default
    ell_range: tuple[float, float] = _P["ell_range"].default
    tol: float = _P["tol"].default
    collapse: float = _P["collapse"].default

    RANGES: ClassVar[Mapping[str, tuple[float, float]]] = MappingProxyType(
        {p.name: (p.lo, p.hi) for p in _P.values() if not p.choices}
    )
    OPEN_LOW: ClassVar[frozenset[str]] = frozenset(p.name for p in _P.values() if p.lo_open)
    INTEGERS: ClassVar[frozenset[str]] = frozenset(p.name for p in _P.values() if p.integer)
    CHOICES: ClassVar[Mapping[str, tuple[Any, ...]]] = MappingProxyType(
        {p.name: p.choices for p in _P.values() if p.choices}
    )

    def __post_init__(self) -> None:
        for p in _P.values():
            value = getattr(self, p.name)
            p.check(value)
            if p.pair:
                object.__setattr__(self, p.name, (float(value[0]), float(value[1])))
            elif p.integer:
                object.__setattr__(self, p.name, int(value))
            elif isinstance(p.default, bool):
                object.__setattr__(self, p.name, bool(value))
            elif not p.choices:
                object.__setattr__(self, p.name, float(value))
        for name in ("mu_range", "ell_range"):
            lo, hi = getattr(self, name)
            if not lo < hi:
                raise ValueError(f"{name} must satisfy low < high, got {(lo, hi)!r}")
        if self.simultaneous and self.k != 1:
            raise ValueError("simultaneous updates are defined for k = 1 only")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (tuples become lists)."""
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}


# --------------------------------------------------------------------------------------------
# Densities
# --------------------------------------------------------------------------------------------


def _phi(x: ArrayLike) -> FloatArray:
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore"):  # x*x overflows only where the density is 0 anyway
        return np.exp(-0.5 * x * x) * _INV_SQRT_2PI


def _mixture(x: ArrayLike, means: ArrayLike) -> FloatArray:
    """Density of ½N(m_1, 1) + ½N(m_2, 1); batched means ``(..., 2)`` act on ``x[..., :]``."""
    x = np.asarray(x, dtype=float)
    means = np.asarray(means, dtype=float)
    if means.ndim == 1:
        return 0.5 * (_phi(x - means[0]) + _phi(x - means[1]))
    return 0.5 * (_phi(x - means[..., 0, None]) + _phi(x - means[..., 1, None]))


def g_star(x: ArrayLike, target: ArrayLike) -> FloatArray:
    """Density of the true distribution G* at ``x``.

    With a batched ``target`` of shape ``(B, 2)``, ``x`` must broadcast against ``(B, N)``.
    """
    return _mixture(x, target)


def g_mu(x: ArrayLike, mu: ArrayLike) -> FloatArray:
    """Density of the generator G_mu at ``x`` (same broadcasting as :func:`g_star`)."""
    return _mixture(x, mu)


def data_modes(target: ArrayLike) -> int:
    """Number of modes (local maxima) of ``G* = ½N(mu*_1, 1) + ½N(mu*_2, 1)``: 2 when the means
    are more than 2 apart, else 1 (the classical condition for an equal mixture of two
    unit-variance Gaussians: the density's second derivative at the midpoint is
    proportional to ``(d/2)² - 1`` for ``d = |mu*_2 - mu*_1|``)."""
    t = np.asarray(target, dtype=float)
    return 2 if abs(float(t[1] - t[0])) > 2.0 else 1


def density_difference(x: ArrayLike, mu: ArrayLike, target: ArrayLike) -> FloatArray:
    """``h(x) = g*(x) - g_mu(x)``; its positive set is the optimal discriminator."""
    return g_star(x, target) - g_mu(x, mu)


# --------------------------------------------------------------------------------------------
# Optimal discriminator
# --------------------------------------------------------------------------------------------


def _batch(mu: ArrayLike, target: ArrayLike) -> tuple[FloatArray, FloatArray, bool]:
    """Return ``mu`` and ``target`` as ``(B, 2)`` arrays and whether the input was unbatched."""
    mu_a = np.asarray(mu, dtype=float)
    tg_a = np.asarray(target, dtype=float)
    single = mu_a.ndim == 1 and tg_a.ndim == 1
    mu2 = np.atleast_2d(mu_a)
    tg2 = np.atleast_2d(tg_a)
    shape = np.broadcast_shapes(mu2.shape, tg2.shape)
    if len(shape) != 2 or shape[1] != 2:
        raise ValueError(f"mu and target must have shape (2,) or (B, 2), got {mu_a.shape}")
    return np.broadcast_to(mu2, shape), np.broadcast_to(tg2, shape), single


def _max4(t: FloatArray) -> FloatArray:
    # elementwise over the last axis (length 4): much faster than a small-axis reduction
    return np.maximum(np.maximum(t[..., 0], t[..., 1]), np.maximum(t[..., 2], t[..., 3]))


def _sum4(t: FloatArray) -> FloatArray:
    return (t[..., 0] + t[..., 1]) + (t[..., 2] + t[..., 3])


def _terms(
    x: FloatArray, c: FloatArray, logw: FloatArray, sign: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Scaled ``Σ_j sign_j exp(logw_j - (x - c_j)²/2)`` and the log of its positive scale.

    ``x`` is ``(B, P)``; ``c``, ``logw``, ``sign`` are ``(B, 4)``. The largest exponent is factored
    out (log-sum-exp) so that the *sign* is right even where every term would underflow.
    """
    t = logw[:, None, :] - 0.5 * (x[..., None] - c[:, None, :]) ** 2
    m = _max4(t)
    m = np.where(np.isfinite(m), m, 0.0)  # all coefficients zero: the sum is exactly 0
    return _sum4(sign[:, None, :] * np.exp(t - m[..., None])), m


def _newton_terms(
    x: FloatArray,
    c: FloatArray,
    num: tuple[FloatArray, FloatArray],
    den: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Two exponential sums at points ``x (n,)`` with rows ``c (n, 4)``, on a common scale.

    Returns ``f`` (``num``), ``df`` (``den``, proportional to the derivative of the monotone
    function whose root is sought, so ``f/df`` is its Newton step) and ``Σ|terms of f|``, the
    scale of the rounding noise in ``f``.
    """
    q = -0.5 * (x[:, None] - c) ** 2
    tn = num[0] + q
    td = den[0] + q
    m = np.maximum(_max4(tn), _max4(td))
    m = np.where(np.isfinite(m), m, 0.0)[:, None]
    en = np.exp(tn - m)
    return _sum4(num[1] * en), _sum4(den[1] * np.exp(td - m)), _sum4(en)


def _root_on_monotone_pieces(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    num: tuple[FloatArray, FloatArray],
    den: tuple[FloatArray, FloatArray],
    guess: FloatArray | None = None,
    xtol: float = 1e-10,
    max_iter: int = 100,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Root of ``num`` on each piece ``[a, b]`` (``(B, P)``) where it is monotone and changes sign.

    Safeguarded Newton with bisection fallback (Numerical Recipes' ``rtsafe`` rule), iterating
    only on the unfinished pieces, from ``guess`` where it lies inside the piece (warm start) or
    else from the midpoint. A piece stops once a Newton step is below ``xtol`` (quadratic
    convergence makes the error far smaller), its bracket is narrower than ``xtol`` or ``|f|`` is
    at the rounding-noise level of its terms. Each piece's iterates depend on that piece alone,
    so batch results do not depend on how a batch is chunked.
    Returns the roots and a mask of the pieces that had a sign change.
    """
    shape = a.shape
    fa = np.sign(_terms(a, c, *num)[0])
    fb = np.sign(_terms(b, c, *num)[0])
    has = fa * fb < 0
    rows = np.broadcast_to(np.arange(shape[0])[:, None], shape).ravel()
    neg_end = np.where(fa < 0, a, b).ravel()  # end where num < 0
    pos_end = np.where(fa < 0, b, a).ravel()  # end where num > 0
    x = 0.5 * (a + b)
    if guess is not None:
        x = np.where((guess > a) & (guess < b), guess, x)
    x = x.ravel()
    dx = np.abs(b - a).ravel()
    dx_old = dx.copy()
    active = np.flatnonzero(has.ravel())
    for _ in range(max_iter):
        if active.size == 0:
            break
        r = rows[active]
        xa = x[active]
        f, df, scale = _newton_terms(xa, c[r], (num[0][r], num[1][r]), (den[0][r], den[1][r]))
        xn = np.where(f < 0, xa, neg_end[active])
        xp = np.where(f > 0, xa, pos_end[active])
        neg_end[active] = xn
        pos_end[active] = xp
        lo, hi = np.minimum(xn, xp), np.maximum(xn, xp)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = xa - f / df
        use_newton = (
            np.isfinite(newton)
            & (newton > lo)
            & (newton < hi)
            & (np.abs(2.0 * f) <= np.abs(dx_old[active] * df))
        )
        x_new = np.where(use_newton, newton, 0.5 * (lo + hi))
        step = np.abs(x_new - xa)
        noise = np.abs(f) <= 1e-14 * scale
        x[active] = np.where(noise, xa, x_new)
        dx_old[active] = dx[active]
        dx[active] = step
        finished = noise | (use_newton & (step <= xtol)) | (hi - lo <= 2.0 * xtol)
        active = active[~finished]
    return x.reshape(shape), has


def _cancel_equal_components(c: FloatArray, w: FloatArray) -> None:
    """Zero the weights of target/generator components with identical means (in place).

    Summing ``+e - e`` in floating point need not give exactly 0 once other terms are added,
    which would create sign noise (spurious intervals) when ``mu = mu*`` or the mirror.
    Columns: 0, 1 target means; 2, 3 generator means.
    """
    for g in (2, 3):
        for t in (0, 1):
            hit = (c[:, g] == c[:, t]) & (w[:, g] != 0) & (w[:, t] != 0)
            w[hit, g] = 0.0
            w[hit, t] = 0.0


def optimal_intervals(mu: ArrayLike, target: ArrayLike) -> FloatArray:
    """Optimal discriminator: the positive set of ``h = g* - g_mu`` as a 4-vector ``ell``.

    ``h(x) = 0`` is equivalent to ``f(x) = Σ_j s_j exp(c_j x - c_j²/2) = 0`` with the four means
    ``c_j`` sorted, a sum of four exponentials. By Rolle's theorem applied to
    ``e^{-c_1 x} f`` and ``e^{-c_2 x} (e^{-c_1 x} f)'`` (a chain that ends in a two-term sum whose
    root is explicit), ``f`` has at most 3 roots, each isolated in a piece where it is monotone;
    each is found by safeguarded Newton/bisection. The sign of ``h`` on each segment between
    roots then gives the positive set. Tangential roots and ``h ≡ 0`` (``mu = mu*``, the mirror
    ``(mu*_2, mu*_1)``) need no special case: touching points merge with their neighbours and an
    identically zero ``h`` gives the empty set.

    Parameters
    ----------
    mu, target
        Generator and target means, ``(2,)`` or ``(B, 2)``.

    Returns
    -------
    ndarray
        ``(4,)`` or ``(B, 4)``, ordered. Unbounded ends are the finite sentinels
        ``±(max|means| + SENTINEL_MARGIN)``; unused intervals are degenerate (see module doc).
    """
    mu_b, tg_b, single = _batch(mu, target)
    ell, _ = _optimal_intervals(mu_b, tg_b)
    return ell[0] if single else ell


def _guess_for_pieces(a: FloatArray, b: FloatArray, previous: FloatArray | None) -> FloatArray:
    """For each piece ``[a, b]`` a previous root lying strictly inside it, else NaN."""
    if previous is None:
        return np.full(a.shape, np.nan)
    inside = (previous[:, None, :] > a[..., None]) & (previous[:, None, :] < b[..., None])
    pick = np.take_along_axis(previous[:, None, :], np.argmax(inside, axis=-1)[..., None], -1)
    return np.where(inside.any(axis=-1), pick[..., 0], np.nan)


def _optimal_intervals(
    mu_b: FloatArray,
    tg_b: FloatArray,
    warm: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[FloatArray, tuple[FloatArray, FloatArray]]:
    """Batched core of :func:`optimal_intervals`.

    ``warm`` holds the roots (NaN = none) of the Rolle chain returned by the previous call; in
    the dynamics the means move little per step, so they cut the Newton iterations roughly in
    half. Returns ``ell (B, 4)`` and the roots for the next call.
    """
    n = mu_b.shape[0]
    c = np.concatenate([tg_b, mu_b], axis=1)
    w = np.broadcast_to(_H_SIGNS, c.shape).copy()
    _cancel_equal_components(c, w)
    order = np.argsort(c, axis=1, kind="stable")
    c = np.take_along_axis(c, order, axis=1)
    w = np.take_along_axis(w, order, axis=1)
    lo = c[:, 0] - _WINDOW
    hi = c[:, 3] + _WINDOW

    # Coefficients of the Rolle chain, stored as (log|coef|, sign) so that zero coefficients
    # (equal means) become -inf and drop out of the log-sum-exp evaluation.
    d1 = c - c[:, :1]
    d2 = c - c[:, 1:2]
    with np.errstate(divide="ignore"):
        f0 = (np.log(np.abs(w)), np.sign(w))
        f1 = (f0[0] + np.log(np.abs(d1)), f0[1] * np.sign(d1))
        f2 = (f1[0] + np.log(np.abs(d2)), f1[1] * np.sign(d2))

    # f2 has only the terms j = 3, 4: its single possible root is explicit.
    valid = (f2[1][:, 2] * f2[1][:, 3] < 0) & (c[:, 3] > c[:, 2])
    gap = np.where(valid, c[:, 3] - c[:, 2], 1.0)
    dlog = np.where(valid, f2[0][:, 2], 0.0) - np.where(valid, f2[0][:, 3], 0.0)
    x2 = np.where(valid, 0.5 * (c[:, 2] + c[:, 3]) + dlog / gap, lo)
    x2 = np.clip(x2, lo, hi)

    # Roots of f1 (at most 2), one per monotone piece of e^{-c_2 x} f1.
    a = np.stack([lo, x2], axis=1)
    b = np.stack([x2, hi], axis=1)
    # Breakpoints only separate the roots of f0, so they need far less accuracy.
    guess = _guess_for_pieces(a, b, None if warm is None else warm[0])
    r1, has1 = _root_on_monotone_pieces(a, b, c, f1, f2, guess, xtol=1e-7)
    brk = np.sort(np.where(has1, r1, lo[:, None]), axis=1)

    # Roots of f0 = h (at most 3), one per monotone piece of e^{-c_1 x} f0.
    edges = np.concatenate([lo[:, None], brk, hi[:, None]], axis=1)
    guess = _guess_for_pieces(edges[:, :-1], edges[:, 1:], None if warm is None else warm[1])
    r0, has0 = _root_on_monotone_pieces(edges[:, :-1], edges[:, 1:], c, f0, f1, guess)
    roots = np.sort(np.where(has0, r0, lo[:, None]), axis=1)

    # Sign of h on each of the 4 segments between lo, the roots and hi.
    pts = np.concatenate([lo[:, None], roots, hi[:, None]], axis=1)
    mid = 0.5 * (pts[:, :-1] + pts[:, 1:])
    pos = _terms(mid, c, *f0)[0] > 0
    length = pts[:, 1:] - pts[:, :-1]
    # Zero-length segments (missing roots or double roots) carry no mass; give them the sign of
    # the segment on their left so they never split an interval in two.
    for i in range(4):
        prev = pos[:, i - 1] if i > 0 else np.zeros(n, dtype=bool)
        pos[:, i] = np.where(length[:, i] > 0, pos[:, i], prev)

    radius = np.max(np.abs(c), axis=1) + SENTINEL_MARGIN
    ends = np.where(pts <= lo[:, None], -radius[:, None], pts)
    ends = np.where(pts >= hi[:, None], radius[:, None], ends)
    before = np.concatenate([np.zeros((n, 1), bool), pos], axis=1)
    after = np.concatenate([pos, np.zeros((n, 1), bool)], axis=1)
    left = np.sort(np.where(after & ~before, ends, np.inf), axis=1)[:, :2]
    right = np.sort(np.where(before & ~after, ends, np.inf), axis=1)[:, :2]
    runs = np.isfinite(left).sum(axis=1)

    centre = 0.5 * (tg_b[:, 0] + tg_b[:, 1])
    ell = np.empty((n, 4))
    ell[:, 0] = np.where(runs >= 1, left[:, 0], centre)
    ell[:, 1] = np.where(runs >= 1, right[:, 0], centre)
    ell[:, 2] = np.where(runs >= 2, left[:, 1], ell[:, 1])
    ell[:, 3] = np.where(runs >= 2, right[:, 1], ell[:, 1])
    return ell, (np.where(has1, r1, np.nan), np.where(has0, r0, np.nan))


# --------------------------------------------------------------------------------------------
# Objective, TV and gradients
# --------------------------------------------------------------------------------------------


def _interval_mass(left: FloatArray, right: FloatArray, m: FloatArray) -> FloatArray:
    """``Φ(right - m) - Φ(left - m)`` without cancellation in the upper tail."""
    from scipy.special import ndtr  # here: importing SciPy costs more than a default batch

    upper = left - m > 0
    return np.where(upper, ndtr(m - left) - ndtr(m - right), ndtr(right - m) - ndtr(left - m))


def _mass(ell: FloatArray, means: FloatArray) -> FloatArray:
    """Probability that ½N(m_1,1) + ½N(m_2,1) gives to ``[ell_1, ell_2] ∪ [ell_3, ell_4]``."""
    total = np.zeros(np.broadcast_shapes(ell.shape[:-1], means.shape[:-1]))
    for i in (0, 1):
        m = means[..., i]
        total = total + 0.5 * (
            _interval_mass(ell[..., 0], ell[..., 1], m)
            + _interval_mass(ell[..., 2], ell[..., 3], m)
        )
    return total


def interval_mass(ell: ArrayLike, means: ArrayLike) -> FloatArray:
    """Probability that ½N(m_1, 1) + ½N(m_2, 1) gives to ``[ell_1, ell_2] ∪ [ell_3, ell_4]``."""
    return _mass(np.asarray(ell, dtype=float), np.asarray(means, dtype=float))


def objective(mu: ArrayLike, ell: ArrayLike, target: ArrayLike) -> FloatArray:
    """``L(mu, ell) = E_{G*}[D_ell] + E_{G_mu}[1 - D_ell]`` in closed form (normal CDFs)."""
    mu_a = np.asarray(mu, dtype=float)
    ell_a = np.asarray(ell, dtype=float)
    tg_a = np.asarray(target, dtype=float)
    return 1.0 + _mass(ell_a, tg_a) - _mass(ell_a, mu_a)


def tv_distance(mu: ArrayLike, target: ArrayLike) -> FloatArray:
    """Exact total variation ``TV(G_mu, G*) = ∫_{h>0} h`` via :func:`optimal_intervals`."""
    ell = optimal_intervals(mu, target)
    tv = objective(mu, ell, target) - 1.0
    return np.clip(tv, 0.0, 1.0)


def grad_mu(mu: ArrayLike, ell: ArrayLike, target: ArrayLike | None = None) -> FloatArray:
    """``∂L/∂mu_i = ½ Σ_intervals [φ(right - mu_i) - φ(left - mu_i)]``; shape of ``mu``.

    ``target`` is accepted for a uniform signature; the gradient does not depend on it.
    """
    mu_a = np.asarray(mu, dtype=float)
    ell_a = np.asarray(ell, dtype=float)
    d = ell_a[..., None, :] - mu_a[..., :, None]  # (..., 2 means, 4 ends)
    p = _phi(d)
    return 0.5 * (p[..., 1] - p[..., 0] + p[..., 3] - p[..., 2])


def grad_ell(mu: ArrayLike, ell: ArrayLike, target: ArrayLike) -> FloatArray:
    """``∂L/∂ell = (-h(ell_1), h(ell_2), -h(ell_3), h(ell_4))``; shape of ``ell``."""
    ell_a = np.asarray(ell, dtype=float)
    mu_a = np.asarray(mu, dtype=float)
    tg_a = np.asarray(target, dtype=float)
    h = _mixture(ell_a, tg_a) - _mixture(ell_a, mu_a)
    return h * _ELL_SIGNS


def _grad_ell_fast(ell: FloatArray, means: FloatArray) -> FloatArray:
    """:func:`grad_ell` for ``ell (B, 4)`` and ``means = [target, mu] (B, 4)``: one fused exp.

    The discriminator loop calls this ``k`` times per generator step, so it avoids the
    per-call overhead of the general version; ``ell`` is finite (bounded steps), so no
    overflow guard is needed.
    """
    d = ell[:, :, None] - means[:, None, :]
    e = np.exp(-0.5 * d * d)
    # explicit sum: a reduction over a length-4 axis costs more than the exp itself
    h = (0.5 * _INV_SQRT_2PI) * ((e[..., 0] + e[..., 1]) - (e[..., 2] + e[..., 3]))
    return h * _ELL_SIGNS


def _isotonic4(
    y0: FloatArray, y1: FloatArray, y2: FloatArray, y3: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Isotonic regression of 4 ends given as 4 arrays (the formula of :func:`project_ordered`)."""
    # block means M_jk = mean(y_j..y_k); then out_i = max_{j<=i} min_{k>=i} M_jk, written
    # out for 4 ends because elementwise ops beat small-axis reductions by far here
    s01, s12, s23 = y0 + y1, y1 + y2, y2 + y3
    s012, s123 = s01 + y2, s12 + y3
    m01, m12, m23 = s01 / 2.0, s12 / 2.0, s23 / 2.0
    m02, m13, m03 = s012 / 3.0, s123 / 3.0, (s012 + y3) / 4.0
    r02 = np.minimum(m02, m03)  # r_ji = min_{k>=i} M_jk
    r01 = np.minimum(m01, r02)
    r12 = np.minimum(m12, m13)
    return (
        np.minimum(y0, r01),
        np.maximum(r01, np.minimum(y1, r12)),
        np.maximum(np.maximum(r02, r12), np.minimum(y2, m23)),
        np.maximum(np.maximum(m03, m13), np.maximum(m23, y3)),
    )


def project_ordered(ell: ArrayLike, method: Projection = "isotonic") -> FloatArray:
    """Project interval ends onto ``ell_1 ≤ ell_2 ≤ ell_3 ≤ ell_4``.

    ``'isotonic'`` (default) is the Euclidean projection onto this closed convex cone (isotonic
    regression, computed with the exact min-max formula ``max_{j≤i} min_{k≥i} mean(ell_j..k)``),
    so the discriminator update is true projected gradient ascent. When two ends cross they are
    pooled to their average: an interval pushed inside out *empties* (ell_1 = ell_2) and two
    intervals pushed into each other *merge* (ell_2 = ell_3), the paper's discriminator collapse.
    A pooled pair whose gradients point at each other stays pooled (its average does not move).
    ``'sort'`` only relabels the ends: it is not a projection, and it turns an inside-out (empty)
    interval into a non-empty one, changing ``D`` by a jump.
    Rows that are already ordered are returned bit-for-bit unchanged.
    """
    ell_a = np.asarray(ell, dtype=float)
    flat = ell_a.reshape(-1, 4)
    bad = (flat[:, 1] < flat[:, 0]) | (flat[:, 2] < flat[:, 1]) | (flat[:, 3] < flat[:, 2])
    if not bad.any():
        return ell_a.copy()
    if method == "sort":
        out = np.sort(flat, axis=1)
    elif method == "isotonic":
        out = flat.copy()
        out[bad] = np.stack(_isotonic4(*flat[bad].T), axis=1)
    else:
        raise ValueError(f"projection must be 'isotonic' or 'sort', got {method!r}")
    return out.reshape(ell_a.shape)


# --------------------------------------------------------------------------------------------
# Dynamics
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GMMRun:
    """Paths of a batch of runs; index ``t`` is the state *before* generator step ``t``.

    ``mu (T+1, B, 2)``, ``ell (T+1, B, 4)``, ``tv``, ``objective`` (L), ``suboptimality``
    ((1 + TV) - L, the discriminator's shortfall), ``gap`` (|mu_1 - mu_2|) and ``grad_norm``
    (‖∇_mu L(mu_t, ell_t)‖) are ``(T+1, B)``. For optimal dynamics ``ell_t`` is the optimal
    discriminator at ``mu_t`` (and ``k = 0``, ``eta_disc = 0``); for first-order dynamics it is
    the discriminator's state at the start of round ``t`` (its k ascent steps come next).
    """

    mu: FloatArray
    ell: FloatArray
    tv: FloatArray
    objective: FloatArray
    suboptimality: FloatArray
    gap: FloatArray
    grad_norm: FloatArray
    target: tuple[float, float]
    dynamics: Dynamics
    eta_gen: float
    eta_disc: float
    k: int
    simultaneous: bool


def _record(
    mu: FloatArray, ell: FloatArray, ell_opt: FloatArray, target: FloatArray
) -> dict[str, FloatArray]:
    """One frame of a path; ``ell_opt`` is the optimal discriminator at ``mu`` (gives TV)."""
    tv = np.clip(objective(mu, ell_opt, target) - 1.0, 0.0, 1.0)
    obj = objective(mu, ell, target)
    return {
        "mu": mu.copy(),
        "ell": ell.copy(),
        "tv": tv,
        "objective": obj,
        # clip: rounding can make an optimal discriminator look 1e-17 better than optimal
        "suboptimality": np.maximum(1.0 + tv - obj, 0.0),
        "gap": np.abs(mu[:, 0] - mu[:, 1]),
        "grad_norm": np.linalg.norm(grad_mu(mu, ell), axis=1),
    }


def _stack(frames: list[dict[str, FloatArray]]) -> dict[str, FloatArray]:
    return {key: np.stack([f[key] for f in frames]) for key in frames[0]}


def _check_start(mu0: ArrayLike, target: ArrayLike) -> tuple[FloatArray, FloatArray]:
    mu = np.atleast_2d(np.asarray(mu0, dtype=float)).copy()
    tg = np.asarray(target, dtype=float)
    if mu.ndim != 2 or mu.shape[1] != 2 or tg.shape != (2,):
        raise ValueError("mu0 must be (2,) or (B, 2) and target (2,)")
    if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(tg))):
        raise ValueError("mu0 and target must be finite")
    return mu, tg


def _optimal_loop(
    mu: FloatArray,
    target: FloatArray,
    eta: float,
    steps: int,
    record: bool,
    tick: Callable[[int], None] | None = None,
) -> tuple[FloatArray, list[dict[str, FloatArray]]]:
    frames: list[dict[str, FloatArray]] = []
    tg_b = np.broadcast_to(target, mu.shape)
    warm = None
    for t in range(steps + 1):
        if tick is not None and t % _TICK == 0:
            tick(t)
        ell, warm = _optimal_intervals(mu, tg_b, warm)
        if record:
            frames.append(_record(mu, ell, ell, target))
        if t < steps:
            mu = mu - eta * grad_mu(mu, ell)
    return mu, frames


def run_optimal(mu0: ArrayLike, target: ArrayLike, eta: float, steps: int) -> GMMRun:
    """Optimal-discriminator dynamics: ``ell <- argmax L(mu, .)``, then ``mu <- mu - eta ∇_mu L``.

    By the envelope theorem this is gradient descent on TV(G_mu, G*). ``mu0`` is ``(2,)`` or
    ``(B, 2)``; the result always has a batch axis.
    """
    mu, tg = _check_start(mu0, target)
    _, frames = _optimal_loop(mu, tg, float(eta), int(steps), record=True)
    return GMMRun(
        **_stack(frames),
        target=(float(tg[0]), float(tg[1])),
        dynamics="optimal",
        eta_gen=float(eta),
        eta_disc=0.0,
        k=0,
        simultaneous=False,
    )


def _first_order_loop(
    mu: FloatArray,
    ell: FloatArray,
    target: FloatArray,
    eta_gen: float,
    eta_disc: float,
    steps: int,
    k: int,
    simultaneous: bool,
    projection: Projection,
    record: bool,
    tick: Callable[[int], None] | None = None,
) -> tuple[FloatArray, FloatArray, list[dict[str, FloatArray]]]:
    frames: list[dict[str, FloatArray]] = []
    tg_b = np.broadcast_to(target, mu.shape)
    warm = None
    for t in range(steps + 1):
        if tick is not None and t % _TICK == 0:
            tick(t)
        if record:
            ell_opt, warm = _optimal_intervals(mu, tg_b, warm)
            frames.append(_record(mu, ell, ell_opt, target))
        if t == steps:
            break
        means = np.concatenate([np.broadcast_to(target, mu.shape), mu], axis=1)
        if simultaneous:
            g_ell = _grad_ell_fast(ell, means)
            g_mu = grad_mu(mu, ell)
            ell = project_ordered(ell + eta_disc * g_ell, projection)
            mu = mu - eta_gen * g_mu
        else:
            for _ in range(k):
                ell = project_ordered(ell + eta_disc * _grad_ell_fast(ell, means), projection)
            mu = mu - eta_gen * grad_mu(mu, ell)
    return mu, ell, frames


def _check_first_order(ell0: ArrayLike, n: int, k: int, simultaneous: bool) -> FloatArray:
    ell = np.asarray(ell0, dtype=float)
    ell = np.broadcast_to(np.atleast_2d(ell), (n, 4)).copy()
    if not np.all(np.isfinite(ell)):
        raise ValueError("ell0 must be finite")
    if np.any(np.diff(ell, axis=1) < 0):
        raise ValueError("ell0 must be ordered: ell_1 <= ell_2 <= ell_3 <= ell_4")
    if k < 1:
        raise ValueError("k must be >= 1")
    if simultaneous and k != 1:
        raise ValueError("simultaneous updates are defined for k = 1 only")
    return ell


class Cancelled(Exception):
    """A batch computation was stopped by its ``cancel`` callback."""


def _first_order_final(
    mu: FloatArray,
    ell: FloatArray,
    target: FloatArray,
    eta_gen: float,
    eta_disc: float,
    steps: int,
    k: int,
    simultaneous: bool,
    tick: Callable[[int], None] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Final ``(mu, ell)`` of first-order dynamics (isotonic projection), nothing recorded.

    ``target`` is ``(2,)`` or one target per run, ``(B, 2)``.

    The same floating-point operations as :func:`_first_order_loop`, in the same order, so
    the results are identical bit for bit; only the layout and the memory differ, because the
    per-step cost is memory traffic and numpy call overhead, not arithmetic
    (docs/performance.md): state is component-major (``ell`` as ``(4, B)``, the means as ``(4, B)`` = target
    and ``mu``, with ``mu`` a view of its last two rows), every difference array is laid out
    so that the slices summed next are contiguous, and every step writes into buffers
    allocated once per live set (``out=``), never into fresh temporaries. Every ``_TICK``
    steps the runs whose state did not change over the last round are set aside: such a
    state is a fixed point of the (deterministic) round, so it is also the final state.
    """
    n = mu.shape[0]
    out_mu = mu.copy()
    out_ell = ell.copy()
    live = np.arange(n)
    means = np.empty((4, n))
    means[:2] = np.broadcast_to(target, (n, 2)).T  # one target, or one per run
    means[2:] = mu.T
    e = ell.T
    w = _FirstOrderWork(e, means, eta_gen, eta_disc, k, simultaneous)
    before: tuple[FloatArray, FloatArray] | None = None
    for t in range(steps + 1):
        if t % _TICK == 0 and t > 0 and before is not None and live.size:
            moved = np.any(w.m != before[0], axis=0) | np.any(w.e != before[1], axis=0)
            if not moved.all():
                keep = np.flatnonzero(moved)
                done = np.flatnonzero(~moved)
                out_mu[live[done]] = w.m[:, done].T
                out_ell[live[done]] = w.e[:, done].T
                live = live[keep]
                w = _FirstOrderWork(
                    w.e[:, keep], w.means[:, keep], eta_gen, eta_disc, k, simultaneous
                )
        if tick is not None and t % _TICK == 0:
            tick(t)
        if t == steps or live.size == 0:
            break
        if (t + 1) % _TICK == 0:
            before = (w.m.copy(), w.e.copy())
        w.round()
    out_mu[live] = w.m.T
    out_ell[live] = w.e.T
    return out_mu, out_ell


class _FirstOrderWork:
    """State and work arrays of :func:`_first_order_final` over the live runs, and
    :meth:`round`, one generator round in place.

    Everything a round touches (arrays, their views, the ufuncs) is made once per live set
    and bound as closure variables: at ~1,000 runs a numpy call's overhead is as large as its
    arithmetic, so a step creates no array and no view and looks up no attribute.
    """

    def __init__(
        self,
        e: FloatArray,
        means: FloatArray,
        eta_gen: float,
        eta_disc: float,
        k: int,
        simultaneous: bool,
    ) -> None:
        n = e.shape[1]
        self.e = e = np.ascontiguousarray(e)  # (4 ends, n)
        # target 1, target 2, mu 1, mu 2 (× n); mu is a view: updating it updates the means
        self.means = means = np.ascontiguousarray(means)
        self.m = m = means[2:]
        e_row, means_col, e_col, m_row = e[None, :, :], means[:, None, :], e[:, None, :], m[None]
        e_hi, e_lo = e[1:], e[:-1]
        d = np.empty((4, 4, n))  # d[j, i] = ell_i - mean_j
        d0, d1, d2, d3 = d
        p = np.empty((4, 2, n))  # p[i, j] = ell_i - mu_j
        p0, p1, p2, p3 = p
        de, h2, dm = np.empty((4, n)), np.empty((4, n)), np.empty((2, n))
        bad = np.empty((3, n), dtype=bool)
        bad0, bad1, bad2 = bad
        row = np.empty(n, dtype=bool)
        # (0.5/√(2π)) h·sign = ((0.5/√(2π))·sign) h exactly: the sign only flips the sign bit
        c_sign = (0.5 * _INV_SQRT_2PI) * _ELL_SIGNS[:, None]
        inv = _INV_SQRT_2PI
        sub, mul, add, exp = np.subtract, np.multiply, np.add, np.exp
        less, bor = np.less, np.bitwise_or

        def gaussians(x: FloatArray, c: FloatArray, out: FloatArray) -> None:
            """``exp(-(x - c)²/2)`` into ``out``."""
            sub(x, c, out=out)
            # -0.5·(d·d) equals (d·d)·(-0.5) bit for bit (scaling by a power of two)
            mul(out, out, out=out)
            mul(out, -0.5, out=out)
            exp(out, out=out)

        def ascent() -> FloatArray:
            """``eta_disc ∇_ell L`` into ``de``."""
            gaussians(e_row, means_col, d)
            add(d0, d1, out=de)
            add(d2, d3, out=h2)
            sub(de, h2, out=de)
            mul(c_sign, de, out=de)
            mul(de, eta_disc, out=de)
            return de

        def project() -> None:
            less(e_hi, e_lo, out=bad)
            bor(bad0, bad1, out=row)
            bor(row, bad2, out=row)
            idx = row.nonzero()[0]
            if idx.size:  # rows already ordered must stay bit for bit as they are
                sub_e = e[:, idx]
                for i, r in enumerate(_isotonic4(sub_e[0], sub_e[1], sub_e[2], sub_e[3])):
                    e[i, idx] = r

        def descent() -> FloatArray:
            """``eta_gen ∇_mu L`` into ``dm``."""
            gaussians(e_col, m_row, p)
            mul(p, inv, out=p)
            sub(p1, p0, out=dm)
            add(dm, p3, out=dm)
            sub(dm, p2, out=dm)
            mul(dm, 0.5, out=dm)
            mul(dm, eta_gen, out=dm)
            return dm

        def round_() -> None:
            if simultaneous:  # both gradients at the old state
                step_e = ascent()
                step_m = descent()
                add(e, step_e, out=e)
                project()
                sub(m, step_m, out=m)
            else:
                for _ in range(k):
                    add(e, ascent(), out=e)
                    project()
                sub(m, descent(), out=m)

        self.round = round_


def run_first_order(
    mu0: ArrayLike,
    ell0: ArrayLike,
    target: ArrayLike,
    eta_gen: float,
    eta_disc: float,
    steps: int,
    k: int = 1,
    simultaneous: bool = False,
    projection: Projection = "isotonic",
) -> GMMRun:
    """First-order dynamics: per round ``k`` projected ascent steps on ``ell``, one descent step.

    The ascent step is ``ell <- P(ell + eta_disc ∇_ell L)`` with ``P`` the isotonic (Euclidean)
    projection onto ``ell_1 ≤ ... ≤ ell_4`` by default: it makes the step genuine projected
    gradient ascent and lets intervals empty out or merge, unlike sorting, which is no
    projection and silently re-opens inside-out intervals (``projection='sort'`` is available
    for comparison; details in :func:`project_ordered`). With ``simultaneous=True`` (``k`` must
    be 1) both players step from the same old state.
    """
    mu, tg = _check_start(mu0, target)
    ell = _check_first_order(ell0, mu.shape[0], int(k), simultaneous)
    _, _, frames = _first_order_loop(
        mu, ell, tg, float(eta_gen), float(eta_disc), int(steps), int(k), simultaneous,
        projection, record=True,
    )  # fmt: skip
    return GMMRun(
        **_stack(frames),
        target=(float(tg[0]), float(tg[1])),
        dynamics="first-order",
        eta_gen=float(eta_gen),
        eta_disc=float(eta_disc),
        k=int(k),
        simultaneous=bool(simultaneous),
    )


# --------------------------------------------------------------------------------------------
# Outcomes
# --------------------------------------------------------------------------------------------


def outcome_codes(
    mu_final: ArrayLike,
    target: ArrayLike,
    tol: float = 0.1,
    collapse: float = 0.5,
    ell_final: ArrayLike | None = None,
    grad_tol: float = GRAD_TOL,
) -> NDArray[np.int_]:
    """Outcome code per run, an index into :data:`OUTCOMES` (see :func:`classify`).

    With ``ell_final`` (the discriminator the generator last stepped against), a run that is
    neither converged nor collapsed and whose ``‖∇_mu L(mu, ell)‖ < grad_tol`` is ``stuck`` (2);
    everything else is ``other`` (3).
    """
    mu = np.atleast_2d(np.asarray(mu_final, dtype=float))
    tg = np.sort(np.atleast_2d(np.asarray(target, dtype=float)), axis=1)
    err = np.max(np.abs(np.sort(mu, axis=1) - tg), axis=1)
    converged = err < tol
    collapsed = ~converged & (np.abs(mu[:, 0] - mu[:, 1]) < collapse)
    stuck = np.zeros(len(mu), dtype=bool)
    if ell_final is not None:
        ell = np.atleast_2d(np.asarray(ell_final, dtype=float))
        norm = np.linalg.norm(grad_mu(mu, ell), axis=1)
        stuck = ~converged & ~collapsed & (norm < grad_tol)
    return np.where(converged, 0, np.where(collapsed, 1, np.where(stuck, 2, 3)))


def classify(
    mu_final: ArrayLike, target: ArrayLike, tol: float = 0.1, collapse: float = 0.5
) -> str | NDArray[np.str_]:
    """``'converged'`` if ``max|sort(mu) - sort(mu*)| < tol``; else ``'collapsed'`` if
    ``|mu_1 - mu_2| < collapse``; else ``'other'``. A label for ``(2,)``, an array for ``(B, 2)``.
    (The final means alone cannot tell ``'stuck'``: see :func:`outcome_codes`.)
    """
    codes = outcome_codes(mu_final, target, tol, collapse)
    labels = np.asarray(OUTCOMES)[codes]
    return str(labels[0]) if np.ndim(mu_final) == 1 else labels


def run_status(
    result: GMMRun,
    run: int = 0,
    *,
    tol: float = 0.1,
    collapse: float = 0.5,
    grad_tol: float = 1e-3,
    window: float = 0.25,
    osc_tol: float = 0.02,
) -> str:
    """Status badge of one run, the first rule that applies:

    1. ``'converged'`` / ``'collapsed'``: as :func:`classify` on the final means;
    2. ``'oscillating'``: over the last ``window`` of the steps TV varies by more than ``osc_tol``
       (max - min) and its net decrease over the window is less than half that variation;
    3. ``'stuck'``: the final generator gradient ‖∇_mu L‖ is below ``grad_tol`` (the discriminator
       no longer gives the generator a signal) although the run has not converged;
    4. ``'moving'``: none of the above (still travelling, e.g. a slow drift).
    """
    label = classify(result.mu[-1, run], result.target, tol, collapse)
    if label != "other":
        return str(label)
    tv = result.tv[:, run]
    start = min(len(tv) - 1, math.floor((1.0 - window) * (len(tv) - 1)))
    last = tv[start:]
    variation = float(last.max() - last.min())
    if variation > osc_tol and float(last[0] - last[-1]) < 0.5 * variation:
        return "oscillating"
    if float(result.grad_norm[-1, run]) < grad_tol:
        return "stuck"
    return "moving"


# --------------------------------------------------------------------------------------------
# Batch experiments
# --------------------------------------------------------------------------------------------


def draw_starts(
    rng: np.random.Generator,
    runs: int,
    mu_range: tuple[float, float] = (-2.0, 2.0),
    ell_range: tuple[float, float] = (-3.0, 3.0),
) -> tuple[FloatArray, FloatArray]:
    """Random starts: means uniform in ``mu_range²``, then ends = 4 sorted ``Uniform(ell_range)``.

    Both are always drawn (in this order), so optimal and first-order experiments with the same
    seed start from the same means.
    """
    mu0 = rng.uniform(mu_range[0], mu_range[1], size=(runs, 2))
    ell0 = np.sort(rng.uniform(ell_range[0], ell_range[1], size=(runs, 4)), axis=1)
    return mu0, ell0


def _final_state(
    mu0: FloatArray,
    ell0: FloatArray,
    settings: GMMSettings,
    target: FloatArray,
    tick: Callable[[int], None] | None,
) -> tuple[FloatArray, FloatArray]:
    """Final means and the discriminator of the last generator step (optimal: ``ell*(mu)``)."""
    if settings.dynamics == "optimal":
        mu, _ = _optimal_loop(mu0, target, settings.eta_gen, settings.steps, False, tick)
        return mu, optimal_intervals(mu, target)
    return _first_order_final(
        mu0, ell0, target, settings.eta_gen, settings.eta_disc, settings.steps, settings.k,
        settings.simultaneous, tick,
    )  # fmt: skip


def _chunked_final_state(
    mu0: FloatArray,
    ell0: FloatArray,
    settings: GMMSettings,
    chunk: int,
    progress: Callable[[float], None] | None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[FloatArray, FloatArray]:
    target = np.asarray(settings.target, dtype=float)
    n = len(mu0)
    out = np.empty_like(mu0)
    out_ell = np.empty((n, 4))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        tick = None
        if progress is not None or cancel is not None:
            # progress within a chunk too, so that big chunks (fast: the per-step cost is mostly
            # numpy call overhead) still give a smooth progress bar; the cancel flag is checked
            # at the same points (every 50 generator steps)
            def tick(t: int, start: int = start, stop: int = stop) -> None:
                if cancel is not None and cancel():
                    raise Cancelled("batch cancelled")
                if progress is not None:
                    progress((start + (stop - start) * t / max(settings.steps, 1)) / n)

        out[start:stop], out_ell[start:stop] = _final_state(
            mu0[start:stop], ell0[start:stop], settings, target, tick
        )
    if progress is not None:
        progress(1.0)
    return out, out_ell


@dataclass(frozen=True)
class BatchResult:
    """Outcome fractions of a batch experiment (``converged + collapsed + stuck + other = 1``)."""

    converged: float
    collapsed: float
    stuck: float
    other: float
    counts: dict[str, int]
    settings: GMMSettings
    mu_final: FloatArray = field(repr=False)
    codes: NDArray[np.int_] = field(repr=False)
    ell_final: FloatArray = field(repr=False, default_factory=lambda: np.zeros((0, 4)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (without the per-run arrays)."""
        return {
            "converged": self.converged,
            "collapsed": self.collapsed,
            "stuck": self.stuck,
            "other": self.other,
            "counts": dict(self.counts),
            "settings": self.settings.to_dict(),
        }


def batch_experiment(
    settings: GMMSettings | None = None,
    *,
    progress: Callable[[float], None] | None = None,
    chunk: int = 1000,
    cancel: Callable[[], bool] | None = None,
) -> BatchResult:
    """Fractions of converged / collapsed / stuck / other runs from random starts.

    Every number comes from ``settings`` (default: ``GMMSettings()``): ``settings.runs``
    starts from :func:`draw_starts` with ``np.random.default_rng(settings.seed)``, all drawn
    before the batch is split into chunks of ``chunk`` runs, and every run evolves
    independently of the others, so the result does not depend on ``chunk`` (bit for bit).
    Chunks bound the memory; they are large by default because the per-step cost is mostly
    numpy call overhead. ``progress(fraction)`` is called every 50 generator steps of each
    chunk and with 1.0 at the end; ``cancel()`` is polled at the same points and
    :class:`Cancelled` is raised once it returns true. Outcomes are those of
    :func:`outcome_codes` with the final discriminator (four classes).
    """
    settings = GMMSettings() if settings is None else settings
    if chunk < 1:
        raise ValueError("chunk must be >= 1")
    rng = np.random.default_rng(settings.seed)
    mu0, ell0 = draw_starts(rng, settings.runs, settings.mu_range, settings.ell_range)
    mu_final, ell_final = _chunked_final_state(mu0, ell0, settings, chunk, progress, cancel)
    codes = outcome_codes(
        mu_final, settings.target, settings.tol, settings.collapse, ell_final=ell_final
    )
    counts = {name: int(np.sum(codes == i)) for i, name in enumerate(OUTCOMES)}
    n = settings.runs
    return BatchResult(
        **{name: counts[name] / n for name in OUTCOMES},
        counts=counts,
        settings=settings,
        mu_final=mu_final,
        codes=codes,
        ell_final=ell_final,
    )


@dataclass(frozen=True)
class OutcomeGrid:
    """Outcome codes over an ``n × n`` grid of starting means.

    ``codes[i, j]`` (an index into :data:`OUTCOMES`) is for the start
    ``(mu_1, mu_2) = (axis[j], axis[i])``, i.e. rows follow ``mu_2`` as in a heat map.
    """

    axis: FloatArray
    codes: NDArray[np.int_]
    mu_final: FloatArray
    settings: GMMSettings


def outcome_grid(
    settings: GMMSettings | None = None,
    n: int = 41,
    *,
    ell0: ArrayLike | Literal["random", "optimal"] = "random",
    progress: Callable[[float], None] | None = None,
    chunk: int = 1000,
    cancel: Callable[[], bool] | None = None,
) -> OutcomeGrid:
    """Outcome of the dynamics from every start on an ``n × n`` grid over ``settings.mu_range²``.

    The ``n²`` starts take the place of ``settings.runs`` (the result's settings say so). For
    first-order dynamics the discriminator starts from ``ell0``: ``'random'`` (four sorted
    ``Uniform(ell_range)`` draws per start from ``default_rng(seed)``), ``'optimal'`` (the
    optimal intervals at each start) or one fixed ordered 4-vector for all starts.
    """
    n_max = math.isqrt(int(GMMSettings.RANGES["runs"][1]))  # n² starts count as runs
    if not 2 <= n <= n_max:
        raise ValueError(f"n must be in [2, {n_max}], got {n!r}")
    settings = dataclasses.replace(GMMSettings() if settings is None else settings, runs=n * n)
    axis = np.linspace(settings.mu_range[0], settings.mu_range[1], n)
    m1, m2 = np.meshgrid(axis, axis)  # m1 varies along columns, m2 along rows
    mu0 = np.stack([m1.ravel(), m2.ravel()], axis=1)
    if isinstance(ell0, str) and ell0 == "random":
        rng = np.random.default_rng(settings.seed)
        start_ell = np.sort(rng.uniform(*settings.ell_range, size=(n * n, 4)), axis=1)
    elif isinstance(ell0, str) and ell0 == "optimal":
        start_ell = optimal_intervals(mu0, settings.target)
    elif isinstance(ell0, str):
        raise ValueError(f"ell0 must be 'random', 'optimal' or a 4-vector, got {ell0!r}")
    else:
        start_ell = _check_first_order(ell0, n * n, settings.k, settings.simultaneous)
    mu_final, ell_final = _chunked_final_state(mu0, start_ell, settings, chunk, progress, cancel)
    codes = outcome_codes(
        mu_final, settings.target, settings.tol, settings.collapse, ell_final=ell_final
    )
    return OutcomeGrid(
        axis=axis,
        codes=codes.reshape(n, n),
        mu_final=mu_final.reshape(n, n, 2),
        settings=settings,
    )


@dataclass(frozen=True)
class SeparationMap:
    """Outcome fractions over target separation × ``k`` (first-order dynamics).

    ``fractions[i, j, o]`` is the fraction of runs with outcome ``OUTCOMES[o]`` for ``k = ks[i]``
    and the target ``(c - s/2, c + s/2)``, ``s = separations[j]``, ``c`` the centre of
    ``settings.target``. Every cell trains from the same seeded random starts.
    """

    separations: FloatArray
    ks: tuple[int, ...]
    fractions: FloatArray
    settings: GMMSettings


def separation_map(
    settings: GMMSettings,
    separations: ArrayLike,
    ks: tuple[int, ...],
    *,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> SeparationMap:
    """Where each outcome dominates: first-order batches over separation ``s`` and ``k``.

    ``settings`` gives the runs, seed, steps, learning rates, the target's centre, the start
    ranges and the thresholds; its dynamics, ``k`` and simultaneity are replaced by first-order
    alternating updates with each of ``ks`` (the result's settings hold ``max(ks)``). For each
    ``k`` all separations run as one batch (one target per run). Starts come from
    :func:`draw_starts` with ``default_rng(seed)``, the same for every cell, so a cell equals
    :func:`batch_experiment` with that target, ``k`` and ``runs`` (bit for bit).
    """
    seps = np.asarray(separations, dtype=float).ravel()
    ks = tuple(int(k) for k in ks)
    if seps.size == 0 or not ks:
        raise ValueError("separations and ks must not be empty")
    centre = 0.5 * (settings.target[0] + settings.target[1])
    t_lo, t_hi = GMMSettings.RANGES["target"]
    if np.any(seps < 0) or centre - seps.max() / 2 < t_lo or centre + seps.max() / 2 > t_hi:
        raise ValueError(f"every target mean must lie in [{t_lo:g}, {t_hi:g}]")
    settings = dataclasses.replace(settings, dynamics="first-order", k=max(ks), simultaneous=False)
    runs, steps, tol, collapse = settings.runs, settings.steps, settings.tol, settings.collapse
    rng = np.random.default_rng(settings.seed)
    mu0, ell0 = draw_starts(rng, settings.runs, settings.mu_range, settings.ell_range)
    n_s = seps.size
    targets = np.repeat(np.stack([centre - seps / 2, centre + seps / 2], axis=1), runs, axis=0)
    mu_all = np.tile(mu0, (n_s, 1))
    ell_all = np.tile(ell0, (n_s, 1))
    cost = np.array([k + 1.0 for k in ks])
    done = np.concatenate([[0.0], np.cumsum(cost)]) / cost.sum()
    fractions = np.zeros((len(ks), n_s, len(OUTCOMES)))
    for i, k in enumerate(ks):

        def tick(t: int, i: int = i) -> None:
            if cancel is not None and cancel():
                raise Cancelled("batch cancelled")
            if progress is not None:
                progress(float(done[i] + (done[i + 1] - done[i]) * t / max(steps, 1)))

        mu, ell = _first_order_final(
            mu_all, ell_all, targets, settings.eta_gen, settings.eta_disc, settings.steps, k,
            False, tick,
        )  # fmt: skip
        codes = outcome_codes(mu, targets, tol, collapse, ell_final=ell).reshape(n_s, runs)
        for o in range(len(OUTCOMES)):
            fractions[i, :, o] = np.mean(codes == o, axis=1)
    if progress is not None:
        progress(1.0)
    return SeparationMap(separations=seps, ks=ks, fractions=fractions, settings=settings)
