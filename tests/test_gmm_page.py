"""The mode-collapse page (GMM-GAN after Li et al.) under AppTest, and its figure builders.

The displayed numbers and badges are compared with the core (``dynamics.gmm``) called
directly with the same settings; the figure builders are called without Streamlit and every
array they put in a figure is checked to be finite.
"""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dynamics import gmm
from tests.charts import chart_spec, charts
from ui import gmm_compute as compute
from ui.figures.gmm import (
    Fractions,
    PlanePath,
    Series,
    fractions_figure,
    outcome_maps_figure,
    plane_figure,
    separation_figure,
    series_figure,
)
from ui.figures.spec import figure_json

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/mode_collapse.py"
D = gmm.GMMSettings()
START = (1.5, -1.0)  # the page's default start
STEPS = 300  # the page's default number of single-run steps
SHORT = 60  # steps of most control tests


def page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    at.switch_page(PAGE).run()  # straight to the page: the explorer never runs
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in at.warning] + [e.value for e in at.error]
    parts += [i.value for i in at.info]
    return "\n".join(parts)


def core_runs(
    start: tuple[float, float] = START,
    target: tuple[float, float] = D.target,
    eta_gen: float = D.eta_gen,
    eta_disc: float = D.eta_disc,
    steps: int = STEPS,
    k: int = 1,
    simultaneous: bool = False,
    ell: str = "optimal",
    seed: int = 0,
    ell_range: tuple[float, float] = D.ell_range,
) -> dict[str, gmm.GMMRun]:
    """Both dynamics straight from the core, with the page's conventions for ℓ₀."""
    if ell == "optimal":
        ell0 = gmm.optimal_intervals(np.asarray(start), np.asarray(target))
    else:
        ell0 = gmm.draw_starts(np.random.default_rng(seed), 1, D.mu_range, ell_range)[1][0]
    return {
        "optimal": gmm.run_optimal(start, target, eta_gen, steps),
        "first-order": gmm.run_first_order(
            start, ell0, target, eta_gen, eta_disc, steps, k, simultaneous
        ),
    }


def expected_row(r: gmm.GMMRun) -> list[str]:
    """The page's formatting of a run's final state."""
    m1, m2 = r.mu[-1, 0]
    return [
        f"({m1:.4f}, {m2:.4f})",
        f"{r.tv[-1, 0]:.4f}",
        f"{r.gap[-1, 0]:.4f}",
        f"{r.grad_norm[-1, 0]:.3e}",
        f"{r.suboptimality[-1, 0]:.4f}",
    ]


def displayed(at: AppTest) -> dict[str, tuple[str, list[str]]]:
    """{dynamics: (status badge, numbers)} as shown in the outcome table."""
    table = next(m.value for m in at.markdown if m.value.startswith("| after "))
    out = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        key = "optimal" if cells[0].startswith("**Optimal") else "first-order"
        badge = re.fullmatch(r":[a-z]+-badge\[:material/[a-z_]+: ([a-z]+)\]", cells[1])
        assert badge, cells[1]
        out[key] = (badge.group(1), cells[2:])
    return out


def assert_matches_core(
    at: AppTest, runs: dict[str, gmm.GMMRun], tol: float = D.tol, collapse: float = D.collapse
) -> None:
    shown = displayed(at)
    for key, r in runs.items():
        status = gmm.run_status(r, 0, tol=tol, collapse=collapse)
        assert shown[key] == (status, expected_row(r)), key


# ------------------------------------------------------------------------------ defaults


def test_default_view_matches_the_core() -> None:
    at = page()
    assert at.title[0].value == "Mode collapse (GMM-GAN)"
    assert not at.warning
    assert at.number_input(key="gmm_target1").value == D.target[0]
    assert at.number_input(key="gmm_target2").value == D.target[1]
    assert at.select_slider(key="gmm_lr_gen").value == D.eta_gen
    assert at.select_slider(key="gmm_lr_disc").value == D.eta_disc
    assert at.slider(key="gmm_k").value == D.k
    assert at.checkbox(key="gmm_sim").value is D.simultaneous
    assert (at.number_input(key="gmm_mu1").value, at.number_input(key="gmm_mu2").value) == START
    assert at.slider(key="gmm_steps").value == STEPS
    runs = core_runs()
    assert_matches_core(at, runs)
    # the default start shows the contrast the page is about
    assert displayed(at)["optimal"][0] == "converged"
    assert displayed(at)["first-order"][0] == "stuck"
    assert [ch.key for ch in charts(at)] == [
        "gmm_plane",
        "gmm_series",
    ]
    body = texts(at)
    assert "after Li et al." in body
    assert "On the Limitations of First-Order Approximation in GAN Dynamics" in body
    assert "not available to us" in body and "only the qualitative dichotomy" in body
    assert "Mode collapse" in body and "Discriminator collapse" in body
    assert dict(at.query_params) == {}  # defaults are not written into the URL


