"""A hostile client against a local server: does one user's abuse slow everyone else down?

Loopback only, bounded in count and time. For each server entry point (``app.py``, the bare
Streamlit server, i.e. *before*; ``serve.py``, the lab's guarded entry point, *after*), in
one run, on a fresh server each:

1. a victim session opens the explorer and moves its "steps" slider ``--reruns`` times,
   one second apart: its baseline rerun latency;
2. an attacker opens one WebSocket and floods ``rerun_script`` messages as fast as it can
   (at most ``--flood-seconds`` and ``MAX_FLOOD_MESSAGES``), reading what the server sends
   so that only the flood, not back-pressure, is measured; ``--reconnect`` makes it open a
   new socket whenever one is closed (at most ``MAX_RECONNECTS``);
3. meanwhile the victim moves its slider again, and a prober asks ``/_stcore/health`` every
   second (5 s timeout), from the start of the baseline to the end of the flood.

Target (issue 21): the victim's median latency during the flood within 3x of its baseline,
and every health probe answered within 5 s.

    python bench/hostile.py [--flood-seconds 20] [--reruns 8] [--entry app.py serve.py]
                            [--reconnect]
    python bench/hostile.py --sizes      # largest message each way, every page at its
                                         # largest legal settings (for server.maxMessageSize)
    python bench/hostile.py --upload     # PUT to the upload route: refused?
    python bench/hostile.py --costly     # instead of a flood, the attacker reruns the
                                         # explorer back to back at its costliest legal
                                         # settings (every method, 5,000 steps, 20 + 20
                                         # sub-steps, instance noise): the work budget

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402

from bench.loadtest import cpu_seconds  # noqa: E402
from tests.appserver import free_port, stop  # noqa: E402
from tests.streamlit_session import StreamlitSession, rerun_bytes, upload_refused  # noqa: E402

MAX_FLOOD_SECONDS = 60.0
MAX_FLOOD_MESSAGES = 2_000_000
MAX_RECONNECTS = 200
PROBE_TIMEOUT = 5.0
RERUN_TIMEOUT = 120.0
STEPS_VALUES = (150, 300, 450, 600)  # the victim's slider moves (the default is 300)


@contextlib.contextmanager
def server(entry: str, extra: Sequence[str] = ()) -> Iterator[tuple[str, int]]:
    """``streamlit run <entry>`` on a free loopback port: yield (base URL, pid)."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / entry),
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false", *extra,
    ]  # fmt: skip
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                with (
                    contextlib.suppress(OSError),
                    urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r,
                ):
                    if r.read().strip() == b"ok":
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"{entry} did not start:\n{log.read()[-2000:]!r}")
                time.sleep(0.2)
            yield base, proc.pid
        finally:
            stop(proc, timeout=15)


def probe(base: str) -> float | None:
    """Seconds for /_stcore/health to answer "ok", or None (timeout, error)."""
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(base + "/_stcore/health", timeout=PROBE_TIMEOUT) as r:
            ok = r.read().strip() == b"ok"
    except (OSError, http.client.HTTPException):
        return None
    dt = time.perf_counter() - t
    return dt if ok and dt <= PROBE_TIMEOUT else None


async def prober(base: str, out: list[float | None], stop_at: asyncio.Event) -> None:
    while not stop_at.is_set():
        t = time.monotonic()
        out.append(await asyncio.to_thread(probe, base))
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - t)))


async def victim_reruns(s: StreamlitSession, n: int, start: int) -> list[float]:
    lat = []
    for i in range(n):
        steps = STEPS_VALUES[(start + i) % len(STEPS_VALUES)]
        r = await s.rerun({"steps": ("double_array_value", [float(steps)])}, timeout=RERUN_TIMEOUT)
        lat.append(r.latency)
        await asyncio.sleep(1.0)
    return lat


