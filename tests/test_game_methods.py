"""Hamiltonian GD, SGA, CGD, lookahead-minmax, iterate averaging, the implicit step and the
unrolled GAN (docs/theory.md §2.9–2.15), and the LSGAN and LeCam variants (§1.12–1.13):
operators against finite differences of the real one-step map, closed forms, the behaviour
each is known for, their presets, and their hyper-parameters on the CLI, the stability map
and the pages."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dynamics import spectrum as spectrum_module
from dynamics.cli import main
from dynamics.losses import FP0
from dynamics.methods import HYPER_PARAMS, HYPER_RANGES, METHODS, NEUTRAL_TOL, Hyper, simulate
from dynamics.presets import PRESETS
from dynamics.spectrum import numeric_operator, spectrum
from dynamics.stability import available_axes, stability_map, update_locus
from dynamics.variants import VARIANTS, Variant, make_game
from tests.app_pages import markdown_parts
from tests.test_methods import HP, _expected_steps

APP = str(Path(__file__).resolve().parents[1] / "app.py")
FAST = settings(max_examples=30, deadline=None)

NEW_LINEAR = ["hamiltonian", "sga", "cgd", "lookahead", "ema", "implicit", "unrolled"]
NEW = [*NEW_LINEAR, "average"]
SMOOTH = [n for n, v in VARIANTS.items() if v.jacobian is not None]
ROTATIONS = {"standard": FP0, "non-saturating": FP0, "wgan": 1.0}
LR_LO, LR_HI = HYPER_RANGES["lr_gen"]


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


def params_strategy(variant: Variant) -> st.SearchStrategy[dict[str, float]]:
    return st.fixed_dictionaries({p.name: st.floats(p.lo, p.hi) for p in variant.params})


def sorted_eigs(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=complex).ravel()
    return x[np.lexsort((x.imag, x.real.round(9)))]


# ------------------------------------------------------- operator vs the real one-step map


@pytest.mark.parametrize("method", NEW_LINEAR)
@pytest.mark.parametrize("variant", SMOOTH)
@FAST
@given(data=st.data())
def test_operator_is_the_derivative_of_the_real_one_step_map(
    variant: str, method: str, data: st.DataObject
) -> None:
    """Every variant parameter, SGA λ, lookahead α and the EMA weight over their whole ranges;
    rates in [1e-3, 1], k ≤ 5 (lookahead and unrolled) and n_gen, n_disc ≤ 3, and operators
    with entries ≤ 100, so that the perturbed states stay in the linear regime of the central
    differences (step 1e-5, error O(e²) relative to the operator; a 5-step lookahead with
    γ = 5, h = 1 amplifies the stencil 1000-fold, docs/theory.md §2). The O(e²) term is
    removed by Richardson extrapolation from steps e and e/2: two unrolled steps through
    LeCam's cubic term (λ = 3, h = 1) leave 1.3e-9 of it at e = 1e-5."""
    game = make_game(variant, data.draw(params_strategy(VARIANTS[variant])))
    hp = Hyper(
        lr_gen=data.draw(log_uniform(1e-3, 1.0)),
        lr_disc=data.draw(log_uniform(1e-3, 1.0)),
        sga_lambda=data.draw(st.floats(*HYPER_RANGES["sga_lambda"])),
        lookahead_k=data.draw(st.integers(1, 5)),
        lookahead_alpha=data.draw(st.floats(*HYPER_RANGES["lookahead_alpha"])),
        ema_beta=data.draw(log_uniform(*HYPER_RANGES["ema_beta"])),
        n_gen=data.draw(st.integers(1, 3)),
        n_disc=data.draw(st.integers(1, 3)),
        unroll_k=data.draw(st.integers(0, 5)),
    )
    m = METHODS[method]
    assert m.operator is not None
    op = m.operator(game.jacobian(), hp)
    assume(np.abs(op).max() <= 100.0)
    num_e = numeric_operator(game, m, hp)
    with patch.object(spectrum_module, "MAP_FD_STEP", spectrum_module.MAP_FD_STEP / 2):
        num_half = numeric_operator(game, m, hp)
    num = (4 * num_half - num_e) / 3
    scale = max(1.0, float(np.abs(op).max()))
    np.testing.assert_allclose(num, op, rtol=0, atol=1e-9 * scale)


