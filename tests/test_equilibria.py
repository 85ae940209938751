"""Every equilibrium of every variant, checked against an independent root finder, and the
one-line explanations where a drawn path disagrees with the local verdict."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import fsolve

from dynamics.equilibria import classify, find_equilibria, path_disagreement
from dynamics.methods import Hyper, simulate
from dynamics.spectrum import spectrum
from dynamics.variants import VARIANTS, Game, make_game

REF_GRID = 13


def _field(game: Game, z: np.ndarray) -> np.ndarray:
    vt, vp = game.field(np.array([z[0]]), np.array([z[1]]))
    return np.array([vt[0], vp[0]])


def _fd_jacobian(game: Game, z: np.ndarray, e: float = 1e-7) -> np.ndarray:
    cols = [(_field(game, z + d) - _field(game, z - d)) / (2 * e) for d in (e * np.eye(2))]
    return np.stack(cols, axis=-1)


def reference_zeros(game: Game, w: float) -> list[np.ndarray]:
    """scipy's MINPACK hybrd from a grid of starts: zeros strictly inside [−w, w]²."""
    out: list[np.ndarray] = []
    for x in np.linspace(-w, w, REF_GRID):
        for y in np.linspace(-w, w, REF_GRID):
            with np.errstate(all="ignore"):
                z, info, ier, _ = fsolve(
                    lambda q: _field(game, q), [x, y], full_output=True, xtol=1e-13
                )
            if ier != 1 or np.abs(z).max() > w * 0.999:
                continue
            J = _fd_jacobian(game, z)
            v = info["fvec"]
            # a saturated plateau has |v| ~ 1e-160 but |J| ~ 1e-158: not a zero
            if np.hypot(*v) > 1e-10 * min(1.0, float(np.abs(J).max())):
                continue
            if all(np.hypot(*(z - q)) > 1e-5 for q in out):
                out.append(z)
    return out


def _params(name: str) -> st.SearchStrategy[dict[str, float]]:
    v = VARIANTS[name]
    return st.fixed_dictionaries({p.name: st.floats(p.lo, p.hi, allow_nan=False) for p in v.params})


@pytest.mark.parametrize("name", list(VARIANTS))
@settings(max_examples=6, deadline=None)
@given(data=st.data(), w=st.sampled_from([2.0, 5.0]))
def test_every_zero_in_view_is_found_and_classified(
    name: str, data: st.DataObject, w: float
) -> None:
    params = data.draw(_params(name))
    game = make_game(name, params)
    found = find_equilibria(game, w)
    points = [np.array(e.point) for e in found if e.segment is None]
    seg = game.stationary_segment()
    # the origin is an equilibrium of every variant (a point of the segment for WGAN-GP)
    assert any(e.is_origin for e in found) or seg is not None
    for e in found:
        if e.segment is not None:
            continue
        z = np.array(e.point)
        assert np.hypot(*_field(game, z)) < 1e-9
        J = _fd_jacobian(game, z)
        lam = np.linalg.eigvals(J)
        if np.linalg.det(J) < -1e-6:
            assert e.kind == "saddle"
        elif np.all(lam.real < -1e-5):
            assert e.kind.startswith("stable")
        elif np.all(lam.real > 1e-5):
            assert e.kind.startswith("unstable")
    for z in reference_zeros(game, w):
        on_segment = (
            seg is not None and abs(z[1]) < 1e-6 and seg[0][0] - 1e-6 <= z[0] <= seg[1][0] + 1e-6
        )
        if on_segment:
            continue
        assert any(np.hypot(*(z - p)) < 1e-5 for p in points), (z, points)


def test_consensus_has_two_saddles_at_gamma_1() -> None:
    found = find_equilibria(make_game("consensus", gamma=1.0), 5.0)
    assert [e.kind for e in found] == ["stable spiral", "saddle", "saddle"]
    for e, sign in zip(found[1:], (-1, 1), strict=True):
        assert e.point == pytest.approx((sign * 0.341249, sign * 2.165090), abs=1e-6)
        assert e.eigenvalues.real == pytest.approx([-1.028495, 0.556079], abs=1e-6)
    # the authors' halved field has its saddles elsewhere, same linearisation at (0, 0)
    authors = find_equilibria(make_game("consensus-authors", gamma=1.0), 5.0)
    assert sorted(abs(e.point[1]) for e in authors) == pytest.approx(
        [0.0, 3.4463, 3.4463], abs=1e-4
    )


def test_wgan_gp_segment_is_stationary_in_the_filippov_sense() -> None:
    game = make_game("wgan-gp", gamma=0.7, g0=1.0)
    (seg,) = [e.segment for e in find_equilibria(game, 2.0) if e.segment is not None]
    assert seg == ((-0.7, 0.0), (0.7, 0.0))
    for th in np.linspace(-0.69, 0.69, 7):
        up = _field(game, np.array([th, 1e-12]))
        down = _field(game, np.array([th, -1e-12]))
        # a convex combination of the one-sided fields is 0: ψ-components of opposite sign
        assert up[1] > 0 > down[1] and abs(up[0]) < 1e-11 and abs(down[0]) < 1e-11
    # with γg₀ = 0 the field is smooth and (0, 0) an isolated stable spiral
    assert [e.kind for e in find_equilibria(make_game("wgan-gp", g0=0.0), 2.0)] == ["stable spiral"]


def test_classify_reads_the_jacobian() -> None:
    assert classify(np.array([[0.0, -1.0], [1.0, 0.0]])) == "centre"
    assert classify(np.array([[-1.0, 0.0], [0.0, 2.0]])) == "saddle"
    assert classify(np.array([[-1.0, -1.0], [1.0, -1.0]])) == "stable spiral"
    assert classify(np.array([[1.0, 0.0], [0.0, 2.0]])) == "unstable node"
    assert classify(np.array([[0.0, 1.0], [0.0, 0.0]])) == "degenerate"


# ------------------------------------------------------------------ path against verdict


def _disagreement(variant: str, method: str, steps: int, **hp: float) -> str | None:
    game = make_game(variant)
    h = Hyper(**hp)
    traj = simulate(game, method, h, [(1.0, 1.0)], steps)
    u = spectrum(game, method, h).update
    return path_disagreement(traj.path(0), traj.status[0], u.verdict, u.spectral_radius)


def test_ns_gan_simgd_is_a_bounded_orbit_although_rho_exceeds_1() -> None:
    note = _disagreement("non-saturating", "simgd", 2000)
    assert note is not None and "stays within distance" in note


def test_ns_gan_altgd_spirals_in_although_neutral() -> None:
    note = _disagreement("non-saturating", "altgd", 2000)
    assert note is not None and "closes in on (0, 0)" in note


def test_consensus_altgd_leaves_although_rho_below_1() -> None:
    # the claim of issue 22: ρ = 0.857 "converges", yet from (1, 1) the path ends far away
    note = _disagreement("consensus", "altgd", 10000, n_disc=5)
    assert note is not None and "farther from (0, 0) than it started" in note


@pytest.mark.parametrize(
    ("variant", "method"), [("gradient-penalty", "simgd"), ("standard", "simgd")]
)
def test_agreeing_paths_get_no_note(variant: str, method: str) -> None:
    assert _disagreement(variant, method, 500) is None