async def attacker(base: str, seconds: float, reconnect: bool) -> dict[str, Any]:
    """Flood rerun_script on one socket (a new one after each close with ``reconnect``)."""
    sent = sockets = 0
    closes: list[int | None] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and sockets <= MAX_RECONNECTS:
        s = StreamlitSession(base, "explorer")
        try:
            await s.connect()
        except Exception as e:  # a refused reconnect ends the attack
            closes.append(None)
            print(f"# attacker could not connect: {e!r}", file=sys.stderr)
            break
        sockets += 1
        await s.rerun({"steps": ("double_array_value", [2000.0])})
        payload = rerun_bytes(s)
        ws = s._ws

        async def drain(ws: Any = ws) -> None:
            with contextlib.suppress(Exception):
                async for _ in ws:
                    pass

        reader = asyncio.create_task(drain())
        try:
            while time.monotonic() < deadline and sent < MAX_FLOOD_MESSAGES:
                await ws.send(payload)
                sent += 1
                if sent % 64 == 0:
                    await asyncio.sleep(0)  # let the reader run
            closes.append(None)
        except websockets.ConnectionClosed as e:
            closes.append(e.rcvd.code if e.rcvd else None)
        finally:
            reader.cancel()
            await s.close()
        if not reconnect:
            break
    return {
        "messages_sent": sent,
        "message_bytes": len(payload) if sockets else 0,
        "sockets": sockets,
        "close_codes": sorted({c for c in closes if c is not None}),
        "closed_by_server": sum(c is not None for c in closes),
    }


#: The explorer's costliest legal settings (every control at its most expensive value).
COSTLY_QUERY = "variant=instance-noise&methods={}&steps=5000&n_gen=20&n_disc=20&lookahead_k=20"


async def costly_attacker(base: str, seconds: float) -> dict[str, Any]:
    """Rerun the explorer at its costliest legal settings, back to back, for ``seconds``."""
    from dynamics.methods import METHODS

    s = StreamlitSession(base, "explorer", COSTLY_QUERY.format(",".join(METHODS)))
    await s.connect()
    reruns, lat = 0, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and reruns < MAX_FLOOD_MESSAGES:
        # A new start every time: the same settings again would be a cache hit, not work.
        theta0 = round(0.5 + 0.001 * (reruns % 1000), 3)
        r = await s.rerun({"theta0": ("double_value", theta0)}, timeout=RERUN_TIMEOUT)
        lat.append(r.latency)
        reruns += 1
    await s.close()
    return {
        "costly_reruns": reruns,
        "costly_rerun_median_ms": round(statistics.median(lat) * 1000) if lat else None,
    }


async def attacker_process(
    base: str, seconds: float, reconnect: bool, costly: bool = False
) -> dict[str, Any]:
    """``attacker`` in a child process at the lowest CPU priority (nice 19).

    On this loopback machine the attacker's own CPU would otherwise compete with the
    server and the victim for the same two cores; a real attacker sends from elsewhere.
    What is measured is what the server does with the flood.
    """
    cmd = [sys.executable, str(Path(__file__)), "--attack", base, "--flood-seconds",
           str(seconds), *(["--reconnect"] if reconnect else []),
           *(["--costly"] if costly else [])]  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, preexec_fn=lambda: os.nice(19)
    )
    out, _ = await proc.communicate()
    return json.loads(out.decode().strip().splitlines()[-1])


