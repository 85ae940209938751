"""The Dirac-GAN variants against docs/theory.md §1: fields, Jacobians, eigenvalues, parameters.

Expected values come from the formulas in docs/theory.md §1, written out again here independently of
``dynamics`` (with tanh instead of scipy's expit), from finite differences, or from brute-force
quadrature (scipy.integrate.quad) for instance noise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import linear_sum_assignment
from scipy.special import roots_hermite

from dynamics.losses import fprime, fsecond
from dynamics.noise import smoothed_logistic
from dynamics.variants import NOT_DIFFERENTIABLE, VARIANTS, Game, Variant, make_game

#: Hypothesis budget for this module (no deadline: numerical examples vary in cost).
FAST = settings(max_examples=40, deadline=None)

ALL = list(VARIANTS)
WITH_JACOBIAN = [n for n, v in VARIANTS.items() if v.jacobian is not None]
# Variants whose field is written out in docs/theory.md §1 in closed form (instance noise is an
# expectation, consensus a gradient: both are checked separately below).
CLOSED_FORM_FIELDS = [
    "standard",
    "non-saturating",
    "wgan",
    "wgan-gp",
    "gradient-penalty",
    "ns-gradient-penalty",
]

COORD = st.floats(-4.0, 4.0, allow_nan=False)


def params_strategy(variant: Variant) -> st.SearchStrategy[dict[str, float]]:
    """Every parameter drawn from its registry range [lo, hi]."""
    return st.fixed_dictionaries(
        {p.name: st.floats(p.lo, p.hi, allow_nan=False) for p in variant.params}
    )


# ---------------------------------------------------------- docs/theory.md §1, independently


def fp(t: np.ndarray | float) -> np.ndarray:
    """f'(t) = σ(−t) = 1/(1 + e^t), via tanh (no scipy)."""
    return 0.5 * (1.0 - np.tanh(0.5 * np.asarray(t, dtype=float)))


def fpp(t: np.ndarray | float) -> np.ndarray:
    """f''(t) = −σ(t)σ(−t)."""
    th = np.tanh(0.5 * np.asarray(t, dtype=float))
    return -0.25 * (1.0 - th) * (1.0 + th)


def fppp(t: np.ndarray | float) -> np.ndarray:
    """f'''(t) = σ(t)σ(−t)(σ(t) − σ(−t))."""
    th = np.tanh(0.5 * np.asarray(t, dtype=float))
    return 0.25 * (1.0 - th) * (1.0 + th) * th


def theory_field(name: str, th: float, ps: float, p: dict[str, float]) -> tuple[float, float]:
    t = th * ps
    if name == "standard":
        return -ps * fp(t), th * fp(t)
    if name == "non-saturating":
        return -ps * fp(-t), th * fp(t)
    if name == "wgan":
        return -ps, th
    if name == "wgan-gp":
        return -ps, th - p["gamma"] * (abs(ps) - p["g0"]) * np.sign(ps)
    if name == "gradient-penalty":
        return -ps * fp(t), th * fp(t) - p["gamma"] * ps
    if name == "ns-gradient-penalty":
        return -ps * fp(-t), th * fp(t) - p["gamma"] * ps
    raise AssertionError(name)


def theory_jacobian(name: str, th: float, ps: float, p: dict[str, float]) -> np.ndarray:
    """Hand-derived ∂v/∂(θ, ψ) of the docs/theory.md §1 fields at any point (ψ ≠ 0 for WGAN-GP)."""
    t = th * ps
    a, b = fp(t), fpp(t)
    std = np.array([[-(ps**2) * b, -a - t * b], [a + t * b, th**2 * b]])
    if name == "standard":
        return std
    if name in ("non-saturating", "ns-gradient-penalty"):
        an, bn = fp(-t), fpp(-t)
        J = np.array([[ps**2 * bn, -an + t * bn], [a + t * b, th**2 * b]])
        if name == "ns-gradient-penalty":
            J[1, 1] -= p["gamma"]
        return J
    if name == "wgan":
        return np.array([[0.0, -1.0], [1.0, 0.0]])
    if name == "wgan-gp":
        return np.array([[0.0, -1.0], [1.0, -p["gamma"]]])
    if name == "gradient-penalty":
        std[1, 1] -= p["gamma"]
        return std
    if name == "consensus":
        # v − γ Hess Φ with Φ = ½ r² g(t), r² = θ² + ψ², g = f'², t = θψ.
        r2 = th**2 + ps**2
        g = a * a
        g1 = 2 * a * b
        g2 = 2 * (b * b + a * fppp(t))
        h_tt = g + 2 * t * g1 + 0.5 * r2 * ps**2 * g2
        h_pp = g + 2 * t * g1 + 0.5 * r2 * th**2 * g2
        h_tp = 1.5 * r2 * g1 + 0.5 * r2 * t * g2
        return std - p["gamma"] * np.array([[h_tt, h_tp], [h_tp, h_pp]])
    raise AssertionError(name)


