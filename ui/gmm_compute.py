"""Cached calls into the GMM-GAN core (``dynamics.gmm``, after Li et al.) for its page.

Every cached function is keyed on plain values (floats, ints, strings and tuples of them), and
its entries are bounded. The page never does numerics itself: it calls these functions and
hands their arrays to the figure builders of :mod:`ui.figures.gmm`.

The batch experiment takes seconds to tens of seconds, so it runs in a small process-wide pool
(:func:`submit_batch`, bounded in queued work: past ``MAX_QUEUED_SECONDS`` a new batch is
refused with a "busy, try again in N s") while the script thread polls its progress into an
``st.progress`` bar (:func:`poll`); a batch stops between chunks when its session presses
Cancel or stops polling (the session is gone). The cached function itself never touches
Streamlit elements, so a cache hit replays nothing and returns at once.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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


#: Work budget of the single-run tab, in first-order (k = 1) step equivalents: a single run
#: is computed when the page loads (no button), so its cost is bounded; about 1.5 s of CPU
#: for both dynamics on the development machine (max legal settings took 49 s before).
SINGLE_RUN_BUDGET = 1000.0
#: Random starts behind the single-run tab's "with these settings" fractions.
SETTING_RUNS = 200


def single_run_cost(steps: int, k: int) -> float:
    """Cost of one single-run rerun (both dynamics) in first-order (k = 1) step equivalents:
    measured, a recorded optimal step costs about as much as a recorded first-order step,
    and each extra discriminator step about 1/30 of one."""
    return float(steps) * (1.0 + k / 30.0)


def steps_within_budget(steps: int, k: int) -> int:
    """The most generator steps (at most ``steps``) a single run may take at this ``k``."""
    return max(1, min(int(steps), int(SINGLE_RUN_BUDGET // single_run_cost(1, k))))


@bounded_cache(max_entries=64)
def setting_fractions(
    target: Pair,
    eta_gen: float,
    eta_disc: float,
    steps: int,
    k: int,
    simultaneous: bool,
    seed: int,
    mu_range: Pair,
    ell_range: Pair,
    tol: float,
    collapse: float,
) -> gmm.BatchResult:
    """First-order outcomes over ``SETTING_RUNS`` seeded random starts with the single run's
    settings: the fractions the single-run tab states."""
    return gmm.batch_experiment(
        "first-order", k=k, simultaneous=simultaneous, runs=SETTING_RUNS, seed=seed,
        steps=steps, target=target, mu_range=mu_range, ell_range=ell_range, tol=tol,
        collapse=collapse, eta_gen=eta_gen, eta_disc=eta_disc,
    )  # fmt: skip


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

#: Separations μ*₂ − μ*₁ of the separation × k outcome map (those that keep both means in
#: the core's target range around the sidebar's centre are used).
SEPARATIONS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0)
#: Random starts per cell of that map (at most; the batch's runs if fewer).
SEPARATION_RUNS = 200


@dataclass(frozen=True)
class BatchRow:
    """Outcome fractions of one configuration of the batch experiment."""

    label: str
    dynamics: str
    k: int
    simultaneous: bool
    converged: float
    collapsed: float
    stuck: float
    other: float
    counts: dict[str, int]


@dataclass(frozen=True)
class BatchTable:
    """Everything the batch tab shows: fractions per configuration, two start maps and the
    separation × k map."""

    rows: tuple[BatchRow, ...]
    axis: FloatArray  # outcome maps: starting means along each axis
    map_optimal: FloatArray  # (n, n) codes, rows follow mu2
    map_first_order: FloatArray
    map_label: str  # which first-order configuration the second map shows
    separation: gmm.SeparationMap
    seconds: float
    settings: dict = dataclasses.field(default_factory=dict)  # the batch's own arguments


def separations_for(target: Pair) -> tuple[float, ...]:
    """The map's separations that keep both means in the core's range around the centre."""
    centre = 0.5 * (target[0] + target[1])
    lo, hi = gmm.GMMSettings.RANGES["target"]
    return tuple(s for s in SEPARATIONS if lo <= centre - s / 2 and centre + s / 2 <= hi)


def batch_jobs(
    ks: tuple[int, ...], simultaneous: bool, map_k: int, map_simultaneous: bool
) -> list[tuple[str, str, int, bool]]:
    """The configurations of a batch: ``(kind, dynamics, k, simultaneous)``; kind is
    ``'fractions'``, ``'map'`` or ``'separation'`` (one per k)."""
    jobs = [("fractions", "optimal", 1, False)]
    jobs += [("fractions", "first-order", int(k), False) for k in ks]
    if simultaneous:
        jobs.append(("fractions", "first-order", 1, True))
    jobs.append(("map", "optimal", 1, False))
    jobs.append(("map", "first-order", int(map_k), bool(map_simultaneous)))
    jobs += [("separation", "first-order", int(k), False) for k in ks]
    return jobs


def _job_cost(kind: str, dynamics: str, k: int, runs: int, grid: int, n_sep: int = 0) -> float:
    """Rough relative cost (from timings: an optimal step costs ~15 first-order ascent steps
    of the same batch) for a progress bar that moves evenly."""
    n = {"fractions": runs, "map": grid * grid}.get(kind, n_sep * min(runs, SEPARATION_RUNS))
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
    _cancel: Callable[[], bool] | None = None,
) -> BatchTable:
    """Fractions of :func:`dynamics.gmm.batch_experiment` for the optimal dynamics and for
    first-order dynamics at each ``k`` (and simultaneous updates if asked), the outcome maps
    of :func:`dynamics.gmm.outcome_grid` for the optimal dynamics and for first-order dynamics
    at ``map_k``, and :func:`dynamics.gmm.separation_map` over :func:`separations_for` × ``ks``.
    All seeded by ``seed``. ``_progress(fraction, what)`` and ``_cancel()`` (checked every 50
    generator steps; :class:`dynamics.gmm.Cancelled` ends the call) are not part of the key."""
    t0 = time.perf_counter()
    seps = separations_for(target)
    jobs = batch_jobs(ks, simultaneous, map_k, map_simultaneous)
    costs = np.array([_job_cost(kind, d, k, runs, grid, len(seps)) for kind, d, k, _ in jobs])
    done = np.concatenate([[0.0], np.cumsum(costs)]) / costs.sum()
    common = dict(
        steps=steps, target=target, mu_range=mu_range, ell_range=ell_range, tol=tol,
        collapse=collapse, eta_gen=eta_gen, eta_disc=eta_disc, seed=seed, cancel=_cancel,
    )  # fmt: skip
    rows: list[BatchRow] = []
    maps: dict[str, FloatArray] = {}
    axis = np.zeros(0)
    fractions = []
    sep_runs = min(runs, SEPARATION_RUNS)
    for i, (kind, dyn, k, sim) in enumerate(jobs):
        label = config_label(dyn, k, sim)
        what = {
            "map": f"{label}: outcome map",
            "fractions": f"{label}: {runs} random starts",
            "separation": f"{label}: {len(seps)} separations × {sep_runs} starts",
        }[kind]

        def tick(f: float, i: int = i, what: str = what) -> None:
            if _progress is not None:
                _progress(float(done[i] + (done[i + 1] - done[i]) * f), what)

        tick(0.0)
        if kind == "fractions":
            r = gmm.batch_experiment(dyn, k=k, runs=runs, progress=tick, simultaneous=sim, **common)
            rows.append(
                BatchRow(label, dyn, k, sim, r.converged, r.collapsed, r.stuck, r.other,
                         dict(r.counts))
            )  # fmt: skip
        elif kind == "map":
            g = gmm.outcome_grid(grid, dyn, k=k, progress=tick, simultaneous=sim, **common)
            maps[dyn] = g.codes.astype(np.int8)
            axis = g.axis
        else:
            m = gmm.separation_map(seps, (k,), runs=sep_runs, progress=tick, **common)
            fractions.append(m.fractions[0])
    separation = gmm.SeparationMap(
        separations=np.asarray(seps, dtype=float),
        ks=tuple(ks),
        fractions=np.asarray(fractions).reshape(len(ks), len(seps), len(gmm.OUTCOMES)),
        settings=gmm.GMMSettings(
            dynamics="first-order", runs=sep_runs, seed=seed, steps=steps, target=target,
            eta_gen=eta_gen, eta_disc=eta_disc, mu_range=mu_range, ell_range=ell_range,
            tol=tol, collapse=collapse,
        ),
    )  # fmt: skip
    return BatchTable(
        rows=tuple(rows),
        axis=axis,
        map_optimal=maps["optimal"],
        map_first_order=maps["first-order"],
        map_label=config_label("first-order", map_k, map_simultaneous),
        separation=separation,
        seconds=time.perf_counter() - t0,
        settings={
            "target": list(target), "eta_gen": eta_gen, "eta_disc": eta_disc, "steps": steps,
            "runs": runs, "seed": seed, "ks": list(ks), "simultaneous": simultaneous,
            "grid": grid, "map_k": map_k, "map_simultaneous": map_simultaneous,
            "mu_range": list(mu_range), "ell_range": list(ell_range), "tol": tol,
            "collapse": collapse, "separation_runs": sep_runs,
        },
    )  # fmt: skip


# --------------------------------------------------------------------------------- exports

#: Columns of the batch CSV: one row per configuration ("fractions") and per cell of the
#: separation × k map ("separation").
CSV_COLUMNS = (
    "kind", "configuration", "dynamics", "k", "simultaneous", "separation", "runs",
    *gmm.OUTCOMES, *(f"n_{o}" for o in gmm.OUTCOMES),
)  # fmt: skip


def batch_records(table: BatchTable) -> list[dict[str, object]]:
    """The batch table and the separation map as flat records of plain Python values."""
    sep_now = abs(float(table.settings["target"][1]) - float(table.settings["target"][0]))
    out: list[dict[str, object]] = []
    for r in table.rows:
        out.append(
            {"kind": "fractions", "configuration": r.label, "dynamics": r.dynamics, "k": r.k,
             "simultaneous": r.simultaneous, "separation": sep_now,
             "runs": sum(r.counts.values()),
             **{o: float(getattr(r, o)) for o in gmm.OUTCOMES},
             **{f"n_{o}": int(r.counts[o]) for o in gmm.OUTCOMES}}
        )  # fmt: skip
    m = table.separation
    runs = int(m.settings.runs)
    for i, k in enumerate(m.ks):
        for j, sep in enumerate(m.separations):
            f = m.fractions[i, j]
            out.append(
                {"kind": "separation", "configuration": config_label("first-order", k, False),
                 "dynamics": "first-order", "k": int(k), "simultaneous": False,
                 "separation": float(sep), "runs": runs,
                 **{o: float(f[n]) for n, o in enumerate(gmm.OUTCOMES)},
                 **{f"n_{o}": round(float(f[n]) * runs)
                    for n, o in enumerate(gmm.OUTCOMES)}}
            )  # fmt: skip
    return out


def batch_csv(table: BatchTable) -> str:
    """CSV of :func:`batch_records`; floats are Python's shortest round-tripping repr."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for rec in batch_records(table):
        w.writerow({key: (str(v).lower() if isinstance(v, bool) else v) for key, v in rec.items()})
    return buf.getvalue()