def test_every_control_has_a_tooltip() -> None:
    at = page({"tab": "batch"})
    widgets = (
        list(at.number_input) + list(at.slider) + list(at.select_slider) + list(at.checkbox)
        + list(at.radio) + list(at.multiselect)
    )  # fmt: skip
    assert len(widgets) >= 20
    for w in widgets:
        assert w.help, w.label


# ------------------------------------------------------------------------------ controls


@pytest.mark.parametrize(
    ("widget", "key", "value", "core"),
    [
        ("slider", "gmm_k", 5, dict(k=5)),
        ("checkbox", "gmm_sim", True, dict(simultaneous=True)),
        ("select_slider", "gmm_lr_gen", 0.3, dict(eta_gen=0.3)),
        ("select_slider", "gmm_lr_disc", 0.02, dict(eta_disc=0.02)),
        ("slider", "gmm_steps", 40, dict(steps=40)),
        ("number_input", "gmm_target1", -1.2, dict(target=(-1.2, D.target[1]))),
        ("number_input", "gmm_target2", 1.5, dict(target=(D.target[0], 1.5))),
        ("number_input", "gmm_mu1", -1.5, dict(start=(-1.5, -1.0))),
        ("number_input", "gmm_mu2", 0.7, dict(start=(1.5, 0.7))),
        ("radio", "gmm_ell", "random", dict(ell="random")),
        ("number_input", "gmm_ell_hi", 1.0, dict(ell_range=(-3.0, 1.0))),
    ],
)
def test_a_control_change_shows_the_core_values(
    widget: str, key: str, value: object, core: dict
) -> None:
    at = page({"steps": str(SHORT)})  # shorter runs: faster tests, same code paths
    core = {"steps": SHORT, **core}
    if key == "gmm_ell_hi":  # the ends range only matters for random starting intervals
        at.radio(key="gmm_ell").set_value("random")
        core = {**core, "ell": "random"}
    getattr(at, widget)(key=key).set_value(value)
    rerun(at)
    assert_matches_core(at, core_runs(**core))
    assert at.query_params[key.removeprefix("gmm_")]  # the change is in the URL


def test_seed_changes_the_random_starting_intervals() -> None:
    at = page({"ell": "random", "steps": str(SHORT)})
    at.number_input(key="gmm_seed").set_value(7)
    rerun(at)
    assert_matches_core(at, core_runs(ell="random", seed=7, steps=SHORT))
    ell0 = gmm.draw_starts(np.random.default_rng(7), 1)[1][0]
    assert ", ".join(f"{v:.3f}" for v in ell0) in texts(at)


def test_thresholds_change_the_badges_like_the_core() -> None:
    at = page()
    at.number_input(key="gmm_tol").set_value(0.001)
    at.number_input(key="gmm_collapse").set_value(0.01)
    rerun(at)
    assert_matches_core(at, core_runs(), tol=0.001, collapse=0.01)
    assert displayed(at)["first-order"][0] != "collapsed"


def test_the_data_space_follows_the_chosen_dynamics() -> None:
    at = page()
    plane = chart_spec(at, "gmm_plane")
    ann = " ".join(a.get("text", "") for a in plane["layout"]["annotations"])
    assert "first-order run" in ann
    bands = [t for t in plane["data"] if t.get("name") == "first-order D = 1 (bands)"]
    assert len(bands) == 2 and bands[0]["showlegend"] is True
    at.radio(key="gmm_dyn").set_value("optimal")
    rerun(at)
    plane = chart_spec(at, "gmm_plane")
    ann = " ".join(a.get("text", "") for a in plane["layout"]["annotations"])
    assert "optimal run" in ann
    assert at.query_params["dyn"] == "optimal"


def test_simultaneous_updates_fix_k_to_one() -> None:
    at = page({"k": "7", "sim": "1", "steps": str(SHORT)})
    assert at.slider(key="gmm_k").disabled
    assert_matches_core(at, core_runs(k=1, simultaneous=True, steps=SHORT))


# ------------------------------------------------------------------------------- the URL


