"""Every equilibrium of a variant's field in a box, its type, and what a local verdict means.

The zeros of v are found by damped Newton iterations from a grid of starts (one vectorised
batch), refined, deduplicated and verified: a point counts only where |v| is tiny *and* the
last Newton correction is tiny, which rejects the saturated plateaus of the standard GAN
(θψ ≫ 1, where f'(θψ) and hence |v| underflow without a zero). Each zero is classified from
the eigenvalues of its (central-difference) Jacobian. A switching field (WGAN-GP) adds its
segment of stationary points on ψ = 0, declared by the variant.

``path_disagreement`` compares a drawn path with the local verdict at an equilibrium and says
in one line why they differ, where they do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dynamics.variants import Game, sort_eigs

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]

#: Starts per axis of the Newton grid (plus the origin).
GRID = 17
NEWTON_ITERS = 80
#: A zero is accepted where |v| ≤ V_TOL and the last Newton correction ≤ STEP_TOL (1 + |z|).
V_TOL = 1e-10
STEP_TOL = 1e-8
#: Two zeros closer than this are one.
SAME_TOL = 1e-6
_FD = 1e-6

KINDS = (
    "stable spiral",
    "stable node",
    "unstable spiral",
    "unstable node",
    "saddle",
    "centre",
    "degenerate",
    "segment",
)


@dataclass(frozen=True)
class Equilibrium:
    """A zero of the field (or a segment of stationary points) and its type."""

    point: tuple[float, float]  # a segment's midpoint
    kind: str  # one of KINDS
    eigenvalues: ComplexArray | None  # of the Jacobian of v there; None for a segment
    segment: tuple[tuple[float, float], tuple[float, float]] | None = None

    @property
    def is_origin(self) -> bool:
        return self.segment is None and max(abs(self.point[0]), abs(self.point[1])) < SAME_TOL

    def label(self) -> str:
        """Words for the UI: "saddle at (0.3412, 2.1651)"."""
        if self.segment is not None:
            (a, _), (b, _) = self.segment
            return f"segment of stationary points ψ = 0, {a:.4g} ≤ θ ≤ {b:.4g}"
        return f"{self.kind} at {fmt_point(self.point)}"


def fmt_point(p: tuple[float, float], digits: int = 4) -> str:
    """(θ, ψ) rounded, without "-0"."""
    x, y = (0.0 if abs(v) < 0.5 * 10**-digits else float(v) for v in p)
    if x == 0.0 and y == 0.0:
        return "(0, 0)"
    return f"({x:.{digits}f}, {y:.{digits}f})"


def _jacobians(game: Game, z: FloatArray) -> FloatArray:
    """Central-difference Jacobians at points ``z[B, 2]``, shape (B, 2, 2)."""
    e = _FD
    offs = np.array([[e, 0.0], [-e, 0.0], [0.0, e], [0.0, -e]])
    pts = z[:, None, :] + offs[None]
    vt, vp = game.field(pts[..., 0], pts[..., 1])
    v = np.stack((vt, vp), axis=-1)  # (B, 4, 2)
    d_theta = (v[:, 0] - v[:, 1]) / (2 * e)
    d_psi = (v[:, 2] - v[:, 3]) / (2 * e)
    return np.stack((d_theta, d_psi), axis=-1)  # rows: components, columns: θ, ψ


def jacobian_at(game: Game, point: tuple[float, float]) -> FloatArray:
    """Central-difference Jacobian of v at one point."""
    return _jacobians(game, np.array([point], dtype=float))[0]


def classify(J: FloatArray) -> str:
    """The type of an equilibrium from the Jacobian of v there (continuous time)."""
    lam = np.linalg.eigvals(np.asarray(J, dtype=float))
    scale = max(1.0, float(np.max(np.abs(J))))
    tol = 1e-7 * scale
    if np.min(np.abs(lam)) <= tol:
        return "degenerate"
    re = lam.real
    if re.min() < -tol and re.max() > tol:
        return "saddle"
    if np.max(np.abs(lam.imag)) > tol:
        if abs(re[0]) <= tol:
            return "centre"
        return "stable spiral" if re[0] < 0 else "unstable spiral"
    return "stable node" if re.max() < 0 else "unstable node"


def _newton(game: Game, z: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Damped Newton on a batch; returns points, |v| and the last correction's size.

    Only the starts still moving are iterated (the instance-noise field costs a quadrature
    per evaluation: iterating converged starts made the search ~5× slower).
    """
    z = z.copy()
    with np.errstate(all="ignore"):
        vt, vp = game.field(z[:, 0], z[:, 1])
        v = np.stack((vt, vp), axis=-1)
        norm = np.hypot(v[:, 0], v[:, 1])
        last = np.full(len(z), np.inf)
        act = np.arange(len(z))
        for _ in range(NEWTON_ITERS):
            if act.size == 0:
                break
            za, va = z[act], v[act]
            J = _jacobians(game, za)
            # scale-free: on a saturated plateau J ~ 1e-160 and its determinant underflows
            s = np.max(np.abs(J), axis=(1, 2))
            s = np.where(s > 0, s, 1.0)
            J = J / s[:, None, None]
            vs = va / s[:, None]
            det = J[:, 0, 0] * J[:, 1, 1] - J[:, 0, 1] * J[:, 1, 0]
            ok = np.isfinite(det) & (det != 0.0)
            safe = np.where(ok, det, 1.0)
            dx = -(J[:, 1, 1] * vs[:, 0] - J[:, 0, 1] * vs[:, 1]) / safe
            dy = -(-J[:, 1, 0] * vs[:, 0] + J[:, 0, 0] * vs[:, 1]) / safe
            step = np.stack((dx, dy), axis=-1)
            step[~ok] = 0.0
            size = np.hypot(dx, dy)
            # trust region: at most one unit (plus |z|) per iteration
            cap = 1.0 + np.hypot(za[:, 0], za[:, 1])
            step *= np.minimum(1.0, cap / np.where(size > 0, size, 1.0))[:, None]
            na = norm[act]
            t = np.ones(len(act))
            new = za + step
            for _ in range(8):  # backtrack while |v| grows
                nt, np_ = game.field(new[:, 0], new[:, 1])
                nn = np.hypot(nt, np_)
                worse = ~(nn <= na) & (t > 1e-3)
                if not worse.any():
                    break
                t = np.where(worse, t / 2, t)
                new = za + t[:, None] * step
            nt, np_ = game.field(new[:, 0], new[:, 1])
            nn = np.hypot(nt, np_)
            accept = np.isfinite(nn)
            z[act] = np.where(accept[:, None], new, za)
            v[act] = np.where(accept[:, None], np.stack((nt, np_), axis=-1), va)
            norm[act] = np.where(accept, nn, na)
            moved = np.where(accept, np.hypot(*(t[:, None] * step).T), last[act])
            moved[~ok] = np.inf
            last[act] = moved
            # done: converged to rounding, or stuck (singular Jacobian, no finite step)
            scale = 1.0 + np.hypot(z[act, 0], z[act, 1])
            done = (moved <= 1e-14 * scale) | ~ok
            act = act[~done]
    return z, norm, last


