"""The explorer figure builders: the cached static layer never changes what they return, and
the plain-dict traces they assemble pass Plotly's validation."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from dynamics.methods import METHODS, Hyper, simulate
from dynamics.presets import SCHEMES
from dynamics.stability import available_axes
from dynamics.streamlines import trace_streamlines
from dynamics.variants import VARIANTS, make_game
from tests.charts import charts
from ui.compat import typed_array_spec
from ui.compute import compare_grid, level, locus, params_key, stability
from ui.figures.common import NEUTRAL
from ui.figures.compare import Panel, compare_figure
from ui.figures.explorer import (
    _SKELETONS,
    PathView,
    distance_figure,
    eigen_figure,
    explorer_figure,
)
from ui.figures.spec import (
    FONT_SIZE,
    _typed_array,
    figure_height,
    figure_json,
    for_projector,
    unbuilt_spec,
)
from ui.figures.stability import locus_figure, stability_figure
from ui.live_chart import bundle_trace_types


def _paths(variant: str, h: float, methods: tuple[str, ...] = ("simgd", "altgd")) -> list:
    game = make_game(variant)
    out = []
    for m in methods:
        tr = simulate(game, m, Hyper(lr_gen=h, lr_disc=h), [(1.0, 1.0)], 300)
        d = int(tr.diverged_at[0])
        out.append(
            PathView(m, METHODS[m].label, tr.path(0), str(tr.status[0]), d if d >= 0 else None)
        )
    return out


def _spec(fig) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def _validated(fig: go.Figure) -> go.Figure:
    """Plotly's full validation of a builder's figure (raises on any property it does not
    know or value it rejects), and the check that ``figure_json`` (what ui/live_chart.py
    sends) is Plotly's own JSON less the template."""
    sent = json.loads(figure_json(fig))
    spec = _spec(fig)
    spec["layout"].pop("template", None)
    if not spec.get("frames", True):
        del spec["frames"]  # to_json writes "frames": [] for a figure without any
    assert sent == spec
    return go.Figure(fig.to_dict())


def _build(variant: str, h: float, view: float = 2.0, **kw) -> dict:
    game = make_game(variant)
    lines = trace_streamlines(game.field, (-view, view), (-view, view), 1.0)
    return _spec(explorer_figure(lines, _paths(variant, h), view=view, **kw))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_cached_layer_gives_the_same_figure_as_a_cold_build(variant: str) -> None:
    _SKELETONS.clear()
    cold = _build(variant, 0.3)
    assert len(_SKELETONS) == 1
    warm = _build(variant, 0.3)
    assert warm == cold
    # and after other inputs went through the cache, still the cold figure
    _build("standard", 0.1, view=3.0)
    _build(variant, 0.3, psi_limit=0.5)
    assert _build(variant, 0.3) == cold


def test_different_fields_and_views_do_not_share_a_cached_layer() -> None:
    _SKELETONS.clear()
    a = _build("standard", 0.2)
    b = _build("gradient-penalty", 0.2)
    c = _build("standard", 0.2, view=3.0)
    lines = {name: next(t for t in f["data"] if t.get("name") == "streamlines") for name, f in
             (("a", a), ("b", b), ("c", c))}  # fmt: skip
    assert lines["a"]["x"] != lines["b"]["x"] and lines["a"]["x"] != lines["c"]["x"]
    assert c["layout"]["xaxis"]["range"] == [-3.0, 3.0]
    _SKELETONS.clear()
    assert _build("gradient-penalty", 0.2) == b


def test_changing_a_returned_figure_does_not_leak_into_the_next() -> None:
    _SKELETONS.clear()
    first = _build("standard", 0.2)
    game = make_game("standard")
    lines = trace_streamlines(game.field, (-2.0, 2.0), (-2.0, 2.0), 1.0)
    fig = explorer_figure(lines, _paths("standard", 0.2), view=2.0)
    fig.update_layout(title="changed", height=100)
    fig.data[0].line.width = 9
    big = _validated(for_projector(fig, 1.5))  # frames and all, as ui/live_chart.py sends it
    assert big.layout.font.size == pytest.approx(FONT_SIZE * 1.5)
    assert _build("standard", 0.2) == first


