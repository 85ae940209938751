"""Cached calls into the numerical core, keyed on plain values (shared by all pages).

The arguments are plain tuples of floats/ints/strings; entries are bounded
(:mod:`ui.cache`, not ``st.cache_data``, which keeps something for every key it has seen) so a
class of students cannot grow the server's memory without limit. Cached values are shared:
their arrays are read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dynamics.equilibria import Equilibrium, find_equilibria
from dynamics.methods import Hyper, Trajectory, get_method, simulate
from dynamics.paths import head, prefix_exact
from dynamics.spectrum import Spectrum, spectrum
from dynamics.streamlines import Streamlines, speed_grid, trace_streamlines
from dynamics.variants import make_game
from ui.cache import bounded_cache, freeze

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


PathKey = tuple[str, ParamsKey, str, HyperKey, tuple[float, float]]


class LongestRuns:
    """The longest run simulated so far of each path (all settings but the number of steps),
    the last ``max_entries`` paths kept: a shorter run of a discrete method is its head
    (``dynamics.paths.head``, bit for bit), so moving the steps slider down, or back up to a
    length run before, simulates nothing."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._runs: OrderedDict[PathKey, Trajectory] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: PathKey, steps: int) -> Trajectory | None:
        """A kept run of at least ``steps`` steps, or None."""
        with self._lock:
            run = self._runs.get(key)
            if run is None or run.steps < steps:
                return None
            self._runs.move_to_end(key)
            return run

    def offer(self, key: PathKey, run: Trajectory) -> None:
        """Keep ``run`` unless a longer run of the same path is kept already."""
        freeze(run)  # shared between sessions: read-only
        with self._lock:
            old = self._runs.get(key)
            if old is None or old.steps < run.steps:
                self._runs[key] = run
            self._runs.move_to_end(key)
            while len(self._runs) > self.max_entries:
                self._runs.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._runs.clear()

    def __len__(self) -> int:
        return len(self._runs)


#: ~16 bytes per step: 128 runs of the longest legal 5,000 steps are ~10 MB.
LONGEST_RUNS = LongestRuns(max_entries=128)


@bounded_cache(max_entries=512)
def trajectory(
    variant: str,
    params: ParamsKey,
    method: str,
    hyper: HyperKey,
    start: tuple[float, float],
    steps: int,
) -> PathResult:
    key = (variant, params, method, hyper, start)
    reusable = prefix_exact(get_method(method))
    longer = LONGEST_RUNS.get(key, steps) if reusable else None
    if longer is not None:
        traj = head(longer, steps)
    else:
        game = make_game(variant, dict(params))
        traj = simulate(game, method, hyper_of(hyper), [start], steps)
        if reusable:
            LONGEST_RUNS.offer(key, traj)
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