def fd_jacobian(
    field: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    th: float,
    ps: float,
    e: float,
) -> np.ndarray:
    """Richardson-extrapolated central differences (error O(e⁴)), one vectorised call."""

    def central(h: float) -> np.ndarray:
        pts = np.array([[th + h, ps], [th - h, ps], [th, ps + h], [th, ps - h]])
        vt, vp = field(pts[:, 0], pts[:, 1])
        v = np.stack((vt, vp), axis=-1)
        return np.stack(((v[0] - v[1]) / (2 * h), (v[2] - v[3]) / (2 * h)), axis=-1)

    return (4 * central(e / 2) - central(e)) / 3


def match_eigs(got: np.ndarray, want: np.ndarray) -> float:
    """Largest distance between the two multisets of eigenvalues, best pairing."""
    got, want = np.asarray(got, complex).ravel(), np.asarray(want, complex).ravel()
    assert got.shape == want.shape
    cost = np.abs(got[:, None] - want[None, :])
    r, c = linear_sum_assignment(cost)
    return float(cost[r, c].max())


# --------------------------------------------------------------------------------- registry


def test_registry_names() -> None:
    assert set(VARIANTS) == {
        "standard",
        "non-saturating",
        "wgan",
        "wgan-gp",
        "instance-noise",
        "gradient-penalty",
        "consensus",
        "consensus-authors",
        "ns-gradient-penalty",
        "least-squares",
        "lecam",
    }
    for name, v in VARIANTS.items():
        assert v.name == name
        assert v.label and v.explanation and v.references
        assert set(v.param_index) == {p.name for p in v.params}


#: The authors' figure settings (docs/theory.md §1.11).
AUTHORS_DEFAULTS = {
    "standard": {},
    "non-saturating": {},
    "wgan": {"clip": 1.0},
    "wgan-gp": {"gamma": 0.7, "g0": 1.0},
    "instance-noise": {"sigma": 0.7},
    "gradient-penalty": {"gamma": 0.3},
    "consensus": {"gamma": 1.0},
    "consensus-authors": {"gamma": 1.0},
    "ns-gradient-penalty": {"gamma": 0.3},
    # not in the authors' figures: c = b = 1 (docs/theory.md §1.12), λ = 1 (§1.13)
    "least-squares": {"c": 1.0},
    "lecam": {"lam": 1.0},
}


@pytest.mark.parametrize("name", list(AUTHORS_DEFAULTS))
def test_defaults_are_the_authors_figure_settings(name: str) -> None:
    """The papers' settings of these games (a new variant states its own in its ``Param``s;
    it needs no entry here)."""
    assert dict(make_game(name).params) == AUTHORS_DEFAULTS[name]


@pytest.mark.parametrize("name", ALL)
def test_defaults_lie_in_their_ranges(name: str) -> None:
    for p in VARIANTS[name].params:
        assert p.lo <= p.default <= p.hi


def test_gradient_penalty_range_covers_the_authors_eigenvalue_figure() -> None:
    # The second figure sweeps γ from 0 to 1.5, through the critical γ = 1.
    p = VARIANTS["gradient-penalty"].param_index["gamma"]
    assert p.lo <= 0.0 and p.hi >= 1.5


@pytest.mark.parametrize("name", [n for n in ALL if VARIANTS[n].params])
def test_param_check_rejects_bad_values(name: str) -> None:
    for p in VARIANTS[name].params:
        assert p.check(p.lo) == p.lo
        assert p.check(p.hi) == p.hi
        bad = [math.nan, math.inf, -math.inf, np.nextafter(p.lo, -math.inf), p.hi * 1.001 + 1e-9]
        for value in bad:
            with pytest.raises(ValueError, match=p.name):
                p.check(value)
            with pytest.raises(ValueError, match=p.name):
                make_game(name, {p.name: value})
            with pytest.raises(ValueError, match=p.name):
                make_game(name, **{p.name: value})


