"""Training methods and the ``simulate`` driver against docs/theory.md §2 and hand-computed steps.

Single steps are recomputed here from the vector field (``Game.field``, itself tested in
test_variants.py) with plain scalar arithmetic, independently of the update rules.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import fsolve

from dynamics.losses import FP0
from dynamics.methods import (
    CONVERGENCE_TOL,
    DIVERGENCE_BOUND,
    HYPER_RANGES,
    METHODS,
    Hyper,
    simulate,
)
from dynamics.spectrum import spectrum
from dynamics.variants import VARIANTS, Game, make_game

#: Hypothesis budget for this module (no deadline: numerical examples vary in cost).
FAST = settings(max_examples=40, deadline=None)

ALL_VARIANTS = list(VARIANTS)
ALL_METHODS = list(METHODS)
DISCRETE = [m for m in METHODS if not METHODS[m].continuous]

LR_LO, LR_HI = HYPER_RANGES["lr_gen"]
N_LO, N_HI = (int(x) for x in HYPER_RANGES["n_gen"])
#: Learning rates across the whole registry range, log-uniformly.
LR = st.floats(math.log(LR_LO), math.log(LR_HI)).map(math.exp)


# ------------------------------------------------------------------------------ Hyper


def test_hyper_ranges_cover_every_field_of_hyper() -> None:
    names = {f.name for f in fields(Hyper)}
    assert set(HYPER_RANGES) == names
    defaults = Hyper()
    for name, (lo, hi) in HYPER_RANGES.items():
        assert lo < hi
        assert lo <= getattr(defaults, name) <= hi, name
    for m in METHODS.values():
        assert m.uses <= names, m.name
        assert {"lr_gen", "lr_disc"} <= m.uses


def test_hyper_defaults_are_the_authors_settings() -> None:
    # h = 0.2 for both players, one generator and one discriminator step (docs/theory.md §1.11).
    hp = Hyper()
    assert (hp.lr_gen, hp.lr_disc, hp.n_gen, hp.n_disc) == (0.2, 0.2, 1, 1)
    assert hp.beta == 0.0


def test_hyper_itself_validates_nothing() -> None:
    # Validation is the job of the CLI / UI, which read HYPER_RANGES; Hyper is plain data.
    hp = Hyper(lr_gen=-1.0, lr_disc=1e9, n_gen=0, n_disc=1000, beta=5.0, eps=0.0)
    assert hp.lr_gen == -1.0 and hp.n_disc == 1000


def test_simulate_validates_its_inputs() -> None:
    game = make_game("standard")
    with pytest.raises(ValueError, match="finite"):
        simulate(game, "simgd", Hyper(), [[math.nan, 0.0]], 3)
    with pytest.raises(ValueError, match="finite"):
        simulate(game, "simgd", Hyper(), [[0.0, math.inf]], 3)
    with pytest.raises(ValueError, match="steps"):
        simulate(game, "simgd", Hyper(), [[1.0, 1.0]], -1)
    with pytest.raises(KeyError, match="nope"):
        simulate(game, "nope", Hyper(), [[1.0, 1.0]], 3)
    t = simulate(game, "simgd", Hyper(), [[1.0, 2.0], [3.0, 4.0]], 0)
    assert t.points.shape == (1, 2, 2)
    np.testing.assert_array_equal(t.points[0], [[1.0, 2.0], [3.0, 4.0]])


# ------------------------------------------------------------------ hand-computed steps

HP = Hyper(
    lr_gen=0.13, lr_disc=0.29, n_gen=2, n_disc=3, beta=-0.35, beta1=0.8, beta2=0.95, eps=1e-3,
    sga_lambda=0.7, lookahead_k=3, lookahead_alpha=0.4, ema_beta=0.3, unroll_k=3,
)  # fmt: skip
#: For WGAN (c = 1) the discriminator's first step from here leaves [−1, 1]: clipping is hit.
Z0 = (0.7, 0.9)
#: A start far out in θ: the methods that contract on WGAN's rotation (SGA, CGD) hit the clip
#: from here in their first step.
Z_FAR = (3.0, 0.9)


def _v(game: Game, th: float, ps: float) -> np.ndarray:
    vt, vp = game.field(th, ps)
    return np.array([float(vt), float(vp)])


def _clip(game: Game, z: np.ndarray) -> np.ndarray:
    c = game.psi_limit()
    return z if c is None else np.array([z[0], min(max(z[1], -c), c)])


def _expected_steps(
    game: Game, method: str, hp: Hyper, z0: tuple[float, float], n: int = 2
) -> np.ndarray:
    """n steps of ``method`` from z0, by hand (scalar arithmetic on the field)."""
    H = np.array([hp.lr_gen, hp.lr_disc])
    z = [np.array(z0, dtype=float)]

    def v(p: np.ndarray) -> np.ndarray:
        return _v(game, p[0], p[1])

    if method == "simgd":
        for _ in range(n):
            z.append(_clip(game, z[-1] + H * v(z[-1])))
    elif method == "altgd":
        for _ in range(n):
            th, ps = z[-1]
            for _ in range(hp.n_gen):
                th = th + hp.lr_gen * _v(game, th, ps)[0]
            for _ in range(hp.n_disc):
                ps = _clip(game, np.array([th, ps + hp.lr_disc * _v(game, th, ps)[1]]))[1]
            z.append(np.array([th, ps]))
    elif method == "extragradient":
        for _ in range(n):
            look = _clip(game, z[-1] + H * v(z[-1]))
            z.append(_clip(game, z[-1] + H * v(look)))
    elif method == "optimistic":
        previous = v(z[0])  # so that the first step is a plain gradient step
        for _ in range(n):
            g = v(z[-1])
            z.append(_clip(game, z[-1] + H * (2 * g - previous)))
            previous = g
    elif method == "momentum":
        d = np.zeros(2)  # zero initial velocity
        for _ in range(n):
            new = _clip(game, z[-1] + H * v(z[-1]) + hp.beta * d)
            d = new - z[-1]
            z.append(new)
    elif method == "momentum-alt":
        th, ps = z[0]
        d_th = d_ps = 0.0
        for _ in range(n):
            for _ in range(hp.n_gen):
                new = th + hp.lr_gen * _v(game, th, ps)[0] + hp.beta * d_th
                d_th, th = new - th, new
            for _ in range(hp.n_disc):
                new = ps + hp.lr_disc * _v(game, th, ps)[1] + hp.beta * d_ps
                new = _clip(game, np.array([th, new]))[1]
                d_ps, ps = new - ps, new  # the velocity is the clipped increment
            z.append(np.array([th, ps]))
    elif method == "hamiltonian":
        for _ in range(n):
            J = game.jacobian_at(z[-1][0], z[-1][1])  # tested against the field in test_jacobians
            z.append(_clip(game, z[-1] - H * (J.T @ v(z[-1]))))
    elif method == "sga":
        for _ in range(n):
            xi = -v(z[-1])  # the papers' ξ: the gradient of the losses
            Jxi = -game.jacobian_at(z[-1][0], z[-1][1])
            A = (Jxi - Jxi.T) / 2
            grad_h = Jxi.T @ xi
            sign = np.sign(xi @ grad_h * ((A.T @ xi) @ grad_h) / 2 + 0.1)
            z.append(_clip(game, z[-1] - H * (xi + sign * hp.sga_lambda * A.T @ xi)))
    elif method == "cgd":
        for _ in range(n):
            # The local game's Nash equilibrium: x = h_g(v_θ + J_θψ y), y = h_d(v_ψ + J_ψθ x).
            J = game.jacobian_at(z[-1][0], z[-1][1])
            g = v(z[-1])
            # Solved as in Schäfer & Anandkumar's closed form (scalar players): an LU solve
            # rounds differently, which LSGAN's cubic far field amplifies past 1e-13 in ten steps.
            hg, hd = hp.lr_gen, hp.lr_disc
            den = 1.0 - hg * hd * J[0, 1] * J[1, 0]
            step = [
                hg * (g[0] + hd * J[0, 1] * g[1]) / den,
                hd * (g[1] + hg * J[1, 0] * g[0]) / den,
            ]
            z.append(_clip(game, z[-1] + np.array(step)))
    elif method == "lookahead":
        for _ in range(n):
            fast = z[-1]
            for _ in range(hp.lookahead_k):
                fast = _clip(game, fast + H * v(fast))
            z.append(z[-1] + hp.lookahead_alpha * (fast - z[-1]))
    elif method in ("ema", "average"):
        w = [np.array(z0, dtype=float)]  # AltGD's iterates; the path is their average
        for _ in range(n):
            th, ps = w[-1]
            for _ in range(hp.n_gen):
                th = th + hp.lr_gen * _v(game, th, ps)[0]
            for _ in range(hp.n_disc):
                ps = _clip(game, np.array([th, ps + hp.lr_disc * _v(game, th, ps)[1]]))[1]
            w.append(np.array([th, ps]))
            if method == "ema":
                z.append((1 - hp.ema_beta) * z[-1] + hp.ema_beta * w[-1])
            else:
                z.append(np.mean(w, axis=0))
    elif method == "implicit":
        for _ in range(n):
            # z' = z + H v(z'): MINPACK's hybrd, an independent root finder, from z
            zk = z[-1]
            root, info, ier, _ = fsolve(
                lambda u, zk=zk: u - zk - H * v(u), zk, full_output=True, xtol=1e-15
            )
            assert ier == 1 or np.abs(info["fvec"]).max() < 1e-15, info
            z.append(_clip(game, root))
    elif method == "unrolled":
        for _ in range(n):
            th, ps = z[-1]
            pk, dpk = ps, 0.0  # ψ_j and ∂ψ_j/∂θ
            c = game.psi_limit()
            for _ in range(hp.unroll_k):
                J = game.jacobian_at(th, pk)  # tested against the field in test_jacobians
                dpk = dpk + hp.lr_disc * (J[1, 0] + J[1, 1] * dpk)
                pk = pk + hp.lr_disc * _v(game, th, pk)[1]
                if c is not None and abs(pk) >= c:
                    pk, dpk = min(max(pk, -c), c), 0.0
            vt, vp = _v(game, th, pk)
            gen = th + hp.lr_gen * (vt - dpk * vp)
            disc = ps + hp.lr_disc * _v(game, th, ps)[1]
            z.append(_clip(game, np.array([gen, disc])))
    elif method == "adam":
        b1, b2 = hp.beta1, hp.beta2
        m = s = np.zeros(2)
        for t in range(1, n + 1):
            g = v(z[-1])
            m = b1 * m + (1 - b1) * g
            s = b2 * s + (1 - b2) * g * g
            m_hat, s_hat = m / (1 - b1**t), s / (1 - b2**t)  # bias correction
            z.append(_clip(game, z[-1] + H * m_hat / (np.sqrt(s_hat) + hp.eps)))
    else:
        raise AssertionError(method)
    return np.array(z)


def test_every_discrete_method_has_a_hand_computed_reference() -> None:
    # A new method must be added to _expected_steps (this fails until it is).
    game = make_game("standard")
    for m in DISCRETE:
        _expected_steps(game, m, HP, Z0)


@pytest.mark.parametrize("start", [Z0, Z_FAR])
@pytest.mark.parametrize("method", DISCRETE)
@pytest.mark.parametrize("variant", ALL_VARIANTS)
def test_first_steps_by_hand(variant: str, method: str, start: tuple[float, float]) -> None:
    # Ten steps: for WGAN the path hits the clip and, rotating, leaves it again, so what a
    # rule remembers across a clipped step matters.
    game = make_game(variant)
    t = simulate(game, method, HP, [start], 10)
    with np.errstate(over="ignore", invalid="ignore"):
        want = _expected_steps(game, method, HP, start, 10)
    # LSGAN's cubic field runs away from Z_FAR within ten steps of some methods: the kept
    # part of the path is compared, and the stop is where the hand computation leaves ±10⁶.
    n = int(t.n_valid[0])
    np.testing.assert_allclose(t.path(0), want[:n], rtol=1e-13, atol=1e-15)
    if n < 11:
        assert t.status == ("diverged",) and not np.abs(want[n]).max() <= DIVERGENCE_BOUND


def test_hand_computed_steps_do_hit_the_wgan_clip() -> None:
    game = make_game("wgan")
    for m in DISCRETE:
        if m == "hamiltonian":
            # On WGAN's rotation Jᵀv = z: the step is z ← (I − H)z, |ψ| only ever shrinks, so
            # the clip cannot be hit from inside the box (checked here instead).
            z = _expected_steps(game, m, HP, Z0, 10)
            np.testing.assert_allclose(z[1:, 1], Z0[1] * (1 - HP.lr_disc) ** np.arange(1, 11))
            continue
        if m in ("lookahead", "ema", "average"):
            # The clip acts on the inner steps, the path shows only an interpolation of them:
            # check that the clip changes it (with c = 3 it is never active from Z0).
            wide = _expected_steps(make_game("wgan", clip=3.0), m, HP, Z0, 10)
            assert np.abs(wide[:, 1]).max() < 3.0
            assert np.abs(_expected_steps(game, m, HP, Z0, 10) - wide).max() > 0.1
            continue
        paths = [_expected_steps(game, m, HP, start, 10) for start in (Z0, Z_FAR)]
        assert any(
            np.isclose(np.abs(z[1:, 1]), 1.0).any() and (np.abs(z[1:, 1]) < 0.99).any()
            for z in paths
        ), m


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("variant", ALL_VARIANTS)
def test_equilibrium_is_a_fixed_point(variant: str, method: str) -> None:
    t = simulate(make_game(variant), method, HP, [[0.0, 0.0]], 5)
    np.testing.assert_array_equal(t.points, 0.0)
    assert t.status == ("converged",)


# ----------------------------------------------------------------------------- SimGD, flow


@FAST
@given(
    h=LR,
    th=st.floats(-3, 3),
    ps=st.floats(-3, 3),
)
@example(h=0.2, th=1.0, ps=1.0)
@example(h=100.0, th=-1.0, ps=1.0)
def test_simgd_standard_norm_grows_by_exact_factor(h: float, th: float, ps: float) -> None:
    # |z_{k+1}|² = |z_k|² (1 + h² f'(θ_k ψ_k)²) for the standard GAN with equal rates.
    assume(th * th + ps * ps > 1e-6)
    t = simulate(make_game("standard"), "simgd", Hyper(h, h), [[th, ps]], 40)
    z = t.path(0)
    r2 = (z**2).sum(axis=1)
    factor = 1.0 + h * h * (1.0 / (1.0 + np.exp(np.clip(z[:-1, 0] * z[:-1, 1], -700, 700)))) ** 2
    np.testing.assert_allclose(r2[1:], r2[:-1] * factor, rtol=1e-12 * (1 + h))
    assert (r2[1:] >= r2[:-1] * (1 - 1e-15)).all()  # factor ≥ 1; 1e-15: rounding when f' ≈ 0


def test_flow_conserves_the_norm_of_the_standard_gan() -> None:
    # t = steps·h = 100·0.5 = 50.
    starts = [[1.0, 1.0], [-2.0, 0.5], [3.0, -3.0], [0.1, 0.0]]
    t = simulate(make_game("standard"), "flow", Hyper(0.5, 0.5), starts, 100)
    assert t.points.shape == (101, 4, 2)
    r2 = (t.points**2).sum(axis=-1)
    np.testing.assert_allclose(r2, np.broadcast_to(r2[0], r2.shape), rtol=1e-8)
    # ... and it does move: a quarter turn at least for the start near the origin.
    assert np.ptp(t.points[:, 3, 0]) > 0.1


def test_flow_with_two_rates_conserves_the_weighted_norm() -> None:
    # θ' = −h_g ψ f', ψ' = h_d θ f'  ⇒  θ²/h_g + ψ²/h_d is conserved.
    hg, hd = 0.25, 1.0
    t = simulate(make_game("standard"), "flow", Hyper(hg, hd), [[1.0, 1.0], [-2, 0.3]], 200)
    q = t.points[..., 0] ** 2 / hg + t.points[..., 1] ** 2 / hd
    np.testing.assert_allclose(q, np.broadcast_to(q[0], q.shape), rtol=1e-8)


def test_flow_samples_at_time_k_in_units_of_steps() -> None:
    # WGAN without active clipping is the linear rotation θ' = −h_g ψ, ψ' = h_d θ, solved
    # exactly: ω = √(h_g h_d), θ(t) = θ0 cos ωt − √(h_g/h_d) ψ0 sin ωt, ψ analogously.
    hg, hd = 0.3, 0.1
    th0, ps0 = 1.0, 0.5  # |ψ| ≤ √(ψ0² + (h_d/h_g) θ0²) ≈ 0.76 < c = 3
    t = simulate(make_game("wgan", clip=3.0), "flow", Hyper(hg, hd), [[th0, ps0]], 60)
    k = np.arange(61.0)
    w = math.sqrt(hg * hd)
    th = th0 * np.cos(w * k) - math.sqrt(hg / hd) * ps0 * np.sin(w * k)
    ps = ps0 * np.cos(w * k) + math.sqrt(hd / hg) * th0 * np.sin(w * k)
    np.testing.assert_allclose(t.points[:, 0, 0], th, atol=1e-8)
    np.testing.assert_allclose(t.points[:, 0, 1], ps, atol=1e-8)


def test_flow_clipping_holds_psi_at_the_bound() -> None:
    # From (θ0, c) with θ0 > 0 the field pushes ψ outwards: ψ stays at c while θ' = −h c,
    # i.e. θ(k) = θ0 − h c k until θ reaches 0 at k = θ0/(h c) = 40.
    c, h, th0 = 0.5, 0.1, 2.0
    t = simulate(make_game("wgan", clip=c), "flow", Hyper(h, h), [[th0, c]], 30)
    k = np.arange(31.0)
    np.testing.assert_allclose(t.points[:, 0, 0], th0 - h * c * k, atol=1e-7)
    np.testing.assert_allclose(t.points[:, 0, 1], c, atol=1e-7)


# ------------------------------------------------------------------------------------ AltGD


@st.composite
def altgd_hyper(
    draw: st.DrawFn, alpha: st.SearchStrategy[float], n_max: int = N_HI
) -> tuple[Hyper, float]:
    """n_gen, n_disc from their ranges (up to n_max), α given, h_g/h_d in [1/4, 4]."""
    ng = draw(st.integers(N_LO, n_max))
    nd = draw(st.integers(N_LO, n_max))
    a = draw(alpha)
    ratio = math.exp(draw(st.floats(-math.log(4), math.log(4))))
    prod = (a / FP0) ** 2 / (ng * nd)  # α² = n_g n_d h_g h_d f'(0)²
    hg, hd = math.sqrt(prod * ratio), math.sqrt(prod / ratio)
    assume(LR_LO <= hg <= LR_HI and LR_LO <= hd <= LR_HI)
    return Hyper(hg, hd, n_gen=ng, n_disc=nd), a


def _closed_altgd(alpha: float) -> np.ndarray:
    b = 1 - alpha**2 / 2
    r = np.emath.sqrt(b * b - 1)
    return np.array([b - r, b + r])


@FAST
@given(altgd_hyper(st.floats(0.01, 1.999)))
def test_altgd_standard_eigenvalues_on_the_unit_circle_below_alpha_2(
    hp_alpha: tuple[Hyper, float],
) -> None:
    hp, alpha = hp_alpha
    u = spectrum(make_game("standard"), "altgd", hp).update
    assert u.closed_form and u.analytic is not None and u.numeric is not None
    np.testing.assert_allclose(np.abs(u.analytic), 1.0, atol=1e-12)
    np.testing.assert_allclose(
        np.sort_complex(u.analytic), np.sort_complex(_closed_altgd(alpha)), atol=1e-9
    )
    # Finite differences of the real map: error δ ≲ 1e-9‖M‖, eigenvalue error ≲ δ/gap with
    # gap = |μ₁ − μ₂| = 2 sin φ ≥ 2√(1 − (1 − 1.999²/2)²) ≈ 0.09.
    assert np.abs(np.abs(u.numeric) - 1.0).max() <= 1e-6
    assert u.verdict == "neutral"


@FAST
@given(altgd_hyper(st.floats(2.001, 6.0)))
def test_altgd_standard_one_eigenvalue_outside_above_alpha_2(
    hp_alpha: tuple[Hyper, float],
) -> None:
    hp, alpha = hp_alpha
    u = spectrum(make_game("standard"), "altgd", hp).update
    assert u.analytic is not None and u.numeric is not None
    mu = _closed_altgd(alpha)
    np.testing.assert_allclose(np.sort(np.abs(u.analytic)), np.sort(np.abs(mu)), rtol=1e-9)
    # Real, reciprocal pair: one inside, one outside (|μ₊| ≥ 1.06 for α ≥ 2.001).
    for eigs, tol in ((u.analytic, 1e-12), (u.numeric, 1e-6)):
        mags = np.sort(np.abs(eigs))
        assert mags[1] > 1.05 and mags[0] < 1 / 1.05
        assert abs(mags[0] * mags[1] - 1.0) <= tol * mags[1]
    assert u.verdict == "diverges"


@FAST
@given(hp_alpha=altgd_hyper(st.floats(0.05, 1.95)), r0=st.floats(0.05, 2.0), ang=st.floats(0, 6.3))
def test_altgd_on_a_linear_rotation_stays_within_the_invariant_ellipse(
    hp_alpha: tuple[Hyper, float], r0: float, ang: float
) -> None:
    """WGAN without active clipping is exactly linear (ω = 1), so AltGD is exactly the
    operator M with eigenvalues on the unit circle: ‖M^k z‖ ≤ cond(V)‖z‖ for M = VΛV⁻¹."""
    hp, _ = hp_alpha
    # WGAN rotates at rate 1 instead of f'(0): scale both rates by f'(0) to keep the same α.
    hp = Hyper(hp.lr_gen * FP0, hp.lr_disc * FP0, n_gen=hp.n_gen, n_disc=hp.n_disc)
    game = make_game("wgan", clip=3.0)
    op = METHODS["altgd"].operator
    assert op is not None
    M = op(game.jacobian(), hp)
    _, V = np.linalg.eig(M)
    cond = float(np.linalg.cond(V))
    z0 = [r0 * math.cos(ang), r0 * math.sin(ang)]
    # The ψ-excursion must stay below the clip value for the game to be linear.
    assume(cond * r0 < 3.0)
    d = simulate(game, "altgd", hp, [z0], 200).distance()[:, 0]
    assert d.max() <= cond * r0 * (1 + 1e-9)
    assert d.min() >= r0 / cond * (1 - 1e-9)


@pytest.mark.parametrize("n_disc", [1, 5])
def test_altgd_standard_gan_keeps_circling_with_the_authors_settings(n_disc: int) -> None:
    # The figure's settings: h = 0.2, 500 steps, start (1, 1) (and two more starts). The band
    # is the linear invariant ellipse (cond V) with 25 % slack for the nonlinear terms.
    starts = [[1.0, 1.0], [0.3, -0.2], [-2.0, 1.0]]
    game = make_game("standard")
    hp = Hyper(0.2, 0.2, n_disc=n_disc)
    op = METHODS["altgd"].operator
    assert op is not None
    cond = float(np.linalg.cond(np.linalg.eig(op(game.jacobian(), hp))[1]))
    t = simulate(game, "altgd", hp, starts, 500)
    d = t.distance()
    assert t.status == ("not converged",) * 3
    assert (d.max(axis=0) <= 1.25 * cond * d[0]).all()
    assert (d.min(axis=0) >= d[0] / (1.25 * cond)).all()
    # SimGD from the same starts spirals out (docs/theory.md §2.2).
    s = simulate(game, "simgd", Hyper(0.2, 0.2), starts, 500).distance()
    assert (s[-1] > 1.3 * s[0]).all()


@FAST
@given(
    hp_alpha=altgd_hyper(st.floats(0.05, 1.2), n_max=10),  # n ≤ 10: runtime only
    r0=st.floats(0.01, 0.1),
    ang=st.floats(0, 6.3),
)
def test_altgd_standard_gan_stays_bounded_near_the_equilibrium(
    hp_alpha: tuple[Hyper, float], r0: float, ang: float
) -> None:
    """Close to the equilibrium (r0 ≤ 0.1) the standard GAN is nearly the linear rotation by
    f'(0) and AltGD stays within the linear invariant ellipse, up to a small nonlinear slack.

    α is kept ≤ 1.2: near the 1:4 resonance α = √2 (rotation by π/2 per step) the nonlinear
    terms accumulate and a path can leave the neighbourhood (see the report); far from the
    equilibrium the loss saturates. Both are beyond the linear theory this test checks.
    """
    hp, _ = hp_alpha
    game = make_game("standard")
    op = METHODS["altgd"].operator
    assert op is not None
    _, V = np.linalg.eig(op(game.jacobian(), hp))
    cond = float(np.linalg.cond(V))
    z0 = [r0 * math.cos(ang), r0 * math.sin(ang)]
    t = simulate(game, "altgd", hp, [z0], 1500)
    d = t.distance()[:, 0]
    assert t.diverged_at[0] == -1
    assert d.max() <= 1.25 * cond * r0
    assert d.min() >= r0 / (1.25 * cond)


# -------------------------------------------------------------------------------- WGAN clip


@FAST
@given(
    method=st.sampled_from(ALL_METHODS),
    clip=st.floats(*(lambda p: (p.lo, p.hi))(VARIANTS["wgan"].param_index["clip"])),
    h=LR,
    th=st.floats(-100, 100),
    ps=st.floats(-100, 100),
)
@example(method="flow", clip=0.05, h=0.5, th=2.0, ps=0.0)
@example(method="momentum", clip=1.0, h=0.7, th=0.0, ps=5.0)
def test_wgan_never_leaves_the_clip_box(
    method: str, clip: float, h: float, th: float, ps: float
) -> None:
    if METHODS[method].continuous:
        h = min(h, 2.0)  # runtime: the ODE solver's work grows with the time span
    hp = Hyper(h, h, beta=0.5, n_gen=2, n_disc=2)
    t = simulate(make_game("wgan", clip=clip), method, hp, [[th, ps]], 20)
    assert np.isfinite(t.points).all()
    assert (np.abs(t.points[..., 1]) <= clip).all()


# ----------------------------------------------------------------------- divergence, status

#: (variant, method, h): runs that leave |z| ≤ 1e6 within a few steps; the first three produce
#: inf/NaN inside the update loop (checked below), so the driver must hide them.
DIVERGING = [
    ("non-saturating", "altgd", 50.0),
    ("gradient-penalty", "extragradient", 100.0),
    ("ns-gradient-penalty", "momentum-alt", 50.0),
    ("non-saturating", "simgd", 50.0),
    ("gradient-penalty", "optimistic", 100.0),
]
DIVERGING_STARTS = [[1.0, 1.0], [0.5, -0.3], [-2.0, 0.1]]


def _raw_states(variant: str, method: str, h: float, steps: int) -> np.ndarray:
    """The update rule iterated directly, without the driver's divergence handling."""
    game, m, hp = make_game(variant), METHODS[method], Hyper(h, h)
    assert m.step is not None
    z = np.array(DIVERGING_STARTS)
    mem = m.init(game, hp, z)
    out = [z]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            z, mem = m.step(game, hp, z, mem)
            out.append(z)
    return np.array(out)


