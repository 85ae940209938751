"""Server time of one page rerun after a slider move, per page (Streamlit's ``AppTest``).

For each page, one select-slider (the learning rate) is moved back and forth between two
neighbouring stops: 4 warm-up reruns, then ``--reps`` timed ones; the mean is reported. The
two values are visited repeatedly, so the cached core results are hits and what is timed is
the page itself: widgets, figure building, serialising the elements. The browser is not
involved (see bench/latency.py for that). AppTest compiles the page scripts again on every
run (a new ``ScriptCache`` per run); a server compiles them once, so all runs here share
one cache, as they do in ``streamlit run``.

    python bench/rerun.py [--reps 15]

Last line: one JSON object {page: mean ms}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit.testing.v1.app_test as app_test  # noqa: E402
import streamlit.testing.v1.local_script_runner as local_runner  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

_SHARED = ScriptCache()
app_test.ScriptCache = local_runner.ScriptCache = lambda: _SHARED  # type: ignore[assignment,misc]

# page script, key of its learning-rate select-slider, two neighbouring stops
PAGES = {
    "explorer": ("pages/explorer.py", "h", (0.1, 0.2)),
    "compare": ("pages/compare.py", "cmp_h", (0.1, 0.2)),
    "stability": ("pages/stability.py", "stab_h", (0.1, 0.2)),
    "mode_collapse": ("pages/mode_collapse.py", "gmm_lr_gen", (0.05, 0.1)),
}


def rerun_ms(page: str, key: str, values: tuple[float, float], reps: int) -> float:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page(page).run()
    for i in range(4):
        at.select_slider(key=key).set_value(values[i % 2]).run()
    times = []
    for i in range(reps):
        slider = at.select_slider(key=key).set_value(values[i % 2])
        t0 = time.perf_counter()
        slider.run()
        times.append((time.perf_counter() - t0) * 1000)
        if at.exception:
            raise SystemExit(f"{page}: the page raised: {at.exception[0].message}")
    return statistics.mean(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args()
    res = {name: round(rerun_ms(*spec, args.reps), 1) for name, spec in PAGES.items()}
    for name, ms in res.items():
        print(f"{name:14s} {ms:7.1f} ms per rerun")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
