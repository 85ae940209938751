"""Compare and stability-map pages under AppTest, and their figures against the core."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dynamics.methods import HYPER_PARAMS, METHODS, Hyper, eig2
from dynamics.presets import FIGURE_VARIANTS, SCHEMES
from dynamics.spectrum import spectrum
from dynamics.stability import (
    analytic_boundary,
    available_axes,
    critical_values,
    level_curve,
    stability_map,
)
from dynamics.variants import VARIANTS, get_variant, make_game
from tests.charts import charts
from ui.compute import compare_grid
from ui.routes import EXPLORER, read_link
from ui.specs import STABILITY_VARIANTS, map_pairs

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def annotation_texts(at: AppTest) -> str:
    spec = charts(at)[0].spec
    return "\n".join(a.get("text", "") for a in spec["layout"].get("annotations", []))


def page(path: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if query:
        at.query_params.update(query)
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ------------------------------------------------------------------------------ compare


def test_compare_defaults_reproduce_the_authors_grid() -> None:
    at = page("pages/compare.py")
    assert at.title[0].value.startswith("Compare")
    assert at.multiselect(key="cmp_variants").value == list(FIGURE_VARIANTS)
    assert at.multiselect(key="cmp_schemes").value == ["simgd", "altgd1", "altgd5"]
    fig = annotation_texts(at)
    # every panel's title carries its spectral radius, computed by the core
    for v in FIGURE_VARIANTS:
        for s in ("simgd", "altgd1", "altgd5"):
            sc = SCHEMES[s]
            hp = Hyper(n_disc=sc.n_disc)
            u = spectrum(make_game(v), sc.method, hp).update
            title = f"{VARIANTS[v].label}<br>{sc.label}"  # the two on two lines
            assert title in fig
            if u.spectral_radius is not None:
                assert f"near (0, 0): {u.verdict} (ρ = {u.spectral_radius:.4f})" in fig


def test_compare_panels_link_to_the_explorer_with_their_settings() -> None:
    at = page("pages/compare.py", {"h": "0.1", "steps": "300", "schemes": "altgd5,negmom"})
    links = re.findall(r'href="([^"]+)"', annotation_texts(at))
    assert len(links) == 2 * len(FIGURE_VARIANTS)
    # decoded with the explorer's own specs (an unknown key or a bad value would raise)
    (page0, q), (page1, q2) = read_link(links[0]), read_link(links[1])
    assert page0 == page1 == EXPLORER
    assert q["h"] == 0.1 and q["steps"] == 300 and q["n_disc"] == 5
    assert q["methods"] == ["altgd"]
    assert q2["methods"] == ["momentum-alt"] and q2["beta"] == -0.5
    # the explorer understands every link: no note about a bad parameter
    explorer = AppTest.from_file(APP, default_timeout=120)
    explorer.query_params.update({k: v[-1] for k, v in parse_qs(urlparse(links[1]).query).items()})
    explorer.switch_page(page1).run()
    assert not explorer.exception and not explorer.warning
    assert explorer.number_input(key="n_disc").value == 1
    assert explorer.slider(key="beta").value == -0.5


def test_compare_widgets_and_bad_values() -> None:
    at = page("pages/compare.py", {"variants": "standard,bogus"})
    assert any("**variants" in w.value for w in at.warning)
    at.multiselect(key="cmp_variants").set_value(["gradient-penalty"]).run()
    at.multiselect(key="cmp_schemes").set_value(["flow", "extragradient"]).run()
    at.slider(key="cmp_steps").set_value(50).run()
    assert not at.exception
    at.multiselect(key="cmp_schemes").set_value([]).run()
    assert any("at least one" in i.value for i in at.info)


def test_compare_grid_equals_the_core() -> None:
    grid, lines = compare_grid(
        ("consensus", "wgan-gp"), ("simgd", "altgd5"), 0.2, 100, (1.0, 1.0), 2.0, 0.6
    )
    assert len(grid) == 2 and len(grid[0]) == 2 and len(lines) == 2
    u = spectrum(make_game("consensus"), "altgd", Hyper(n_disc=5)).update
    assert grid[0][1].rho == u.spectral_radius and grid[0][1].verdict == u.verdict
    assert grid[1][0].rho is None and grid[1][0].verdict is None  # WGAN-GP
    for row in grid:
        for cell in row:
            assert np.isfinite(cell.points).all()


# ---------------------------------------------------------------------------- stability


def test_stability_page_defaults_and_widgets() -> None:
    at = page("pages/stability.py")
    assert at.title[0].value == "Stability map"
    assert at.selectbox(key="stab_variant").value == "gradient-penalty"
    assert at.selectbox(key="stab_axes").value == "h,gamma"
    assert at.selectbox(key="stab_sweep").value == "gamma"
    at.selectbox(key="stab_variant").set_value("standard").run()
    at.selectbox(key="stab_method").set_value("altgd").run()
    assert at.selectbox(key="stab_axes").value == "h,n_disc"
    at.selectbox(key="stab_axes").set_value("h_gen,h_disc").run()
    at.select_slider(key="stab_res").set_value(101).run()
    assert not at.exception


@pytest.mark.parametrize("method", [m for m, meth in METHODS.items() if meth.operator is not None])
def test_stability_page_every_method(method: str) -> None:
    at = page("pages/stability.py", {"variant": "instance-noise", "method": method})
    assert at.selectbox(key="stab_method").value == method


def test_stability_bad_query_values_are_named() -> None:
    at = page("pages/stability.py", {"variant": "wgan-gp", "res": "7", "axes": "foo,bar"})
    notes = "\n".join(w.value for w in at.warning)
    assert "**variant" in notes and "**res" in notes and "**axes" in notes
    assert at.selectbox(key="stab_variant").value == "gradient-penalty"


def test_a_click_on_a_cell_opens_the_explorer_with_its_settings() -> None:
    at = page("pages/stability.py")
    at.session_state["stability_chart"] = {"click": {"x": 0.5, "y": 0.8}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Dirac-GAN explorer"
    assert at.selectbox(key="variant").value == "gradient-penalty"
    assert at.select_slider(key="h").value == 0.5
    assert at.slider(key="gamma").value == 0.8
    assert at.multiselect(key="methods").value == ["simgd"]


# ------------------------------------------------------------------ vectorised numerics


def _hyper_for(cell: dict[str, float]) -> Hyper:
    hp = Hyper()
    for k, v in cell.items():
        if k == "h":
            hp = Hyper(**{**vars(hp), "lr_gen": v, "lr_disc": v})
        elif k in ("h_gen", "h_disc"):
            hp = Hyper(**{**vars(hp), ("lr_gen" if k == "h_gen" else "lr_disc"): v})
        elif k in HYPER_PARAMS:  # n_gen, n_disc, β, SGA λ, lookahead k and α, ...
            hp = Hyper(**{**vars(hp), k: int(v) if HYPER_PARAMS[k].integer else v})
    return hp


CASES = [
    (v, m, a, b)
    for v in VARIANTS
    if VARIANTS[v].differentiable
    for m in METHODS
    if METHODS[m].operator is not None
    for a in available_axes(v, m)
    for b in available_axes(v, m)
    if a < b
    and not (available_axes(v, m)[a].integer and available_axes(v, m)[b].integer)
    and not ({a, b} & {"h_gen", "h_disc"} and "h" in {a, b})
]


@pytest.mark.parametrize(("variant", "method", "x", "y"), CASES[:: max(1, len(CASES) // 40)])
def test_map_equals_the_core_spectral_radius_at_random_cells(
    variant: str, method: str, x: str, y: str
) -> None:
    axes = available_axes(variant, method)
    m = stability_map(variant, method, axes[x], axes[y], n=31)
    rng = np.random.default_rng(0)
    for _ in range(6):
        i, j = rng.integers(len(m.y)), rng.integers(len(m.x))
        cell = {x: m.x[j], y: m.y[i]}
        params = {k: v for k, v in cell.items() if k in VARIANTS[variant].param_index}
        game = make_game(variant, params)
        u = spectrum(game, method, _hyper_for(cell)).update
        assert m.rho[i, j] == pytest.approx(u.spectral_radius, rel=1e-9, abs=1e-12)
        # and against numpy.linalg.eigvals of the core's own operator matrix
        op = METHODS[method].operator(game.jacobian(), _hyper_for(cell))
        assert m.rho[i, j] == pytest.approx(np.abs(np.linalg.eigvals(op)).max(), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=4, max_size=4))
@example([0.0, 0.0, 5e-324, 1.0])  # a subnormal entry: np.linalg.det warned on it
def test_eig2_closed_form_matches_numpy(entries: list[float]) -> None:
    A = np.array(entries).reshape(2, 2)
    got = np.sort_complex(eig2(A[None])[0])
    want = np.sort_complex(np.linalg.eigvals(A).astype(complex))
    scale = 1 + np.abs(A).max()
    # 2×2 determinant by hand: np.linalg.det's LU divides by a subnormal pivot (5e-324) and
    # warns, which the suite turns into an error; the reference must not fail where eig2 works
    det = A[0, 0] * A[1, 1] - A[0, 1] * A[1, 0]
    # near a double root the eigenvalues are ill-conditioned: compare the invariants there
    assert np.allclose(got.sum(), np.trace(A), atol=1e-12 * scale)
    assert np.allclose(np.prod(got), det, atol=1e-10 * scale**2)
    disc = (np.trace(A) / 2) ** 2 - det
    if abs(disc) > 1e-6:
        assert np.allclose(got, want, atol=1e-9 * scale)


def test_analytic_boundaries_lie_on_the_computed_rho_1_curve() -> None:
    axes = available_axes("standard", "altgd")
    m = stability_map("standard", "altgd", axes["h"], axes["n_disc"], n=201)
    bx, by, _ = analytic_boundary("standard", "altgd", m)
    # α = 2 exactly on the curve: the operator there has a double eigenvalue −1, ρ = 1
    for h, n in zip(bx[::50], by[::50], strict=True):
        alpha = np.sqrt(n) * h * 0.5
        assert alpha == pytest.approx(2.0)
    axes = available_axes("gradient-penalty", "simgd")
    m = stability_map("gradient-penalty", "simgd", axes["h"], axes["gamma"], n=101)
    bx, by, _ = analytic_boundary("gradient-penalty", "simgd", m)
    for h, g in list(zip(bx, by, strict=True))[::40]:
        u = spectrum(
            make_game("gradient-penalty", gamma=g), "simgd", Hyper(lr_gen=h, lr_disc=h)
        ).update
        assert u.spectral_radius == pytest.approx(1.0, abs=1e-9)


def test_level_curve_of_a_circle() -> None:
    x = np.linspace(-2, 2, 81)
    X, Y = np.meshgrid(x, x)
    lx, ly = level_curve(x, x, np.hypot(X, Y), 1.0)
    ok = np.isfinite(lx)
    assert ok.sum() > 100
    assert np.allclose(np.hypot(lx[ok], ly[ok]), 1.0, atol=2e-3)


def test_critical_damping_values() -> None:
    assert critical_values("gradient-penalty", "gamma", 0, 1.5) == [pytest.approx(1.0, abs=1e-12)]
    assert critical_values("instance-noise", "sigma", 0, 2) == [
        pytest.approx(np.sqrt(2), abs=1e-12)
    ]
    assert critical_values("consensus", "gamma", 0, 5) == []


@pytest.mark.parametrize("variant", STABILITY_VARIANTS)
def test_every_variant_parameter_that_moves_the_spectrum_is_a_map_axis(variant: str) -> None:
    """A parameter of a (new) variant that changes J at the equilibrium is offered against h,
    without a list of parameter names to keep up to date (LSGAN's c was missing)."""
    axes = available_axes(variant, "simgd")
    pairs = map_pairs(variant, "simgd")
    for p in get_variant(variant).params:
        if p.name in axes:
            assert f"h,{p.name}" in pairs, (p.name, pairs)