@FAST
@given(data=st.data())
def test_param_check_rejects_out_of_range(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from([n for n in ALL if VARIANTS[n].params]))
    p = data.draw(st.sampled_from(VARIANTS[name].params))
    below = data.draw(st.floats(max_value=p.lo, exclude_max=True, allow_nan=False))
    above = data.draw(st.floats(min_value=p.hi, exclude_min=True, allow_nan=False))
    inside = data.draw(st.floats(p.lo, p.hi))
    for value in (below, above):
        with pytest.raises(ValueError, match=p.name):
            make_game(name, {p.name: value})
    assert make_game(name, {p.name: inside}).params[p.name] == inside


@pytest.mark.parametrize("name", ALL)
def test_unknown_parameters_and_variants_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="bogus"):
        make_game(name, bogus=1.0)
    # A parameter of another variant is just as unknown here.
    others = {p.name for v in VARIANTS.values() for p in v.params} - set(VARIANTS[name].param_index)
    for other in others:
        with pytest.raises(ValueError, match=other):
            make_game(name, {other: 0.5})
    with pytest.raises(KeyError, match="no-such-variant"):
        make_game("no-such-variant")


# ------------------------------------------------------------------------------- the fields


@pytest.mark.parametrize("name", ALL)
@FAST
@given(data=st.data())
def test_equilibrium_is_a_zero_of_the_field(name: str, data: st.DataObject) -> None:
    game = make_game(name, data.draw(params_strategy(VARIANTS[name])))
    vt, vp = game.field(0.0, 0.0)
    assert vt == 0.0 and vp == 0.0