# ------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("variant", list(ROTATIONS))
@FAST
@given(h=log_uniform(LR_LO, LR_HI))
@example(h=0.2)
def test_hamiltonian_on_a_rotation_contracts_by_one_minus_h_omega_squared(
    variant: str, h: float
) -> None:
    omega = ROTATIONS[variant]
    u = spectrum(make_game(variant), "hamiltonian", Hyper(h, h)).update
    assert u.closed_form and u.analytic is not None
    want = 1 - h * omega**2
    np.testing.assert_allclose(u.analytic, [want, want], rtol=0, atol=1e-14 * max(1, h))
    # converges exactly when |1 − hω²| < 1, i.e. h < 2/ω²
    assert u.verdict == ("converges" if 0 < h * omega**2 < 2 - 1e-9 else u.verdict)
    if h * omega**2 > 2 + 1e-9:
        assert u.verdict == "diverges"


@pytest.mark.parametrize("variant", ["gradient-penalty", "consensus", "instance-noise"])
@FAST
@given(data=st.data(), h=log_uniform(LR_LO, LR_HI))
def test_hamiltonian_closed_form_is_one_minus_h_singular_values_squared(
    variant: str, data: st.DataObject, h: float
) -> None:
    game = make_game(variant, data.draw(params_strategy(VARIANTS[variant])))
    J = game.jacobian()
    sigma = np.linalg.svd(J, compute_uv=False)
    closed = METHODS["hamiltonian"].closed_form(J, Hyper(h, h))
    assert closed is not None
    np.testing.assert_allclose(np.sort(closed.real), np.sort(1 - h * sigma**2), atol=1e-12 * h)
    np.testing.assert_array_equal(closed.imag, 0.0)


@pytest.mark.parametrize("variant", list(ROTATIONS))
@FAST
@given(h=log_uniform(LR_LO, LR_HI), lam=st.floats(*HYPER_RANGES["sga_lambda"]))
def test_sga_on_a_rotation(variant: str, h: float, lam: float) -> None:
    """M = I + h(J + λJ²) = (1 − λhω²)I + hJ: μ = 1 − λhω² ± ihω."""
    omega = ROTATIONS[variant]
    hp = Hyper(h, h, sga_lambda=lam)
    u = spectrum(make_game(variant), "sga", hp).update
    assert u.closed_form and u.analytic is not None
    re = 1 - lam * h * omega**2
    want = np.array([re - 1j * h * omega, re + 1j * h * omega])
    np.testing.assert_allclose(sorted_eigs(u.analytic), want, rtol=0, atol=1e-12 * (1 + h))
    op = METHODS["sga"].operator(make_game(variant).jacobian(), hp)
    np.testing.assert_allclose(sorted_eigs(np.linalg.eigvals(op)), want, atol=1e-12 * (1 + h))


@FAST
@given(h=log_uniform(LR_LO, LR_HI), lam=st.floats(*HYPER_RANGES["sga_lambda"]))
def test_sga_converges_on_the_rotation_exactly_when_h_is_below_2_lambda_over_1_plus_lambda2w2(
    h: float, lam: float
) -> None:
    # |μ|² = (1 − λhω²)² + h²ω² < 1  ⟺  h(1 + λ²ω²) < 2λ  (for h > 0).
    omega = FP0
    rho = spectrum(make_game("standard"), "sga", Hyper(h, h, sga_lambda=lam)).update.spectral_radius
    assert rho is not None
    margin = h * (1 + lam**2 * omega**2) - 2 * lam
    if abs(margin) > 1e-9 * (1 + h):
        assert (rho < 1) is (margin < 0)


@pytest.mark.parametrize("variant", list(ROTATIONS))
@FAST
@given(hg=log_uniform(LR_LO, LR_HI), hd=log_uniform(LR_LO, LR_HI))
@example(hg=100.0, hd=100.0)
def test_cgd_on_a_bilinear_game_is_the_implicit_step_and_converges_for_every_h(
    variant: str, hg: float, hd: float
) -> None:
    """μ = 1/(1 − κ), κ = ±iω√(h_g h_d): ρ = 1/√(1 + h_g h_d ω²) < 1 for every rate."""
    omega = ROTATIONS[variant]
    u = spectrum(make_game(variant), "cgd", Hyper(hg, hd)).update
    assert u.closed_form and u.analytic is not None
    w = omega * math.sqrt(hg * hd)
    want = 1 / (1 - np.array([-1j * w, 1j * w]))
    np.testing.assert_allclose(sorted_eigs(u.analytic), sorted_eigs(want), rtol=1e-12)
    rho = 1 / math.sqrt(1 + w * w)
    assert u.spectral_radius == pytest.approx(rho, rel=1e-12)
    assert u.verdict == ("converges" if 1 - rho > NEUTRAL_TOL else "neutral")