@pytest.mark.parametrize("h", [0.05, 0.2, 1.5])
def test_frames_move_the_data_space_traces_of_every_path(h: float) -> None:
    spec = _build("standard", h)
    data, frames = spec["data"], spec["frames"]
    names = [t.get("name") for t in data]
    n_paths = 2
    moving = [i for i, n in enumerate(names) if n and (" now" in n or ": " in n)]
    assert len(moving) == 3 * n_paths
    assert names.index("equilibrium (0, 0)") < min(moving)
    scatters = [i for i, t in enumerate(data) if t.get("type") == "scatter"]
    for f in frames:
        assert sorted(f["traces"]) == scatters  # moving traces + every static scatter
        assert len(f["data"]) == len(f["traces"])
    steps = [int(s["label"]) for s in spec["layout"]["sliders"][0]["steps"]]
    assert steps == [int(f["name"]) for f in frames] and steps[0] == 0


def test_a_diverged_path_is_labelled_with_its_step() -> None:
    spec = _build("wgan-gp", 1.5)
    notes = [a["text"] for a in spec["layout"]["annotations"]]
    diverged = [p for p in _paths("wgan-gp", 1.5) if p.status == "diverged"]
    assert diverged, "h = 1.5 makes SimGD on WGAN-GP diverge (step 34)"
    for p in diverged:
        assert f"{p.label} diverged at step {p.diverged_at}" in notes
    assert all(np.isfinite(v) for t in spec["data"] for v in np.ravel(t.get("x", [])) if
               isinstance(v, float))  # fmt: skip


# The builders assemble plain dicts and skip Plotly's validation at run time (it cost about a
# quarter of every explorer rerun); here every builder's output must pass it, so a misspelt
# property or a bad value fails a test instead of being silently ignored by the browser.
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("methods", [tuple(METHODS), ("simgd",), ()])
def test_explorer_figure_passes_plotly_validation(variant: str, methods: tuple[str, ...]) -> None:
    game = make_game(variant)
    lines = trace_streamlines(game.field, (-2.0, 2.0), (-2.0, 2.0), 1.0)
    xs = np.linspace(-2.0, 2.0, 9)
    speed = (xs, xs, np.abs(xs[:, None]) + np.abs(xs[None, :]))
    for h in (0.1, 1.5):  # 1.5: some paths diverge and get a note
        paths = _paths(variant, h, methods)
        for kw in ({}, {"speed": speed, "psi_limit": 1.0}):
            _validated(explorer_figure(lines, paths, view=2.0, **kw))


@pytest.mark.parametrize("methods", [tuple(METHODS), ("flow",), ()])
def test_distance_and_eigen_figures_pass_plotly_validation(methods: tuple[str, ...]) -> None:
    paths = _paths("gradient-penalty", 0.3, methods)
    series = [(p.method, p.label, np.hypot(*p.points.T), rho)
              for p, rho in zip(paths, [1.02, 0.9, None, 0.0] * 3, strict=False)]  # fmt: skip
    _validated(distance_figure(series))
    conserved = [(p.method, p.label, np.full(50, 1.3), 1.0) for p in paths]
    spec = _validated(distance_figure(conserved)).to_dict()
    if conserved:
        lo, hi = spec["layout"]["yaxis"]["range"]
        assert 10**lo < 1.3 < 10**hi
    groups = [(p.method, p.label, np.array([0.9 + 0.3j, 0.9 - 0.3j, 1.2])) for p in paths]
    for kw in ({}, {"unit_circle": False, "title": "T"}):
        _validated(eigen_figure(groups, **kw))


def test_validation_catches_a_misspelt_property() -> None:
    fig = distance_figure([("simgd", "SimGD", np.linspace(1, 2, 5), 1.01)])
    spec = fig.to_dict()
    spec["data"][0]["line"]["widht"] = 3
    with pytest.raises(ValueError, match="widht"):
        go.Figure(spec)


def _compare_panels(h: float, steps: int) -> tuple[list[list[Panel]], list]:
    grid, lines = compare_grid(tuple(VARIANTS), tuple(SCHEMES), h, steps, (1.0, 0.5), 3.0, 0.6)
    panels = [
        [
            Panel(f"{VARIANTS[v].label} · {SCHEMES[s].label}", SCHEMES[s].method, cell.points,
                  cell.status, cell.diverged_at, cell.rho, cell.verdict, f"/?variant={v}")
            for s, cell in zip(SCHEMES, row, strict=True)
        ]
        for v, row in zip(VARIANTS, grid, strict=True)
    ]  # fmt: skip
    return panels, lines