@pytest.mark.parametrize(("variant", "method", "h"), DIVERGING)
def test_huge_learning_rate_diverges_cleanly(variant: str, method: str, h: float) -> None:
    steps = 1000  # far beyond the divergence: the loop stops early, the output is padded
    t = simulate(make_game(variant), method, Hyper(h, h), DIVERGING_STARTS, steps)
    B = len(DIVERGING_STARTS)
    assert t.points.shape == (steps + 1, B, 2)
    assert np.isfinite(t.points).all()
    assert t.status == ("diverged",) * B
    assert (t.diverged_at > 0).all()
    np.testing.assert_array_equal(t.n_valid, t.diverged_at)
    raw = _raw_states(variant, method, h, int(t.diverged_at.max()))
    for b in range(B):
        k = int(t.diverged_at[b])
        path = t.path(b)
        assert path.shape == (k, 2)
        # The kept prefix is the raw iteration, all within the bound; step k is the first
        # outside it (or non-finite).
        np.testing.assert_array_equal(path, raw[:k, b])
        assert (np.abs(path) <= DIVERGENCE_BOUND).all()
        assert not (np.abs(raw[k, b]) <= DIVERGENCE_BOUND).all()
        # After the stop the path is frozen at its last kept point.
        np.testing.assert_array_equal(
            t.points[k:, b], np.broadcast_to(path[-1], (steps + 1 - k, 2))
        )
        assert t.final_distance[b] == pytest.approx(math.hypot(*path[-1]))