@pytest.mark.parametrize("variant", SMOOTH)
@FAST
@given(
    data=st.data(),
    h=log_uniform(1e-3, 2.0),
    k=st.integers(*(int(x) for x in HYPER_RANGES["lookahead_k"])),
    alpha=st.floats(*HYPER_RANGES["lookahead_alpha"]),
)
def test_lookahead_closed_form(variant: str, data: st.DataObject, h: float, k: int, alpha: float):
    game = make_game(variant, data.draw(params_strategy(VARIANTS[variant])))
    J = game.jacobian()
    hp = Hyper(h, h, lookahead_k=k, lookahead_alpha=alpha)
    lam = np.linalg.eigvals(J)
    want = 1 - alpha + alpha * (1 + h * lam) ** k
    closed = METHODS["lookahead"].closed_form(J, hp)
    scale = max(1.0, float(np.abs(want).max()))
    # (1 + hλ)^k amplifies an eigenvalue's rounding k-fold; a double root (critical damping)
    # loses half the digits in either computation.
    assert np.abs(sorted_eigs(closed) - sorted_eigs(want)).max() <= 1e-7 * scale
    # α = 1 is k SimGD steps
    simgd_k = np.linalg.matrix_power(np.eye(2) + h * J, k)
    one = METHODS["lookahead"].operator(J, replace(hp, lookahead_alpha=1.0))
    np.testing.assert_allclose(one, simgd_k, rtol=1e-12, atol=1e-12 * scale)


# ---------------------------------------------------------------------- known behaviour


@FAST
@given(h=log_uniform(1e-3, 0.5), th=st.floats(-3, 3), ps=st.floats(-3, 3))
@example(h=0.5, th=1.0, ps=1.0)
@example(h=0.2, th=1.0, ps=-1.0)
def test_hamiltonian_gd_decreases_the_norm_of_the_field_monotonically(
    h: float, th: float, ps: float
) -> None:
    """Descent on ℋ = ½‖v‖² with a small step: ‖v(z_k)‖ never increases on the standard GAN
    (h ≤ 0.5; near the equilibrium ∇ℋ is f'(0)²-Lipschitz, so the local bound is 8)."""
    game = make_game("standard")
    t = simulate(game, "hamiltonian", Hyper(h, h), [[th, ps]], 200)
    vt, vp = game.field(t.points[:, 0, 0], t.points[:, 0, 1])
    norm = np.hypot(vt, vp)
    assert (np.diff(norm) <= 1e-15 * norm[:-1] + 1e-300).all()


def test_hamiltonian_gd_converges_where_simgd_spirals_out() -> None:
    p = PRESETS["Hamiltonian GD vs SimGD on the standard GAN"]
    game = make_game(p.variant)
    hp = Hyper(p.lr, p.lr)
    hgd = simulate(game, "hamiltonian", hp, [p.start], p.steps)
    sim = simulate(game, "simgd", hp, [p.start], p.steps)
    assert hgd.status == ("converged",)
    assert sim.status == ("not converged",) and sim.final_distance[0] > 2 * math.hypot(*p.start)
    # The note's caveat: from (1, 1), on the diagonal, it slides into the saturated quadrant,
    # where ‖v‖ vanishes too without an equilibrium.
    away = simulate(game, "hamiltonian", hp, [(1.0, 1.0)], p.steps)
    th, ps = away.points[-1, 0]
    assert away.status == ("not converged",) and th * ps > 4
    assert np.hypot(*game.field(th, ps)) < 0.1 * np.hypot(*game.field(1.0, 1.0))