def test_query_parameters_seed_every_control() -> None:
    q = {
        "target1": "-1", "target2": "1", "lr_gen": "0.05", "lr_disc": "0.2", "k": "3",
        "mu1": "0.8", "mu2": "-1.6", "steps": "150", "dyn": "optimal", "ell": "random",
        "seed": "11", "tol": "0.05", "collapse": "0.3",
    }  # fmt: skip
    at = page(q)
    assert not at.warning, [w.value for w in at.warning]
    assert at.number_input(key="gmm_target1").value == -1.0
    assert at.select_slider(key="gmm_lr_gen").value == 0.05
    assert at.slider(key="gmm_k").value == 3
    assert at.radio(key="gmm_dyn").value == "optimal"
    assert at.number_input(key="gmm_seed").value == 11
    runs = core_runs(
        start=(0.8, -1.6), target=(-1.0, 1.0), eta_gen=0.05, eta_disc=0.2, steps=150, k=3,
        ell="random", seed=11,
    )  # fmt: skip
    assert_matches_core(at, runs, tol=0.05, collapse=0.3)
    # the URL written back reproduces the same view
    for key, value in q.items():
        assert at.query_params[key] == value


def test_an_off_grid_learning_rate_from_a_link_is_kept_exactly() -> None:
    at = page({"lr_gen": "0.137", "steps": str(SHORT)})
    assert at.select_slider(key="gmm_lr_gen").value == 0.137
    assert_matches_core(at, core_runs(eta_gen=0.137, steps=SHORT))


BAD_VALUES = [
    ("target1", "abc"),
    ("target2", "9"),
    ("lr_gen", "0"),
    ("lr_disc", "nan"),
    ("k", "0"),
    ("sim", "maybe"),
    ("mu1", "inf"),
    ("mu2", "1e400"),
    ("steps", "99999"),
    ("dyn", "both"),
    ("ell", "zero"),
    ("seed", "-1"),
    ("tol", "0"),
    ("collapse", "-1"),
    ("tab", "plots"),
    ("runs", "0"),
    ("bsteps", "1e9"),
    ("ks", "1,7"),
    ("grid", "50"),
    ("mu_lo", ""),
    ("ell_hi", "11"),
]


@pytest.mark.parametrize("group", [BAD_VALUES[0::2], BAD_VALUES[1::2], [("k", "2.5")]])
def test_bad_query_values_fall_back_with_a_note(group: list[tuple[str, str]]) -> None:
    """Several bad values in one link: each is named in a note and falls back to its default."""
    at = page(dict(group))
    notes = [w.value for w in at.warning]
    for key, _ in group:
        assert any(f"**{key} (" in n and "not valid" in n for n in notes), (key, notes)
    assert at.title[0].value == "Mode collapse (GMM-GAN)"
    assert "Traceback" not in texts(at)
    assert_matches_core(at, core_runs())  # every single-run setting at its default


def test_unknown_keys_are_named_and_dropped() -> None:
    at = page({"foo": "1", "k": "2"})
    notes = "\n".join(w.value for w in at.warning)
    assert "**foo**" in notes
    assert at.slider(key="gmm_k").value == 2
    assert "foo" not in at.query_params


def test_an_inverted_range_falls_back_to_the_default_with_a_warning() -> None:
    at = page({"ell": "random", "ell_lo": "2", "ell_hi": "1", "steps": str(SHORT)})
    assert any("Interval ends" in w.value for w in at.sidebar.warning)
    assert_matches_core(at, core_runs(ell="random", steps=SHORT))


# ----------------------------------------------------------------------------- the click


def test_a_click_on_the_plane_moves_the_start_to_the_grid_point() -> None:
    at = page({"steps": str(SHORT)})
    # the default view is (-3, 3)², where a click snaps to multiples of 0.2
    assert compute.plane_view(D.target, START, D.mu_range)[1] == 0.2
    at.session_state["gmm_plane"] = {"click": {"x": -1.02, "y": 0.61}}
    rerun(at)
    assert at.number_input(key="gmm_mu1").value == -1.0
    assert at.number_input(key="gmm_mu2").value == 0.6
    assert at.query_params["mu1"] == "-1" and at.query_params["mu2"] == "0.6"
    assert_matches_core(at, core_runs(start=(-1.0, 0.6), steps=SHORT))
    # the same click arriving again (any later rerun) does not move the start back
    at.number_input(key="gmm_mu1").set_value(0.3)
    rerun(at)
    assert at.number_input(key="gmm_mu1").value == 0.3


def test_a_malformed_click_is_ignored() -> None:
    at = page()
    at.session_state["gmm_plane"] = {"click": {"x": "left", "y": None}}
    rerun(at)
    assert (at.number_input(key="gmm_mu1").value, at.number_input(key="gmm_mu2").value) == START


# ------------------------------------------------------------------------------- the batch


