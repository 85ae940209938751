"""The explorer figure builder: its cached static layer never changes what it returns."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest

import ui.figures as figures
from dynamics.methods import METHODS, Hyper, simulate
from dynamics.streamlines import trace_streamlines
from dynamics.variants import VARIANTS, make_game
from ui.figures import PathView, explorer_figure, for_projector


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


def _build(variant: str, h: float, view: float = 2.0, **kw) -> dict:
    game = make_game(variant)
    lines = trace_streamlines(game.field, (-view, view), (-view, view), 1.0)
    return _spec(explorer_figure(lines, _paths(variant, h), view=view, click_step=view / 10, **kw))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_cached_layer_gives_the_same_figure_as_a_cold_build(variant: str) -> None:
    figures._SKELETONS.clear()
    cold = _build(variant, 0.3)
    assert len(figures._SKELETONS) == 1
    warm = _build(variant, 0.3)
    assert warm == cold
    # and after other inputs went through the cache, still the cold figure
    _build("standard", 0.1, view=3.0)
    _build(variant, 0.3, psi_limit=0.5)
    assert _build(variant, 0.3) == cold


def test_different_fields_and_views_do_not_share_a_cached_layer() -> None:
    figures._SKELETONS.clear()
    a = _build("standard", 0.2)
    b = _build("gradient-penalty", 0.2)
    c = _build("standard", 0.2, view=3.0)
    lines = {name: next(t for t in f["data"] if t.get("name") == "streamlines") for name, f in
             (("a", a), ("b", b), ("c", c))}  # fmt: skip
    assert lines["a"]["x"] != lines["b"]["x"] and lines["a"]["x"] != lines["c"]["x"]
    assert c["layout"]["xaxis"]["range"] == [-3.0, 3.0]
    figures._SKELETONS.clear()
    assert _build("gradient-penalty", 0.2) == b


def test_changing_a_returned_figure_does_not_leak_into_the_next() -> None:
    figures._SKELETONS.clear()
    first = _build("standard", 0.2)
    game = make_game("standard")
    lines = trace_streamlines(game.field, (-2.0, 2.0), (-2.0, 2.0), 1.0)
    fig = explorer_figure(lines, _paths("standard", 0.2), view=2.0, click_step=0.2)
    fig.update_layout(title="changed", height=100)
    fig.data[0].line.width = 9
    big = for_projector(fig, 1.5)
    assert big.layout.font.size == pytest.approx(figures.FONT_SIZE * 1.5)
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
