"""The theory document: what cites it, and the numbers it states.

docs/theory.md is the project's own statement of the mathematics. The first tests keep the
citations honest (no file cites a document outside the repository; every "docs/theory.md §N.M"
names a section that exists). The rest recompute, with the core, each fact the document states
that is not a closed form already tested elsewhere: the extra consensus equilibria, WGAN-GP's
escaping segment and limit cycle, AltGD at α = 2, the GMM step-size floor, bimodality.
Expected values come from the document's derivations, computed here independently.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq, fsolve
from scipy.special import expit

from dynamics import gmm
from dynamics.losses import FP0, fprime, fsecond
from dynamics.methods import Hyper, get_method, simulate
from dynamics.variants import VARIANTS, make_game

ROOT = Path(__file__).resolve().parents[1]
THEORY = ROOT / "docs" / "theory.md"

# Built from pieces so that this file does not match its own patterns.
_EXTERNAL = re.compile(
    "|".join(
        (re.escape("THEORY" + ".md"), re.escape(".." + "/shared"), re.escape("/work" + "/shared"))
    )
)
_SKIP_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".build",
}
_CITATION = re.compile(r"docs/theory\.md((?:\s*(?:,|;|and|or|–|-)?\s*§\s*\d+(?:\.\d+)*)+)")
_SECTION_NUMBER = re.compile(r"§\s*(\d+(?:\.\d+)*)")
_HEADING = re.compile(r"^#{2,4}\s+(\d+(?:\.\d+)*)\.?\s", re.MULTILINE)


# ------------------------------------------------------------------------------ citations


def _repo_text_files() -> list[Path]:
    out = []
    for folder, dirs, files in os.walk(ROOT):  # symlinks (a linked .venv) are not followed
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        for name in files:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= 2_000_000:
                out.append(path)
    return out


def _read_text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None  # binary (images, compiled files)
    return data.decode("utf-8", errors="replace")


def external_citations(text: str) -> list[str]:
    """Mentions of a theory document outside the repository."""
    return _EXTERNAL.findall(text)


def cited_sections(text: str) -> list[str]:
    """Section numbers named by "docs/theory.md §N.M" citations (also "§1 and §2")."""
    return [n for group in _CITATION.findall(text) for n in _SECTION_NUMBER.findall(group)]


def theory_sections() -> set[str]:
    return set(_HEADING.findall(THEORY.read_text()))


def test_the_citation_patterns_can_fail() -> None:
    assert external_citations("see " + "THEORY" + ".md §2") == ["THEORY" + ".md"]
    assert external_citations("../" + "shared/notes") == [".." + "/shared"]
    assert cited_sections("(docs/theory.md §1.6) and docs/theory.md §1 and §2.") == [
        "1.6",
        "1",
        "2",
    ]
    assert "9.9" not in theory_sections()


def test_no_file_cites_a_theory_document_outside_the_repository() -> None:
    bad = []
    for path in _repo_text_files():
        text = _read_text(path)
        if text is not None and external_citations(text):
            bad.append(str(path.relative_to(ROOT)))
    assert not bad, f"cite docs/theory.md instead in: {bad}"


def test_every_theory_citation_names_an_existing_section() -> None:
    sections = theory_sections()
    assert {"1.6", "1.9", "2.3", "5.1", "5.5", "5.8"} <= sections
    cited: dict[str, list[str]] = {}
    for path in _repo_text_files():
        text = _read_text(path)
        if text is None:
            continue
        for number in cited_sections(text):
            cited.setdefault(number, []).append(str(path.relative_to(ROOT)))
    assert cited, "no file cites docs/theory.md by section"
    missing = {n: files for n, files in cited.items() if n not in sections}
    assert not missing, f"citations of sections that docs/theory.md does not have: {missing}"


def test_cross_references_inside_the_theory_document_exist() -> None:
    text = THEORY.read_text()
    sections = theory_sections()
    missing = sorted({n for n in _SECTION_NUMBER.findall(text) if n not in sections})
    assert not missing, missing


def test_the_readme_links_the_theory_document() -> None:
    assert "(docs/theory.md)" in (ROOT / "README.md").read_text()


# ------------------------------------------------------------------- numbers, recomputed


def fd_jacobian(field, z: np.ndarray, e: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of ``field(θ, ψ) -> (v_θ, v_ψ)`` (scalars) at ``z``."""
    J = np.empty((2, 2))
    for j in range(2):
        dz = np.zeros(2)
        dz[j] = e
        J[:, j] = (np.array(field(*(z + dz))) - np.array(field(*(z - dz)))) / (2 * e)
    return J


