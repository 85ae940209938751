"""The implicit (proximal point) step and the unrolled GAN (docs/theory.md §2.14–2.15), and the
least-squares and LeCam variants (§1.12–1.13): closed forms against the eigenvalues and the
losses they come from, the behaviour each is known for (the lesson claims), their presets, a
failed implicit solve per path, and their controls on the CLI and the pages."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dynamics.cli import main
from dynamics.losses import FP0, f
from dynamics.methods import METHODS, NEUTRAL_TOL, Hyper, implicit_step, simulate
from dynamics.presets import PRESETS, SCHEMES
from dynamics.spectrum import spectrum
from dynamics.stability import available_axes, stability_map
from dynamics.variants import VARIANTS, Game, make_game
from tests.app_pages import markdown_parts
from tests.test_compare_stability_pages import annotation_texts, page
from tests.test_game_methods import (
    FAST,
    LR_HI,
    LR_LO,
    ROTATIONS,
    SMOOTH,
    _app,
    log_uniform,
    params_strategy,
    sorted_eigs,
)
from ui import budget
from ui.figures.common import METHOD_STYLE

ROTATIONS_ALL = {**ROTATIONS, "least-squares": 1.0, "lecam": FP0}

# ------------------------------------------------------------------------ implicit step


@pytest.mark.parametrize("variant", SMOOTH)
@FAST
@given(data=st.data(), hg=log_uniform(LR_LO, LR_HI), hd=log_uniform(LR_LO, LR_HI))
@example(data=None, hg=100.0, hd=100.0)
def test_implicit_eigenvalues_are_one_over_one_minus_kappa_and_inside_the_circle(
    variant: str, data: st.DataObject | None, hg: float, hd: float
) -> None:
    """μ = 1/(1 − κ), κ = eig(HJ). Every smooth variant's J has a ≤ 0, d ≤ 0 on the diagonal
    and det J > 0, so Re κ ≤ 0 and κ ≠ 0: |μ| < 1 for every pair of rates."""
    params = {} if data is None else data.draw(params_strategy(VARIANTS[variant]))
    _check_implicit(make_game(variant, params), hg, hd)


def test_implicit_eigenvalues_at_a_double_root() -> None:
    """γ = 1 makes the gradient-penalty J = [[0, −½], [½, −1]] critically damped (λ = −½
    twice), and with h_gen = h_disc the implicit operator has one double eigenvalue: the
    closed form gives it exactly, ``eigvals`` of a defective matrix splits it by ~1e-9
    (half the digits). Found by hypothesis at h = e³; compared at 1e-10 it failed."""
    _check_implicit(make_game("ns-gradient-penalty", {"gamma": 1.0}), math.exp(3.0), math.exp(3.0))


def _check_implicit(game: Game, hg: float, hd: float) -> None:
    J = game.jacobian()
    hp = Hyper(hg, hd)
    kappa = np.linalg.eigvals(np.diag([hg, hd]) @ J)
    want = 1 / (1 - kappa)
    closed = METHODS["implicit"].closed_form(J, hp)
    # the pair's sum and product are well conditioned (trace and determinant of the operator);
    # each eigenvalue of a double root loses half its digits in ``eigvals``
    scale = max(1.0, float(np.abs(want).max()))
    assert abs(closed.sum() - want.sum()) <= 1e-10 * scale
    assert abs(closed.prod() - want.prod()) <= 1e-10 * scale**2
    assert np.abs(sorted_eigs(closed) - sorted_eigs(want)).max() <= 1e-7 * scale
    op = METHODS["implicit"].operator(J, hp)
    np.testing.assert_allclose(op @ (np.eye(2) - np.diag([hg, hd]) @ J), np.eye(2), atol=1e-9)
    u = spectrum(game, "implicit", hp).update
    assert u.spectral_radius is not None and u.spectral_radius <= 1.0
    assert u.verdict == ("converges" if 1 - u.spectral_radius > NEUTRAL_TOL else "neutral")


@FAST
@given(h=log_uniform(1e-2, LR_HI), ang=st.floats(0, 2 * math.pi), r=st.floats(0.1, 0.9))
@example(h=1.0, ang=0.0, r=0.9)
def test_implicit_step_converges_on_wgan_for_every_h_where_simgd_diverges(
    h: float, ang: float, r: float
) -> None:
    """On WGAN's rotation (a clip it never reaches) the implicit operator is ρ times a rotation,
    ρ = 1/√(1 + h²): every step shrinks |z| by exactly ρ; SimGD's grows it by √(1 + h²)."""
    game = make_game("wgan", clip=3.0)
    hp = Hyper(h, h)
    z0 = [r * math.cos(ang), r * math.sin(ang)]
    t = simulate(game, "implicit", hp, [z0], 40)
    rho = 1 / math.sqrt(1 + h * h)
    k = np.arange(41)
    np.testing.assert_allclose(t.distance()[:, 0], r * rho**k, rtol=1e-9, atol=1e-300)
    assert spectrum(game, "simgd", hp).update.verdict == "diverges"
    sim = simulate(game, "simgd", hp, [z0], 1).distance()[1, 0]
    assert sim == pytest.approx(min(r * math.sqrt(1 + h * h), math.inf), rel=1e-12) or sim >= 3.0