def batch_json(table: BatchTable) -> str:
    """Everything the batch tab shows, as JSON (plain Python numbers only)."""
    return json.dumps(
        {
            "model": "mixture-of-Gaussians GAN after Li, Madry, Peebles, Schmidt (ICML 2018)",
            "settings": table.settings,
            "outcomes": list(gmm.OUTCOMES),
            "records": batch_records(table),
            "outcome_maps": {
                "axis": np.asarray(table.axis, dtype=float).tolist(),
                "optimal": np.asarray(table.map_optimal, dtype=int).tolist(),
                "first_order": np.asarray(table.map_first_order, dtype=int).tolist(),
                "first_order_label": table.map_label,
                "codes": "index into outcomes; [i][j] is the start (axis[j], axis[i])",
            },
            "seconds": float(table.seconds),
        },
        allow_nan=False,
    )


# ------------------------------------------------------------------- the shared batch pool

#: Batches run in this many worker threads, whatever the number of sessions.
WORKERS = 2
#: Process-wide bound on the estimated seconds of batch work running or waiting: past it a
#: new batch is refused with "busy, try again in N s" instead of queuing without limit.
MAX_QUEUED_SECONDS = 120.0
#: A batch whose session has not polled it for this long (the session is gone) is cancelled.
ORPHAN_SECONDS = 10.0

_POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="gmm-batch")
_LOCK = threading.Lock()
_QUEUED: dict[int, float] = {}  # id(job) -> its estimated seconds, while queued or running


class Busy(Exception):
    """The batch pool holds too much work; ``retry_after`` is a wait estimate in seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"busy: try again in about {retry_after:.0f} s")
        self.retry_after = retry_after


@dataclass
class BatchJob:
    """One batch in the pool, owned by one session; its progress, its cancel flag and the
    heartbeat its poller renews (a job nobody polls for ``ORPHAN_SECONDS`` is cancelled)."""

    args: tuple
    estimate: float
    future: Future | None = None
    cancelled: threading.Event = dataclasses.field(default_factory=threading.Event)
    heartbeat: float = dataclasses.field(default_factory=time.monotonic)
    fraction: float = 0.0
    what: str = "waiting for other batch experiments to finish…"
    started: float | None = None  # when the worker started it (monotonic)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def progress(self, f: float, what: str) -> None:
        with self.lock:
            if self.started is None:
                self.started = time.monotonic()
            self.fraction, self.what = f, what

    def should_stop(self) -> bool:
        return self.cancelled.is_set() or time.monotonic() - self.heartbeat > ORPHAN_SECONDS

    def cancel(self) -> None:
        self.cancelled.set()

    def remaining(self) -> float | None:
        """Seconds left, from the rate measured so far (None until there is one)."""
        with self.lock:
            f, started = self.fraction, self.started
        if started is None or f <= 0.01:
            return None
        elapsed = time.monotonic() - started
        if elapsed < 0.3:
            return None
        return elapsed * (1.0 - f) / f


def queued_seconds() -> float:
    """Estimated seconds of batch work running or waiting in the pool."""
    with _LOCK:
        return float(sum(_QUEUED.values()))


def _run(job: BatchJob) -> BatchTable:
    try:
        if job.should_stop():  # cancelled (or abandoned) while it waited for a worker
            raise gmm.Cancelled("batch cancelled")
        t0 = time.perf_counter()
        table = batch_table(*job.args, _progress=job.progress, _cancel=job.should_stop)
        _learn_rate(job.args, time.perf_counter() - t0)
        return table
    finally:
        with _LOCK:
            _QUEUED.pop(id(job), None)


def submit_batch(args: tuple) -> BatchJob:
    """Queue :func:`batch_table` for ``args``, or raise :class:`Busy` when the pool already
    holds more than ``MAX_QUEUED_SECONDS`` of estimated work (one batch is always accepted
    when nothing else is queued)."""
    job = BatchJob(args=args, estimate=estimate_for_args(args))
    with _LOCK:
        pending = float(sum(_QUEUED.values()))
        if _QUEUED and pending + job.estimate > MAX_QUEUED_SECONDS:
            raise Busy(max(1.0, pending / WORKERS))
        _QUEUED[id(job)] = job.estimate
    try:
        job.future = _POOL.submit(_run, job)
    except BaseException:
        with _LOCK:
            _QUEUED.pop(id(job), None)
        raise
    return job


def poll(job: BatchJob, bar: object, interval: float = 0.15) -> BatchTable:
    """Show ``job``'s progress in ``bar`` (an ``st.progress``) until it ends; renews its
    heartbeat. The time left comes from the rate measured so far, updated as it runs."""
    assert job.future is not None
    while not job.future.done():
        job.heartbeat = time.monotonic()
        with job.lock:
            f, what = job.fraction, job.what
        left = job.remaining()
        eta = "" if left is None else f" · about {max(1, round(left))} s left"
        bar.progress(min(max(f, 0.0), 1.0), text=f"{f:.0%} · {what}{eta}")  # type: ignore[attr-defined]
        time.sleep(interval)
    return job.future.result()


def batch_with_progress(bar: object, *args: object) -> BatchTable:
    """:func:`batch_table` with live progress in ``bar``: a cache hit at once, else through
    the bounded pool (:func:`submit_batch`, which may raise :class:`Busy`)."""
    hit = batch_table.peek(*args)
    if hit is not None:
        return hit
    return poll(submit_batch(tuple(args)), bar)


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


#: Seconds per unit of :func:`_job_cost` per generator step: starts from the development
#: machine's figure (1000 optimal runs × 1500 steps ≈ 3.2–3.8 s) and then follows the rate
#: measured by the batches this process has run (a busy server is slower).
_SECONDS_PER_UNIT = [2.5e-6]


def _units(
    runs: int, ks: tuple[int, ...], simultaneous: bool, grid: int, map_k: int,
    map_simultaneous: bool, n_sep: int,
) -> float:  # fmt: skip
    jobs = batch_jobs(ks, simultaneous, map_k, map_simultaneous)
    return sum(_job_cost(kind, d, k, runs, grid, n_sep) for kind, d, k, _ in jobs)


def _learn_rate(args: tuple, seconds: float) -> None:
    """Update the per-unit rate from a finished batch (exponential average)."""
    target, _, _, steps, runs, _, ks, sim, grid, map_k, map_sim = args[:11]
    units = _units(runs, ks, sim, grid, map_k, map_sim, len(separations_for(target))) * steps
    if units > 0 and seconds > 0:
        _SECONDS_PER_UNIT[0] = 0.5 * _SECONDS_PER_UNIT[0] + 0.5 * seconds / units


def batch_estimate(
    runs: int, steps: int, ks: tuple[int, ...], simultaneous: bool, grid: int, map_k: int,
    map_simultaneous: bool, target: Pair = gmm.GMMSettings.target,
) -> float:  # fmt: skip
    """Rough duration of :func:`batch_table` in seconds at the rate measured last."""
    n_sep = len(separations_for(target))
    units = _units(runs, ks, simultaneous, grid, map_k, map_simultaneous, n_sep)
    return units * steps * _SECONDS_PER_UNIT[0]


def estimate_for_args(args: tuple) -> float:
    """:func:`batch_estimate` for the positional arguments of :func:`batch_table`."""
    target, _, _, steps, runs, _, ks, sim, grid, map_k, map_sim = args[:11]
    return batch_estimate(runs, steps, ks, sim, grid, map_k, map_sim, target)
