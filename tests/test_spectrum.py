"""Local stability at the equilibrium: numeric vs analytic Jacobians, update operators and
their eigenvalues, and the known facts of docs/theory.md §1 and §2."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from dynamics.losses import FP0, FPP0
from dynamics.methods import HYPER_RANGES, METHODS, NEUTRAL_TOL, Hyper, simulate
from dynamics.spectrum import (
    UpdateSpectrum,
    defective_on_unit_circle,
    numeric_jacobian,
    numeric_operator,
    spectrum,
    verdict,
)
from dynamics.variants import VARIANTS, Variant, make_game

#: Hypothesis budget for this module (no deadline: numerical examples vary in cost).
FAST = settings(max_examples=40, deadline=None)

WITH_JACOBIAN = [n for n, v in VARIANTS.items() if v.jacobian is not None]
WITH_OPERATOR = [m for m, meth in METHODS.items() if meth.operator is not None]
WITH_CLOSED_FORM = [m for m, meth in METHODS.items() if meth.closed_form is not None]
PAIRS = [(v, m) for v in WITH_JACOBIAN for m in WITH_OPERATOR]

LR_LO, LR_HI = HYPER_RANGES["lr_gen"]
N_LO, N_HI = (int(x) for x in HYPER_RANGES["n_gen"])
B_LO, B_HI = HYPER_RANGES["beta"]


def params_strategy(variant: Variant) -> st.SearchStrategy[dict[str, float]]:
    """Every parameter drawn from its registry range [lo, hi]."""
    return st.fixed_dictionaries(
        {p.name: st.floats(p.lo, p.hi, allow_nan=False) for p in variant.params}
    )


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


def hyper_strategy(
    lr: tuple[float, float], n_max: int, k_max: int | None = None
) -> st.SearchStrategy[Hyper]:
    """Rates log-uniform in ``lr`` (equal for both players half of the time, where the closed
    forms of Hamiltonian GD and SGA hold), step counts up to ``n_max``, the rest from
    HYPER_RANGES."""

    def build(hg: float, hd: float, equal: bool, **kw: float) -> Hyper:
        return Hyper(lr_gen=hg, lr_disc=hg if equal else hd, **kw)

    return st.builds(
        build,
        hg=log_uniform(*lr),
        hd=log_uniform(*lr),
        equal=st.booleans(),
        n_gen=st.integers(N_LO, n_max),
        n_disc=st.integers(N_LO, n_max),
        beta=st.floats(B_LO, B_HI),
        sga_lambda=st.floats(*HYPER_RANGES["sga_lambda"]),
        lookahead_k=st.integers(int(HYPER_RANGES["lookahead_k"][0]), k_max or n_max),
        lookahead_alpha=st.floats(*HYPER_RANGES["lookahead_alpha"]),
        ema_beta=log_uniform(*HYPER_RANGES["ema_beta"]),
        unroll_k=st.integers(*(int(x) for x in HYPER_RANGES["unroll_k"])).map(
            lambda k: min(k, k_max) if k_max else k
        ),
    )


#: For finite-difference checks of the real one-step map the state after one step must stay
#: in the linear regime: rates up to 1, at most 5 sub-steps per player and 3 lookahead or
#: unrolled steps (5 lookahead steps of h = 1 with γ = 5 amplify the stencil ≈ 1000-fold; 5
#: unrolled ones by (1 − γ)⁵ ≈ 1000 too). Closed forms against the analytic operator (no
#: finite differences) use the whole of HYPER_RANGES.
FD_HYPER = hyper_strategy((1e-3, 1.0), 5, k_max=3)
FULL_HYPER = hyper_strategy((LR_LO, LR_HI), N_HI)


def pair_eigs(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """|got − want| per eigenvalue under the best pairing."""
    got, want = np.asarray(got, complex).ravel(), np.asarray(want, complex).ravel()
    assert got.shape == want.shape
    cost = np.abs(got[:, None] - want[None, :])
    r, c = linear_sum_assignment(cost)
    return cost[r, c]


def assert_spectra_agree(
    got: np.ndarray, want: np.ndarray, matrix: np.ndarray, err: float, *, tight: float
) -> None:
    """``got`` and ``want``: two computations of the eigenvalues of ``matrix``, where ``got``
    comes from a version of it perturbed by at most ``err`` (2-norm).

    - Characteristic polynomial (well-conditioned even at multiple roots): the k-th
      coefficient moves by at most C(n, k)·k·err·scale^(k−1).
    - Bauer–Fike: every eigenvalue moves by at most cond(V)·err, V the eigenvectors; near a
      double root cond(V) is large and so is the allowance, as it must be. Plus the
      cancellation in the closed forms' quadratic formula, ε·scale²/gap.
    - Away from double roots (all gaps ≥ 1e-2·scale) the eigenvalues agree to ``tight``·scale.
    """
    want = np.asarray(want, complex).ravel()
    n = want.size
    scale = max(1.0, float(np.linalg.norm(matrix, 2)))
    err = err + 1e-14 * scale  # rounding in the eigen-solvers themselves
    pg, pw = np.poly(np.asarray(got, complex)), np.poly(want)
    for k in range(1, n + 1):
        bound = 2 * math.comb(n, k) * k * err * scale ** (k - 1)
        assert abs(pg[k] - pw[k]) <= bound, (k, got, want)
    cond = float(np.linalg.cond(np.linalg.eig(matrix)[1]))
    dist = pair_eigs(got, want)
    gap = min((abs(a - b) for a, b in combinations(want, 2)), default=scale)
    # The quadratic formula of a closed form loses ≈ ε·scale²/gap to cancellation.
    cancellation = min(1e-15 * scale * scale / max(gap, 1e-300), 1e-7 * scale)
    assert dist.max() <= 2 * cond * err + cancellation, (got, want, cond, err)
    if gap >= 1e-2 * scale:
        assert dist.max() <= tight * scale, (got, want)


#: Where the closed forms that do not hold for every J and H hold (docs/theory.md §2).
CLOSED_FORM_SCOPE = {
    # AltGD: pure rotations.
    "altgd": lambda J, hp: J[0, 0] == 0 and J[1, 1] == 0 and J[0, 1] == -J[1, 0],
    # EMA: AltGD's closed form (pure rotations) plus 1 − β twice.
    "ema": lambda J, hp: J[0, 0] == 0 and J[1, 1] == 0 and J[0, 1] == -J[1, 0],
    # Hamiltonian GD: equal rates (μ = 1 − hσ²).
    "hamiltonian": lambda J, hp: hp.lr_gen == hp.lr_disc,
    # SGA: equal rates and J = sI + ωR.
    "sga": lambda J, hp: hp.lr_gen == hp.lr_disc and J[0, 0] == J[1, 1] and J[0, 1] == -J[1, 0],
    # CGD: a zero diagonal (bilinear games).
    "cgd": lambda J, hp: J[0, 0] == 0 and J[1, 1] == 0,
}


# ---------------------------------------------------------------- numeric vs analytic


@pytest.mark.parametrize(("variant", "method"), PAIRS)
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_numeric_and_analytic_agree(variant: str, method: str, data: st.DataObject) -> None:
    game = make_game(variant, data.draw(params_strategy(VARIANTS[variant])))
    hp = data.draw(FD_HYPER)
    s = spectrum(game, method, hp)
    c, u = s.continuous, s.update
    assert c.jacobian_numeric is not None and c.jacobian_analytic is not None
    np.testing.assert_allclose(c.jacobian_numeric, c.jacobian_analytic, rtol=0, atol=1e-8)
    assert c.numeric is not None and c.analytic is not None
    Jerr = float(np.linalg.norm(c.jacobian_numeric - c.jacobian_analytic, 2))
    assert_spectra_agree(c.numeric, c.analytic, c.jacobian_analytic, Jerr, tight=1e-8)

    assert u.operator_numeric is not None and u.operator_analytic is not None
    n = METHODS[method].state_dim
    assert u.operator_numeric.shape == u.operator_analytic.shape == (n, n)
    scale = max(1.0, float(np.abs(u.operator_analytic).max()))
    # Central differences with step 1e-5 (1e-4 for the ODE flow): O(e²) nonlinear terms.
    np.testing.assert_allclose(u.operator_numeric, u.operator_analytic, rtol=0, atol=1e-7 * scale)
    assert u.numeric is not None and u.analytic is not None
    closed = METHODS[method].closed_form
    J = game.jacobian()
    assert J is not None
    assert u.closed_form is (closed is not None and closed(J, hp) is not None)
    Merr = float(np.linalg.norm(u.operator_numeric - u.operator_analytic, 2))
    assert_spectra_agree(u.numeric, u.analytic, u.operator_analytic, Merr, tight=1e-8)
    rho = float(np.abs(u.analytic).max())
    if defective_on_unit_circle(u.operator_analytic):
        # A Jordan block on the unit circle (e.g. AltGD-like methods at α = 2 exactly):
        # rounding splits its double eigenvalue to 1 ± ~1e-8; the verdict says it grows
        # linearly, with ρ = 1 exactly (docs/theory.md §2.3).
        assert u.verdict == "grows linearly" and u.spectral_radius == 1.0
        assert rho == pytest.approx(1.0, abs=1e-6)
    else:
        assert u.spectral_radius == pytest.approx(rho, rel=1e-15)
        assert u.verdict == verdict(u.spectral_radius)


@pytest.mark.parametrize("variant", WITH_JACOBIAN)
@pytest.mark.parametrize("method", WITH_CLOSED_FORM)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_closed_forms_hold_with_separate_learning_rates(
    variant: str, method: str, data: st.DataObject
) -> None:
    """The closed forms in κ = eig(HJ) against the eigenvalues of the analytic operator,
    over the whole of HYPER_RANGES (h_g ≠ h_d in general)."""
    game = make_game(variant, data.draw(params_strategy(VARIANTS[variant])))
    hp = data.draw(FULL_HYPER)
    m = METHODS[method]
    J = game.jacobian()
    assert J is not None and m.operator is not None and m.closed_form is not None
    op = m.operator(J, hp)
    closed = m.closed_form(J, hp)
    if method in CLOSED_FORM_SCOPE:
        assert (closed is not None) is bool(CLOSED_FORM_SCOPE[method](J, hp)), method
    if closed is None:  # a closed form with a stated scope, outside it
        return
    assert np.isfinite(op).all()
    # Rounding in forming the operator is relative to the size of HJ too (expm of a large
    # rotation: e^(HJ) has norm 1 but is built from terms of size ‖HJ‖^k/k!).
    hj = max(hp.lr_gen, hp.lr_disc) * float(np.abs(J).max())
    err = 1e-14 * max(1.0, hj) * max(1.0, float(np.linalg.norm(op, 2)))
    assert_spectra_agree(np.linalg.eigvals(op), closed, op, err, tight=1e-9)


def test_altgd_closed_form_exists_for_every_rotation() -> None:
    for name in ("standard", "non-saturating", "wgan"):
        u = spectrum(make_game(name), "altgd", Hyper(0.3, 0.7, n_gen=2, n_disc=3)).update
        assert u.closed_form


# -------------------------------------------------------------- docs/theory.md §2 facts


@FAST
@given(h=log_uniform(LR_LO, LR_HI))
@example(h=0.2)
def test_simgd_unregularised_modulus(h: float) -> None:
    u = spectrum(make_game("standard"), "simgd", Hyper(h, h)).update
    want = math.sqrt(1 + h * h * FP0**2)
    assert u.analytic is not None and u.numeric is not None
    np.testing.assert_allclose(np.abs(u.analytic), want, rtol=1e-14)
    np.testing.assert_allclose(np.abs(u.numeric), want, rtol=1e-8)
    # ρ − 1 ≈ h² f'(0)²/2: below NEUTRAL_TOL (h ≲ 1e-4) the drift is labelled "neutral".
    assert u.verdict == ("diverges" if want - 1 > NEUTRAL_TOL else "neutral")


@FAST
@given(hg=log_uniform(LR_LO, LR_HI), hd=log_uniform(LR_LO, LR_HI))
def test_simgd_unregularised_two_rates(hg: float, hd: float) -> None:
    u = spectrum(make_game("standard"), "simgd", Hyper(hg, hd)).update
    w = math.sqrt(hg * hd) * FP0
    assert u.analytic is not None
    assert pair_eigs(u.analytic, np.array([1 - 1j * w, 1 + 1j * w])).max() <= 1e-12 * (1 + w)


def test_gradient_penalty_critical_damping_at_gamma_1() -> None:
    c = spectrum(make_game("gradient-penalty", gamma=1.0), "simgd", Hyper()).continuous
    assert c.analytic is not None and c.numeric is not None
    # A double root: both computations are accurate only to √(rounding) ≈ 1e-8.
    np.testing.assert_allclose(c.analytic, [-0.5, -0.5], atol=1e-7)
    np.testing.assert_allclose(c.numeric, [-0.5, -0.5], atol=1e-4)
    assert c.numeric.sum().real == pytest.approx(-1.0, abs=1e-9)
    assert np.prod(c.numeric).real == pytest.approx(0.25, abs=1e-9)


@FAST
@given(gamma=st.floats(0.0, 5.0).filter(lambda g: abs(g - 1.0) > 1e-6))
@example(gamma=0.0)
@example(gamma=0.3)
@example(gamma=1.5)
def test_gradient_penalty_discriminant_changes_sign_at_gamma_1(gamma: float) -> None:
    c = spectrum(make_game("gradient-penalty", gamma=gamma), "simgd", Hyper()).continuous
    assert c.analytic is not None and c.numeric is not None
    disc = gamma**2 / 4 - FP0**2
    root = np.emath.sqrt(disc)
    want = np.array([-gamma / 2 - root, -gamma / 2 + root])
    assert pair_eigs(c.analytic, want).max() <= 1e-9
    # Numeric (finite-difference Jacobian) eigenvalues near γ = 1 lose half their digits.
    assert pair_eigs(c.numeric, want).max() <= 1e-8 / max(abs(disc), 1e-12) ** 0.5 + 1e-8
    if gamma < 1:
        assert (np.abs(c.analytic.imag) > 0).all()  # spiralling in (underdamped)
    else:
        assert (c.analytic.imag == 0).all() and c.analytic[0] != c.analytic[1]  # overdamped


@FAST
@given(gamma=st.floats(0.0, 5.0))
def test_consensus_eigenvalues(gamma: float) -> None:
    c = spectrum(make_game("consensus", gamma=gamma), "simgd", Hyper()).continuous
    want = np.array([-gamma * FP0**2 - 1j * FP0, -gamma * FP0**2 + 1j * FP0])
    assert c.numeric is not None and c.analytic is not None
    assert pair_eigs(c.numeric, want).max() <= 1e-8
    assert pair_eigs(c.analytic, want).max() <= 1e-12


@FAST
@given(sigma=st.floats(0.0, 2.0))
@example(sigma=math.sqrt(2.0))
@example(sigma=0.7)
def test_instance_noise_eigenvalues(sigma: float) -> None:
    c = spectrum(make_game("instance-noise", sigma=sigma), "simgd", Hyper()).continuous
    disc = FPP0**2 * sigma**4 - FP0**2
    root = np.emath.sqrt(disc)
    want = np.array([FPP0 * sigma**2 - root, FPP0 * sigma**2 + root])
    assert c.numeric is not None and c.analytic is not None
    sep = max(abs(disc), 1e-16) ** 0.5
    assert pair_eigs(c.analytic, want).max() <= 1e-9 + 1e-15 / sep
    assert pair_eigs(c.numeric, want).max() <= 1e-8 + min(1e-9 / sep, 1e-4)
    if sigma > 1e-100:  # (f''(0)σ² underflows to −0 below that)
        assert (c.analytic.real < 0).all()  # damping: converges in continuous time


@FAST
@given(h=st.floats(0.01, 0.5))
def test_extragradient_and_optimistic_converge_where_simgd_diverges(h: float) -> None:
    game = make_game("standard")
    hp = Hyper(h, h)
    sim = spectrum(game, "simgd", hp).update
    assert sim.spectral_radius is not None and sim.spectral_radius > 1
    for m in ("extragradient", "optimistic"):
        u = spectrum(game, m, hp).update
        assert u.spectral_radius is not None and u.spectral_radius < 1, m
        assert u.verdict == "converges"
        assert u.numeric is not None and np.abs(u.numeric).max() < 1, m


@FAST
@given(beta=st.floats(-0.5, -0.3), h=st.floats(0.05, 0.3))
def test_negative_momentum_converges_only_when_alternating(beta: float, h: float) -> None:
    # Gidel et al. 2019: negative momentum with alternating updates converges on the
    # bilinear game; simultaneous updates still spiral out.
    game = make_game("standard")
    hp = Hyper(h, h, beta=beta)
    alt = spectrum(game, "momentum-alt", hp).update
    sim = spectrum(game, "momentum", hp).update
    assert alt.verdict == "converges" and sim.verdict == "diverges"
    assert alt.numeric is not None and sim.numeric is not None
    assert np.abs(alt.numeric).max() < 1 < np.abs(sim.numeric).max()


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_adam_has_a_reason_and_no_numbers(variant: str) -> None:
    u = spectrum(make_game(variant), "adam", Hyper()).update
    assert u.reason
    if VARIANTS[variant].differentiable:
        assert u.reason == METHODS["adam"].no_operator_reason
    _assert_no_numbers(u)


@pytest.mark.parametrize("method", list(METHODS))
def test_wgan_gp_has_a_reason_and_no_numbers(method: str) -> None:
    s = spectrum(make_game("wgan-gp"), method, Hyper())
    c = s.continuous
    assert c.reason is not None and "not differentiable at the equilibrium" in c.reason
    assert c.numeric is None and c.analytic is None
    assert c.jacobian_numeric is None and c.jacobian_analytic is None
    assert s.update.reason == c.reason
    _assert_no_numbers(s.update)


def _assert_no_numbers(u: UpdateSpectrum) -> None:
    assert u.numeric is None and u.analytic is None
    assert u.operator_numeric is None and u.operator_analytic is None
    assert u.spectral_radius is None and u.verdict is None
    assert u.steps_per_decade is None
    assert u.closed_form is False


def test_verdict_thresholds() -> None:
    assert verdict(1.0) == "neutral"
    assert verdict(1.0 + 0.5 * NEUTRAL_TOL) == "neutral"
    assert verdict(1.0 - 0.5 * NEUTRAL_TOL) == "neutral"
    assert verdict(1.0 + 2 * NEUTRAL_TOL) == "diverges"
    assert verdict(1.0 - 2 * NEUTRAL_TOL) == "converges"
    assert verdict(0.0) == "converges"
    assert verdict(5.0) == "diverges"
    assert NEUTRAL_TOL <= 1e-6  # "neutral" must not hide a visible drift


@FAST
@given(data=st.data())
def test_steps_per_decade(data: st.DataObject) -> None:
    variant = data.draw(st.sampled_from(WITH_JACOBIAN))
    method = data.draw(st.sampled_from(WITH_OPERATOR))
    game = make_game(variant, data.draw(params_strategy(VARIANTS[variant])))
    u = spectrum(game, method, data.draw(FD_HYPER)).update
    rho = u.spectral_radius
    assert rho is not None
    if u.verdict == "converges" and rho > 0:
        assert u.steps_per_decade == pytest.approx(math.log(10) / -math.log(rho), rel=1e-12)
        assert rho**u.steps_per_decade == pytest.approx(0.1, rel=1e-9)
    else:
        assert u.steps_per_decade is None


DECAY_CASES = [
    ("gradient-penalty", "simgd", Hyper()),
    ("gradient-penalty", "altgd", Hyper(n_disc=5)),
    ("instance-noise", "simgd", Hyper()),
    ("consensus", "extragradient", Hyper(0.3, 0.3)),
    ("standard", "optimistic", Hyper(0.4, 0.4)),
]


@pytest.mark.parametrize(("variant", "method", "hp"), DECAY_CASES)
def test_measured_decay_rate_matches_the_spectral_radius(
    variant: str, method: str, hp: Hyper
) -> None:
    game = make_game(variant)
    u = spectrum(game, method, hp).update
    rho = u.spectral_radius
    assert rho is not None and u.verdict == "converges"
    # Long enough to go from the start (1, 1) down to ~1e-10, linear regime in the tail.
    steps = int(math.log(1e-10) / math.log(rho))
    t = simulate(game, method, hp, [[1.0, 1.0]], steps, tol=1e-300)
    log_d = np.log(t.distance()[:, 0])
    k = np.arange(steps + 1)
    tail = k >= steps // 3
    slope = np.polyfit(k[tail], log_d[tail], 1)[0]
    assert slope == pytest.approx(math.log(rho), rel=0.03)


# -------------------------------------------------------------------------- odds and ends


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_spectrum_is_complete_for_every_pair(variant: str, method: str) -> None:
    s = spectrum(make_game(variant), method, Hyper())
    has_numbers = VARIANTS[variant].differentiable and METHODS[method].operator is not None
    assert (s.update.spectral_radius is not None) is has_numbers
    assert (s.update.reason is None) is has_numbers
    assert (s.continuous.numeric is not None) is VARIANTS[variant].differentiable
    if has_numbers:
        assert s.update.verdict in ("converges", "neutral", "diverges")
        assert s.update.numeric is not None and s.update.analytic is not None
        for eigs in (s.update.numeric, s.update.analytic):
            key = [(round(z.real, 12), z.imag) for z in eigs]
            assert key == sorted(key)  # sorted by (re, im)


def test_numeric_jacobian_away_from_the_equilibrium() -> None:
    # WGAN is linear: the same Jacobian everywhere.
    J = numeric_jacobian(make_game("wgan"), at=(1.3, -0.4))
    np.testing.assert_allclose(J, [[0.0, -1.0], [1.0, 0.0]], atol=1e-9)
    # Gradient penalty at (θ, ψ): ∂v_ψ/∂ψ = θ² f''(θψ) − γ.
    th, ps, g = 0.8, -0.6, 0.3
    J = numeric_jacobian(make_game("gradient-penalty", gamma=g), at=(th, ps))
    t = th * ps
    fpp = -1.0 / ((1 + math.exp(t)) * (1 + math.exp(-t)))
    assert J[1, 1] == pytest.approx(th * th * fpp - g, abs=1e-8)


def test_numeric_operator_uses_the_rule_itself() -> None:
    # Optimistic GD's operator acts on (z, previous gradient): 4×4, and the previous
    # gradient enters as −H.
    game = make_game("standard")
    hp = Hyper(0.3, 0.7)
    M = numeric_operator(game, METHODS["optimistic"], hp)
    assert M.shape == (4, 4)
    np.testing.assert_allclose(M[:2, 2:], -np.diag([0.3, 0.7]), atol=1e-9)
    np.testing.assert_allclose(M[2:, :2], game.jacobian(), atol=1e-9)