def test_implicit_preset_converges_where_simgd_runs_to_the_clip() -> None:
    p = PRESETS["Implicit step vs SimGD on WGAN with a large step (h = 1)"]
    game, hp = make_game(p.variant, p.params), Hyper(p.lr, p.lr)
    assert simulate(game, "implicit", hp, [p.start], p.steps).status == ("converged",)
    sim = simulate(game, "simgd", hp, [p.start], p.steps)
    assert sim.distance()[-1, 0] >= p.params["clip"]  # ψ pinned at the clip, no convergence
    rho = spectrum(game, "implicit", hp).update.spectral_radius
    assert rho == pytest.approx(1 / math.sqrt(2), rel=1e-12)  # the note's 1/√2


#: From (0.2, 1.7) with h = 2 on the standard GAN, Newton's method for the first implicit step
#: does not converge; from (1, −1) it does, at every step.
FAILS, SOLVES = (0.2, 1.7), (1.0, -1.0)


def test_a_failed_implicit_solve_stops_only_its_own_path_with_solver_failed() -> None:
    game, hp = make_game("standard"), Hyper(2.0, 2.0)
    t = simulate(game, "implicit", hp, [FAILS, SOLVES], 60)
    assert t.status == ("solver failed", "converged")
    assert np.isfinite(t.points).all()  # no NaN is ever handed to a chart
    assert t.n_valid.tolist() == [1, 61] and t.failed_at == 1
    assert t.diverged_at.tolist() == [-1, -1]
    np.testing.assert_array_equal(t.points[:, 0], np.broadcast_to(FAILS, (61, 2)))
    # the step itself marks the failed solve: NaN for that path only
    z, _ = implicit_step(game, hp, np.array([FAILS, SOLVES]), ())
    assert np.isnan(z[0]).all() and np.isfinite(z[1]).all()


def test_the_explorer_says_which_implicit_path_failed_and_draws_no_nan() -> None:
    q = {"methods": "implicit,simgd", "h": "2", "theta0": "0.2", "psi0": "1.7", "steps": "50"}
    at = _app(q)
    texts = [w.value for w in at.warning]
    label = METHODS["implicit"].label
    assert any(x.startswith(f"{label}: the implicit step's equation") and "step 1" in x
               for x in texts), texts  # fmt: skip
    assert not at.error


# ------------------------------------------------------------------------------ unrolled


def _psi_k(game, theta: float, psi: float, h: float, k: int) -> float:
    for _ in range(k):
        psi = psi + h * float(game.v_psi(np.array(theta), np.array(psi)))
    return psi