def _game_field(game):
    def f(th: float, ps: float) -> tuple[float, float]:
        vt, vp = game.field(np.array([th]), np.array([ps]))
        return float(vt[0]), float(vp[0])

    return f


def halved_consensus(th: float, ps: float, gamma: float) -> tuple[float, float]:
    """The authors' consensus field: the cubic term of ∇(½‖v‖²) halved (docs/theory.md §1.9)."""
    t = th * ps
    a, b = float(fprime(t)), float(fsecond(t))
    half_cubic = 0.5 * (th * th + ps * ps) * a * b
    return (
        -ps * a - gamma * (th * a * a + half_cubic * ps),
        th * a - gamma * (ps * a * a + half_cubic * th),
    )


def consensus_saddle(gamma: float, product: float) -> np.ndarray:
    """The zero of the consensus field on θψ = t with ψ² − θ² = 2t / (γ f'(t)) (§1.9)."""
    d = 2 * product / (gamma * expit(-product))
    psi = math.sqrt(d / 2 + math.sqrt(d * d / 4 + product * product))
    return np.array([product / psi, psi])


#: t* with t σ(t) = 1/2 (exact gradient) and t** with t σ(t) = 1 (the authors' halved field).
T_EXACT = brentq(lambda t: t * expit(t) - 0.5, 0.1, 5.0, xtol=1e-15)
T_HALVED = brentq(lambda t: t * expit(t) - 1.0, 0.1, 5.0, xtol=1e-15)


def test_consensus_product_equations() -> None:
    assert abs(T_EXACT - 0.738835) < 1e-6
    assert abs(T_HALVED - 1.278465) < 1e-6
    # a* = f'(t*) = 1 − 1/(2t*), a** = 1 − 1/t**
    assert expit(-T_EXACT) == pytest.approx(1 - 1 / (2 * T_EXACT), abs=1e-12)
    assert expit(-T_HALVED) == pytest.approx(1 - 1 / T_HALVED, abs=1e-12)


@pytest.mark.parametrize("gamma", [0.1, 0.3, 1.0, 2.0, 5.0])
def test_consensus_has_two_more_equilibria_and_they_are_saddles(gamma: float) -> None:
    f = _game_field(make_game("consensus", gamma=gamma))
    for sign in (1.0, -1.0):
        z = sign * consensus_saddle(gamma, T_EXACT)
        assert np.abs(f(*z)).max() < 1e-12
        assert np.linalg.det(fd_jacobian(f, z)) < 0  # one eigenvalue of each sign


def test_consensus_saddles_at_gamma_1() -> None:
    f = _game_field(make_game("consensus", gamma=1.0))
    z = consensus_saddle(1.0, T_EXACT)
    np.testing.assert_allclose(z, [0.3412, 2.1651], atol=1e-4)
    lam = np.sort(np.linalg.eigvals(fd_jacobian(f, z)).real)
    np.testing.assert_allclose(lam, [-1.0285, 0.5561], atol=1e-4)


@pytest.mark.parametrize("gamma", [0.3, 1.0, 3.0])
def test_consensus_root_finder_from_a_grid_finds_exactly_three_zeros(gamma: float) -> None:
    f = _game_field(make_game("consensus", gamma=gamma))
    roots: list[np.ndarray] = []
    for a in np.linspace(-6, 6, 9):
        for b in np.linspace(-6, 6, 9):
            z, _, ier, _ = fsolve(lambda z: f(*z), [a, b], full_output=True, xtol=1e-13)
            found = ier == 1 and np.abs(f(*z)).max() < 1e-10 and np.abs(z).max() < 50
            if found and not any(np.allclose(z, r, atol=1e-6) for r in roots):
                roots.append(z)
    s = consensus_saddle(gamma, T_EXACT)
    expected = [np.zeros(2), s, -s]
    assert len(roots) == 3
    for e in expected:
        assert any(np.allclose(e, r, atol=1e-6) for r in roots)


def test_consensus_limits_in_gamma() -> None:
    big = consensus_saddle(1e8, T_EXACT)
    np.testing.assert_allclose(big, [math.sqrt(T_EXACT)] * 2, atol=1e-4)
    assert consensus_saddle(1e-4, T_EXACT)[1] > 100  # runs off along the ψ axis as γ → 0