@pytest.fixture
def clickable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let AppTest deliver button clicks to the page.

    AppTest resets ``PagesManager.uses_pages_directory`` before every run and then runs the
    current page directly, so ``ui.boot.require_entrypoint`` reruns the script once per
    ``at.run()`` and a button's one-shot trigger value is lost in that rerun. (A real server
    clears the flag once per process, so clicks arrive; the browser test clicks for real.)
    """
    import ui.boot

    monkeypatch.setattr(ui.boot, "require_entrypoint", lambda: None)


def _table(at: AppTest) -> dict[str, list[str]]:
    md = next(m.value for m in at.markdown if m.value.startswith("| configuration"))
    rows = {}
    for line in md.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


def _cell(fraction: float, count: int) -> str:
    return f"{fraction:.1%} ({count})"


@pytest.mark.usefixtures("clickable")
def test_batch_tab_runs_on_request_and_matches_the_core() -> None:
    q = {"tab": "batch", "runs": "40", "bsteps": "30", "ks": "1,3", "grid": "21", "seed": "5"}
    at = page(q)
    assert any("Run batch experiment" in i.value for i in at.info)
    assert not [m for m in at.markdown if m.value.startswith("| configuration")]
    at.button(key="gmm_run_batch").click()
    rerun(at)
    rows = _table(at)
    common = dict(runs=40, seed=5, steps=30, eta_gen=0.1, eta_disc=0.1)
    expect = {
        "optimal discriminator": gmm.batch_experiment("optimal", **common),
        "first-order, k = 1": gmm.batch_experiment("first-order", k=1, **common),
        "first-order, k = 3": gmm.batch_experiment("first-order", k=3, **common),
    }
    assert list(rows) == list(expect)
    for label, r in expect.items():
        c = r.counts
        assert rows[label] == [_cell(getattr(r, o), c[o]) for o in gmm.OUTCOMES], label
    # the outcome maps are the core's outcome grids (first-order at the sidebar's k = 1)
    maps = chart_spec(at, "gmm_maps")
    z = [t for t in maps["data"] if t["type"] == "heatmap"]
    grid_args = dict(seed=5, steps=30, eta_gen=0.1, eta_disc=0.1)
    for tr, dyn in zip(z, ("optimal", "first-order"), strict=True):
        codes = gmm.outcome_grid(21, dyn, k=1, **grid_args).codes
        shown = _arrays(tr["z"]).reshape(21, 21)
        assert np.array_equal(shown, codes), dyn
    fr = chart_spec(at, "gmm_fractions")
    assert [t["name"] for t in fr["data"]] == list(gmm.OUTCOMES)
    assert "seed 5" in texts(at)
    # the result stays on screen, from the cache, after an unrelated rerun
    at.slider(key="gmm_steps").set_value(50)
    rerun(at)
    assert _table(at) == rows


@pytest.mark.usefixtures("clickable")
def test_batch_with_simultaneous_updates_adds_a_row() -> None:
    q = {"tab": "batch", "runs": "20", "bsteps": "10", "ks": "2", "grid": "21", "bsim": "1"}
    at = page(q)
    at.button(key="gmm_run_batch").click()
    rerun(at)
    rows = _table(at)
    assert list(rows) == [
        "optimal discriminator",
        "first-order, k = 2",
        "first-order, simultaneous (k = 1)",
    ]
    r = gmm.batch_experiment("first-order", k=1, simultaneous=True, runs=20, steps=10)
    assert rows["first-order, simultaneous (k = 1)"][1] == _cell(r.collapsed, r.counts["collapsed"])


@pytest.mark.parametrize(
    "query",
    [
        {"runs": "20000", "bsteps": "10000"},  # runs × steps
        {"grid": "81", "bsteps": "5000"},  # the outcome map's grid counts as runs
        {"ks": "100", "bsteps": "2000"},  # runs × steps × k
    ],
)
def test_a_batch_beyond_the_limits_is_refused_with_a_message(query: dict[str, str]) -> None:
    at = page({"tab": "batch", **query})
    assert any("at most" in e.value for e in at.error)
    assert at.button(key="gmm_run_batch").disabled


def test_a_batch_without_any_k_is_refused() -> None:
    at = page({"tab": "batch"})
    assert not at.button(key="gmm_run_batch").disabled
    at.multiselect(key="gmm_ks").set_value([])
    rerun(at)
    assert any("at least one k" in e.value for e in at.error)
    assert at.button(key="gmm_run_batch").disabled


# --------------------------------------------------------------------- figures, no Streamlit


def _arrays(obj: object) -> np.ndarray:
    """A figure-JSON array as floats (Plotly sends numpy arrays as base64 typed arrays)."""
    if isinstance(obj, dict) and "bdata" in obj:
        return np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"]).astype(float)
    if isinstance(obj, list) and obj and all(isinstance(v, str) for v in obj):
        return np.zeros(0)  # a categorical axis (bar labels)
    return np.asarray(obj, dtype=float).ravel()


def assert_finite(fig) -> None:
    """Every x/y/z array of every trace and frame is finite, except the NaN separators of the
    streamlines (which come in pairs: x and y are NaN at the same vertices). Checks what
    ui/live_chart.py sends, and that it is Plotly's own JSON less the template."""
    spec = json.loads(figure_json(fig))
    plotly_spec = json.loads(fig.to_json())
    plotly_spec["layout"].pop("template", None)
    assert spec == plotly_spec
    traces = list(spec["data"])
    for fr in spec.get("frames", []):
        traces += fr["data"]
    checked = 0
    for tr in traces:
        arrays = {k: _arrays(tr[k]) for k in ("x", "y", "z") if k in tr}
        if "marker" in tr and isinstance(tr["marker"], dict) and "angle" in tr["marker"]:
            arrays["angle"] = _arrays(tr["marker"]["angle"])
        for name, a in arrays.items():
            checked += a.size
            if tr.get("name", "").startswith("−∇TV") and name in ("x", "y"):
                nan_x, nan_y = np.isnan(_arrays(tr["x"])), np.isnan(_arrays(tr["y"]))
                assert np.array_equal(nan_x, nan_y)
                assert not nan_x[0] and not np.any(nan_x[1:] & nan_x[:-1])
                a = a[~np.isnan(a)]
            assert np.all(np.isfinite(a)), (tr.get("name"), name)
    assert checked > 0


