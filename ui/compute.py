"""Cached calls into the numerical core, keyed on plain values (shared by all pages).

The arguments are plain tuples of floats/ints/strings; entries are bounded
(:mod:`ui.cache`, not ``st.cache_data``, which keeps something for every key it has seen) so a
class of students cannot grow the server's memory without limit. Cached values are shared:
their arrays are read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dynamics.equilibria import Equilibrium, find_equilibria
from dynamics.methods import Hyper, simulate
from dynamics.spectrum import Spectrum, spectrum
from dynamics.streamlines import Streamlines, speed_grid, trace_streamlines
from dynamics.variants import make_game
from ui.cache import bounded_cache

ParamsKey = tuple[tuple[str, float], ...]
HyperKey = tuple[tuple[str, float | int], ...]


def hyper_of(key: HyperKey) -> Hyper:
    """The ``Hyper`` a cache key stands for (``hyper_key``'s inverse)."""
    fields: dict[str, Any] = dict(key)  # floats and ints, each for its own field
    return Hyper(**fields)


def params_key(params: dict[str, float]) -> ParamsKey:
    return tuple(sorted((k, float(v)) for k, v in params.items()))


def hyper_key(hp: Hyper) -> HyperKey:
    return tuple(sorted(vars(hp).items()))


@dataclass(frozen=True)
class PathResult:
    points: np.ndarray  # (n_valid, 2), finite
    status: str
    diverged_at: int | None
    final_distance: float
    failed_at: int | None = None


@bounded_cache(max_entries=256)
def streamlines(variant: str, params: ParamsKey, view: float, density: float) -> Streamlines:
    game = make_game(variant, dict(params))
    return trace_streamlines(game.field, (-view, view), (-view, view), density)


@bounded_cache(max_entries=128)
def speed(
    variant: str, params: ParamsKey, view: float, n: int = 70
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    game = make_game(variant, dict(params))
    return speed_grid(game.field, (-view, view), (-view, view), n)


@bounded_cache(max_entries=512)
def trajectory(
    variant: str,
    params: ParamsKey,
    method: str,
    hyper: HyperKey,
    start: tuple[float, float],
    steps: int,
) -> PathResult:
    game = make_game(variant, dict(params))
    traj = simulate(game, method, hyper_of(hyper), [start], steps)
    div = int(traj.diverged_at[0])
    return PathResult(
        points=traj.path(0).copy(),
        status=traj.status[0],
        diverged_at=None if div < 0 else div,
        final_distance=float(traj.final_distance[0]),
        failed_at=traj.failed_at,
    )


@bounded_cache(max_entries=512)
def spectra(
    variant: str,
    params: ParamsKey,
    method: str,
    hyper: HyperKey,
    at: tuple[float, float] | None = None,
) -> Spectrum:
    """The spectra at (0, 0), or at the equilibrium ``at``."""
    game = make_game(variant, dict(params))
    return spectrum(game, method, hyper_of(hyper), at)


@bounded_cache(max_entries=128)
def equilibria(variant: str, params: ParamsKey, view: float) -> tuple[Equilibrium, ...]:
    """Every equilibrium in the view [−w, w]² (dynamics.equilibria)."""
    return find_equilibria(make_game(variant, dict(params)), view)


@dataclass(frozen=True)
class CompareCell:
    points: np.ndarray
    status: str
    diverged_at: int | None
    rho: float | None
    verdict: str | None


@bounded_cache(max_entries=32)
def compare_grid(
    variants: tuple[str, ...],
    schemes: tuple[str, ...],
    lr: float,
    steps: int,
    start: tuple[float, float],
    view: float,
    density: float,
    _before_each: Callable[[], None] | None = None,
) -> tuple[list[list[CompareCell]], list[Streamlines]]:
    """Every (variant, scheme) panel of the compare page in one cached computation.

    ``_before_each`` (not part of the cache key) runs before every panel: the page passes a
    check that ends the run when its browser has gone (it raises, so nothing is cached).
    """
    from dynamics.presets import SCHEMES

    grid: list[list[CompareCell]] = []
    lines: list[Streamlines] = []
    for v in variants:
        game = make_game(v)
        lines.append(trace_streamlines(game.field, (-view, view), (-view, view), density))
        row = []
        for name in schemes:
            if _before_each is not None:
                _before_each()
            sc = SCHEMES[name]
            hp = Hyper(lr_gen=lr, lr_disc=lr, n_gen=sc.n_gen, n_disc=sc.n_disc, beta=sc.beta)
            traj = simulate(game, sc.method, hp, [start], steps)
            upd = spectrum(game, sc.method, hp).update
            div = int(traj.diverged_at[0])
            row.append(
                CompareCell(
                    points=traj.path(0).copy(),
                    status=traj.status[0],
                    diverged_at=None if div < 0 else div,
                    rho=upd.spectral_radius,
                    verdict=upd.verdict,
                )
            )
        grid.append(row)
    return grid, lines


@dataclass(frozen=True)
class MapResult:
    x: np.ndarray
    y: np.ndarray
    rho: np.ndarray
    eigs: np.ndarray
    boundary: tuple[np.ndarray, np.ndarray, str] | None


#: The other hyper-parameters of a map or locus as plain (name, value) pairs (a cache key).
HyperExtra = tuple[tuple[str, float], ...]


def _hyper(lr: float, n_gen: int, n_disc: int, beta: float, extra: HyperExtra = ()) -> Hyper:
    hp = Hyper(lr_gen=lr, lr_disc=lr, n_gen=n_gen, n_disc=n_disc, beta=beta)
    fields: dict[str, Any] = dict(extra)
    return replace(hp, **fields)


# A 301 x 301 map with four eigenvalues per cell is ~6 MB: keep few.
@bounded_cache(max_entries=16)
def stability(
    variant: str,
    method: str,
    x: str,
    y: str,
    res: int,
    params: ParamsKey,
    lr: float,
    n_gen: int,
    n_disc: int,
    beta: float,
    extra: HyperExtra = (),
) -> MapResult:
    from dynamics.stability import analytic_boundary, available_axes, stability_map

    axes = available_axes(variant, method)
    hp = _hyper(lr, n_gen, n_disc, beta, extra)
    m = stability_map(variant, method, axes[x], axes[y], params=dict(params), hyper=hp, n=res)
    b = analytic_boundary(variant, method, m, params=dict(params), hyper=hp)
    return MapResult(m.x, m.y, m.rho, m.eigs, b)


def level(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, value: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    from dynamics.stability import level_curve

    return level_curve(x, y, z, value)


@dataclass(frozen=True)
class LocusResult:
    values: np.ndarray
    continuous: np.ndarray
    update: np.ndarray
    continuous_now: np.ndarray
    update_now: np.ndarray
    marks: list[tuple[float, str]]
    mark_eigs: list[np.ndarray]


@bounded_cache(max_entries=64)
def locus(
    variant: str,
    method: str,
    sweep: str,
    lo: float,
    hi: float,
    params: ParamsKey,
    lr: float,
    n_gen: int,
    n_disc: int,
    beta: float,
    n: int = 301,
    extra: HyperExtra = (),
) -> LocusResult:
    from dynamics.stability import continuous_locus, critical_values, update_locus

    hp = _hyper(lr, n_gen, n_disc, beta, extra)
    p = dict(params)
    values = np.geomspace(lo, hi, n) if sweep == "h" else np.linspace(lo, hi, n)
    now = lr if sweep == "h" else p[sweep]
    cont = continuous_locus(variant, sweep, values, p)
    upd = update_locus(variant, method, sweep, values, params=p, hyper=hp)
    cont_now = continuous_locus(variant, sweep, np.array([now]), p)[0]
    upd_now = update_locus(variant, method, sweep, np.array([now]), params=p, hyper=hp)[0]
    marks, mark_eigs = [], []
    if sweep != "h":
        for v in critical_values(variant, sweep, lo, hi, p):
            marks.append((v, "critical damping"))
            mark_eigs.append(continuous_locus(variant, sweep, np.array([v]), p)[0])
    return LocusResult(values, cont, upd, cont_now, upd_now, marks, mark_eigs)