@pytest.mark.parametrize("h", [0.2, 1.5])  # 1.5: eight panels diverge and get a note
def test_compare_figure_passes_plotly_validation_and_places_every_panel(h: float) -> None:
    panels, lines = _compare_panels(h, 300)
    spec = _validated(compare_figure(panels, lines, view=3.0)).to_dict()
    rows, cols = len(panels), len(panels[0])
    layout = spec["layout"]
    assert len(layout["shapes"]) == rows * cols
    diverged = [p for row in panels for p in row if p.status == "diverged"]
    assert (h == 1.5) == bool(diverged)
    notes = [a["text"] for a in layout["annotations"]]
    assert len(notes) == rows * cols + len(diverged)
    for i, p in enumerate(p for row in panels for p in row):
        assert "<br>".join(p.title.split(" · ", 1)) in notes[i]  # variant and scheme: two lines
        axis = layout["yaxis" if i == 0 else f"yaxis{i + 1}"]
        assert axis["range"] == [-3.0, 3.0] and axis["scaleanchor"] == (
            "x" if i == 0 else f"x{i + 1}"
        )
    for single in ([], [[panels[0][0]]]):
        _validated(compare_figure(single, lines[:1], view=2.0))


@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (3, 1), (4, 3)])
def test_compare_outer_panels_carry_theta_and_psi_axis_titles(shape: tuple[int, int]) -> None:
    """Issue: compare panels carried no axis labels. The bottom row's x axes read θ and the
    left column's y axes ψ (found from the axes' domains, not from their numbering)."""
    panels, lines = _compare_panels(0.2, 50)
    rows, cols = shape
    grid = [[panels[r % len(panels)][c % len(panels[0])] for c in range(cols)] for r in range(rows)]
    layout = _validated(compare_figure(grid, [lines[r % len(lines)] for r in range(rows)],
                                       view=2.0)).to_dict()["layout"]  # fmt: skip
    xs = {k[5:]: v for k, v in layout.items() if k.startswith("xaxis")}
    ys = {k[5:]: v for k, v in layout.items() if k.startswith("yaxis")}
    assert len(xs) == len(ys) == rows * cols
    bottom = min(ys[n]["domain"][0] for n in ys)
    left = min(xs[n]["domain"][0] for n in xs)
    for n in xs:  # panel n: its x axis and its y axis share the suffix
        on_bottom = ys[n]["domain"][0] == bottom
        on_left = xs[n]["domain"][0] == left
        assert xs[n].get("title", {}).get("text", "").startswith("θ") == on_bottom, n
        assert ys[n].get("title", {}).get("text", "").startswith("ψ") == on_left, n


def test_presenter_scaling_scales_every_font_once() -> None:
    panels, lines = _compare_panels(1.5, 300)
    spec = for_projector(compare_figure(panels, lines, view=3.0), 1.5).to_dict()
    ticks = [v["tickfont"]["size"] for k, v in spec["layout"].items() if k[1:5] == "axis"]
    assert len(ticks) == 2 * len(panels) * len(panels[0])
    assert ticks == [pytest.approx(11 * 1.5)] * len(ticks)
    notes = [a["font"]["size"] for a in spec["layout"]["annotations"]]
    assert notes == [pytest.approx((FONT_SIZE - 2) * 1.5)] * len(notes)


