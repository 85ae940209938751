"""Protocol-level load test: many simulated users drive the explorer over Streamlit's WebSocket.

Each simulated session does what a browser tab does, without a browser: it loads the page
(``GET /``, which also gives it the proxy's routing cookie), fetches ``/_stcore/health`` and
``/_stcore/host-config`` (the first sets the ``_streamlit_xsrf`` cookie), opens
``/_stcore/stream`` with the subprotocols ``["streamlit", <xsrf token>]`` and sends a binary
``BackMsg.rerun_script``. It then loops for the whole duration: think 1-3 s, move one control
(learning rate ``h``, ``steps``, ``theta0`` or ``psi0``), send ``rerun_script`` with the widget
states, wait for ``script_finished`` and check the page: no ``exception`` element, the SimGD
spectral radius shown equals the core's for the ``h`` sent, and the query string the page
published holds exactly the non-default values sent.

    python bench/loadtest.py --sessions 30 100 300 --duration 60 [--replicas 1|2]
                             [--soak 600] [--postscriptgc on|off] [--ramp 15] [--timeout 30]
                             [--config production|development]

Failures: ``connect`` (page load or first run not done within --timeout), ``timeout`` (a
rerun slower than --timeout: the user gives up and reloads, i.e. a new session), ``connection``
(socket or protocol error), ``exception`` (an exception element on the page), ``mismatch``
(the page shows other values than those sent). Latencies are send → ``script_finished`` of the
slider reruns; first page loads are reported apart. After the users stop, one fresh page
load checks that the server has recovered (``recovery_load_ms``).

Every configuration gets fresh servers (and, with two replicas, Debian's nginx from
deploy/run_loopback_proxy.sh) on 127.0.0.1; all of them are stopped on exit, Ctrl-C and
SIGTERM included. Server memory is the VmRSS of the Streamlit process(es), sampled every
second. ``--soak S`` runs one configuration (the first ``--sessions`` value) for S seconds and
adds the RSS curve (one sample per 10 s) and its slope. Prints a table; the last line is one
JSON object with every configuration's results.

The client (``StreamlitSession``) lives in tests/streamlit_session.py (the tests use it too).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from tests.appserver import free_port, stop  # noqa: E402
from tests.streamlit_session import (  # noqa: E402
    RERUN_TIMEOUT,
    ProtocolError,
    RunResult,
    StreamlitSession,
    expected_rho,
)

MAX_SESSIONS = 300
MAX_DURATION = 900.0
MAX_SOAK = 3600.0  # a leak shows only once the bounded caches are full
THINK = (1.0, 3.0)
STEPS_RANGE = (50, 2000)  # the explorer's slider goes to 5000; users rarely go that far
START_GRID = 0.05  # the number inputs' step
START_RANGE = 2.0


# ------------------------------------------------------------- the explorer's checks


@lru_cache(maxsize=1)
def explorer_specs() -> dict[str, Any]:
    """The explorer's URL specs by key (defaults, encoding), from the app's own table."""
    from ui.controls import base_specs

    return {s.key: s for s in base_specs()}


@lru_cache(maxsize=1)
def lr_options() -> tuple[float, ...]:
    from ui.controls import LR_OPTIONS

    return LR_OPTIONS


@dataclass
class ExplorerUser:
    """The values one simulated user has set, and what the page must show for them."""

    rng: random.Random
    values: dict[str, float | int] = field(default_factory=dict)

    def move(self) -> tuple[str, tuple[str, Any]]:
        """Pick one control and a new value: (user key, (value field, value))."""
        from ui.controls import format_lr

        key = self.rng.choice(["h", "steps", "theta0", "psi0"])
        if key == "h":
            h = self.rng.choice(lr_options())
            self.values["h"] = h
            return key, ("string_array_value", [format_lr(h)])
        if key == "steps":
            n = self.rng.randint(*STEPS_RANGE)
            self.values["steps"] = n
            return key, ("double_array_value", [float(n)])
        k = round(START_RANGE / START_GRID)
        x = round(self.rng.randint(-k, k) * START_GRID, 2)
        self.values[key] = x
        return key, ("double_value", x)

    def check(self, r: RunResult) -> str | None:
        """None if the page shows what was sent, else what is wrong."""
        if r.status != ForwardMsg.FINISHED_SUCCESSFULLY:
            return f"script_finished status {r.status}"
        if r.exceptions:
            return f"exception: {r.exceptions[0][:200]}"
        specs = explorer_specs()
        h = float(self.values.get("h", specs["h"].default))
        want = expected_rho(h)
        if not any(m.startswith(want) for m in r.markdown):
            got = [m for m in r.markdown if m.startswith("**SimGD**")]
            return f"rho mismatch for h={h}: want {want!r}, got {got[:1]!r}"
        # The page mirrors every non-default control into the URL (ui/state.py).
        want_q = {
            k: specs[k].encode(v) for k, v in self.values.items() if not specs[k].is_default(v)
        }
        got_q = {k: v[-1] for k, v in urllib.parse.parse_qs(r.query_string).items()}
        if got_q != want_q:
            return f"query string mismatch: want {want_q}, got {got_q}"
        return None


# ------------------------------------------------------------------ servers and proxy


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its reaped children), in seconds."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in parts[11:15]) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def loadavg() -> tuple[float, float, float]:
    with open("/proc/loadavg", encoding="ascii") as f:
        a, b, c = f.read().split()[:3]
    return float(a), float(b), float(c)


def production_env(root: Path = ROOT) -> dict[str, str]:
    """The Streamlit settings the image sets for production (the ``STREAMLIT_*`` variables of
    the Dockerfile's ``ENV`` instructions): no file watcher, no rerun on save, ..."""
    text = (root / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env |= dict(re.findall(r"(STREAMLIT_[A-Z_]+)=(\S+)", line))
    return env


def entry_script(root: Path, config: str) -> Path:
    """What ``streamlit run`` serves: the production entry point (``serve.py``, the guard in
    front of ``app.py``) where the checkout has one, else ``app.py``."""
    serve = root / "serve.py"
    return serve if config == "production" and serve.is_file() else root / "app.py"


@contextlib.contextmanager
def streamlit_server(
    port: int,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    root: Path = ROOT,
    config: str = "production",
) -> Iterator[int]:
    """Run ``streamlit run`` of the checkout ``root`` on 127.0.0.1:port, as the image does
    (``config="production"``: ``serve.py`` and the Dockerfile's settings) or as a local run
    (``"development"``: ``app.py`` and .streamlit/config.toml alone, file watcher included);
    yield its pid once it is healthy."""
    if config == "production":
        env = {**production_env(root), **(env or {})}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(entry_script(root, config)),
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false", *extra_args,
    ]  # fmt: skip
    # The server's log goes to a file: a pipe nobody reads would block it when full.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/_stcore/health")
                if conn.getresponse().read().strip() == b"ok":
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                tail = log.read()[-2000:].decode(errors="replace")
                raise RuntimeError(f"streamlit did not start on port {port}:\n{tail}")
            time.sleep(0.2)
        yield proc.pid
    finally:
        stop(proc, timeout=15)
        log.close()


@contextlib.contextmanager
def nginx_proxy(ports: Sequence[int], listen: int) -> Iterator[Path]:
    """deploy/run_loopback_proxy.sh in front of ``ports``; yield its prefix (access.log)."""
    out = subprocess.run(
        ["bash", str(ROOT / "deploy/run_loopback_proxy.sh"), *map(str, ports), str(listen)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    pid = int(re.search(r"^NGINX_PID=(\d+)$", out, re.M).group(1))  # type: ignore[union-attr]
    prefix = Path(re.search(r"^NGINX_PREFIX=(.+)$", out, re.M).group(1))  # type: ignore[union-attr]
    try:
        yield prefix
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        for _ in range(100):  # the master removes its pid file when it is done
            if not (prefix / "nginx.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(prefix, ignore_errors=True)


@dataclass
class Deployment:
    base: str  # where clients connect (a replica or the proxy)
    replicas: list[str]  # each replica's own URL
    pids: list[int]
    proxy_log: Path | None


@contextlib.contextmanager
def deployment(
    replicas: int, extra_args: Sequence[str], root: Path = ROOT, config: str = "production"
) -> Iterator[Deployment]:
    """1 process, or ``replicas`` processes (one cookie secret) behind the loopback nginx."""
    # Streamlit refuses the cookie secret as a CLI flag; the environment is allowed.
    env = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    with contextlib.ExitStack() as stack:
        ports = [free_port() for _ in range(replicas)]
        pids = [
            stack.enter_context(streamlit_server(p, extra_args, env, root, config)) for p in ports
        ]
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        if replicas == 1:
            yield Deployment(urls[0], urls, pids, None)
            return
        listen = free_port()
        prefix = stack.enter_context(nginx_proxy(ports, listen))
        yield Deployment(f"http://127.0.0.1:{listen}", urls, pids, prefix / "access.log")


def stickiness(access_log: Path) -> dict[str, Any]:
    """From the proxy's log: WebSockets per upstream, and routes seen on two upstreams."""
    pat = re.compile(r'"GET (?P<path>\S+) [^"]*" (?P<status>\d+) .*upstream=(\S+) route=(\S+)')
    routes: dict[str, set[str]] = {}
    ws: dict[str, int] = {}
    for line in access_log.read_text(errors="replace").splitlines():
        m = pat.search(line)
        if not m:
            continue
        upstream, route = m.group(3), m.group(4)
        routes.setdefault(route, set()).add(upstream)
        if m.group("path").startswith("/_stcore/stream"):
            ws[upstream] = ws.get(upstream, 0) + 1
    return {"ws_per_upstream": ws, "split_routes": sum(len(u) > 1 for u in routes.values())}


# ------------------------------------------------------------------------------ a run


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    first_loads: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    sessions_started: int = 0

    def fail(self, kind: str, detail: str) -> None:
        self.failures[kind] = self.failures.get(kind, 0) + 1
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {detail[:300]}")


#: What a network or protocol failure may raise on the client side.
NETWORK_ERRORS = (
    OSError,
    EOFError,
    http.client.HTTPException,
    websockets.WebSocketException,
    ProtocolError,
)


async def user(
    base: str,
    start: float,
    deadline: float,
    seed: int,
    stats: Stats,
    timeout: float,
    source: str | None = None,
) -> None:
    """One simulated user from ``start`` to ``deadline``; after a failure it reloads the page
    (a new session), as a person would. ``source``: the loopback address it connects from."""
    rng = random.Random(seed)
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    while time.monotonic() < deadline - 1:
        s = StreamlitSession(base, "explorer", source=source)
        me = ExplorerUser(rng)
        stats.sessions_started += 1
        try:
            try:
                first = await asyncio.wait_for(s.connect(), timeout)
            except (TimeoutError, *NETWORK_ERRORS) as e:
                stats.fail("connect", repr(e))
                await asyncio.sleep(1)
                continue
            stats.first_loads.append(first.latency)
            if problem := me.check(first):
                stats.fail("mismatch", "first run: " + problem)
            while True:
                pause = rng.uniform(*THINK)
                if time.monotonic() + pause > deadline:
                    return
                await asyncio.sleep(pause)
                key, change = me.move()
                try:
                    r = await s.rerun({key: change}, timeout=timeout)
                except TimeoutError:
                    stats.fail("timeout", f"rerun after a {key} change took over {timeout:g} s")
                    break
                except NETWORK_ERRORS as e:
                    stats.fail("connection", repr(e))
                    break
                stats.latencies.append(r.latency)
                if problem := me.check(r):
                    stats.fail(
                        "exception" if problem.startswith("exception") else "mismatch", problem
                    )
        finally:
            await s.close()


def pct(xs: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of xs, nearest rank; nan when empty."""
    if not xs:
        return math.nan
    ys = sorted(xs)
    return ys[min(len(ys) - 1, max(0, math.ceil(q * len(ys)) - 1))]


def slope_mb_per_min(curve: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of an RSS curve [(seconds, MB)] in MB per minute."""
    if len(curve) < 2:
        return math.nan
    ts, ys = zip(*curve, strict=True)
    return statistics.linear_regression(ts, ys).slope * 60


async def run_config(
    sessions: int,
    duration: float,
    replicas: int,
    ramp: float,
    gc: str | None,
    soak: bool,
    timeout: float = RERUN_TIMEOUT,
    root: Path = ROOT,
    config: str = "production",
) -> dict[str, Any]:
    """Fresh servers, a warm-up session, then ``sessions`` users for ``duration`` seconds."""
    extra = [] if gc is None else [f"--runner.postScriptGC={'true' if gc == 'on' else 'false'}"]
    # The page loads' blocking HTTP requests run in the default executor (asyncio.to_thread):
    # its default 6 threads queued 100 users' page loads behind each other, and the queueing
    # counted against the 30 s connect timeout (connects "failed" while the server idled).
    asyncio.get_running_loop().set_default_executor(
        concurrent.futures.ThreadPoolExecutor(max_workers=max(8, sessions))
    )
    with deployment(replicas, extra, root, config) as dep:
        # Warm-up: the first run of a process imports numpy/scipy/plotly; not a user's wait.
        for url in dep.replicas:
            w = StreamlitSession(url, "explorer")
            await w.connect()
            await w.rerun({"steps": ("double_array_value", [100.0])})
            await w.close()
        await asyncio.sleep(2)
        stats = Stats()
        samples: list[tuple[float, float]] = []
        load: list[float] = []
        cpu0 = sum(cpu_seconds(p) for p in dep.pids)
        me0 = os.times()
        t0 = time.monotonic()
        rss_start = sum(rss_mb(p) for p in dep.pids)
        deadline = t0 + ramp + duration

        async def sampler() -> None:
            while True:
                t = time.monotonic() - t0
                samples.append((t, sum(rss_mb(p) for p in dep.pids)))
                load.append(loadavg()[0])
                if len(samples) % 30 == 0:  # progress for long runs
                    print(
                        f"#   {t:5.0f} s: {len(stats.latencies)} reruns, {stats.failures}, "
                        f"RSS {samples[-1][1]:.0f} MB, load {load[-1]}",
                        file=sys.stderr,
                        flush=True,
                    )
                await asyncio.sleep(1)

        sample_task = asyncio.create_task(sampler())
        try:
            await asyncio.gather(
                *(
                    user(
                        dep.base,
                        t0 + ramp * i / sessions,
                        deadline,
                        1000 * sessions + i,
                        stats,
                        timeout,
                        # Behind the proxy every user connects from a loopback address of
                        # its own, as a class's browsers do: deploy/nginx.conf limits each
                        # client address (60 WebSockets, 30 new per minute).
                        f"127.0.0.{2 + i % 250}" if replicas > 1 else None,
                    )
                    for i in range(sessions)
                )
            )
        finally:
            sample_task.cancel()
        wall = time.monotonic() - t0
        rss_end = sum(rss_mb(p) for p in dep.pids)
        cpu = sum(cpu_seconds(p) for p in dep.pids) - cpu0
        me1 = os.times()
        await asyncio.sleep(5)  # sessions are gone: what does the server give back?
        rss_idle = sum(rss_mb(p) for p in dep.pids)
        # Has the server recovered? One fresh page load, with a generous timeout.
        probe = StreamlitSession(dep.base, "explorer")
        try:
            t = time.perf_counter()
            await asyncio.wait_for(probe.connect(), 120)
            recovery_ms: float = round((time.perf_counter() - t) * 1000, 1)
        except (TimeoutError, *NETWORK_ERRORS):
            recovery_ms = math.inf
        finally:
            await probe.close()
        sticky = stickiness(dep.proxy_log) if dep.proxy_log else None

    lat_ms = [x * 1000 for x in stats.latencies]
    res: dict[str, Any] = {
        "app": str(root),
        "config": config,
        "sessions": sessions,
        "replicas": replicas,
        "postscriptgc": gc or f"config({_configured_gc()})",
        "duration_s": duration,
        "reruns": len(lat_ms),
        "failures": sum(stats.failures.values()),
        "failure_kinds": stats.failures,
        "failure_examples": stats.examples,
        "sessions_started": stats.sessions_started,
        "p50_ms": round(pct(lat_ms, 0.5), 1),
        "p95_ms": round(pct(lat_ms, 0.95), 1),
        "max_ms": round(max(lat_ms), 1) if lat_ms else math.nan,
        "first_load_p50_ms": round(pct([x * 1000 for x in stats.first_loads], 0.5), 1),
        "first_load_p95_ms": round(pct([x * 1000 for x in stats.first_loads], 0.95), 1),
        "reruns_per_s": round(len(lat_ms) / max(wall - ramp / 2, 1e-9), 2),
        "rss_start_mb": round(rss_start, 1),
        "rss_peak_mb": round(max([y for _, y in samples] + [rss_start]), 1),
        "rss_end_mb": round(rss_end, 1),
        "rss_idle_mb": round(rss_idle, 1),
        "recovery_load_ms": recovery_ms,
        "server_cpu_pct": round(100 * cpu / wall, 1),
        # Server CPU time divided by the reruns (first page loads use CPU too but are not
        # counted): roughly the cost that sets the capacity of one process.
        "server_cpu_ms_per_rerun": round(1000 * cpu / max(1, len(lat_ms)), 1),
        "client_cpu_pct": round(
            100 * ((me1.user - me0.user) + (me1.system - me0.system)) / wall, 1
        ),
        "load_mean": round(statistics.fmean(load), 2) if load else math.nan,
        "load_max": round(max(load), 2) if load else math.nan,
    }
    if sticky is not None:
        res["proxy"] = sticky
    if soak:
        curve = [(t, y) for t, y in samples if t >= ramp]
        every10 = [(round(t), round(y, 1)) for i, (t, y) in enumerate(curve) if i % 10 == 0]
        half = [c for c in curve if c[0] >= ramp + duration / 2]
        res["rss_curve"] = every10
        res["rss_slope_mb_per_min"] = round(slope_mb_per_min(curve), 3)
        res["rss_slope_2nd_half_mb_per_min"] = round(slope_mb_per_min(half), 3)
    return res


# -------------------------------------------------------------------------------- CLI


def _finite(x: Any) -> Any:
    """JSON-safe copy: nan/inf (no reruns, no recovery) become null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    return x


def table(results: Sequence[Mapping[str, Any]]) -> str:
    cols = [
        ("app", "app"), ("sessions", "sess"), ("replicas", "repl"), ("postscriptgc", "gc"), ("reruns", "reruns"),
        ("failures", "fail"), ("p50_ms", "p50 ms"), ("p95_ms", "p95 ms"), ("max_ms", "max ms"),
        ("first_load_p95_ms", "1st p95"), ("rss_start_mb", "RSS0 MB"),
        ("rss_peak_mb", "peak MB"), ("rss_end_mb", "end MB"), ("rss_idle_mb", "idle MB"),
        ("recovery_load_ms", "after ms"),
        ("server_cpu_pct", "srv CPU%"), ("server_cpu_ms_per_rerun", "CPU ms/rerun"), ("client_cpu_pct", "cli CPU%"), ("load_mean", "load"),
    ]  # fmt: skip
    rows = [[h for _, h in cols]] + [[str(r.get(k, "")) for k, _ in cols] for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(cols))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    )


def _configured_gc() -> str:
    """runner.postScriptGC as .streamlit/config.toml sets it (Streamlit's default: on)."""
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    return "on" if cfg.get("runner", {}).get("postScriptGC", True) else "off"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, nargs="+", default=[30])
    p.add_argument("--duration", type=float, default=60.0, help="seconds after the ramp")
    p.add_argument("--replicas", type=int, choices=(1, 2), default=1)
    p.add_argument("--ramp", type=float, default=15.0, help="seconds to start all sessions")
    p.add_argument("--soak", type=float, default=0.0, help="soak seconds (first --sessions)")
    p.add_argument("--postscriptgc", choices=("on", "off"), default=None)
    p.add_argument("--timeout", type=float, default=RERUN_TIMEOUT, help="rerun timeout (s)")
    p.add_argument(
        "--apps",
        type=Path,
        nargs="+",
        default=[ROOT],
        help="checkouts to serve (e.g. a worktree of the previous commit): each configuration "
        "runs once per checkout, alternately, so they are compared in the same hour",
    )
    p.add_argument("--rounds", type=int, default=1, help="repeat the whole alternation")
    p.add_argument(
        "--config",
        choices=("production", "development"),
        default="production",
        help="production: serve.py with the Dockerfile's STREAMLIT_* settings, as the image "
        "runs (no file watcher); development: app.py with .streamlit/config.toml alone, as a "
        "local `streamlit run app.py` (file watcher on)",
    )
    args = p.parse_args(argv)
    if not all((a / "app.py").is_file() for a in args.apps) or not 1 <= args.rounds <= 5:
        p.error("--apps must be checkouts with an app.py; --rounds within 1..5")
    if any(not 1 <= n <= MAX_SESSIONS for n in args.sessions):
        p.error(f"--sessions must be within 1..{MAX_SESSIONS}")
    runs = (
        [(args.sessions[0], args.soak)]
        if args.soak
        else [(n, args.duration) for n in args.sessions]
    )
    limit = MAX_SOAK if args.soak else MAX_DURATION
    if any(not 1 <= d <= limit for _, d in runs) or not 0 <= args.ramp <= 60:
        p.error(
            f"--duration must be within 1..{MAX_DURATION:g} s, --soak within "
            f"1..{MAX_SOAK:g} s and --ramp within 0..60 s"
        )
    if not 1 <= args.timeout <= 120:
        p.error("--timeout must be within 1..120 s")

    # Ctrl-C and SIGTERM cancel the run (asyncio turns SIGINT into a cancellation), so every
    # server and the proxy are stopped by their context managers. A shell starts background
    # jobs with SIGINT ignored; restore the default so that the cleanup path always exists.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: signal.raise_signal(signal.SIGINT))
    results = []
    try:
        for n, d, app in [
            (n, d, app) for _ in range(args.rounds) for n, d in runs for app in args.apps
        ]:
            la0 = loadavg()
            r = asyncio.run(
                run_config(
                    n,
                    d,
                    args.replicas,
                    args.ramp,
                    args.postscriptgc,
                    bool(args.soak),
                    args.timeout,
                    app.resolve(),
                    args.config,
                )
            )
            r["loadavg_before"] = la0
            r["loadavg_after"] = loadavg()
            results.append(r)
            print(
                f"# {app}: {n} sessions x {args.replicas}: {r['reruns']} reruns, {r['failures']} "
                f"failures {r['failure_kinds']} {r['failure_examples'][:2]}",
                file=sys.stderr,
                flush=True,
            )
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    print(table(results))
    if args.soak:
        r = results[0]
        print(f"soak RSS curve (s, MB): {r['rss_curve']}")
        print(
            f"slope {r['rss_slope_mb_per_min']} MB/min "
            f"(second half {r['rss_slope_2nd_half_mb_per_min']} MB/min)"
        )
    print(json.dumps(_finite({"cpus": os.cpu_count(), "results": results})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