def build_plane(start=START, target=D.target, focus="first-order", steps=STEPS, k=1, ell="optimal"):
    runs = {
        d: compute.single_run(d, start, target, 0.1, 0.1, steps, k, False, ell, 0, D.mu_range,
                              D.ell_range)
        for d in ("optimal", "first-order")
    }  # fmt: skip
    view, _ = compute.plane_view(target, start, D.mu_range, tuple(r.mu for r in runs.values()))
    space = compute.data_space(
        focus, start, target, 0.1, 0.1, steps, k, False, ell, 0, D.mu_range, D.ell_range,
        compute.data_range(target, runs[focus].mu),
    )  # fmt: skip
    paths = [PlanePath(d, d, r.mu, "moving") for d, r in runs.items()]
    fig = plane_figure(
        compute.tv_surface(target, view), compute.tv_streamlines(target, view), paths, target,
        view=view, space=space, focus=focus,
    )  # fmt: skip
    return fig, runs


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"focus": "optimal"},
        {"target": (0.0, 0.0)},  # one Gaussian: no mirror
        {"start": (1.0, 1.0)},  # on the collapse diagonal
        {"start": (-0.5, 0.5)},  # at the optimum: h = 0, empty optimal discriminator
        {"target": (5.0, -5.0), "start": (-5.0, 5.0)},  # far: the view is capped
        {"steps": 1},
        {"k": 25, "ell": "random"},
    ],
)
def test_figure_builders_draw_finite_data_only(kw: dict) -> None:
    fig, runs = build_plane(**kw)
    assert_finite(fig)
    assert len(fig.frames) <= compute.N_FRAMES
    series = [Series(d, d, r.tv, r.suboptimality, r.gap, r.grad_norm) for d, r in runs.items()]
    assert_finite(series_figure(series))


def test_batch_figures_draw_finite_data_only() -> None:
    assert_finite(fractions_figure([Fractions("optimal", 1.0, 0.0, 0.0, 0.0),
                                    Fractions("first-order, k = 1", 0.1, 0.6, 0.1, 0.2)]))  # fmt: skip
    m = gmm.separation_map([1.0, 4.0], (1, 2), runs=5, steps=5)
    assert_finite(separation_figure(m.separations, m.ks, m.fractions, current=4.0))
    g = gmm.outcome_grid(11, "first-order", steps=5)
    fig = outcome_maps_figure(g.axis, [("a", g.codes), ("b", g.codes)], D.target)
    assert_finite(fig)


def test_plane_streamlines_follow_minus_grad_tv() -> None:
    """The field drawn is -∇TV: a small step along it lowers TV (finite differences)."""
    field = compute.tv_field(D.target)
    rng = np.random.default_rng(1)
    pts = rng.uniform(-2, 2, size=(50, 2))
    pts = pts[np.abs(pts[:, 0] - pts[:, 1]) > 0.1]
    u, v = field(pts[:, 0], pts[:, 1])
    eps = 1e-6
    for (x, y), du, dv in zip(pts, u, v, strict=True):
        gx = gmm.tv_distance([x + eps, y], D.target) - gmm.tv_distance([x - eps, y], D.target)
        gy = gmm.tv_distance([x, y + eps], D.target) - gmm.tv_distance([x, y - eps], D.target)
        assert du == pytest.approx(-gx / (2 * eps), abs=1e-5)
        assert dv == pytest.approx(-gy / (2 * eps), abs=1e-5)