@pytest.mark.parametrize("variant", [v for v, var in VARIANTS.items() if var.differentiable])
def test_stability_and_locus_figures_pass_plotly_validation(variant: str) -> None:
    params = params_key({p.name: p.default for p in VARIANTS[variant].params})
    axes = available_axes(variant, "simgd")
    names = list(axes)
    x, y = names[0], names[-1]
    m = stability(variant, "simgd", x, y, 101, params, 0.2, 1, 1, 0.0)
    hx, hy = np.meshgrid(m.x[::3], m.y[::3])
    cd = np.stack([m.rho[::3, ::3]] * 5, axis=-1).reshape(-1, 5)
    contour = level(m.x, m.y, m.rho, 1.0 + 1e-9)
    for kw in ({}, {"contour": contour, "boundary": m.boundary, "current": (0.2, 0.5),
                    "hover": (hx.ravel(), hy.ravel(), cd)}):  # fmt: skip
        fig = stability_figure(m.x, m.y, m.rho, x_title="a", y_title="b", x_log=axes[x].log,
                               y_log=axes[y].log, **kw)  # fmt: skip
        spec = _validated(fig).to_dict()
        ends = np.array([m.x[0], m.x[-1]])
        shown = np.log10(ends) if axes[x].log else ends
        assert spec["layout"]["xaxis"]["range"] == pytest.approx(shown)
    loc = locus(variant, "simgd", "h", 0.01, 2.0, params, 0.2, 1, 1, 0.0)
    for kw in ({"title": "T", "current": 0.2, "current_eigs": loc.update_now,
                "unit_circle": True}, {"marks": loc.marks, "mark_eigs": loc.mark_eigs}):  # fmt: skip
        _validated(locus_figure(loc.values, loc.update, param_label="h", **kw))


@pytest.mark.parametrize(
    "page",
    [
        "pages/start.py",
        "pages/explorer.py",
        "pages/compare.py",
        "pages/stability.py",
        "pages/mode_collapse.py",
    ],
)
def test_every_chart_a_page_sends_passes_plotly_validation(page: str) -> None:
    """What the browser receives, frames and replay controls included, as Plotly checks it."""
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.switch_page(page).run()
    assert not at.exception
    sent = charts(at)
    assert sent
    bundle = bundle_trace_types()
    for chart in sent:
        go.Figure(chart.spec)  # raises on any property Plotly does not know or value it rejects
        # every trace (and frame's trace) is of a type the charts' partial Plotly build has
        traces = chart.spec["data"] + [t for f in chart.spec.get("frames", []) for t in f["data"]]
        assert {t.get("type", "scatter") for t in traces} <= bundle, chart.key


@pytest.mark.parametrize("target", [(-0.5, 0.5), (0.5, 0.5)])  # equal: no mirror point
def test_mode_collapse_plane_alone_and_series_pass_plotly_validation(
    target: tuple[float, float],
) -> None:
    from ui.figures.gmm import PlanePath, Series, plane_figure, series_figure

    t = np.linspace(0.0, 1.0, 60)
    mu = np.stack([np.cos(3 * t), np.sin(3 * t)], axis=1)
    paths = [PlanePath("optimal", "Optimal", mu, "converged"),
             PlanePath("first-order", "First-order", mu[::-1], "collapsed")]  # fmt: skip
    spec = _validated(plane_figure(None, None, paths, target, view=(-2.0, 2.0)))
    names = [tr.name for tr in spec.data]
    assert ("its mirror (same distribution)" in names) == (target[0] != target[1])
    zeros = np.zeros(60)
    series = [Series("optimal", "Optimal", t, t, zeros, zeros),
              Series("first-order", "First-order", t, t, t, t)]  # fmt: skip
    spec = _validated(series_figure(series, height=400))
    assert len(spec.data) == 8 and spec.layout.height == 400
    assert spec.layout.yaxis4.type == "log"  # zeros drawn at the floor, never as -inf


def test_presenter_scaling_reaches_point_labels() -> None:
    from ui.figures.gmm import PlanePath, plane_figure

    mu = np.zeros((5, 2))
    fig = plane_figure(None, None, [PlanePath("optimal", "Optimal", mu, "converged")],
                       (-0.5, 0.5), view=(-2.0, 2.0))  # fmt: skip
    small = {t["name"]: t["textfont"]["size"] for t in fig.to_dict()["data"] if "textfont" in t}
    big = for_projector(fig, 1.5).to_dict()["data"]
    assert small  # the optimum and its mirror are labelled
    for t in big:
        if t["name"] in small:
            assert t["textfont"]["size"] == pytest.approx(small[t["name"]] * 1.5)