@pytest.mark.parametrize(("variant", "value"), [("standard", f), ("wgan-gp", lambda t: t)])
@FAST
@given(k=st.integers(0, 8), th=st.floats(-2, 2), ps=st.floats(-0.9, 0.9), h=st.floats(0.01, 0.5))
def test_unrolled_generator_descends_the_value_at_the_unrolled_discriminator(
    variant: str, value, k: int, th: float, ps: float, h: float
) -> None:
    """Metz et al.'s surrogate: the generator's step is −h d/dθ V(θ, ψ_k(θ, ψ)), V(θ, ψ) = f(θψ)
    (WGAN-GP with γ = 0, the unclipped WGAN: θψ), checked by central differences in θ."""
    game = make_game(variant, {"gamma": 0.0} if variant == "wgan-gp" else {})
    hp = Hyper(h, h, unroll_k=k)
    e = 1e-6

    def surrogate(t: float) -> float:
        return float(value(t * _psi_k(game, t, ps, h, k)))

    grad = (surrogate(th + e) - surrogate(th - e)) / (2 * e)
    z1 = simulate(game, "unrolled", hp, [(th, ps)], 1).points[1, 0]
    assert (z1[0] - th) / h == pytest.approx(-grad, abs=1e-7)
    # the discriminator takes its plain step
    assert z1[1] == pytest.approx(ps + h * float(game.v_psi(np.array(th), np.array(ps))), abs=1e-15)


@pytest.mark.parametrize("variant", list(ROTATIONS_ALL))
@FAST
@given(h=log_uniform(1e-3, 2.0), k=st.integers(0, 20))
def test_unrolled_on_a_rotation(variant: str, h: float, k: int) -> None:
    """J = [[0, b], [c, 0]] (the rotations, LSGAN): q = 1 and s = khc, so J_k = [[khc(b − c), b],
    [c, 0]] and μ = 1 + eig(hJ_k); k = 0 is SimGD."""
    game = make_game(variant)
    J = game.jacobian()
    b, c = J[0, 1], J[1, 0]
    a_k = k * h * c * (b - c)
    Jk = np.array([[a_k, b], [c, 0.0]])
    want = 1 + np.linalg.eigvals(h * Jk)
    hp = Hyper(h, h, unroll_k=k)
    closed = METHODS["unrolled"].closed_form(J, hp)
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(sorted_eigs(closed), sorted_eigs(want), atol=1e-12 * scale)
    if k == 0:  # SimGD
        np.testing.assert_allclose(sorted_eigs(closed), sorted_eigs(1 + h * np.linalg.eigvals(J)))


@pytest.mark.parametrize("variant", list(ROTATIONS))
@FAST
@given(h=log_uniform(1e-3, 2.0), k=st.integers(1, 20))
def test_unrolling_damps_the_cycle_that_simgd_spirals_out_of(variant: str, h: float, k: int):
    """On J = ωR: det(I + hJ_k) = 1 − (2k − 1)h²ω², so while the eigenvalues stay complex
    (khω < 1) ρ² = 1 − (2k − 1)h²ω² < 1 < 1 + h²ω², SimGD's (k = 0)."""
    omega = ROTATIONS[variant]
    game = make_game(variant)
    rho0 = spectrum(game, "unrolled", Hyper(h, h, unroll_k=0)).update.spectral_radius
    assert rho0 == pytest.approx(math.sqrt(1 + (h * omega) ** 2), rel=1e-12)
    if k * h * omega < 1 - 1e-9:
        rho = spectrum(game, "unrolled", Hyper(h, h, unroll_k=k)).update.spectral_radius
        assert rho == pytest.approx(math.sqrt(1 - (2 * k - 1) * (h * omega) ** 2), rel=1e-9)
        assert rho < 1 < rho0