def _on_segment(z: FloatArray, seg: tuple[tuple[float, float], tuple[float, float]]) -> bool:
    (a, _), (b, _) = seg
    return abs(z[1]) <= SAME_TOL and a - SAME_TOL <= z[0] <= b + SAME_TOL


def find_equilibria(game: Game, half_width: float, grid: int = GRID) -> tuple[Equilibrium, ...]:
    """Every equilibrium in the box [−w, w]², the origin first, then by distance to it.

    Parameters
    ----------
    game
        The variant with its parameters.
    half_width
        w, the half-width of the box searched (the explorer's view).
    grid
        Starts per axis of the Newton grid.
    """
    w = float(half_width)
    g = np.linspace(-w, w, grid)
    starts = np.concatenate([np.zeros((1, 2)), np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)])
    z, norm, last = _newton(game, starts)
    scale = 1.0 + np.hypot(z[:, 0], z[:, 1])
    # |v| small against the Jacobian too: a saturated plateau (|v| ~ 1e-160 but
    # |J| ~ 1e-158) is not a zero, a simple zero has |v| ~ 1e-16 |J|
    with np.errstate(all="ignore"):
        j_size = np.max(np.abs(_jacobians(game, z)), axis=(1, 2))
    good = (
        (norm <= V_TOL * np.minimum(1.0, j_size))
        & (last <= STEP_TOL * scale)
        & (np.abs(z) <= w * (1 + 1e-9)).all(-1)
    )
    seg = game.stationary_segment()
    found: list[FloatArray] = []
    for p in z[good]:
        if seg is not None and _on_segment(p, seg):
            continue
        if all(np.hypot(*(p - q)) > SAME_TOL * (1 + np.hypot(*p)) for q in found):
            found.append(p)
    out = []
    if seg is not None:
        (a, _), (b, _) = seg
        out.append(Equilibrium(((a + b) / 2, 0.0), "segment", None, seg))
    for p in sorted(found, key=lambda q: (float(np.hypot(*q)), float(q[0]), float(q[1]))):
        p = np.where(np.abs(p) < 1e-12, 0.0, p)  # no "-0"
        J = jacobian_at(game, (float(p[0]), float(p[1])))
        out.append(
            Equilibrium(
                (float(p[0]), float(p[1])), classify(J), sort_eigs(np.linalg.eigvals(J)), None
            )
        )
    return tuple(out)