@pytest.mark.parametrize("gamma", [0.3, 1.0, 5.0])
def test_authors_halved_consensus_field(gamma: float) -> None:
    f = lambda th, ps: halved_consensus(th, ps, gamma)  # noqa: E731
    exact = _game_field(make_game("consensus", gamma=gamma))
    # Same linearisation at (0, 0), different far field.
    np.testing.assert_allclose(
        fd_jacobian(f, np.zeros(2)), fd_jacobian(exact, np.zeros(2)), atol=1e-9
    )
    assert abs(f(1.0, 1.0)[0] - exact(1.0, 1.0)[0]) > 1e-3
    z = consensus_saddle(gamma, T_HALVED)
    assert np.abs(f(*z)).max() < 1e-12
    assert np.linalg.det(fd_jacobian(f, z)) < 0
    if gamma == 1.0:
        np.testing.assert_allclose(z, [0.3710, 3.4463], atol=1e-4)
        lam = np.sort(np.linalg.eigvals(fd_jacobian(f, z)).real)
        np.testing.assert_allclose(lam, [-1.578, 0.161], atol=1e-3)


@pytest.mark.parametrize(("gamma", "g0"), [(0.7, 1.0), (2.5, 0.4)])
def test_wgan_gp_segment_is_escaping(gamma: float, g0: float) -> None:
    game = make_game("wgan-gp", gamma=gamma, g0=g0)
    theta = np.linspace(-3, 3, 601)
    eps = np.full_like(theta, 1e-12)
    _, up = game.field(theta, eps)
    _, down = game.field(theta, -eps)
    inside = np.abs(theta) < gamma * g0 - 1e-9
    outside = np.abs(theta) > gamma * g0 + 1e-9
    # On S the field points away from ψ = 0 on both sides; elsewhere it crosses the line.
    assert (up[inside] > 0).all() and (down[inside] < 0).all()
    assert (np.sign(up[outside]) == np.sign(down[outside])).all()
    # 0 lies between the one-sided limits exactly on S: the Filippov equilibria.
    np.testing.assert_allclose(up - down, 2 * gamma * g0, atol=1e-9)


@pytest.mark.parametrize("gamma", [0.0, 0.7, 2.0, 3.5])
def test_wgan_gp_without_target_norm_is_smooth(gamma: float) -> None:
    f = _game_field(make_game("wgan-gp", gamma=gamma, g0=0.0))
    J = fd_jacobian(f, np.zeros(2))
    np.testing.assert_allclose(J, [[0, -1], [1, -gamma]], atol=1e-8)
    lam = -gamma / 2 + np.array([-1, 1]) * np.emath.sqrt(gamma**2 / 4 - 1)
    np.testing.assert_allclose(
        np.sort_complex(np.linalg.eigvals(J)), np.sort_complex(lam), atol=1e-6
    )


def wgan_gp_cycle_crossing(gamma: float, g0: float) -> float:
    """θ* = γg₀(1 + k)/(1 − k), k = exp(−γπ/(2√(1 − γ²/4))) (docs/theory.md §1.6)."""
    k = math.exp(-gamma * math.pi / (2 * math.sqrt(1 - gamma**2 / 4)))
    return gamma * g0 * (1 + k) / (1 - k)


@pytest.mark.parametrize(("gamma", "start"), [(0.7, (0.1, 0.1)), (1.5, (1.0, 1.0))])
def test_wgan_gp_flow_ends_on_the_limit_cycle(gamma: float, start: tuple[float, float]) -> None:
    game = make_game("wgan-gp", gamma=gamma, g0=1.0)
    path = simulate(game, "flow", Hyper(lr_gen=1.0, lr_disc=1.0), [start], 150).path(0)
    late = path[-60:]
    theta_star = wgan_gp_cycle_crossing(gamma, 1.0)
    assert np.abs(late[:, 0]).max() == pytest.approx(theta_star, abs=2e-3)
    assert np.hypot(late[:, 0], late[:, 1]).min() > 0.5  # it does not approach (0, 0)


def test_wgan_gp_cycle_crossing_at_the_authors_setting() -> None:
    assert wgan_gp_cycle_crossing(0.7, 1.0) == pytest.approx(1.3266, abs=1e-4)


@pytest.mark.parametrize("start", [(1.0, 1.0), (-2.0, 0.5), (0.3, -1.0)])
def test_wgan_gp_overdamped_flow_ends_at_an_end_point_of_the_segment(
    start: tuple[float, float],
) -> None:
    gamma, g0 = 3.0, 1.0
    end = simulate(
        make_game("wgan-gp", gamma=gamma, g0=g0),
        "flow",
        Hyper(lr_gen=1.0, lr_disc=1.0),
        [start],
        200,
    ).path(0)[-1]
    assert abs(abs(end[0]) - gamma * g0) < 1e-3 and abs(end[1]) < 1e-3