def test_payloads_stay_small() -> None:
    """Float32 arrays, ≤ 80 frames, paths and series decimated to ≤ 1500 points."""
    fig, runs = build_plane()
    sizes = {"plane": len(fig.to_json())}
    series = [Series(d, d, r.tv, r.suboptimality, r.gap, r.grad_norm) for d, r in runs.items()]
    sizes["series"] = len(series_figure(series).to_json())
    # a long run (synthetic: the builders only see arrays) is decimated, not sent whole
    n = 10_001
    t = np.linspace(0.0, 1.0, n)
    mu = np.stack([np.cos(40 * t), np.sin(40 * t)], axis=1)
    long_paths = [PlanePath(d, d, mu * (1 + i), "moving") for i, d in enumerate(runs)]
    long_fig = plane_figure(None, None, long_paths, D.target, view=(-3.0, 3.0))
    sizes["plane, 10000 steps"] = len(long_fig.to_json())
    for tr in long_fig.data:
        if tr.name in runs:  # the two paths
            assert len(tr.x) <= 1500
    long_series = [Series(d, d, t, t, t, t + 1e-3) for d in runs]
    sizes["series, 10000 steps"] = len(series_figure(long_series).to_json())
    g = gmm.outcome_grid(81, "first-order", steps=1)
    sizes["maps 81²"] = len(
        outcome_maps_figure(g.axis, [("a", g.codes), ("b", g.codes)], D.target).to_json()
    )
    sizes["fractions"] = len(
        fractions_figure([Fractions(f"k = {k}", 0.2, 0.4, 0.1, 0.3) for k in range(5)]).to_json()
    )
    assert sizes["plane"] < 300_000, sizes
    assert sizes["plane, 10000 steps"] < 120_000, sizes
    assert sizes["series"] < 60_000, sizes
    assert sizes["series, 10000 steps"] < 160_000, sizes
    assert sizes["maps 81²"] < 60_000, sizes
    assert sizes["fractions"] < 20_000, sizes


# ----------------------------------------------- what the page says, checked against the core


def _sentences(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("The data are "))


def _pct(text: str, words: str) -> float:
    hit = re.search(rf"{re.escape(words)} (\d+\.\d)%", text)
    return float(hit.group(1)) / 100 if hit else 0.0


@pytest.mark.parametrize(
    "query",
    [{}, {"k": "25"}, {"target1": "-0.5", "target2": "0.5"}, {"steps": "40", "mu1": "0.3"}],
)
def test_the_sentences_state_the_core_numbers(query: dict[str, str]) -> None:
    """Every number and shape the single-run text states, recomputed with the core."""
    from ui.gmm_text import OUTCOME_WORDS

    at = page(query)
    text = _sentences(at)
    target = (float(query.get("target1", D.target[0])), float(query.get("target2", D.target[1])))
    k, steps = int(query.get("k", 1)), int(query.get("steps", STEPS))
    start = (float(query.get("mu1", START[0])), START[1])
    # the data: two modes exactly when the means are more than 2 apart (a density check)
    x = np.linspace(-10, 10, 20001)
    g = gmm.g_star(x, np.asarray(target))
    maxima = int(np.sum((g[1:-1] > g[:-2]) & (g[1:-1] > g[2:])))
    assert ("**two modes**" in text) == (maxima == 2) and ("**one bump**" in text) == (maxima == 1)
    if maxima == 1:
        c = sum(target) / 2
        assert f"TV = {float(gmm.tv_distance((c, c), target)):.3f}" in text
    # each run: its status word, final means and TV as in the core
    runs = core_runs(start=start, target=target, steps=steps, k=k)
    for key, label in (("optimal", "Optimal discriminator"), ("first-order", "First-order discriminator")):  # fmt: skip
        r = runs[key]
        line = next(ln for ln in text.split("\n\n") if ln.startswith(f"**{label}**"))
        status = gmm.run_status(r, 0)
        assert line.startswith(f"**{label}**: {'still moving' if status == 'moving' else status}")
        m1, m2 = r.mu[-1, 0]
        assert f"μ = ({m1:.2f}, {m2:.2f})".replace("-", "−") in line
        if status != "oscillating":
            assert f"TV = {r.tv[-1, 0]:.3f}" in line
        if status == "stuck":
            assert r.grad_norm[-1, 0] < gmm.GRAD_TOL and "discriminator collapse" in line
        if status == "collapsed":
            assert f"|μ₁ − μ₂| = {r.gap[-1, 0]:.3f}" in line
    # the fractions: the core's batch with these settings
    b = gmm.batch_experiment(
        "first-order", k=k, runs=compute.SETTING_RUNS, seed=D.seed, steps=steps, target=target
    )
    for o in gmm.OUTCOMES:
        shown = f"{OUTCOME_WORDS[o]} {getattr(b, o):.1%}"
        assert (shown in text) == (b.counts[o] > 0), (o, shown)  # 200 runs: 0.5 % steps, exact


