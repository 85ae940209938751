"""Where the server's CPU goes in explorer reruns like the load test's (cProfile).

A simulated user (the load test's ``ExplorerUser``: think time skipped) moves one control per
rerun (learning rate, steps, θ₀ or ψ₀) in one ``AppTest`` session that shares one script
cache, as a server does. Reports the process CPU per rerun and the top functions by own time
and by cumulative time.

    python bench/rerun_profile.py [--reruns 60] [--top 25] [--seed 1] [--out prof.pstats]
                                  [--plain]

``--plain`` times the same reruns without the profiler: cProfile charges every Python call
(~0.5 µs here), which inflates code made of many small calls, such as the one-start paths in
plain floats (dynamics.methods ``step1``), against code that spends its time inside numpy.

The last line is one JSON object (CPU per rerun, and the share of the top cumulative entries).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit.testing.v1.app_test as app_test  # noqa: E402
import streamlit.testing.v1.local_script_runner as local_runner  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.loadtest import ExplorerUser  # noqa: E402

_SHARED = ScriptCache()
app_test.ScriptCache = local_runner.ScriptCache = lambda: _SHARED  # type: ignore[assignment,misc]

#: The page script runs in its own thread, which cProfile does not follow: profile it there.
PROFILE = cProfile.Profile()
_run_script = ScriptRunner._run_script
_profiling = False


def _profiled_run_script(self: ScriptRunner, *args: object, **kwargs: object) -> None:
    if not _profiling:
        return _run_script(self, *args, **kwargs)
    PROFILE.enable()
    try:
        return _run_script(self, *args, **kwargs)
    finally:
        PROFILE.disable()


ScriptRunner._run_script = _profiled_run_script  # type: ignore[method-assign]

#: AppTest resets Streamlit's "pages/ directory" flag before every run, so every run began
#: with ui.boot's one-off rerun (the page's start twice, +2-3 ms): a server clears the flag
#: once per process. Clear it as the server's first run does.
_pages_init = PagesManager.__init__


def _server_like_init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
    _pages_init(self, *args, **kwargs)
    PagesManager.uses_pages_directory = False


PagesManager.__init__ = _server_like_init  # type: ignore[method-assign]


def move(at: AppTest, user: ExplorerUser) -> None:
    """Apply one load-test move to the AppTest session."""
    key, (_field, value) = user.move()
    if key == "h":
        at.select_slider(key="h").set_value(float(user.values["h"]))
    elif key == "steps":
        at.slider(key="steps").set_value(int(user.values["steps"]))
    else:
        at.number_input(key=key).set_value(float(value))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reruns", type=int, default=60)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=None, help="write the raw pstats here")
    p.add_argument("--plain", action="store_true", help="no profiler: CPU per rerun only")
    args = p.parse_args(argv)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/explorer.py").run()
    user = ExplorerUser(random.Random(args.seed))
    for _ in range(5):  # warm-up: imports, first compiles
        move(at, user)
        at.run()
    global _profiling
    prof = PROFILE
    t0 = time.thread_time()
    cpu = 0.0
    for _ in range(args.reruns):
        move(at, user)
        _profiling = not args.plain
        t0 = time.process_time()
        at.run()
        cpu += time.process_time() - t0
        _profiling = False
        if at.exception:
            raise SystemExit(f"the page raised: {at.exception[0].message}")
    cpu /= args.reruns
    if args.plain:
        print(json.dumps({"reruns": args.reruns, "cpu_ms_per_rerun": round(cpu * 1e3, 2)}))
        return 0
    if args.out:
        prof.dump_stats(args.out)
    for order in ("tottime", "cumulative"):
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats(order).print_stats(args.top)
        print(s.getvalue(), file=sys.stderr)
    print(json.dumps({"reruns": args.reruns, "cpu_ms_per_rerun_profiled": round(cpu * 1e3, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