def test_unrolled_preset_converges_where_simgd_spirals_out() -> None:
    p = PRESETS["Unrolled GAN (k = 5) vs SimGD on the standard GAN"]
    game, hp = make_game(p.variant), Hyper(p.lr, p.lr)
    assert hp.unroll_k == 5  # the preset's title
    assert simulate(game, "unrolled", hp, [p.start], p.steps).status == ("converged",)
    sim = simulate(game, "simgd", hp, [p.start], p.steps)
    assert sim.status == ("not converged",) and sim.final_distance[0] > 2 * math.hypot(*p.start)
    # k = 0 at the same h is SimGD, step for step
    zero = simulate(game, "unrolled", Hyper(p.lr, p.lr, unroll_k=0), [p.start], p.steps)
    np.testing.assert_array_equal(zero.points, sim.points)


def test_stability_map_over_h_and_unroll_k_has_the_simgd_row_at_k_0() -> None:
    axes = available_axes("standard", "unrolled")
    m = stability_map("standard", "unrolled", axes["h"], axes["unroll_k"], n=21)
    assert m.y[0] == 0 and (m.rho[0] > 1).all()  # k = 0: SimGD diverges for every h
    assert (m.rho[1:] < 1).any()


def test_cli_unroll_k_flag_reaches_the_core(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["trajectory", "--variant", "least-squares", "--method", "unrolled", "--start", "1,-1"]
    assert main([*argv, "--steps", "20", "--unroll-k", "2", "--c", "0.5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hyper"]["unroll_k"] == 2
    game = make_game("least-squares", c=0.5)
    want = simulate(game, "unrolled", Hyper(unroll_k=2), [[1.0, -1.0]], 20).path(0)
    np.testing.assert_allclose(np.array(out["points"]), want, rtol=1e-15)
    with pytest.raises(SystemExit) as exit_:  # outside [0, 20]: one line, exit code 2
        main([*argv, "--unroll-k", "21"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


# ------------------------------------------------------------------- LSGAN and LeCam


def _fd(fun, x: float, e: float = 1e-6) -> float:
    return (fun(x + e) - fun(x - e)) / (2 * e)


@FAST
@given(th=st.floats(-3, 3), ps=st.floats(-3, 3), c=st.floats(0.05, 1.0))
def test_least_squares_field_is_minus_the_gradients_of_the_written_losses(
    th: float, ps: float, c: float
) -> None:
    """Mao et al.'s losses on the Dirac-GAN (D(x) = ψx, real x = 0, fake x = θ; a = −1, b = 1):
    L_D = ½(D(0) − b)² + ½(D(θ) − a)², L_G = ½(D(θ) − c)²; v = (−∂L_G/∂θ, −∂L_D/∂ψ)."""
    game = make_game("least-squares", c=c)
    a, b = -1.0, 1.0

    def loss_d(p: float) -> float:
        return 0.5 * (p * 0.0 - b) ** 2 + 0.5 * (p * th - a) ** 2

    def loss_g(t: float) -> float:
        return 0.5 * (ps * t - c) ** 2

    vt, vp = game.field(th, ps)
    assert float(vt) == pytest.approx(-_fd(loss_g, th), abs=1e-6 * (1 + abs(float(vt))))
    assert float(vp) == pytest.approx(-_fd(loss_d, ps), abs=1e-6 * (1 + abs(float(vp))))


@FAST
@given(c=st.floats(0.05, 1.0), h=log_uniform(1e-3, 2.0))
def test_least_squares_rotates_at_sqrt_c(c: float, h: float) -> None:
    """J = [[0, c], [−1, 0]]: λ = ±i√c, so SimGD's ρ = √(1 + h²c) and AltGD's μ are on the
    unit circle while h√c ≤ 2."""
    game = make_game("least-squares", c=c)
    cs = spectrum(game, "simgd", Hyper(h, h))
    np.testing.assert_allclose(
        sorted_eigs(cs.continuous.numeric), [-1j * math.sqrt(c), 1j * math.sqrt(c)], atol=1e-8
    )
    assert cs.update.spectral_radius == pytest.approx(math.sqrt(1 + h * h * c), rel=1e-12)


@FAST
@given(th=st.floats(-3, 3), ps=st.floats(-3, 3), lam=st.floats(0, 5))
def test_lecam_field_is_the_standard_one_with_the_regulariser_gradient(
    th: float, ps: float, lam: float
) -> None:
    """Tseng et al.: the discriminator also minimises λ(‖D(x) − α_F‖² + ‖D(G(z)) − α_R‖²); here
    D(x) = 0 on the real sample, so its running mean α_R is 0 and only λ(ψθ)² depends on ψ
    (α_F multiplies D(real) = 0·ψ: no ψ-gradient, whatever its value)."""
    game = make_game("lecam", lam=lam)
    alpha_f = 0.37  # any value: it does not matter

    def objective(p: float) -> float:  # what the discriminator ascends
        return float(f(th * p)) - lam * ((p * 0.0 - alpha_f) ** 2 + (p * th - 0.0) ** 2)

    vt, vp = game.field(th, ps)
    st_t, _ = make_game("standard").field(th, ps)
    assert float(vt) == float(st_t)
    assert float(vp) == pytest.approx(_fd(objective, ps), abs=1e-6 * (1 + abs(float(vp))))


def test_lecam_preset_holds_simgd_near_the_equilibrium_and_altgd_creeps_in() -> None:
    p = PRESETS["LeCam regulariser (λ = 1): SimGD and AltGD"]
    game, hp = make_game(p.variant, p.params), Hyper(p.lr, p.lr)
    plain = make_game("standard")
    # the same linearisation: same ρ as the standard GAN
    for m in ("simgd", "altgd"):
        rho = spectrum(game, m, hp).update.spectral_radius
        assert rho == pytest.approx(spectrum(plain, m, hp).update.spectral_radius, rel=1e-12)
    sim = simulate(game, "simgd", hp, [p.start], p.steps).distance()[:, 0]
    sim_plain = simulate(plain, "simgd", hp, [p.start], p.steps).distance()[:, 0]
    assert sim[-500:].max() < 0.4 and sim_plain[-500:].min() > 3.0  # the note's 0.3 vs 3.6
    alt = simulate(game, "altgd", hp, [p.start], p.steps).distance()[:, 0]
    alt_plain = simulate(plain, "altgd", hp, [p.start], p.steps).distance()[:, 0]
    assert alt[2000] < alt[1000] < alt[500] < 0.2 and alt_plain[-500:].min() > 1.3


def test_least_squares_preset_simgd_bounded_altgd_creeps_in_unrolled_converges() -> None:
    p = PRESETS["Least-squares GAN: SimGD, AltGD and unrolled"]
    game, hp = make_game(p.variant, p.params), Hyper(p.lr, p.lr)
    assert spectrum(game, "simgd", hp).update.verdict == "diverges"
    sim = simulate(game, "simgd", hp, [p.start], p.steps)
    assert sim.status == ("not converged",) and sim.distance()[:, 0].max() < 2.0
    alt = simulate(game, "altgd", hp, [p.start], p.steps).distance()[:, 0]
    assert alt[2000] < alt[1000] < alt[500] < 0.2
    assert simulate(game, "unrolled", hp, [p.start], p.steps).status == ("converged",)


@pytest.mark.parametrize("name", ["least-squares", "lecam"])
def test_new_variants_have_a_preset(name: str) -> None:
    assert any(p.variant == name for p in PRESETS.values())


# ------------------------------------------------------ compare page: methods as columns

#: The compare page's scheme names before the per-method columns, as old links spell them.
OLD_SCHEMES = {
    "simgd": ("simgd", 1, 1, 0.0),
    "altgd1": ("altgd", 1, 1, 0.0),
    "altgd5": ("altgd", 1, 5, 0.0),
    "flow": ("flow", 1, 1, 0.0),
    "extragradient": ("extragradient", 1, 1, 0.0),
    "optimistic": ("optimistic", 1, 1, 0.0),
    "negmom": ("momentum-alt", 1, 1, -0.5),
    "adam": ("adam", 1, 1, 0.0),
}


def test_old_compare_scheme_names_keep_their_columns() -> None:
    for name, want in OLD_SCHEMES.items():
        sc = SCHEMES[name]
        assert (sc.method, sc.n_gen, sc.n_disc, sc.beta) == want


def test_every_registry_method_is_a_compare_column() -> None:
    assert {s.method for s in SCHEMES.values()} == set(METHODS)
    # a per-method column names the defaults that shape it
    assert SCHEMES["lookahead"].label == "Lookahead-minmax, k = 5, α = 0.5"
    assert SCHEMES["unrolled"].hyper(0.3) == Hyper(0.3, 0.3)
    cost = budget.hyper_units("standard", "lookahead", SCHEMES["lookahead"].hyper(0.2))
    assert cost == budget.path_units("standard", "lookahead", lookahead_k=5)


def test_compare_page_with_new_methods_and_variants_as_columns_and_rows() -> None:
    schemes = ["implicit", "unrolled", "lookahead", "altgd1"]
    variants = ["standard", "least-squares", "lecam"]
    q = {"schemes": ",".join(schemes), "variants": ",".join(variants), "h": "0.5"}
    at = page("pages/compare.py", q)
    assert at.multiselect(key="cmp_schemes").value == schemes
    fig = annotation_texts(at)
    for v in variants:
        for s in schemes:
            sc = SCHEMES[s]
            u = spectrum(make_game(v), sc.method, sc.hyper(0.5)).update
            assert f"{VARIANTS[v].label}<br>{sc.label}" in fig  # two-line panel titles
            assert f"near (0, 0): {u.verdict} (ρ = {u.spectral_radius:.4f})" in fig
    assert "methods=unrolled" in fig  # the panel's link opens the explorer on that method


def test_compare_page_names_the_panels_whose_solve_failed() -> None:
    q = {"schemes": "implicit,simgd", "variants": "standard", "h": "2", "theta0": "0.2",
         "psi0": "1.7"}  # fmt: skip
    at = page("pages/compare.py", q)
    label = f"{VARIANTS['standard'].label} · {SCHEMES['implicit'].label}"
    warnings = [w.value for w in at.warning]
    assert any("could not continue" in w and label in w for w in warnings), warnings
    assert not any(SCHEMES["simgd"].label + "**" in w for w in warnings)


# ------------------------------------------------------------- explorer and stability page


@pytest.mark.parametrize("variant", ["least-squares", "lecam", "wgan-gp"])
def test_explorer_runs_the_new_methods_on_the_new_variants(variant: str) -> None:
    at = _app({"variant": variant, "methods": "implicit,unrolled,simgd", "unroll_k": "3",
               "steps": "200"})  # fmt: skip
    assert at.number_input(key="unroll_k").value == 3
    game = make_game(variant)
    for method in ("implicit", "unrolled"):
        u = spectrum(game, method, Hyper(unroll_k=3)).update
        line = next(m for m in markdown_parts(at) if m.startswith(f"**{METHODS[method].label}**"))
        if u.spectral_radius is not None:
            assert f"ρ = `{u.spectral_radius:.6f}`" in line
    assert not at.error


def test_stability_page_maps_h_by_unroll_k_on_lsgan() -> None:
    q = {"variant": "least-squares", "method": "unrolled", "axes": "h,unroll_k"}
    at = _app(q, page="pages/stability.py")
    assert at.selectbox(key="stab_axes").value == "h,unroll_k"
    assert not at.error


def test_every_method_has_its_own_line_style() -> None:
    """Paths of several methods in one chart (or in one compare grid) tell apart by colour,
    dash and marker: no method falls back to the shared grey."""
    assert set(METHOD_STYLE) == set(METHODS)
    styles = list(METHOD_STYLE.values())
    assert len(set(styles)) == len(styles)
    assert len({s.color for s in styles}) == len(styles)