def test_the_data_space_shows_the_step_the_table_reports() -> None:
    """Issue: the data-space panel showed step 0 while the table said "after 200 steps"."""
    at = page()
    plane = chart_spec(at, "gmm_plane")
    slider = plane["layout"]["sliders"][0]
    assert slider["steps"][slider["active"]]["label"] == str(STEPS)
    table = next(m.value for m in at.markdown if m.value.startswith("| after "))
    assert table.startswith(f"| after {STEPS} steps |")
    # the current-step markers sit on the final means, the generator density is g at them
    fo = core_runs()["first-order"]
    now = next(
        t for t in plane["data"] if t.get("name", "").endswith(" now") and "first" in t["name"]
    )
    assert now["x"][0] == pytest.approx(fo.mu[-1, 0, 0], abs=1e-4)
    assert now["y"][0] == pytest.approx(fo.mu[-1, 0, 1], abs=1e-4)
    g = next(t for t in plane["data"] if t.get("name") == "generator density g<sub>μ</sub>")
    x = _arrays(next(t for t in plane["data"] if t.get("name") == "data density g*")["x"])
    np.testing.assert_allclose(_arrays(g["y"]), gmm.g_mu(x[None, :], fo.mu[-1]).ravel(), atol=1e-6)


def test_a_single_run_at_the_maximum_settings_stays_within_the_budget() -> None:
    """Issue: steps = 3000, k = 100 cost 49 s per rerun, without a button."""
    hi_steps, hi_k = 3000, int(gmm.GMMSettings.RANGES["k"][1])
    at = page({"steps": str(hi_steps), "k": str(hi_k)})
    n = compute.steps_within_budget(hi_steps, hi_k)
    assert n < hi_steps and compute.single_run_cost(n, hi_k) <= compute.SINGLE_RUN_BUDGET
    assert any(f"Showing the first {n} of {hi_steps} steps" in w.value for w in at.warning)
    assert next(m.value for m in at.markdown if m.value.startswith("| after ")).startswith(
        f"| after {n} steps |"
    )
    assert_matches_core(at, core_runs(steps=n, k=hi_k))
    assert compute.steps_within_budget(STEPS, 1) == STEPS  # the default is not cut


# --------------------------------------------------------------------- exports round-trip


def small_table() -> compute.BatchTable:
    return compute.batch_table(
        D.target, 0.1, 0.1, 30, 40, 5, (1, 3), True, 21, 1, False, D.mu_range, D.ell_range,
        D.tol, D.collapse,
    )  # fmt: skip


def test_batch_exports_parse_back_to_the_core_numbers() -> None:
    import csv
    import io

    table = small_table()
    rows = list(csv.DictReader(io.StringIO(compute.batch_csv(table))))
    assert "np." not in compute.batch_csv(table) and "np." not in compute.batch_json(table)
    data = json.loads(compute.batch_json(table))
    common = dict(runs=40, seed=5, steps=30, eta_gen=0.1, eta_disc=0.1)
    expect = [
        gmm.batch_experiment("optimal", **common),
        gmm.batch_experiment("first-order", k=1, **common),
        gmm.batch_experiment("first-order", k=3, **common),
        gmm.batch_experiment("first-order", k=1, simultaneous=True, **common),
    ]
    fractions = [r for r in rows if r["kind"] == "fractions"]
    records = [r for r in data["records"] if r["kind"] == "fractions"]
    assert len(fractions) == len(records) == len(expect)
    for row, rec, r in zip(fractions, records, expect, strict=True):
        for o in gmm.OUTCOMES:
            assert abs(float(row[o]) - getattr(r, o)) <= 1e-12
            assert abs(rec[o] - getattr(r, o)) <= 1e-12
            assert int(row[f"n_{o}"]) == rec[f"n_{o}"] == r.counts[o]
    seps = compute.separations_for(D.target)
    m = gmm.separation_map(seps, (1, 3), runs=min(40, compute.SEPARATION_RUNS), seed=5, steps=30)
    cells = [r for r in rows if r["kind"] == "separation"]
    assert len(cells) == 2 * len(seps)
    for row in cells:
        i, j = (1, 3).index(int(row["k"])), seps.index(float(row["separation"]))
        for n, o in enumerate(gmm.OUTCOMES):
            assert abs(float(row[o]) - m.fractions[i, j, n]) <= 1e-12
    opt = gmm.outcome_grid(21, "optimal", seed=5, steps=30)
    assert data["outcome_maps"]["optimal"] == opt.codes.tolist()
    assert data["outcome_maps"]["axis"] == opt.axis.tolist()
    assert data["settings"]["runs"] == 40 and data["settings"]["ks"] == [1, 3]