def test_a_figure_is_built_only_when_used_and_sends_the_same_json_either_way() -> None:
    """SpecFigure: the page sends an unbuilt figure's JSON straight from its spec; building it
    (any use of its graph objects) must not change what is sent, nor what Plotly writes."""
    game = make_game("standard")
    lines = trace_streamlines(game.field, (-2.0, 2.0), (-2.0, 2.0), 1.0)
    fig = explorer_figure(lines, _paths("standard", 0.2), view=2.0)
    assert unbuilt_spec(fig) is not None
    lazy = figure_json(fig)
    assert figure_height(fig) == 900
    assert unbuilt_spec(fig) is not None  # sending it and sizing it built nothing
    assert len(fig.data) > 0  # a graph-object access builds it ...
    assert unbuilt_spec(fig) is None
    assert json.loads(figure_json(fig)) == json.loads(lazy)  # ... and what is sent is the same
    fig.update_layout(height=500)  # once built it is an ordinary, mutable go.Figure
    assert figure_height(fig) == 500 and '"height":500' in figure_json(fig)
    assert json.loads(pio.to_json(fig))["frames"]  # the replay frames survive to_json


@pytest.mark.parametrize(
    "array",
    [
        np.linspace(-1, 1, 7),
        np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3),
        np.array([0, 100, -100], dtype=np.int64),
        np.array([0, 40_000], dtype=np.int64),
        np.array([0, 3_000_000_000], dtype=np.int64),
        np.array([2**40], dtype=np.int64),
        np.array([0, 300], dtype=np.uint64),
        np.array([1, 2], dtype=np.int32),
        np.arange(12.0)[::2],  # not contiguous
        np.array([True, False]),
        np.array([], dtype=float),
        np.array(["a", "b"]),
    ],
)
def test_typed_arrays_are_encoded_as_plotly_encodes_them(array: np.ndarray) -> None:
    ours = _typed_array(array)
    theirs = typed_array_spec(array)
    assert json.dumps(ours) == json.dumps(
        theirs.tolist() if isinstance(theirs, np.ndarray) else theirs
    )


@pytest.mark.parametrize("rho", [0.9, 1.0, 1.05])
def test_the_distance_figure_predicts_rho_to_the_k_times_the_first_distance(rho: float) -> None:
    """The dotted line is the linear theory: ‖z_k‖ ≈ ρᵏ‖z_0‖, drawn over the simulated steps."""
    d = 1.7 * 0.97 ** np.arange(301)
    spec = unbuilt_spec(distance_figure([("simgd", "SimGD", d, rho)]))
    assert spec is not None
    pred = next(t for t in spec["data"] if "predicted" in t["name"])
    k, y = np.asarray(pred["x"], dtype=float), np.asarray(pred["y"], dtype=float)
    assert k[0] == 0 and k[-1] == 300 and len(k) >= 100
    np.testing.assert_allclose(y, 1.7 * rho**k, rtol=1e-12)
    sim = next(t for t in spec["data"] if "simulated" in t["name"])
    np.testing.assert_allclose(np.asarray(sim["y"], dtype=float), d, rtol=1e-12)


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_neutral_marks_show_on_both_chart_themes() -> None:
    """The equilibrium, the data point mass and the GMM data outline use one grey that has
    WCAG's 3:1 contrast for graphics on the light and on the dark chart background."""
    from ui.figures.gmm import DATA_COLOR
    from ui.live_chart import HERE

    themes = json.loads((HERE / "plotly_theme.json").read_text())
    for colour in (NEUTRAL, DATA_COLOR):
        for theme in themes.values():
            bg = _luminance(theme["layout"]["plot_bgcolor"])
            fg = _luminance(colour)
            ratio = (max(bg, fg) + 0.05) / (min(bg, fg) + 0.05)
            assert ratio >= 3.0, (colour, theme["layout"]["plot_bgcolor"], ratio)


def test_browser_replay_sends_no_frames_and_names_the_moving_traces() -> None:
    """ui/live_chart.js replays every step from the path traces: the figure carries no
    Plotly frames or buttons, only which traces move, and each path's line holds its steps."""
    spec = _build("standard", 0.2, browser_replay=True)
    assert "frames" not in spec and "sliders" not in spec["layout"]
    assert "updatemenus" not in spec["layout"]
    replay = spec["layout"]["meta"]["replay"]
    paths = _paths("standard", 0.2)
    assert replay["steps"] == max(len(p.points) for p in paths) - 1
    data = spec["data"]
    for p, r in zip(paths, replay["paths"], strict=True):
        line = data[r["line"]]
        assert line["name"] == p.label and line["mode"] == "lines"
        assert data[r["now"]]["name"] == f"{p.label} now"
        assert data[r["now"]]["x"] == []  # at step 0 the open start marker stays visible
        assert data[r["gen"]]["xaxis"] == "x2" and data[r["disc"]]["yaxis"] == "y2"
    assert replay["static"] == [
        i for i, t in enumerate(data[: replay["paths"][0]["now"]]) if t.get("type") == "scatter"
    ]
    _validated(explorer_figure(None, paths, view=2.0, browser_replay=True, side=True))