# ------------------------------------------------------------- path against local verdict


def path_disagreement(
    points: FloatArray,
    status: str,
    verdict: str | None,
    rho: float | None,
    at: tuple[float, float] = (0.0, 0.0),
    tol: float = 1e-3,
) -> str | None:
    """One line explaining why a drawn path disagrees with the local verdict, or None.

    The verdict (from the spectral radius ρ of the linearised update at ``at``) predicts what
    paths do arbitrarily close to ``at``. A path disagrees when it ends farther from ``at``
    than it started although ρ < 1, stays bounded although ρ > 1, or converges or runs away
    although ρ = 1.
    """
    if verdict is None or rho is None or len(points) < 2:
        return None
    d = np.hypot(points[:, 0] - at[0], points[:, 1] - at[1])
    d0, d_end, d_max = float(d[0]), float(d[-1]), float(np.max(d))
    steps = len(points) - 1
    where = "(0, 0)" if at == (0.0, 0.0) else fmt_point(at)
    if d0 == 0.0:
        return None
    if verdict == "converges":
        if status == "diverged" or d_end > max(d0, 10 * tol):
            return (
                f"The path ends farther from {where} than it started although ρ < 1 there: this "
                "start lies outside the region where the linearisation at that point decides "
                "(other equilibria or the nonlinear terms take over)."
            )
        return None
    if verdict in ("diverges", "grows linearly"):
        if rho > 1.0:
            log_pred = math.log(d0) + steps * math.log(rho)
        else:  # defective eigenvalue on the unit circle: linear growth
            log_pred = math.log(d0 * (1.0 + steps))
        # bounded: never beyond 1.5 × its start (a path that grows, only slower than ρᵏ —
        # the standard GAN saturating — does not contradict "diverges")
        bounded = status != "diverged" and d_max <= 1.5 * d0
        if bounded and log_pred > math.log(3.0 * max(d_max, tol)):
            return (
                f"The path stays within distance {d_max:.3g} of {where} although the linear "
                f"prediction grows to {math.exp(min(log_pred, 700.0)):.3g}: far from the "
                "equilibrium the nonlinear terms of the field bound it (the verdict describes "
                "paths that start arbitrarily close)."
            )
        return None
    if verdict == "neutral":
        if d_end < 0.5 * d0:
            return (
                f"The path closes in on {where} (distance {d0:.3g} → {d_end:.3g}) although ρ = 1: "
                "the linear terms neither shrink nor grow the error, the nonlinear terms make "
                "it spiral in (slower than any ρᵏ)."
            )
        if status == "diverged" or d_end > 2.0 * d0:
            return (
                f"The path moves away from {where} (distance {d0:.3g} → {d_end:.3g}) although ρ = "
                "1: the linear terms neither shrink nor grow the error, the nonlinear terms "
                "push it out."
            )
    return None