@pytest.mark.usefixtures("clickable")
def test_the_batch_tab_offers_the_exports() -> None:
    q = {"tab": "batch", "runs": "20", "bsteps": "10", "ks": "2", "grid": "21"}
    at = page(q)
    at.button(key="gmm_run_batch").click()
    rerun(at)
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == [
        "Download the table (CSV)", "Download everything (JSON)",
    ]  # fmt: skip
    assert chart_spec(at, "gmm_separation")["data"]


# ------------------------------------------------------------- the bounded, cancellable pool


def _args(steps: int = 30, seed: int = 11) -> tuple:
    return (
        D.target, 0.1, 0.1, steps, 20, seed, (1,), False, 21, 1, False, D.mu_range,
        D.ell_range, D.tol, D.collapse,
    )  # fmt: skip


def test_a_full_pool_refuses_with_a_wait_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compute, "_QUEUED", {1: compute.MAX_QUEUED_SECONDS})
    with pytest.raises(compute.Busy) as busy:
        compute.submit_batch(_args())
    assert busy.value.retry_after == pytest.approx(compute.MAX_QUEUED_SECONDS / compute.WORKERS)
    assert "try again in about" in str(busy.value)


@pytest.mark.usefixtures("clickable")
def test_the_page_says_busy_instead_of_queuing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compute, "_QUEUED", {1: compute.MAX_QUEUED_SECONDS})
    at = page({"tab": "batch", "runs": "20", "bsteps": "10", "ks": "2", "seed": "99"})
    at.button(key="gmm_run_batch").click()
    rerun(at)
    assert any("busy with other batch experiments: try again in about" in w.value
               for w in at.warning)  # fmt: skip
    assert not [m for m in at.markdown if m.value.startswith("| configuration")]


def test_cancel_stops_a_batch_between_chunks() -> None:
    job = compute.BatchJob(args=_args(steps=5000, seed=12), estimate=1.0)
    job.cancel()
    with pytest.raises(gmm.Cancelled):
        compute._run(job)  # the flag is checked before it starts and every 50 steps
    started = compute.submit_batch(_args(steps=5000, seed=13))
    while started.started is None and not started.future.done():
        started.heartbeat = time.monotonic()
        time.sleep(0.01)
    started.cancel()
    with pytest.raises(gmm.Cancelled):
        started.future.result(timeout=120)
    assert id(started) not in compute._QUEUED  # its queued work is released


def test_a_batch_nobody_polls_is_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The session is gone (no poller renews the heartbeat): the batch stops by itself."""
    monkeypatch.setattr(compute, "ORPHAN_SECONDS", 0.0)
    job = compute.submit_batch(_args(steps=5000, seed=14))
    with pytest.raises(gmm.Cancelled):
        job.future.result(timeout=120)


def test_the_time_left_comes_from_the_measured_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    job = compute.BatchJob(args=_args(), estimate=1.0)
    assert job.remaining() is None  # nothing measured yet
    job.progress(0.0, "start")
    job.started = time.monotonic() - 10.0
    job.progress(0.25, "a quarter")
    left = job.remaining()
    assert left is not None and 29.0 <= left <= 31.5  # 10 s for 25 %: 30 s to go
    monkeypatch.setattr(compute, "_SECONDS_PER_UNIT", [1e-6])
    before = compute.estimate_for_args(_args())
    compute._learn_rate(_args(), 3 * before)  # a batch that took 3× the estimate
    assert compute.estimate_for_args(_args()) == pytest.approx(2 * before)


@pytest.mark.usefixtures("clickable")
def test_the_cancel_button_cancels_the_sessions_batch() -> None:
    from concurrent.futures import Future

    at = page({"tab": "batch", "runs": "20", "bsteps": "10", "ks": "2"})
    assert at.button(key="gmm_cancel_batch").disabled  # nothing to cancel
    args = (
        D.target,
        0.1,
        0.1,
        10,
        20,
        0,
        (2,),
        False,
        41,
        1,
        False,
        D.mu_range,
        D.ell_range,
        D.tol,
        D.collapse,
    )  # fmt: skip  (the page's batch arguments for this query)
    job = compute.BatchJob(args=args, estimate=1.0, future=Future())  # still running
    at.session_state["_gmm_job"] = job
    rerun(at)
    assert not at.button(key="gmm_cancel_batch").disabled
    at.button(key="gmm_cancel_batch").click()
    rerun(at)
    assert job.cancelled.is_set() and job.should_stop()
    assert any("cancelled" in i.value for i in at.info), [i.value for i in at.info]
    assert "_gmm_job" not in at.session_state
    # a batch for other settings than the page's is cancelled as soon as the page sees it
    other = compute.BatchJob(args=_args(seed=22), estimate=1.0, future=Future())
    at.session_state["_gmm_job"] = other
    rerun(at)
    assert other.cancelled.is_set()