def test_raw_iteration_really_overflows() -> None:
    # Guard for the test above: the driver does have inf/NaN to hide.
    for variant, method, h in DIVERGING[:3]:
        raw = _raw_states(variant, method, h, 128)
        assert not np.isfinite(raw).all(), (variant, method)


def test_statuses_per_path_in_one_batch() -> None:
    # The equilibrium stays put, another start diverges: the loop must not stop early.
    t = simulate(make_game("gradient-penalty"), "simgd", Hyper(50.0, 50.0), [[0, 0], [1, 1]], 300)
    assert t.status == ("converged", "diverged")
    assert t.diverged_at[0] == -1 and t.diverged_at[1] > 0
    assert t.n_valid[0] == 301
    assert t.points.shape == (301, 2, 2)
    assert np.isfinite(t.points).all()


@pytest.mark.parametrize("method", ["simgd", "altgd", "flow"])
def test_gradient_penalty_converges_with_the_authors_settings(method: str) -> None:
    t = simulate(make_game("gradient-penalty"), method, Hyper(), [[1.0, 1.0]], 500)
    assert t.status == ("converged",)
    assert t.final_distance[0] < CONVERGENCE_TOL
    assert t.diverged_at[0] == -1


def test_standard_altgd_is_not_converged() -> None:
    t = simulate(make_game("standard"), "altgd", Hyper(), [[1.0, 1.0]], 500)
    assert t.status == ("not converged",)
    assert t.final_distance[0] > 0.5