def test_sga_alignment_flips_the_sign_of_lambda_where_it_should() -> None:
    """At some points of the standard GAN ⟨ξ, ∇ℋ⟩⟨Aᵀξ, ∇ℋ⟩/2 + ε < 0: there the step uses −λ."""
    game = make_game("standard")
    pts = np.random.default_rng(3).uniform(-3, 3, size=(400, 2))
    xi = -np.stack(game.field(pts[:, 0], pts[:, 1]), axis=-1)
    Jxi = -game.jacobian_at(pts[:, 0], pts[:, 1])
    grad_h = np.einsum("bji,bj->bi", Jxi, xi)
    adj = np.einsum("bji,bj->bi", (Jxi - np.swapaxes(Jxi, 1, 2)) / 2, xi)
    align = (xi * grad_h).sum(-1) * (adj * grad_h).sum(-1) / 2 + 0.1
    neg = pts[align < 0]
    assert len(neg) > 10  # the case under test occurs
    hp = replace(HP, sga_lambda=2.0)
    got = simulate(game, "sga", hp, neg, 1).points[1]
    for b, z0 in enumerate(neg[:10]):
        want = _expected_steps(game, "sga", hp, tuple(z0), 1)[1]
        np.testing.assert_allclose(got[b], want, rtol=1e-13, atol=1e-15)
        plus = z0 - np.array([hp.lr_gen, hp.lr_disc]) * (xi[align < 0][b] + 2.0 * adj[align < 0][b])
        assert np.abs(got[b] - plus).max() > 1e-6  # not the +λ step


def test_sga_converges_where_simgd_spirals_out() -> None:
    p = PRESETS["Symplectic gradient adjustment vs SimGD on the standard GAN"]
    game, hp = make_game(p.variant), Hyper(p.lr, p.lr)
    assert simulate(game, "sga", hp, [p.start], p.steps).status == ("converged",)
    assert spectrum(game, "simgd", hp).update.verdict == "diverges"
    assert spectrum(game, "sga", hp).update.verdict == "converges"


def test_lookahead_stabilises_simgd() -> None:
    p = PRESETS["Lookahead-minmax (k = 5, α = 0.5) vs SimGD on the standard GAN"]
    game, hp = make_game(p.variant), Hyper(p.lr, p.lr)
    assert (hp.lookahead_k, hp.lookahead_alpha) == (5, 0.5)  # the preset's title
    assert simulate(game, "lookahead", hp, [p.start], p.steps).status == ("converged",)
    assert simulate(game, "simgd", hp, [p.start], p.steps).status == ("not converged",)
    # On the map over h × α: at α = 1 (k plain SimGD steps) ρ > 1 for every h, below it a
    # band of α converges.
    axes = available_axes("standard", "lookahead")
    m = stability_map("standard", "lookahead", axes["h"], axes["lookahead_alpha"], n=41)
    assert (m.rho[-1] > 1).all() and m.y[-1] == 1.0
    assert (m.rho < 1).any()


def test_cgd_converges_with_a_step_where_simgd_runs_away() -> None:
    p = PRESETS["Competitive GD vs SimGD with a large step (h = 1), standard GAN"]
    game, hp = make_game(p.variant), Hyper(p.lr, p.lr)
    assert simulate(game, "cgd", hp, [p.start], p.steps).status == ("converged",)
    sim = simulate(game, "simgd", hp, [p.start], p.steps)
    assert sim.final_distance[0] > 3 * math.hypot(*p.start)


def test_ema_spectrum_is_one_minus_beta_and_altgds() -> None:
    """docs/theory.md §2.13: block-triangular operator, μ ∈ {1 − β, 1 − β} ∪ eig(M_AltGD)."""
    for variant in SMOOTH:
        game = make_game(variant)
        hp = Hyper(0.3, 0.2, n_disc=2, ema_beta=0.05)
        alt = np.linalg.eigvals(METHODS["altgd"].operator(game.jacobian(), hp))
        ema = np.linalg.eigvals(METHODS["ema"].operator(game.jacobian(), hp))
        want = np.concatenate([[0.95, 0.95], alt])
        np.testing.assert_allclose(sorted_eigs(ema), sorted_eigs(want), atol=1e-12)