def test_non_saturating_flow_decays_like_root_8_over_t() -> None:
    path = simulate(
        make_game("non-saturating"), "flow", Hyper(lr_gen=1.0, lr_disc=1.0), [(1.0, 1.0)], 1000
    ).path(0)
    r = np.hypot(path[-1, 0], path[-1, 1])
    assert r * math.sqrt(1000) == pytest.approx(math.sqrt(8), rel=5e-3)


def test_non_saturating_simgd_settles_on_an_orbit_of_radius_root_8h_times_f_prime_0() -> None:
    h = 0.2
    path = simulate(
        make_game("non-saturating"), "simgd", Hyper(lr_gen=h, lr_disc=h), [(1.0, 1.0)], 10000
    ).path(0)
    r = np.hypot(path[-200:, 0], path[-200:, 1])
    assert r.mean() == pytest.approx(math.sqrt(8 * h) * FP0, rel=1e-2)


@pytest.mark.parametrize("name", [n for n, v in VARIANTS.items() if v.jacobian is not None])
def test_altgd_one_step_each_quadratic(name: str) -> None:
    """n_g = n_d = 1: μ² − (2 + h_g j11 + h_d j22 + h_g h_d j12 j21) μ + (1 + h_g j11)(1 + h_d j22)."""
    game = make_game(name)
    J = game.jacobian()
    hg, hd = 0.3, 0.7
    M = get_method("altgd").operator(J, Hyper(lr_gen=hg, lr_disc=hd))
    tr = 2 + hg * J[0, 0] + hd * J[1, 1] + hg * hd * J[0, 1] * J[1, 0]
    det = (1 + hg * J[0, 0]) * (1 + hd * J[1, 1])
    np.testing.assert_allclose([np.trace(M), np.linalg.det(M)], [tr, det], atol=1e-12)


@pytest.mark.parametrize(
    ("name", "hp"),
    [
        ("standard", Hyper(lr_gen=4.0, lr_disc=4.0)),
        ("wgan", Hyper(lr_gen=2.0, lr_disc=2.0)),
        ("standard", Hyper(lr_gen=0.5, lr_disc=2.0, n_gen=2, n_disc=8)),
    ],
)
def test_altgd_at_alpha_2_is_defective_and_grows_linearly(name: str, hp: Hyper) -> None:
    J = make_game(name).jacobian()
    omega = J[1, 0]
    assert math.sqrt(hp.n_gen * hp.n_disc * hp.lr_gen * hp.lr_disc) * omega == pytest.approx(2.0)
    M = get_method("altgd").operator(J, hp)
    N = M + np.eye(2)
    assert np.abs(N).max() > 1.0  # not −I ...
    np.testing.assert_allclose(N @ N, 0.0, atol=1e-12)  # ... but −I + nilpotent: a Jordan block
    z = np.array([1e-3, 0.0])
    for k in (10, 100, 1000):
        mk = np.linalg.matrix_power(M, k)
        np.testing.assert_allclose(mk, (-1) ** k * (np.eye(2) - k * N), atol=1e-9 * k)
    growth = np.linalg.norm(np.linalg.matrix_power(M, 1000) @ z)
    assert growth == pytest.approx(1000 * np.linalg.norm(N @ z), rel=2e-3)


def test_altgd_below_alpha_2_stays_bounded() -> None:
    M = get_method("altgd").operator(make_game("wgan").jacobian(), Hyper(lr_gen=1.9, lr_disc=1.9))
    norms = [np.linalg.norm(np.linalg.matrix_power(M, k)) for k in range(1, 3000, 7)]
    assert max(norms) < 20


def _rotation_rho(method: str, y: float, **kw: float) -> float:
    J = make_game("wgan").jacobian()  # ω = 1, so y = ωh = h
    hp = Hyper(lr_gen=y, lr_disc=y, **kw)
    m = get_method(method)
    return float(np.abs(np.linalg.eigvals(m.operator(J, hp))).max())


def test_extragradient_and_optimistic_thresholds_on_a_rotation() -> None:
    assert _rotation_rho("extragradient", 0.99) < 1 < _rotation_rho("extragradient", 1.01)
    y = 1 / math.sqrt(3)
    assert _rotation_rho("optimistic", 0.99 * y) < 1 < _rotation_rho("optimistic", 1.01 * y)


@pytest.mark.parametrize("y", [0.01, 0.2, 1.0])
def test_simultaneous_momentum_never_converges_on_a_rotation(y: float) -> None:
    for beta in np.linspace(-1.0, 0.99, 100):
        assert _rotation_rho("momentum", y, beta=float(beta)) >= 1 - 1e-9