async def scenario(
    base: str, pid: int, flood_s: float, reruns: int, reconnect: bool, costly: bool = False
) -> dict:
    probes: list[float | None] = []
    done = asyncio.Event()
    probe_task = asyncio.create_task(prober(base, probes, done))
    v = StreamlitSession(base, "explorer")
    await v.connect()
    await victim_reruns(v, 2, 0)  # warm-up (first runs import and cache)
    base_lat = await victim_reruns(v, reruns, 0)
    n_base_probes = len(probes)
    cpu0 = cpu_seconds(pid)
    t0 = time.monotonic()
    atk = asyncio.create_task(attacker_process(base, flood_s, reconnect, costly))
    await asyncio.sleep(1.0)  # the flood is under way
    attack_lat: list[float] = []
    # The victim keeps moving its slider for as long as the flood lasts (at least twice).
    while len(attack_lat) < 2 or time.monotonic() - t0 < flood_s:
        try:
            attack_lat += await victim_reruns(v, 1, len(attack_lat))
        except TimeoutError:
            attack_lat.append(RERUN_TIMEOUT)
            break
    atk_result = await atk
    wall = time.monotonic() - t0
    cpu = cpu_seconds(pid) - cpu0
    # One more rerun after the flood: has the server recovered?
    after = await victim_reruns(v, 1, 0)
    done.set()
    await probe_task
    await v.close()
    flood_probes = probes[n_base_probes:]
    ok = [p for p in probes if p is not None]
    med_b = statistics.median(base_lat)
    med_a = statistics.median(attack_lat) if attack_lat else float("nan")
    return {
        "baseline_ms": [round(x * 1000) for x in base_lat],
        "during_flood_ms": [round(x * 1000) for x in attack_lat],
        "after_flood_ms": round(after[0] * 1000),
        "baseline_median_ms": round(med_b * 1000, 1),
        "flood_median_ms": round(med_a * 1000, 1),
        "flood_max_ms": round(max(attack_lat) * 1000, 1) if attack_lat else None,
        "ratio_median": round(med_a / med_b, 2),
        # The median flatters a stalled server (few reruns finish): read these with it.
        "flood_reruns_completed": len(attack_lat),
        "ratio_max": round(max(attack_lat) / med_b, 1) if attack_lat else None,
        "health_probes": len(probes),
        "health_probes_during_flood": len(flood_probes),
        "health_failed": sum(p is None for p in probes),
        "health_max_ms": round(max(ok) * 1000, 1) if ok else None,
        "server_cpu_pct_during_flood": round(100 * cpu / wall, 1),
        "attacker": atk_result,
    }


# --------------------------------------------------------------- message sizes, upload


class SizedSession(StreamlitSession):
    """A session that records the largest message the server sent it."""

    largest = 0

    async def _collect(self, t0: float) -> Any:
        ws = self._ws
        real_recv = ws.recv

        async def recv() -> Any:
            data = await real_recv()
            self.largest = max(self.largest, len(data))
            return data

        ws.recv = recv
        try:
            return await super()._collect(t0)
        finally:
            ws.recv = real_recv


async def sizes(base: str) -> dict[str, Any]:
    """Largest message each way: every page at its default and at its largest settings."""
    pages = {
        "explorer": ("", "variant=instance-noise&methods=simgd,altgd,flow,extragradient,"
                     "optimistic,momentum,momentum-alt,adam&steps=5000&view=20&density=3"
                     "&speed=1&n_disc=20&n_gen=20"),
        "compare": ("compare", "steps=5000&schemes=" + ",".join(_schemes())),
        "stability": ("stability", "res=301"),
        "mode_collapse": ("mode_collapse", "steps=3000"),
        "lessons": ("lessons", ""),
    }  # fmt: skip
    out: dict[str, Any] = {}
    for name, (page, big) in pages.items():
        for label, q in (("default", ""), ("largest", big)):
            if label == "largest" and not big:
                continue
            s = SizedSession(base, page, q)
            await s.connect()
            client = len(rerun_bytes(s))
            await s.close()
            out[f"{name}/{label}"] = {"server_max_bytes": s.largest, "client_rerun_bytes": client}
    return out