@FAST
@given(r0=st.floats(0.1, 1.0), ang=st.floats(0, 6.3), h=st.floats(0.1, 1.5))
def test_uniform_average_of_a_linear_rotation_tends_to_the_equilibrium_like_1_over_k(
    r0: float, ang: float, h: float
) -> None:
    """WGAN with a clip it never reaches is linear: AltGD is z_j = Mʲz₀ with μ ≠ 1 on the unit
    circle, so the mean (Σ_{j≤k} Mʲ z₀)/(k + 1) = (I − M)⁻¹(I − M^{k+1}) z₀/(k + 1)."""
    game = make_game("wgan", clip=3.0)
    hp = Hyper(h, h)
    M = METHODS["altgd"].operator(game.jacobian(), hp)
    z0 = np.array([r0 * math.cos(ang), r0 * math.sin(ang)])
    steps = 400
    alt = simulate(game, "altgd", hp, [z0], steps)
    assert np.abs(alt.points[..., 1]).max() < 3.0  # the clip is never active: linear
    avg = simulate(game, "average", hp, [z0], steps).points[:, 0]
    inv = np.linalg.inv(np.eye(2) - M)
    bound = np.linalg.norm(inv, 2) * (np.linalg.norm(z0) + alt.distance()[:, 0].max())
    k = np.arange(steps + 1)
    assert (np.hypot(avg[:, 0], avg[:, 1]) * (k + 1) <= bound * (1 + 1e-9)).all()
    want = (inv @ (np.eye(2) - np.linalg.matrix_power(M, steps + 1)) @ z0) / (steps + 1)
    np.testing.assert_allclose(avg[-1], want, atol=1e-12)


def test_averaging_converges_while_the_iterates_circle() -> None:
    p = PRESETS["Iterate averaging: AltGD circles, its running mean converges (standard GAN)"]
    game, hp = make_game(p.variant), Hyper(p.lr, p.lr)
    alt = simulate(game, "altgd", hp, [p.start], p.steps).distance()[:, 0]
    avg = simulate(game, "average", hp, [p.start], p.steps).distance()[:, 0]
    ema = simulate(game, "ema", hp, [p.start], p.steps).distance()[:, 0]
    assert alt[-1000:].min() > 1.3  # circling at radius ≈ √2
    # the mean: four times as many steps, about a quarter of the distance (1/k)
    assert avg[2500:5001].max() < 0.4 * avg[625:1251].max()
    assert avg[-1] < 0.01
    # the EMA: a circle of radius ≈ β/√(β² + φ²)·√2, φ ≈ h f'(0) = 0.1 (about 0.14)
    assert ema[-1000:].min() > 0.08 and ema[-1000:].max() < 0.25


@pytest.mark.parametrize("method", NEW)
def test_every_new_method_has_a_preset(method: str) -> None:
    assert any(method in p.methods for p in PRESETS.values())


# -------------------------------------------- hyper-parameters: CLI, map axes, locus, pages