def test_simgd_with_large_h_diverges() -> None:
    # The non-saturating GAN (same linearisation as the standard one) blows up. The standard
    # GAN itself does not reach 1e6: its SimGD spiral ends in the saturated quadrant θψ > 0
    # where f'(θψ) ≈ 0 (see the next test).
    t = simulate(make_game("non-saturating"), "simgd", Hyper(5.0, 5.0), [[1.0, 1.0]], 500)
    assert t.status == ("diverged",)
    assert 0 < t.diverged_at[0] < 500


def test_standard_simgd_with_large_h_grows_then_saturates() -> None:
    t = simulate(make_game("standard"), "simgd", Hyper(5.0, 5.0), [[1.0, 1.0]], 2000)
    d = t.distance()[:, 0]
    assert (np.diff(d) >= 0).all()
    assert d[-1] > 10 * d[0]
    assert t.status == ("not converged",)
    th, ps = t.points[-1, 0]
    assert th * ps > 20  # stuck where the loss saturates


def test_convergence_tolerance_is_a_parameter() -> None:
    game = make_game("gradient-penalty")
    t = simulate(game, "simgd", Hyper(), [[1.0, 1.0]], 100)
    d = float(t.final_distance[0])
    assert simulate(game, "simgd", Hyper(), [[1.0, 1.0]], 100, tol=d * 1.01).status == (
        "converged",
    )
    assert simulate(game, "simgd", Hyper(), [[1.0, 1.0]], 100, tol=d * 0.99).status == (
        "not converged",
    )


# ---------------------------------------------------------------------- batch vs one by one


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("variant", ALL_VARIANTS)
def test_batch_equals_one_by_one(variant: str, method: str, rng: np.random.Generator) -> None:
    game = make_game(variant)
    starts = rng.uniform(-2, 2, size=(4, 2))
    hp = Hyper(0.15, 0.25, n_gen=2, n_disc=3, beta=-0.2)
    steps = 25
    batch = simulate(game, method, hp, starts, steps)
    for b in range(len(starts)):
        one = simulate(game, method, hp, starts[b : b + 1], steps)
        assert one.status[0] == batch.status[b]
        assert one.n_valid[0] == batch.n_valid[b]
        if METHODS[method].continuous:
            # The adaptive ODE solver chooses its steps for the whole batch: agreement to
            # the solver tolerance (rtol 1e-10), not to rounding.
            np.testing.assert_allclose(one.points[:, 0], batch.points[:, b], rtol=0, atol=1e-7)
        else:
            np.testing.assert_allclose(one.points[:, 0], batch.points[:, b], rtol=1e-13, atol=1e-15)