def browser_sizes(base: str) -> dict[str, Any]:
    """What a real browser sends and receives: Chromium opens each page at its largest
    settings, moves the first slider of the sidebar one stop (a rerun request carries every
    widget's state) and clicks the first chart; the largest WebSocket frame each way."""
    from playwright.sync_api import sync_playwright

    from tests.appserver import CHROMIUM, CHROMIUM_ARGS

    pages = {
        "explorer": "/?variant=instance-noise&methods=simgd,altgd,flow,extragradient,"
        "optimistic,momentum,momentum-alt,adam&steps=5000&view=20&density=3&speed=1"
        "&n_disc=20&n_gen=20&split=1",
        "compare": "/compare?steps=5000&schemes=" + ",".join(_schemes()),
        "stability": "/stability?res=301",
        "mode_collapse": "/mode_collapse?steps=3000",
        "lessons": "/lessons",
    }
    out: dict[str, Any] = {}
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, path in pages.items():
            sent: list[int] = []
            got: list[int] = []
            page = b.new_page(viewport={"width": 1400, "height": 1000})

            def on_ws(ws: Any, sent: list[int] = sent, got: list[int] = got) -> None:
                ws.on("framesent", lambda f: sent.append(len(f)))
                ws.on("framereceived", lambda f: got.append(len(f)))

            page.on("websocket", on_ws)
            page.goto(base + path)
            page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
            page.wait_for_timeout(8000)
            slider = page.locator('[data-testid="stSidebar"] [role="slider"]').first
            if slider.count():
                slider.focus()
                page.keyboard.press("ArrowRight")
                page.wait_for_timeout(8000)
            plot = page.locator(".js-plotly-plot .nsewdrag").first
            if plot.count():
                plot.click(force=True)
                page.wait_for_timeout(5000)
            out[name] = {"client_max_bytes": max(sent, default=0),
                         "server_max_bytes": max(got, default=0), "frames_sent": len(sent)}  # fmt: skip
            page.close()
        b.close()
    return out


def _schemes() -> list[str]:
    from dynamics.presets import SCHEMES

    return list(SCHEMES)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--entry", nargs="+", default=["app.py", "serve.py"])
    p.add_argument("--flood-seconds", type=float, default=20.0)
    p.add_argument("--reruns", type=int, default=8)
    p.add_argument("--reconnect", action="store_true")
    p.add_argument("--sizes", action="store_true")
    p.add_argument("--upload", action="store_true")
    p.add_argument("--costly", action="store_true")
    p.add_argument("--attack", metavar="BASE", help=argparse.SUPPRESS)  # the child process
    args = p.parse_args(argv)
    if args.attack:
        if not args.attack.startswith("http://127.0.0.1:"):
            p.error("--attack only targets 127.0.0.1")
        if args.costly:
            print(json.dumps(asyncio.run(costly_attacker(args.attack, args.flood_seconds))))
            return 0
        print(json.dumps(asyncio.run(attacker(args.attack, args.flood_seconds, args.reconnect))))
        return 0
    if not 1 <= args.flood_seconds <= MAX_FLOOD_SECONDS or not 2 <= args.reruns <= 30:
        p.error(f"--flood-seconds within 1..{MAX_FLOOD_SECONDS:g}, --reruns within 2..30")
    if any(e not in ("app.py", "serve.py") for e in args.entry):
        p.error("--entry takes app.py and/or serve.py")
    results: dict[str, Any] = {}
    # --sizes measures with Streamlit's default limit, so that no message is replaced.
    extra = ["--server.maxMessageSize=200"] if args.sizes else []
    for entry in args.entry:
        with server(entry, extra) as (base, pid):
            if args.sizes:
                results[entry] = {"protocol": asyncio.run(sizes(base)),
                                  "browser": browser_sizes(base)}  # fmt: skip
            elif args.upload:
                results[entry] = asyncio.run(upload_refused(base))
            else:
                r = asyncio.run(
                    scenario(
                        base, pid, args.flood_seconds, args.reruns, args.reconnect, args.costly
                    )
                )
                results[entry] = r
                print(
                    f"# {entry}: baseline {r['baseline_median_ms']} ms, flood median "
                    f"{r['flood_median_ms']} ms (x{r['ratio_median']}), max "
                    f"{r['flood_max_ms']} ms; health {r['health_failed']} of "
                    f"{r['health_probes']} failed, max {r['health_max_ms']} ms; attacker "
                    f"{r['attacker']}",
                    file=sys.stderr,
                    flush=True,
                )
    print(json.dumps({"cpus": os.cpu_count(), "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