def test_cli_flags_reach_the_core(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["trajectory", "--variant", "standard", "--method", "lookahead", "--start", "1,-1"]
    argv += ["--steps", "30", "--lookahead-k", "7", "--lookahead-alpha", "0.3", "--lr", "0.1"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hyper"]["lookahead_k"] == 7 and out["hyper"]["lookahead_alpha"] == 0.3
    hp = Hyper(0.1, 0.1, lookahead_k=7, lookahead_alpha=0.3)
    want = simulate(make_game("standard"), "lookahead", hp, [[1.0, -1.0]], 30).path(0)
    np.testing.assert_allclose(np.array(out["points"]), want, rtol=1e-15)
    spec = ["spectrum", "--variant", "gradient-penalty", "--method", "sga", "--sga-lambda", "2.5"]
    assert main(spec) == 0
    got = json.loads(capsys.readouterr().out)
    u = spectrum(make_game("gradient-penalty"), "sga", Hyper(sga_lambda=2.5)).update
    assert got["update"]["spectral_radius"] == pytest.approx(u.spectral_radius, rel=1e-15)


@pytest.mark.parametrize(
    ("method", "axis"),
    [
        ("lookahead", "lookahead_alpha"),
        ("lookahead", "lookahead_k"),
        ("sga", "sga_lambda"),
        ("ema", "ema_beta"),
        ("unrolled", "unroll_k"),
    ],
)
def test_stability_map_over_a_new_hyper_parameter(method: str, axis: str) -> None:
    axes = available_axes("gradient-penalty", method)
    ax = axes[axis]
    p = HYPER_PARAMS[axis]
    assert (ax.lo, ax.hi) == p.ui_range and ax.integer is p.integer and ax.symbol == p.symbol
    m = stability_map("gradient-penalty", method, axes["h"], ax, n=21)
    game = make_game("gradient-penalty")
    for i, j in [(0, 0), (3, 17), (len(m.y) - 1, 20), (len(m.y) // 2, 5)]:
        value = int(m.y[i]) if p.integer else float(m.y[i])
        hp = replace(Hyper(m.x[j], m.x[j]), **{axis: value})
        assert m.rho[i, j] == pytest.approx(spectrum(game, method, hp).update.spectral_radius)
    locus = update_locus("gradient-penalty", method, axis, m.y[:4])
    assert locus.shape == (4, METHODS[method].state_dim) and np.isfinite(locus).all()


def _app(query: dict[str, str], page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if page is None:
        at.query_params.update(query)
        at.run()
    else:
        at.run()
        at.query_params.update(query)
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_explorer_widgets_and_url_for_the_new_hyper_parameters() -> None:
    q = {"methods": "lookahead,sga,ema", "lookahead_k": "7", "lookahead_alpha": "0.3"}
    at = _app(q | {"sga_lambda": "2.5", "steps": "50", "ema_beta": "0.05"})
    assert at.number_input(key="lookahead_k").value == 7
    assert at.slider(key="lookahead_alpha").value == pytest.approx(0.3)
    assert at.slider(key="sga_lambda").value == pytest.approx(2.5)
    assert at.select_slider(key="ema_beta").value == pytest.approx(0.05)
    hp = Hyper(lookahead_k=7, lookahead_alpha=0.3, sga_lambda=2.5, ema_beta=0.05)
    for method in ("lookahead", "sga", "ema"):
        rho = spectrum(make_game("standard"), method, hp).update.spectral_radius
        line = next(
            m for m in markdown_parts(at) if m.startswith(f"**{METHODS[method].label}** · ρ")
        )
        assert f"ρ = `{rho:.6f}`" in line
    at.slider(key="lookahead_alpha").set_value(0.6).run()
    assert at.query_params["lookahead_alpha"] == "0.6"


def test_stability_page_offers_the_new_axes() -> None:
    at = _app({"variant": "standard", "method": "lookahead", "axes": "h,lookahead_alpha"},
              page="pages/stability.py")  # fmt: skip
    assert at.selectbox(key="stab_axes").value == "h,lookahead_alpha"
    # the options are shown as words: "learning rate h (both players) × lookahead steps k"
    k = HYPER_PARAMS["lookahead_k"].title
    assert any(o.endswith(f"× {k}") for o in at.selectbox(key="stab_axes").options)
    at.session_state["stability_chart"] = {"click": {"x": 0.5, "y": 0.3}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Dirac-GAN explorer"
    assert at.slider(key="lookahead_alpha").value == pytest.approx(0.3)
    assert at.multiselect(key="methods").value == ["lookahead"]


def test_the_numbers_of_the_theory_document() -> None:
    """docs/theory.md §2.9 and §2.12, recomputed."""
    game = make_game("standard")
    # §2.12: h = 0.2, k = 5, α = 0.5 gives ρ = 0.9813; SimGD has √(1 + 0.01) = 1.005.
    rho = spectrum(game, "lookahead", Hyper(0.2, 0.2)).update.spectral_radius
    assert f"{rho:.4f}" == "0.9813"
    assert f"{spectrum(game, 'simgd', Hyper(0.2, 0.2)).update.spectral_radius:.3f}" == "1.005"
    # §2.9: from (1, 1), 500 steps at h = 0.2, ‖v‖ drops twelvefold.
    t = simulate(game, "hamiltonian", Hyper(0.2, 0.2), [(1.0, 1.0)], 500)
    ratio = np.hypot(*game.field(1.0, 1.0)) / np.hypot(*game.field(*t.points[-1, 0]))
    assert round(float(ratio)) == 12


def test_a_preset_resets_its_methods_hyper_parameters_to_the_values_in_its_name() -> None:
    """The lookahead preset's title promises k = 5, α = 0.5: choosing it after the controls
    were moved puts them back (the box forgets the preset while they differ)."""
    name = "Lookahead-minmax (k = 5, α = 0.5) vs SimGD on the standard GAN"
    at = _app({"methods": "lookahead", "lookahead_k": "9", "lookahead_alpha": "0.8"})
    assert at.number_input(key="lookahead_k").value == 9
    at.selectbox(key="preset").set_value(name).run()
    assert not at.exception
    assert at.number_input(key="lookahead_k").value == 5
    assert at.slider(key="lookahead_alpha").value == 0.5
    assert at.selectbox(key="preset").value == name
    at.slider(key="lookahead_alpha").set_value(0.7).run()
    assert at.selectbox(key="preset").value == "—"
