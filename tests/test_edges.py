"""The mathematics at its edges (issue 22): the WGAN-GP flow across its switching line, the
smooth WGAN-GP at γg₀ = 0, spectra too large for finite differences, and a Jordan block on
the unit circle."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from dynamics.methods import Hyper, simulate
from dynamics.spectrum import (
    LINEAR_GROWTH,
    NOT_CHECKED_RHO,
    defective_on_unit_circle,
    numeric_jacobian,
    spectrum,
)
from dynamics.variants import VARIANTS, Game, make_game

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------- WGAN-GP flow


def reference_flow(gamma: float, g0: float, hg: float, hd: float, z0: tuple, T: int) -> np.ndarray:
    """Independent: DOP853 on each smooth side, an event at ψ = 0, restart on the other side."""
    b = gamma * g0
    th, ps = map(float, z0)
    s = np.sign(ps) if ps != 0 else (1 if th > b else -1 if th < -b else 0)
    t, out = 0.0, [np.array([th, ps])]
    grid = np.arange(T + 1.0)
    while t < T and s != 0:

        def f(_t: float, y: np.ndarray, s: float = s) -> list[float]:
            return [-hg * y[1], hd * (y[0] - gamma * y[1] + gamma * g0 * s)]

        def ev(_t: float, y: np.ndarray) -> float:
            return y[1]

        ev.terminal, ev.direction = True, -s  # type: ignore[attr-defined]
        sol = solve_ivp(
            f, (t, T), [th, ps], method="DOP853", rtol=1e-12, atol=1e-14, events=ev,
            t_eval=grid[grid > t],
        )  # fmt: skip
        out += list(sol.y.T)
        if sol.status == 1:
            t, th, ps = sol.t_events[0][0], sol.y_events[0][0][0], 0.0
            s = 1 if th > b else -1 if th < -b else 0
        else:
            t = T
    while len(out) < T + 1:
        out.append(np.array([th, ps]))
    return np.array(out)


def counting_game(name: str, **params: float) -> tuple[Game, list[int]]:
    """The variant with a field that counts its calls."""
    game = make_game(name, **params)
    calls = [0]
    field = game.variant.field

    def counted(theta: np.ndarray, psi: np.ndarray, p: object) -> tuple[np.ndarray, np.ndarray]:
        calls[0] += 1
        return field(theta, psi, p)

    return Game(dataclasses.replace(game.variant, field=counted), game.params), calls


@pytest.mark.parametrize(
    ("gamma", "g0", "hg", "hd", "z0"),
    [
        (0.7, 1.0, 0.2, 0.2, (1.0, 1.0)),  # the authors' setting: a cycle around the segment
        (1.5, 0.5, 0.3, 0.1, (-2.0, 0.5)),  # unequal learning rates
        (3.0, 1.0, 0.5, 0.5, (1.0, 1.0)),  # γ ≥ 2: ends at an end of the segment
        (0.7, 1.0, 0.2, 0.2, (1.5, 0.0)),  # starts on the switching line
    ],
)
def test_wgan_gp_flow_matches_an_event_driven_reference(
    gamma: float, g0: float, hg: float, hd: float, z0: tuple
) -> None:
    game = make_game("wgan-gp", gamma=gamma, g0=g0)
    traj = simulate(game, "flow", Hyper(lr_gen=hg, lr_disc=hd), [z0], 300)
    ref = reference_flow(gamma, g0, hg, hd, z0, 300)
    np.testing.assert_allclose(traj.points[:, 0], ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize(("lr", "steps"), [(100.0, 100), (2.0, 5000), (2.0, 500)])
def test_wgan_gp_flow_needs_no_chattering_solver(lr: float, steps: int) -> None:
    # The cases: an adaptive solver evaluated the field millions of times (45 s to
    # 5 min) and ended "solver failed". Solved piece by piece: a bounded amount of work.
    game, calls = counting_game("wgan-gp")
    traj = simulate(game, "flow", Hyper(lr_gen=lr, lr_disc=lr), [(1.0, 1.0)], steps)
    assert calls[0] <= 10
    assert traj.status[0] != "solver failed" and traj.n_valid[0] == steps + 1
    # γ = 0.7 < 2: the path settles on the cycle through ψ = 0 at θ = ±1.3266 (the reference
    # solver's crossings), where θ is extremal (θ̇ = −ψ = 0): it never gets beyond them
    late = traj.points[steps // 2 :, 0]
    assert np.abs(late).max() <= 1.3266053
    assert np.abs(late).max() > 1.0


@pytest.mark.parametrize("gamma", [2.0, 3.0, 5.0])
def test_wgan_gp_flow_with_strong_penalty_lands_on_the_segment(gamma: float) -> None:
    game = make_game("wgan-gp", gamma=gamma, g0=1.0)
    traj = simulate(game, "flow", Hyper(lr_gen=2.0, lr_disc=2.0), [(1.0, 1.0)], 2000)
    end = traj.points[-1, 0]
    seg = game.stationary_segment()
    assert seg is not None
    assert abs(end[1]) < 1e-6 and seg[0][0] - 1e-6 <= end[0] <= seg[1][0] + 1e-6


# ------------------------------------------------------------ WGAN-GP at γg₀ = 0


@settings(max_examples=30, deadline=None)
@given(gamma=st.floats(0.0, 5.0), zero=st.sampled_from(["g0", "gamma"]))
def test_wgan_gp_without_jump_is_differentiable(gamma: float, zero: str) -> None:
    params = {"gamma": gamma, "g0": 0.0} if zero == "g0" else {"gamma": 0.0, "g0": 1.0}
    game = make_game("wgan-gp", **params)
    g = params["gamma"]
    assert game.differentiable
    J = game.jacobian()
    np.testing.assert_allclose(J, numeric_jacobian(game), atol=1e-8)
    want = np.sort_complex(np.roots([1.0, g, 1.0]).astype(complex))
    np.testing.assert_allclose(np.sort_complex(game.eigenvalues()), want, atol=1e-9)
    s = spectrum(game, "simgd", Hyper())
    assert s.continuous.reason is None and s.update.verdict is not None
    assert "jumps" not in (s.update.reason or "")


def test_wgan_gp_with_jump_still_has_no_jacobian() -> None:
    s = spectrum(make_game("wgan-gp"), "simgd", Hyper())
    assert s.update.verdict is None and "jumps by 2γg₀" in (s.continuous.reason or "")


# ------------------------------------------------------- spectra beyond finite differences


def test_spectrum_of_a_huge_operator_is_computed_and_says_what_is_not() -> None:
    game = make_game("consensus", gamma=5.0)
    hp = Hyper(lr_gen=100.0, lr_disc=100.0, n_gen=50, n_disc=50)
    u = spectrum(game, "altgd", hp).update
    assert u.spectral_radius is not None and np.isfinite(u.spectral_radius)
    assert u.spectral_radius > 1e200 and u.verdict == "diverges"
    assert u.numeric is None and u.check_note is not None
    assert u.check_note.startswith(NOT_CHECKED_RHO)


def test_cli_spectrum_of_a_huge_operator_exits_0() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "dynamics", "spectrum", "--variant", "consensus", "--gamma", "5",
         "--method", "altgd", "--n-gen", "50", "--n-disc", "50", "--lr", "100"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["verdict"] == "diverges"
    assert data["update"]["numeric_check"].startswith(NOT_CHECKED_RHO)
    assert data["verdict_scope"].startswith("local")


@pytest.mark.parametrize(("lr", "n"), [(3.0, 5), (5.0, 5), (10.0, 2)])
def test_no_false_disagreement_when_rho_is_large(lr: float, n: int) -> None:
    u = spectrum(make_game("consensus", gamma=5.0), "altgd", Hyper(lr, lr, n, n)).update
    assert u.spectral_radius is not None and u.analytic is not None
    if u.numeric is None:
        assert u.spectral_radius * 1e-5 > 0.1 and u.check_note == NOT_CHECKED_RHO
    else:  # checked: then it agrees, relative to ρ
        assert np.max(np.abs(u.numeric - u.analytic)) / u.spectral_radius < 1e-4


def test_cli_lists_the_consensus_saddles_beside_the_local_verdict() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "dynamics", "spectrum", "--variant", "consensus", "--gamma", "1",
         "--method", "altgd", "--n-disc", "5"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    data = json.loads(out.stdout)
    assert data["verdict"] == "converges" and data["verdict_at"] == [0.0, 0.0]
    kinds = sorted(e["kind"] for e in data["equilibria"])
    assert kinds == ["saddle", "saddle", "stable spiral"]


# ----------------------------------------------------------- Jordan block on the unit circle


@pytest.mark.parametrize("method", ["altgd", "momentum-alt"])
def test_alpha_2_is_one_verdict_linear_growth(method: str) -> None:
    # α = √(n_g n_d) h f'(0) = 2 at h = 4: AltGD and momentum-alt with β = 0 are one map
    u = spectrum(make_game("standard"), method, Hyper(lr_gen=4.0, lr_disc=4.0, beta=0.0)).update
    assert u.verdict == LINEAR_GROWTH and u.spectral_radius == 1.0


def test_alpha_2_paths_grow_linearly() -> None:
    game = make_game("wgan", clip=3.0)  # linear field (clipping never reached from 1e-5)
    hp = Hyper(lr_gen=2.0, lr_disc=2.0)  # α = h·1 = 2
    traj = simulate(game, "altgd", hp, [(1e-5, 0.0)], 2000)
    d = traj.distance()[:, 0]
    ratio = d[2000] / d[1000]
    assert 1.9 < ratio < 2.1  # linear, neither bounded nor geometric
    assert spectrum(game, "altgd", hp).update.verdict == LINEAR_GROWTH


@pytest.mark.parametrize("h", [0.2, 1.0, 3.9])
def test_rotation_inside_alpha_2_is_not_defective(h: float) -> None:
    u = spectrum(make_game("standard"), "altgd", Hyper(lr_gen=h, lr_disc=h)).update
    assert u.verdict == "neutral"
    assert not defective_on_unit_circle(np.eye(2))
    assert defective_on_unit_circle(np.array([[1.0, 1.0], [0.0, 1.0]]))


def test_every_variant_has_a_spectrum_at_each_equilibrium_in_view() -> None:
    from dynamics.equilibria import find_equilibria

    for name in VARIANTS:
        game = make_game(name)
        for e in find_equilibria(game, 3.0):
            if e.segment is not None:
                continue
            u = spectrum(game, "simgd", Hyper(), e.point).update
            assert u.spectral_radius is not None and u.at == e.point
            if u.numeric is not None:
                assert np.max(np.abs(u.numeric - u.analytic)) < 1e-4 * max(1.0, u.spectral_radius)