def test_a_path_that_leaves_the_view_says_when() -> None:
    """SimGD at h = 0.2 spirals out of the default view: a note names the first step outside."""
    paths = _paths("standard", 0.2)
    simgd = paths[0]
    outside = np.abs(simgd.points).max(axis=1) > 2.0
    assert outside.any() and simgd.status != "diverged"
    k = int(np.argmax(outside))
    notes = [a["text"] for a in _build("standard", 0.2)["layout"]["annotations"]]
    assert f"SimGD leaves the view<br>at step {k} — zoom out" in notes
    assert not any(t.startswith("AltGD leaves") for t in notes)  # AltGD stays in view


def test_the_eigenvalue_zoom_separates_one_point_005_from_the_circle() -> None:
    """|μ| = 1.005 (SimGD) and |μ| = 1 (AltGD) coincide in the unit-circle view; the zoom
    panel's |μ| − 1 axis puts them a clear fraction of its height apart."""
    groups = [
        ("simgd", "SimGD", np.array([1 + 0.1j, 1 - 0.1j])),
        ("altgd", "AltGD", np.array([0.995 + 0.0998749j, 0.995 - 0.0998749j])),
    ]
    _validated(eigen_figure(groups))
    spec = unbuilt_spec(eigen_figure(groups))
    lo, hi = spec["layout"]["yaxis2"]["range"]
    zoom = [t for t in spec["data"] if t.get("yaxis") == "y2"]
    ys = [np.abs(np.asarray(g[2])).max() - 1 for g in groups]
    assert [float(np.max(t["y"])) for t in zoom] == pytest.approx(ys)
    assert abs(ys[0] - ys[1]) / (hi - lo) > 0.2
    sizes = [t["marker"]["size"] for t in zoom]
    assert sizes[0] > sizes[1]  # the later method drawn smaller, on top: both stay visible


def test_presenter_scaling_enlarges_the_text_the_chart_theme_would_size() -> None:
    """Streamlit's chart theme sets tick labels and legends to 12 px wherever a figure does
    not, and those sizes win over ``layout.font``: on a projector the distance chart's ticks
    and legend stayed small. Every axis, legend and colour bar gets an explicit size."""
    paths = _paths("standard", 0.2)
    series = [(p.method, p.label, np.hypot(*p.points.T), 1.0) for p in paths]
    groups = [(p.method, p.label, np.array([1 + 0.1j, 1 - 0.1j])) for p in paths]
    scale = 1.45
    for fig in (distance_figure(series), eigen_figure(groups)):
        layout = for_projector(fig, scale).to_dict()["layout"]
        axes = [k for k in layout if k.startswith(("xaxis", "yaxis"))]
        assert axes
        for k in axes:
            assert layout[k]["tickfont"]["size"] >= 12 * scale - 1e-9, k
            assert layout[k]["title"]["font"]["size"] >= 14 * scale - 1e-9, k
        assert layout["legend"]["font"]["size"] >= 12 * scale - 1e-9


@pytest.mark.parametrize(
    "page",
    ["pages/explorer.py", "pages/compare.py", "pages/stability.py", "pages/mode_collapse.py"],
)
def test_every_chart_a_page_sends_in_presenter_mode_passes_plotly_validation(page: str) -> None:
    """``for_projector`` adds explicit sizes to axes, legends and colour bars: each must be
    a property Plotly knows, on every page's charts."""
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.query_params["present"] = "1"
    at.switch_page(page).run()
    assert not at.exception
    sent = charts(at)
    assert sent
    for chart in sent:
        go.Figure(chart.spec)
        legend = chart.spec["layout"].get("legend", {})
        assert legend.get("font", {}).get("size", 0) >= 12 * 1.45 - 1e-9, chart.key