def test_alternating_negative_momentum_converges_on_a_rotation() -> None:
    assert _rotation_rho("momentum-alt", 0.5, beta=-0.47) == pytest.approx(0.962, abs=2e-3)
    assert _rotation_rho("momentum-alt", 0.5, beta=-0.7) < 1
    assert _rotation_rho("momentum-alt", 0.5, beta=-0.8) > 1


def test_instance_noise_and_penalty_critical_values() -> None:
    # discriminant (tr J / 2)² − det J = 0 at σ = √2 and γ = 2 f'(0) = 1
    for name, p, value in (
        ("instance-noise", "sigma", math.sqrt(2)),
        ("gradient-penalty", "gamma", 2 * FP0),
    ):
        J = make_game(name, **{p: value}).jacobian()
        assert (np.trace(J) / 2) ** 2 - np.linalg.det(J) == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------------------ GMM, §5

TARGET = (-0.5, 0.5)


def _late_tv(eta: float, starts: np.ndarray, steps: int = 2000, window: int = 500) -> np.ndarray:
    run = gmm.run_optimal(starts, TARGET, eta, steps)
    return run.tv[-window:].mean(axis=0)


def _off_diagonal_starts(n: int) -> np.ndarray:
    rng = np.random.default_rng(5)
    s = rng.uniform(-2, 2, size=(4 * n, 2))
    return s[np.abs(s[:, 0] - s[:, 1]) > 0.3][:n]


def test_optimal_dynamics_stop_at_a_tv_floor_proportional_to_eta() -> None:
    starts = _off_diagonal_starts(10)
    floor = {eta: float(np.median(_late_tv(eta, starts))) for eta in (0.05, 0.1)}
    assert floor[0.1] == pytest.approx(3.1e-3, rel=0.1)
    assert floor[0.05] / floor[0.1] == pytest.approx(0.5, abs=0.05)


def test_optimal_dynamics_do_not_converge_at_eta_2() -> None:
    starts = _off_diagonal_starts(8)
    run = gmm.run_optimal(starts, TARGET, 2.0, 1000)
    assert (run.tv[-200:] > 0.05).all()
    dist = np.abs(np.sort(run.mu[-1], axis=1) - np.array(TARGET)).max(axis=1)
    assert (dist > 0.1).all()


def test_tv_is_a_norm_near_the_target() -> None:
    """TV(μ* + sδ)/s tends to a constant (degree-1 homogeneous), and ‖∇TV‖ does not vanish."""
    tg = np.array(TARGET)
    for d in (np.array([1.0, 0.3]), np.array([0.2, -1.0])):
        ratios = [float(gmm.tv_distance(tg + s * d, tg)) / s for s in (1e-2, 1e-3, 1e-4)]
        assert ratios[1] == pytest.approx(ratios[2], rel=1e-3)
        mu = tg + 1e-4 * d
        assert np.linalg.norm(gmm.grad_mu(mu, gmm.optimal_intervals(mu, tg))) > 0.15


def test_diagonal_is_invariant_and_its_minimum_a_saddle() -> None:
    run = gmm.run_optimal([0.7, 0.7], TARGET, 0.1, 300)
    assert (run.mu[:, 0, 0] == run.mu[:, 0, 1]).all()
    tv = lambda m1, m2: float(gmm.tv_distance([m1, m2], (-2.0, 2.0)))  # noqa: E731
    m = 1.598
    assert tv(m, m) < tv(m - 0.05, m - 0.05) and tv(m, m) < tv(m + 0.05, m + 0.05)
    assert tv(m - 0.05, m + 0.05) < tv(m, m)
    assert tv(m, m) == pytest.approx(0.4591, abs=1e-4)


def test_collapsed_generator_is_close_to_the_default_unimodal_data() -> None:
    assert float(gmm.tv_distance([0.0, 0.0], TARGET)) == pytest.approx(0.0581, abs=1e-4)


@pytest.mark.parametrize("separation", [0.5, 1.0, 1.9, 2.1, 3.0, 4.0])
def test_equal_mixture_is_bimodal_iff_separation_exceeds_2(separation: float) -> None:
    x = np.linspace(-6, 6, 120_001)
    p = gmm.g_star(x, (-separation / 2, separation / 2))
    interior_maxima = np.flatnonzero((p[1:-1] > p[:-2]) & (p[1:-1] >= p[2:]))
    assert len(interior_maxima) == (2 if separation > 2 else 1)
    # p''(0) ∝ (a² − 1) e^(−a²/2), a = separation / 2
    i0 = 60_000
    curvature = p[i0 + 1] - 2 * p[i0] + p[i0 - 1]
    assert np.sign(curvature) == np.sign((separation / 2) ** 2 - 1)