@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 3, 2)])
@pytest.mark.parametrize("name", ALL)
def test_field_is_elementwise_over_any_shape(
    name: str, shape: tuple[int, ...], rng: np.random.Generator
) -> None:
    game = make_game(name)
    th = rng.uniform(-3, 3, size=shape)
    ps = rng.uniform(-3, 3, size=shape)
    vt, vp = game.field(th, ps)
    assert np.shape(vt) == shape and np.shape(vp) == shape
    one = np.array(
        [game.field(float(a), float(b)) for a, b in zip(th.ravel(), ps.ravel(), strict=True)]
    )
    # Instance noise sums quadrature nodes with a matrix product: same terms, and the
    # summation order may differ between batch sizes, hence 1 ulp-level tolerance.
    np.testing.assert_allclose(np.ravel(vt), one[:, 0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(np.ravel(vp), one[:, 1], rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ALL)
@FAST
@given(data=st.data(), th=COORD, ps=COORD)
def test_single_components_equal_the_full_field(
    name: str, data: st.DataObject, th: float, ps: float
) -> None:
    game = make_game(name, data.draw(params_strategy(VARIANTS[name])))
    pts_t = np.array([th, ps, 0.0, -th])
    pts_p = np.array([ps, th, ps, 0.0])
    vt, vp = game.field(pts_t, pts_p)
    np.testing.assert_allclose(game.v_theta(pts_t, pts_p), vt, rtol=1e-15, atol=0)
    np.testing.assert_allclose(game.v_psi(pts_t, pts_p), vp, rtol=1e-15, atol=0)


def test_fast_components_are_present_where_expected() -> None:
    # The alternating methods rely on them for speed; make sure they are really exercised.
    for name in ("standard", "non-saturating", "wgan", "gradient-penalty", "ns-gradient-penalty"):
        assert VARIANTS[name].field_theta is not None
        assert VARIANTS[name].field_psi is not None


@pytest.mark.parametrize("name", CLOSED_FORM_FIELDS)
@FAST
@given(data=st.data(), th=COORD, ps=COORD)
def test_field_matches_theory_formula(name: str, data: st.DataObject, th: float, ps: float) -> None:
    p = data.draw(params_strategy(VARIANTS[name]))
    got = make_game(name, p).field(th, ps)
    want = theory_field(name, th, ps, p)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_wgan_gp_jumps_across_psi_zero() -> None:
    # Why there is no Jacobian: v_ψ jumps by 2γg₀ across ψ = 0.
    game = make_game("wgan-gp", gamma=0.7, g0=1.0)
    d = 1e-12
    _, up = game.field(0.0, d)
    _, down = game.field(0.0, -d)
    assert up - down == pytest.approx(2 * 0.7 * 1.0, abs=1e-10)


@pytest.mark.parametrize("name", [*CLOSED_FORM_FIELDS, "consensus"])
@FAST
@given(data=st.data(), th=COORD, ps=COORD)
def test_field_derivative_matches_theory_derivative(
    name: str, data: st.DataObject, th: float, ps: float
) -> None:
    """The implementation's finite-difference Jacobian at a random point equals the
    hand-derived derivative of the docs/theory.md §1 formula (not of the implementation)."""
    p = data.draw(params_strategy(VARIANTS[name]))
    e = 1e-3
    if name == "wgan-gp" and abs(ps) < 2 * e:
        ps = math.copysign(3 * e, ps)  # the stencil ψ ± e must stay off the kink at ψ = 0
    game = make_game(name, p)
    got = fd_jacobian(game.field, th, ps, e)
    want = theory_jacobian(name, th, ps, p)
    # Richardson error ~ e⁴|v⁽⁵⁾| ≈ 1e-12·scale; rounding ~ 1e-16·|v|/e ≈ 1e-12·scale.
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-8 * scale)


@pytest.mark.parametrize("name", WITH_JACOBIAN)
@FAST
@given(data=st.data())
def test_analytic_jacobian_matches_finite_differences_at_equilibrium(
    name: str, data: st.DataObject
) -> None:
    game = make_game(name, data.draw(params_strategy(VARIANTS[name])))
    J = game.jacobian()
    assert J is not None and J.shape == (2, 2)
    np.testing.assert_allclose(fd_jacobian(game.field, 0.0, 0.0, 1e-3), J, rtol=0, atol=1e-10)


# ------------------------------------------------------------------------------ eigenvalues


def _eig_tolerance(J: np.ndarray) -> float:
    """1e-9 for separated eigenvalues; 1e-7 near a double root.

    A rounding perturbation δ ≈ 1e-16 of J moves an eigenvalue by ≈ δ/gap, so for a
    discriminant |tr²/4 − det| ≥ 1e-12 (gap ≥ 2e-6) the error is ≤ 1e-10. At a double root
    both the closed form and LAPACK are off by up to √δ ≈ 1e-8.
    """
    disc = (np.trace(J) / 2) ** 2 - np.linalg.det(J)
    return 1e-9 if abs(disc) >= 1e-12 else 1e-7


def _check_eigenvalues(game: Game) -> None:
    J = game.jacobian()
    lam = game.eigenvalues()
    assert J is not None and lam is not None and lam.shape == (2,)
    # Sum and product (well-conditioned even at a double root) against trace and determinant.
    assert abs(lam.sum() - np.trace(J)) <= 1e-12
    assert abs(lam.prod() - np.linalg.det(J)) <= 1e-12
    assert match_eigs(lam, np.linalg.eigvals(J)) <= _eig_tolerance(J)


@pytest.mark.parametrize("name", WITH_JACOBIAN)
@FAST
@given(data=st.data())
def test_closed_form_eigenvalues_match_eigvals(name: str, data: st.DataObject) -> None:
    _check_eigenvalues(make_game(name, data.draw(params_strategy(VARIANTS[name]))))


DOUBLE_ROOTS = [
    ("gradient-penalty", {"gamma": 1.0}),
    ("ns-gradient-penalty", {"gamma": 1.0}),
    ("gradient-penalty", {"gamma": 1.0 + 1e-9}),
    ("gradient-penalty", {"gamma": 1.0 - 1e-9}),
    # f''(0)²σ⁴ = f'(0)²  ⇔  σ⁴/16 = 1/4  ⇔  σ = √2
    ("instance-noise", {"sigma": math.sqrt(2.0)}),
    ("instance-noise", {"sigma": np.nextafter(math.sqrt(2.0), 3.0)}),
]


@pytest.mark.parametrize(("name", "params"), DOUBLE_ROOTS)
def test_eigenvalues_near_double_roots(name: str, params: dict[str, float]) -> None:
    game = make_game(name, params)
    _check_eigenvalues(game)
    lam = game.eigenvalues()
    assert lam is not None
    assert abs(lam[0] - lam[1]) <= 1e-4  # (nearly) a double root indeed
    assert np.all(np.abs(lam.imag) <= 1e-4)


@pytest.mark.parametrize("name", ALL)
def test_formula_present_exactly_with_jacobian(name: str) -> None:
    v = VARIANTS[name]
    has = v.jacobian is not None
    assert v.differentiable is has
    assert (v.eigenvalues is not None) is has
    assert (v.eig_latex is not None) is has
    assert (v.eig_latex_values is not None) is has
    assert (v.no_jacobian_reason is None) is has
    game = make_game(name)
    assert (game.jacobian() is None) is not has
    assert (game.eigenvalues() is None) is not has
    assert (v.latex_with_values(game.params) is None) is not has


def test_wgan_gp_has_no_jacobian() -> None:
    v = VARIANTS["wgan-gp"]
    assert v.jacobian is None and v.eigenvalues is None
    assert v.no_jacobian_reason is not None
    assert "not differentiable at the equilibrium" in v.no_jacobian_reason
    assert NOT_DIFFERENTIABLE == "not differentiable at the equilibrium"


_FRAC = re.compile(r"\\tfrac\{([^{}]*)\}\{([^{}]*)\}")
_SQRT = re.compile(r"\\sqrt\{([^{}]*)\}")


def eval_latex_eigs(tex: str) -> np.ndarray:
    """Evaluate 'λ_{1,2} = a \\pm b' (\\tfrac, \\sqrt, ^, \\cdot, i) to its two numbers."""
    rhs = tex.split("=", 1)[1]
    for old, new in ((r"\,", " "), (r"\cdot", "*"), (r"\left", ""), (r"\right", "")):
        rhs = rhs.replace(old, new)
    while True:
        new = _SQRT.sub(r"sqrt(\1)", _FRAC.sub(r"((\1)/(\2))", rhs))
        if new == rhs:
            break
        rhs = new
    rhs = re.sub(r"\bi\b", "1j", rhs).replace("^", "**")
    assert "\\" not in rhs.replace(r"\pm", ""), rhs
    assert rhs.count(r"\pm") == 1, rhs
    env = {"__builtins__": {}, "sqrt": lambda x: complex(x) ** 0.5}
    return np.array([complex(eval(rhs.replace(r"\pm", s), env)) for s in "+-"])


@pytest.mark.parametrize("name", WITH_JACOBIAN)
@FAST
@given(data=st.data())
def test_latex_values_substitute_every_parameter_and_evaluate_to_the_eigenvalues(
    name: str, data: st.DataObject
) -> None:
    v = VARIANTS[name]
    params = data.draw(params_strategy(v))
    tex = v.latex_with_values(make_game(name, params).params)
    assert tex is not None and "$" not in tex
    # The formula shows the values rounded with :g; compare with the eigenvalues at those.
    shown = make_game(name, {k: float(f"{x:g}") for k, x in params.items()})
    lam = shown.eigenvalues()
    J = shown.jacobian()
    assert lam is not None and J is not None
    assert match_eigs(eval_latex_eigs(tex), lam) <= 10 * _eig_tolerance(J)


@pytest.mark.parametrize("name", WITH_JACOBIAN)
def test_latex_placeholders_are_parameters(name: str) -> None:
    v = VARIANTS[name]
    assert v.eig_latex_values is not None
    names = set(re.findall(r"\$(\w+)", v.eig_latex_values))
    assert names <= set(v.param_index)
    # A parameter the eigenvalues depend on must appear in the formula with values.
    for p in v.params:
        lo, hi = make_game(name, {p.name: p.lo}), make_game(name, {p.name: p.hi})
        if match_eigs(lo.eigenvalues(), hi.eigenvalues()) > 1e-6:
            assert p.name in names


# ---------------------------------------------------------------------------- instance noise


def _expect(g: Callable[[float], float], center: float) -> float:
    """E[g(Z)], Z ~ N(0, 1), by adaptive quadrature with a breakpoint at the logistic step."""
    phi = 1.0 / math.sqrt(2.0 * math.pi)

    def integrand(z: float) -> float:
        return g(z) * phi * math.exp(-0.5 * z * z)

    pts = [center] if -40.0 < center < 40.0 else None
    val, _ = quad(integrand, -40.0, 40.0, points=pts, epsabs=1e-14, epsrel=1e-12, limit=500)
    return val


def _fp1(t: float) -> float:
    return 1.0 / (1.0 + math.exp(t)) if t < 700 else 0.0


def _fpp1(t: float) -> float:
    t = min(abs(t), 700.0)
    return -1.0 / ((1.0 + math.exp(t)) * (1.0 + math.exp(-t)))


def noise_field_quad(th: float, ps: float, sigma: float) -> tuple[float, float]:
    """The instance-noise field (docs/theory.md §1.7), expectations brute-forced (no Stein)."""
    c = -th / sigma  # where ψ(θ + σz) changes sign
    a = _expect(lambda z: _fp1(ps * (th + sigma * z)), c)
    b = _expect(lambda z: (th + sigma * z) * _fp1(ps * (th + sigma * z)), c)
    d = _expect(lambda z: sigma * z * _fp1(-ps * sigma * z), 0.0)
    return -ps * a, b - d


def noise_jacobian_quad(th: float, ps: float, sigma: float) -> np.ndarray:
    """∂v/∂(θ, ψ) of the instance-noise field, differentiating under the integral."""
    c = -th / sigma

    def x(z: float) -> float:
        return th + sigma * z

    e_fp = _expect(lambda z: _fp1(ps * x(z)), c)
    e_fpp = _expect(lambda z: _fpp1(ps * x(z)), c)
    e_xfpp = _expect(lambda z: x(z) * _fpp1(ps * x(z)), c)
    e_x2fpp = _expect(lambda z: x(z) ** 2 * _fpp1(ps * x(z)), c)
    e_e2fpp = _expect(lambda z: (sigma * z) ** 2 * _fpp1(-ps * sigma * z), 0.0)
    return np.array(
        [
            [-(ps**2) * e_fpp, -e_fp - ps * e_xfpp],
            [e_fp + ps * e_xfpp, e_x2fpp + e_e2fpp],
        ]
    )


NOISE_POINTS = [
    (1.0, 1.0, 0.7),
    (-0.5, 2.0, 1.3),
    (0.3, -1.0 / 0.7, 0.7),  # |ψ|σ = 1: the switch between the two quadrature rules
    (0.3, -1.0 / 0.7 * (1 + 1e-9), 0.7),
    (2.0, 30.0, 0.9),  # |ψ|σ = 27
    (0.25, -40.0, 2.0),  # |ψ|σ = 80
    (-3.0, 100.0, 2.0),  # |ψ|σ = 200, θψ = −300
    (0.01, 0.02, 0.05),
    (-3.0, -1.5, 0.3),
    (1e-3, 1e-3, 2.0),
    (0.7, 0.0, 1.1),
]


@pytest.mark.parametrize(("th", "ps", "sigma"), NOISE_POINTS)
def test_instance_noise_field_equals_brute_force_expectation(
    th: float, ps: float, sigma: float
) -> None:
    got = make_game("instance-noise", sigma=sigma).field(th, ps)
    want = noise_field_quad(th, ps, sigma)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@FAST
@given(th=st.floats(-3, 3), ps=st.floats(-3, 3), sigma=st.floats(0.05, 2.0))
@example(th=0.4, ps=1.0 / 0.7, sigma=0.7)  # on the quadrature switch |ψ|σ = 1
@example(th=-1.0, ps=2.9, sigma=2.0)
def test_instance_noise_derivative_matches_differentiated_expectation(
    th: float, ps: float, sigma: float
) -> None:
    game = make_game("instance-noise", sigma=sigma)
    got = fd_jacobian(game.field, th, ps, 1e-3)
    want = noise_jacobian_quad(th, ps, sigma)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-8 * max(1.0, np.abs(want).max()))


