"""Cached calls into the GMM-GAN core (``dynamics.gmm``, after Li et al.) for its page.

Every cached function is keyed on plain values (floats, ints, strings and tuples of them), and
its entries are bounded. The page never does numerics itself: it calls these functions and
hands their arrays to the figure builders of :mod:`ui.gmm_figures`.

The batch experiment takes seconds to tens of seconds, so :func:`batch_with_progress` runs the
cached :func:`batch_table` in a worker thread and polls its progress into an ``st.progress``
bar from the script thread: the cached function itself never touches Streamlit elements, so
a cache hit replays nothing and returns at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from dynamics import gmm
from dynamics.streamlines import Streamlines, trace_streamlines
from ui.cache import bounded_cache

Pair = tuple[float, float]
FloatArray = np.ndarray

#: Frames of the browser-side animation of the data space (and of the current points).
N_FRAMES = 80
#: Points of the density curves in the data space.
N_X = 121
#: Cells per axis of the TV heat map.
N_TV = 100
#: Field samples per axis for the streamlines (one optimal discriminator per sample).
STREAM_GRID = 40

# Batch experiments share one small pool: at most two run at once on the server, whatever
# the number of sessions; the others wait (their progress bar says so).
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gmm-batch")


# ----------------------------------------------------------------------------- single runs


@dataclass(frozen=True)
class RunView:
    """One run of one dynamics (run 0 of a :class:`dynamics.gmm.GMMRun`), ready to draw."""

    dynamics: str
    mu: FloatArray  # (T+1, 2)
    ell: FloatArray  # (T+1, 4): the discriminator the generator steps against
    tv: FloatArray  # (T+1,)
    objective: FloatArray  # L(mu_t, ell_t)
    suboptimality: FloatArray
    gap: FloatArray
    grad_norm: FloatArray
    ell0: FloatArray | None  # first-order: the discriminator's start

    @property
    def steps(self) -> int:
        return len(self.tv) - 1


def start_intervals(
    start: Pair, target: Pair, ell_mode: str, seed: int, mu_range: Pair, ell_range: Pair
) -> FloatArray:
    """The first-order discriminator's starting intervals.

    ``'optimal'``: the optimal discriminator at the start; ``'random'``: the intervals of
    :func:`dynamics.gmm.draw_starts` with ``default_rng(seed)`` (as the CLI's ``gmm-run``).
    """
    if ell_mode == "optimal":
        return gmm.optimal_intervals(np.asarray(start, dtype=float), np.asarray(target))
    _, ell0 = gmm.draw_starts(np.random.default_rng(seed), 1, mu_range, ell_range)
    return ell0[0]


@bounded_cache(max_entries=256)
def single_run(
    dynamics: str,
    start: Pair,
    target: Pair,
    eta_gen: float,
    eta_disc: float,
    steps: int,
    k: int = 1,
    simultaneous: bool = False,
    ell_mode: str = "optimal",
    seed: int = 0,
    mu_range: Pair = (-2.0, 2.0),
    ell_range: Pair = (-3.0, 3.0),
) -> RunView:
    """One run from ``start``; first-order arguments are ignored for the optimal dynamics."""
    if dynamics == "optimal":
        r = gmm.run_optimal(start, target, eta_gen, steps)
        ell0 = None
    else:
        ell0 = start_intervals(start, target, ell_mode, seed, mu_range, ell_range)
        r = gmm.run_first_order(start, ell0, target, eta_gen, eta_disc, steps, k, simultaneous)
    return RunView(
        dynamics=dynamics,
        mu=r.mu[:, 0].copy(),
        ell=r.ell[:, 0].copy(),
        tv=r.tv[:, 0].copy(),
        objective=r.objective[:, 0].copy(),
        suboptimality=r.suboptimality[:, 0].copy(),
        gap=r.gap[:, 0].copy(),
        grad_norm=r.grad_norm[:, 0].copy(),
        ell0=ell0,
    )


def status_of(run: RunView, target: Pair, tol: float, collapse: float) -> str:
    """The core's status badge of a run (:func:`dynamics.gmm.run_status`)."""
    full = gmm.GMMRun(
        mu=run.mu[:, None, :],
        ell=run.ell[:, None, :],
        tv=run.tv[:, None],
        objective=run.objective[:, None],
        suboptimality=run.suboptimality[:, None],
        gap=run.gap[:, None],
        grad_norm=run.grad_norm[:, None],
        target=target,
        dynamics=run.dynamics,  # type: ignore[arg-type]
        eta_gen=0.0,
        eta_disc=0.0,
        k=0,
        simultaneous=False,
    )
    return gmm.run_status(full, 0, tol=tol, collapse=collapse)


@dataclass(frozen=True)
class DataSpace:
    """The data space at the animation frames: densities and both discriminators."""

    steps: FloatArray  # (F,) int: the generator step of each frame
    x: FloatArray  # (N,)
    g_star: FloatArray  # (N,)
    g_mu: FloatArray  # (F, N)
    ell_opt: FloatArray  # (F, 4): optimal discriminator at mu_t, ends clipped to x's range
    ell: FloatArray | None  # (F, 4): first-order discriminator (None for optimal dynamics)
    mu: FloatArray  # (F, 2)


def frame_steps(steps: int, n_frames: int = N_FRAMES) -> FloatArray:
    """At most ``n_frames`` generator steps from 0 to ``steps``, first and last included."""
    n = max(1, min(n_frames, steps + 1))
    return np.unique(np.linspace(0, steps, n).round().astype(np.int64))


def data_range(target: Pair, mus: FloatArray, margin: float = 3.5, cap: float = 15.0) -> Pair:
    """x-range of the data space: every mean of the target and the shown path, ± margin,
    rounded out to halves and kept within ``[-cap, cap]`` (a path that wanders off far would
    otherwise squeeze the densities into a few pixels)."""
    pts = np.concatenate([np.asarray(target, dtype=float), np.ravel(mus)])
    pts = np.clip(pts[np.isfinite(pts)], -cap, cap)
    lo, hi = float(pts.min()) - margin, float(pts.max()) + margin
    return (max(-cap, float(np.floor(lo * 2) / 2)), min(cap, float(np.ceil(hi * 2) / 2)))


@bounded_cache(max_entries=256)
def data_space(
    dynamics: str,
    start: Pair,
    target: Pair,
    eta_gen: float,
    eta_disc: float,
    steps: int,
    k: int,
    simultaneous: bool,
    ell_mode: str,
    seed: int,
    mu_range: Pair,
    ell_range: Pair,
    x_range: Pair,
) -> DataSpace:
    run = single_run(
        dynamics, start, target, eta_gen, eta_disc, steps, k, simultaneous, ell_mode, seed,
        mu_range, ell_range,
    )  # fmt: skip
    idx = frame_steps(run.steps)
    x = np.linspace(x_range[0], x_range[1], N_X)
    mu = run.mu[idx]
    tg = np.asarray(target, dtype=float)
    ell_opt = gmm.optimal_intervals(mu, tg) if dynamics != "optimal" else run.ell[idx]
    return DataSpace(
        steps=idx,
        x=x,
        g_star=gmm.g_star(x, tg),
        g_mu=gmm.g_mu(x[None, :], mu),
        ell_opt=np.clip(ell_opt, *x_range),
        ell=None if dynamics == "optimal" else np.clip(run.ell[idx], *x_range),
        mu=mu,
    )


# ------------------------------------------------------------------------- the (mu1, mu2) plane


def tv_field(target: Pair) -> Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]:
    """``-∇TV`` as a vectorised field on the (mu1, mu2) plane.

    With the optimal discriminator ``ell*(mu)``, ``max_ell L = 1 + TV`` and by the envelope
    theorem ``∇TV(mu) = ∂L/∂mu (mu, ell*(mu))`` = :func:`dynamics.gmm.grad_mu`; the
    optimal-discriminator dynamics follow ``-∇TV``.
    """
    tg = np.asarray(target, dtype=float)

    def field(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        mu = np.stack([x.ravel(), y.ravel()], axis=1)
        g = gmm.grad_mu(mu, gmm.optimal_intervals(mu, tg))
        return -g[:, 0].reshape(x.shape), -g[:, 1].reshape(x.shape)

    return field


@bounded_cache(max_entries=64)
def tv_surface(target: Pair, view: Pair, n: int = N_TV) -> tuple[FloatArray, ...]:
    """``(axis, axis, TV)`` on an ``n × n`` grid over ``view²``; ``TV[i, j]`` at
    ``(mu1, mu2) = (axis[j], axis[i])``."""
    axis = np.linspace(view[0], view[1], n)
    m1, m2 = np.meshgrid(axis, axis)
    tv = gmm.tv_distance(np.stack([m1.ravel(), m2.ravel()], axis=1), np.asarray(target))
    return axis, axis, tv.reshape(n, n)


@bounded_cache(max_entries=64)
def tv_streamlines(target: Pair, view: Pair, density: float = 1.0) -> Streamlines:
    """Streamlines of ``-∇TV`` (the optimal-discriminator flow) over ``view²``."""
    return trace_streamlines(tv_field(target), view, view, density, grid=STREAM_GRID)


# --------------------------------------------------------------------------------- batch


@dataclass(frozen=True)
class BatchRow:
    """Outcome fractions of one configuration of the batch experiment."""

    label: str
    dynamics: str
    k: int
    simultaneous: bool
    converged: float
    collapsed: float
    other: float
    counts: dict[str, int]


@dataclass(frozen=True)
class BatchTable:
    """Everything the batch tab shows: fractions per configuration and two outcome maps."""

    rows: tuple[BatchRow, ...]
    axis: FloatArray  # outcome maps: starting means along each axis
    map_optimal: FloatArray  # (n, n) codes, rows follow mu2
    map_first_order: FloatArray
    map_label: str  # which first-order configuration the second map shows
    seconds: float


def batch_jobs(
    ks: tuple[int, ...], simultaneous: bool, map_k: int, map_simultaneous: bool
) -> list[tuple[str, str, int, bool]]:
    """The configurations of a batch: ``(kind, dynamics, k, simultaneous)``; kind is
    ``'fractions'`` or ``'map'``."""
    jobs = [("fractions", "optimal", 1, False)]
    jobs += [("fractions", "first-order", int(k), False) for k in ks]
    if simultaneous:
        jobs.append(("fractions", "first-order", 1, True))
    jobs.append(("map", "optimal", 1, False))
    jobs.append(("map", "first-order", int(map_k), bool(map_simultaneous)))
    return jobs


def _job_cost(kind: str, dynamics: str, k: int, runs: int, grid: int) -> float:
    """Rough relative cost (from timings: an optimal step costs ~15 first-order ascent steps
    of the same batch) for a progress bar that moves evenly."""
    n = runs if kind == "fractions" else grid * grid
    per_step = 1.0 if dynamics == "optimal" else 0.06 + 0.045 * k
    return n * per_step


def config_label(dynamics: str, k: int, simultaneous: bool) -> str:
    if dynamics == "optimal":
        return "optimal discriminator"
    if simultaneous:
        return "first-order, simultaneous (k = 1)"
    return f"first-order, k = {k}"


@bounded_cache(max_entries=16)
def batch_table(
    target: Pair,
    eta_gen: float,
    eta_disc: float,
    steps: int,
    runs: int,
    seed: int,
    ks: tuple[int, ...],
    simultaneous: bool,
    grid: int,
    map_k: int,
    map_simultaneous: bool,
    mu_range: Pair,
    ell_range: Pair,
    tol: float,
    collapse: float,
    _progress: Callable[[float, str], None] | None = None,
) -> BatchTable:
    """Fractions of :func:`dynamics.gmm.batch_experiment` for the optimal dynamics and for
    first-order dynamics at each ``k`` (and simultaneous updates if asked), plus the outcome
    maps of :func:`dynamics.gmm.outcome_grid` for the optimal dynamics and for first-order
    dynamics at ``map_k``. All seeded by ``seed``. ``_progress(fraction, what)`` is not part
    of the cache key."""
    t0 = time.perf_counter()
    jobs = batch_jobs(ks, simultaneous, map_k, map_simultaneous)
    costs = np.array([_job_cost(kind, d, k, runs, grid) for kind, d, k, _ in jobs])
    done = np.concatenate([[0.0], np.cumsum(costs)]) / costs.sum()
    common = dict(
        steps=steps, target=target, mu_range=mu_range, ell_range=ell_range, tol=tol,
        collapse=collapse, eta_gen=eta_gen, eta_disc=eta_disc, seed=seed, simultaneous=False,
    )  # fmt: skip
    rows: list[BatchRow] = []
    maps: dict[str, FloatArray] = {}
    axis = np.zeros(0)
    for i, (kind, dyn, k, sim) in enumerate(jobs):
        label = config_label(dyn, k, sim)
        what = f"{label}: {'outcome map' if kind == 'map' else f'{runs} random starts'}"

        def tick(f: float, i: int = i, what: str = what) -> None:
            if _progress is not None:
                _progress(float(done[i] + (done[i + 1] - done[i]) * f), what)

        tick(0.0)
        if kind == "fractions":
            kw = {**common, "simultaneous": sim}
            r = gmm.batch_experiment(dyn, k=k, runs=runs, progress=tick, **kw)
            rows.append(
                BatchRow(label, dyn, k, sim, r.converged, r.collapsed, r.other, dict(r.counts))
            )
        else:
            kw = {**common, "simultaneous": sim}
            g = gmm.outcome_grid(grid, dyn, k=k, progress=tick, **kw)
            maps[dyn] = g.codes.astype(np.int8)
            axis = g.axis
    return BatchTable(
        rows=tuple(rows),
        axis=axis,
        map_optimal=maps["optimal"],
        map_first_order=maps["first-order"],
        map_label=config_label("first-order", map_k, map_simultaneous),
        seconds=time.perf_counter() - t0,
    )


def batch_with_progress(bar: object, *args: object) -> BatchTable:
    """:func:`batch_table` with live progress in ``bar`` (an ``st.progress`` element).

    The cached function runs in a worker thread (so that it never writes to Streamlit
    elements itself) while this thread polls its progress into the bar.
    """
    state = {"f": 0.0, "what": "waiting for another batch experiment to finish…"}
    lock = threading.Lock()

    def progress(f: float, what: str) -> None:
        with lock:
            state["f"], state["what"] = f, what

    future = _POOL.submit(batch_table, *args, _progress=progress)
    while not future.done():
        with lock:
            f, what = float(state["f"]), str(state["what"])
        bar.progress(min(max(f, 0.0), 1.0), text=f"{f:.0%} · {what}")  # type: ignore[attr-defined]
        time.sleep(0.15)
    return future.result()


# ------------------------------------------------------------------------------ view helpers


def plane_view(
    target: Pair, start: Pair, mu_range: Pair, paths: tuple[FloatArray, ...] = (), cap: float = 6.0
) -> tuple[Pair, float]:
    """The square ``(-w, w)²`` shown on the plane and the step a clicked start is rounded to.

    ``w`` covers the start distribution's range, the optimum with a margin of 1, the start and
    the paths (up to ``cap``), rounded up to a multiple of 0.5.
    """
    pts = [abs(v) for v in mu_range] + [abs(v) + 1.0 for v in target]
    pts += [abs(v) + 0.25 for v in start]
    for p in paths:
        finite = np.asarray(p)[np.isfinite(p)]
        if finite.size:
            pts.append(float(np.max(np.abs(finite))) + 0.1)
    w = min(cap, float(np.ceil(max(pts) * 2.0) / 2.0))
    step = 0.1 if w <= 2.5 else (0.2 if w <= 5.0 else 0.25)
    return (-w, w), step


#: Seconds per unit of :func:`_job_cost` per generator step, measured on the development
#: machine (1000 optimal runs × 1500 steps ≈ 3.2–3.8 s); only used to tell the user what to expect.
_SECONDS_PER_UNIT = 2.5e-6


def batch_estimate(
    runs: int, steps: int, ks: tuple[int, ...], simultaneous: bool, grid: int, map_k: int,
    map_simultaneous: bool,
) -> float:  # fmt: skip
    """Rough duration of :func:`batch_table` in seconds."""
    jobs = batch_jobs(ks, simultaneous, map_k, map_simultaneous)
    units = sum(_job_cost(kind, d, k, runs, grid) for kind, d, k, _ in jobs)
    return units * steps * _SECONDS_PER_UNIT
