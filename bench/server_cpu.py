"""Server CPU per explorer rerun with users who move controls back to back, checkouts alternated.

Where ``bench/loadtest.py`` simulates a class (think 1-3 s, 60 s per configuration), this
keeps a few sessions busy without thinking, so the server's CPU per rerun is measured in
~20 s with little idle time mixed in: what a change to the rerun's cost (the script, the
messages, the event loop) does. Each checkout is served as the image serves it
(``bench/loadtest.py``'s production configuration: ``serve.py`` and the Dockerfile's
settings), warmed up by one session, then ``--sessions`` sessions each make ``--reruns``
moves of the load test's kind (``ExplorerUser``) with 50-100 ms between them (the guard
allows a socket 10 messages per second); the server process's CPU time over the moves,
divided by the reruns, is the figure. Checkouts are alternated ``--rounds`` times.

    python bench/server_cpu.py [--apps ../base .] [--sessions 10] [--reruns 40] [--rounds 3]

Last line: one JSON object (ms per rerun, per checkout and round, and the medians).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loadtest import ExplorerUser, cpu_seconds, streamlit_server  # noqa: E402
from tests.appserver import free_port  # noqa: E402
from tests.streamlit_session import StreamlitSession  # noqa: E402

MAX_SESSIONS = 50
MAX_RERUNS = 200


async def _user(base: str, reruns: int, seed: int) -> None:
    s = StreamlitSession(base, "explorer")
    await s.connect()
    rng = random.Random(seed)
    user = ExplorerUser(rng)
    try:
        for _ in range(reruns):
            key, change = user.move()
            r = await s.rerun({key: change})
            if why := user.check(r):
                raise RuntimeError(f"the page is wrong: {why}")
            await asyncio.sleep(0.05 + 0.05 * rng.random())
    finally:
        await s.close()


def measure(root: Path, sessions: int, reruns: int, seed: int) -> float:
    """ms of the server's CPU per rerun for ``root``, served afresh."""
    port = free_port()
    with streamlit_server(port, root=root) as pid:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(_user(base, 20, seed))  # warm-up: imports, first compiles, caches
        t0 = cpu_seconds(pid)
        asyncio.run(_all(base, sessions, reruns, seed))
        return (cpu_seconds(pid) - t0) / (sessions * reruns) * 1e3


async def _all(base: str, sessions: int, reruns: int, seed: int) -> None:
    await asyncio.gather(*(_user(base, reruns, seed + 1 + i) for i in range(sessions)))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--apps", type=Path, nargs="+", default=[ROOT])
    p.add_argument("--sessions", type=int, default=10)
    p.add_argument("--reruns", type=int, default=40)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if not all((a / "app.py").is_file() for a in args.apps):
        p.error("--apps must be checkouts with an app.py")
    if not (1 <= args.sessions <= MAX_SESSIONS and 1 <= args.reruns <= MAX_RERUNS):
        p.error(f"--sessions within 1..{MAX_SESSIONS}, --reruns within 1..{MAX_RERUNS}")
    if not 1 <= args.rounds <= 10:
        p.error("--rounds within 1..10")
    out: dict[str, list[float]] = {str(a): [] for a in args.apps}
    for _ in range(args.rounds):
        for app in args.apps:
            ms = measure(app.resolve(), args.sessions, args.reruns, args.seed)
            out[str(app)].append(round(ms, 2))
            print(f"# {app}: {ms:.2f} ms per rerun", file=sys.stderr, flush=True)
    for app, values in out.items():
        print(f"{app:>30}  {', '.join(f'{v:.1f}' for v in values)}  median "
              f"{statistics.median(values):.1f} ms per rerun")  # fmt: skip
    medians = {app: statistics.median(v) for app, v in out.items()}
    print(json.dumps({"sessions": args.sessions, "reruns": args.reruns, "ms": out,
                      "median_ms": medians}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
