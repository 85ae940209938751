"""``dynamics.methods.half_steps``: where a method whose players take turns stands between
the generator's and the discriminator's moves (the explorer's "show half-steps" replay).

The half-step points are checked against the update rules themselves: the state after the
first player's sub-steps is what the rule returns when the second player takes no sub-step
(``n_disc = 0`` for a generator-first method), from the same state and memory.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamics.methods import HYPER_RANGES, METHODS, PLAYERS, Hyper, half_steps, simulate
from dynamics.variants import VARIANTS, make_game
from ui.figures.explorer import PathView, explorer_figure
from ui.figures.spec import figure_json

#: Each player's number of sub-steps per step (a turn-taking method reads both).
SUBSTEPS = {"generator": "n_gen", "discriminator": "n_disc"}
#: Methods that read n_gen / n_disc but show something other than the iterate, so their
#: shown point has no half-step: the running averages of AltGD's iterates.
SHOWS_AN_AVERAGE = {"ema", "average"}

TURNS = [m for m in METHODS.values() if m.phases]
N_HI = int(HYPER_RANGES["n_gen"][1])


def test_turn_taking_methods_are_declared() -> None:
    assert {m.name for m in TURNS} >= {"altgd", "momentum-alt"}
    for m in METHODS.values():
        uses_turns = bool(set(SUBSTEPS.values()) & m.uses)
        if m.phases:
            assert sorted(m.phases) == sorted(PLAYERS), m.name
            assert set(SUBSTEPS.values()) <= m.uses, m.name
        else:
            # a new method with turns must declare its order (or say here why not)
            assert not uses_turns or m.name in SHOWS_AN_AVERAGE, m.name


@pytest.mark.parametrize("name", [m for m in METHODS if not METHODS[m].phases])
def test_methods_whose_players_move_at_once_have_no_half_steps(name: str) -> None:
    assert half_steps(name, np.zeros((5, 2))) is None


def _check_against_the_rule(
    name: str, variant: str, hp: Hyper, start: tuple[float, float], steps: int
) -> None:
    m = METHODS[name]
    game = make_game(variant)
    traj = simulate(game, m, hp, [start], steps)
    path = traj.points[: int(traj.n_valid[0])]  # the kept points: a diverged path stops
    steps = len(path) - 1
    half = half_steps(m, path)
    assert half is not None and half.shape == (steps, 1, 2)
    second = SUBSTEPS[m.phases[1]]
    only_first = replace(hp, **{second: 0})  # the rule, stopped after the first player's turn
    z = path[0].copy()
    mem = m.init(game, hp, z)
    for k in range(steps):
        assert m.step is not None
        partial, _ = m.step(game, only_first, z.copy(), tuple(a.copy() for a in mem))
        np.testing.assert_array_equal(half[k], partial, err_msg=f"{name} step {k}")
        z, mem = m.step(game, hp, z, mem)
        np.testing.assert_array_equal(path[k + 1], z)  # the replay agrees with the driver


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("name", [m.name for m in TURNS])
def test_half_steps_are_the_rule_stopped_after_the_first_players_turn(
    name: str, variant: str
) -> None:
    for n_gen, n_disc in ((1, 1), (3, 2)):
        hp = Hyper(lr_gen=0.3, lr_disc=0.45, n_gen=n_gen, n_disc=n_disc, beta=-0.3)
        _check_against_the_rule(name, variant, hp, (0.8, -0.6), 40)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from([m.name for m in TURNS]),
    variant=st.sampled_from(list(VARIANTS)),
    log_h=st.tuples(st.floats(math.log(1e-3), math.log(1.5)), st.floats(-7, 0.4)),
    n=st.tuples(st.integers(1, N_HI), st.integers(1, N_HI)),
    start=st.tuples(st.floats(-2, 2), st.floats(-2, 2)),
)
def test_half_steps_match_the_rule_for_any_setting(
    name: str,
    variant: str,
    log_h: tuple[float, float],
    n: tuple[int, int],
    start: tuple[float, float],
) -> None:
    hp = Hyper(lr_gen=math.exp(log_h[0]), lr_disc=math.exp(log_h[1]), n_gen=n[0], n_disc=n[1])
    _check_against_the_rule(name, variant, hp, start, 12)


def test_between_the_turns_only_the_first_player_has_moved() -> None:
    # AltGD, generator first: θ has its new value, ψ its old one (docs/theory.md §2)
    path = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_array_equal(half_steps("altgd", path), [[3.0, 2.0], [5.0, 4.0]])


# ----------------------------------------------------------------- what the explorer sends


def _decode(spec: dict | list) -> np.ndarray:
    """A typed-array spec as ``figure_json`` writes it (or a plain list), as numbers."""
    if isinstance(spec, list):
        return np.asarray(spec, dtype=float)
    a = np.frombuffer(
        base64.b64decode(spec["bdata"]), dtype={"f4": "<f4", "f8": "<f8"}[spec["dtype"]]
    )
    return a.reshape(-1, 2)


@pytest.mark.parametrize("steps", [300, 4000])  # 4000: the line keeps 1,500 of the steps
def test_the_explorer_figure_sends_the_cores_half_steps_at_the_steps_its_line_keeps(
    steps: int,
) -> None:
    game = make_game("standard")
    paths = []
    for name in ("simgd", "altgd"):
        pts = simulate(game, name, Hyper(lr_gen=0.1, lr_disc=0.1), [(1.0, 0.5)], steps).path(0)
        paths.append(
            PathView(name, METHODS[name].label, pts, "not converged", None,
                     half=half_steps(name, pts), phases=METHODS[name].phases)
        )  # fmt: skip
    spec = json.loads(figure_json(explorer_figure(None, paths, view=2.0, browser_replay=True)))
    replay = spec["layout"]["meta"]["replay"]
    simgd, altgd = replay["paths"]
    assert "half" not in simgd
    assert altgd["phases"] == ["generator", "discriminator"]
    line = spec["data"][altgd["line"]]
    kept = np.asarray(line["customdata"] if isinstance(line["customdata"], list)
                      else np.frombuffer(base64.b64decode(line["customdata"]["bdata"]),
                                         dtype=line["customdata"]["dtype"]), dtype=int)  # fmt: skip
    assert kept[0] == 0 and kept[-1] == steps and (len(kept) < steps + 1) == (steps > 1500)
    sent = _decode(altgd["half"])
    want = half_steps("altgd", paths[1].points)[kept[:-1]]
    assert sent.shape == want.shape
    np.testing.assert_allclose(sent, want, rtol=1e-6, atol=1e-7)  # float32 on the wire