def _fine_rules() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """400-node Gauss–Hermite for E[g(Z)], and a step-0.1 trapezoid rule on [−60, 60] for the
    logistic density σ(l)σ(−l), built here from their definitions."""
    x, w = roots_hermite(400)
    gh = (math.sqrt(2.0) * x, w / math.sqrt(math.pi))
    step = 0.1
    nodes = np.linspace(-60.0, 60.0, 1201)
    dens = 0.25 / np.cosh(0.5 * nodes) ** 2  # σ(l)σ(−l)
    return gh, (nodes, step * dens)


def test_instance_noise_quadrature_is_converged() -> None:
    gh, trap = _fine_rules()
    m = np.concatenate([np.linspace(-60, 60, 241), [1e-3, -1e-3, 1e-9]])
    s = np.concatenate(
        [
            np.linspace(0, 1, 41),
            [1 + 1e-12, 1 + 1e-6],
            np.linspace(1.01, 5, 40),
            np.geomspace(5, 1e4, 30),
        ]
    )
    M, S = np.meshgrid(m, s)
    a, b = smoothed_logistic(M, S)
    a_ref, b_ref = smoothed_logistic(M, S, gh=gh, trapezoid=trap)
    np.testing.assert_allclose(a, a_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(b, b_ref, rtol=0, atol=1e-12)
    # The fine rules themselves are right: E[f'(U)] for U ~ N(0, s²) is 1/2 by symmetry,
    # and s → 0 gives f'(m), f''(m).
    a0, _ = smoothed_logistic(
        np.zeros(5), np.array([0.3, 1.0, 2.0, 10.0, 1e3]), gh=gh, trapezoid=trap
    )
    np.testing.assert_allclose(a0, 0.5, atol=1e-15)
    a1, b1 = smoothed_logistic(m, np.zeros_like(m), gh=gh, trapezoid=trap)
    np.testing.assert_allclose(a1, fp(m), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(b1, fpp(m), rtol=1e-13, atol=1e-15)


@FAST
@given(th=COORD, ps=COORD)
def test_instance_noise_without_noise_is_exactly_the_standard_field(th: float, ps: float) -> None:
    pts_t = np.array([th, -th, ps, 0.0])
    pts_p = np.array([ps, ps, th, ps])
    got = make_game("instance-noise", sigma=0.0).field(pts_t, pts_p)
    want = make_game("standard").field(pts_t, pts_p)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


# --------------------------------------------------------------------------------- consensus


def _half_norm2_standard(th: np.ndarray, ps: np.ndarray) -> np.ndarray:
    vt, vp = theory_field("standard", th, ps, {})
    return 0.5 * (vt * vt + vp * vp)


@FAST
@given(th=st.floats(-3, 3), ps=st.floats(-3, 3), gamma=st.floats(0.0, 5.0))
@example(th=1.0, ps=1.0, gamma=1.0)  # where the authors' halved cubic term differs most
def test_consensus_is_v_minus_gamma_grad_half_norm2(th: float, ps: float, gamma: float) -> None:
    # Richardson-extrapolated central differences of ½‖v‖²: error O(e⁴) ≈ 1e-12.
    def grad(e: float) -> np.ndarray:
        return np.array(
            [
                (_half_norm2_standard(th + e, ps) - _half_norm2_standard(th - e, ps)) / (2 * e),
                (_half_norm2_standard(th, ps + e) - _half_norm2_standard(th, ps - e)) / (2 * e),
            ]
        )

    e = 1e-3
    g = (4 * grad(e / 2) - grad(e)) / 3
    v = np.array(theory_field("standard", th, ps, {}))
    got = np.array(make_game("consensus", gamma=gamma).field(th, ps))
    np.testing.assert_allclose(got, v - gamma * g, rtol=0, atol=1e-9 * max(1.0, gamma))


@FAST
@given(th=st.floats(-3, 3), ps=st.floats(-3, 3), gamma=st.floats(0.0, 5.0))
def test_authors_consensus_halves_the_cubic_term(th: float, ps: float, gamma: float) -> None:
    # ∇(½‖v‖²) = f'²(θ, ψ) + r² f' f'' (ψ, θ); the authors' code halves the second term
    t = th * ps
    cubic = (th * th + ps * ps) * fprime(t) * fsecond(t)
    exact = np.array(make_game("consensus", gamma=gamma).field(th, ps))
    authors = np.array(make_game("consensus-authors", gamma=gamma).field(th, ps))
    np.testing.assert_allclose(
        authors - exact, 0.5 * gamma * cubic * np.array([ps, th]), rtol=0, atol=1e-14
    )


# ------------------------------------------------------------------------------- projection


@pytest.mark.parametrize("name", ALL)
def test_only_wgan_projects(name: str) -> None:
    game = make_game(name)
    z = np.array([[5.0, 5.0], [-5.0, -5.0], [0.5, 0.5]])
    out = game.project(z.copy())
    if name == "wgan":
        assert game.psi_limit() == 1.0
        np.testing.assert_array_equal(out, [[5.0, 1.0], [-5.0, -1.0], [0.5, 0.5]])
    else:
        assert game.psi_limit() is None
        np.testing.assert_array_equal(out, z)
