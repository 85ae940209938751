"""Where a slider move's time goes in the browser: one explorer move, event by event.

Headless Chromium (as in bench/latency.py) presses → / ← on the learning-rate slider and
records, inside the page, relative to the key press: when the frontend sends the rerun
request, when each WebSocket message is handled (the field chart's is the largest), when
each chart's ``Plotly.react`` starts and ends (ui/live_chart.py draws them in page order),
and when the field is first painted with the new data (bench/latency.py's measure). The
server's share is the span from the request to the field chart's message; everything after
it is the browser's.

    python bench/timeline.py [--reps 20]

Last line: one JSON object with the median of each event over the repetitions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.latency import MEASURE_JS, SIG_PLOT, key_for  # noqa: E402
from tests.appserver import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402
from tests.browser import wait_idle  # noqa: E402

# Wraps the page's WebSocket (sends, and every message as the page handles it) and
# Plotly.react (start and end per chart, by page order) before Streamlit's own code runs.
RECORD_JS = """
(() => {
  window.__tl = [];
  const Native = window.WebSocket;
  function Recorded(url, protocols) {
    const ws = new Native(url, protocols);
    ws.addEventListener('message', (e) => {
      window.__tl.push(['msg', performance.now(), e.data.byteLength ?? e.data.size ?? 0]);
    });
    const send = ws.send.bind(ws);
    ws.send = (d) => { window.__tl.push(['send', performance.now()]); return send(d); };
    return ws;
  }
  Recorded.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Recorded[k] = Native[k];
  window.WebSocket = Recorded;
  const wrap = () => {
    if (!window.Plotly || window.Plotly.__timeline) return;
    const react = window.Plotly.react;
    window.Plotly.react = async function (gd, ...args) {
      const i = [...document.querySelectorAll('.js-plotly-plot, .lab-chart')].indexOf(gd);
      const t0 = performance.now();
      const out = await react.call(this, gd, ...args);
      window.__tl.push(['react', t0, performance.now(), i]);
      return out;
    };
    window.Plotly.__timeline = true;
  };
  setInterval(wrap, 50);
})();
"""


def one_move(page, key: str) -> dict[str, float] | None:
    page.get_by_role("slider", name="Learning rate h").focus()
    page.evaluate("window.__tl = []; window.__t0 = performance.now()")
    painted = page.evaluate(MEASURE_JS, [SIG_PLOT % '"SimGD"', 20000, key])
    wait_idle(page)
    t0 = page.evaluate("window.__t0")
    log = page.evaluate("window.__tl")
    sends = [e[1] - t0 for e in log if e[0] == "send"]
    msgs = [(e[1] - t0, e[2]) for e in log if e[0] == "msg"]
    reacts = sorted((e[3], e[1] - t0, e[2] - t0) for e in log if e[0] == "react")
    if painted < 0 or not sends or not msgs or not reacts:
        return None
    # The field chart's message is the largest; a figure the browser has cached comes as a
    # short reference, so such a move has no large message and gives no arrival time.
    size, field_at = max((n, t) for t, n in msgs)
    return {
        "request_sent": sends[0],
        "first_message": msgs[0][0],
        "field_message": field_at if size > 20_000 else float("nan"),
        "last_message": msgs[-1][0],
        "field_react_start": reacts[0][1],
        "field_react_end": reacts[0][2],
        "other_charts_drawn": reacts[-1][2] if len(reacts) > 1 else float("nan"),
        "field_painted": painted,
        "messages": float(len(msgs)),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    rows: list[dict[str, float]] = []
    with serve() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.add_init_script(RECORD_JS)
        page.goto(base + "/explorer")
        wait_idle(page)
        for rep in range(args.reps):
            # new values each time (a figure seen before is sent as a cached reference)
            row = one_move(page, key_for(rep))
            if row is not None:
                rows.append(row)
                print(", ".join(f"{k} {v:.0f}" for k, v in row.items()))
        browser.close()
    if not rows:
        print("no move was measured", file=sys.stderr)
        raise SystemExit(2)
    medians = {
        k: round(statistics.median(v), 1)
        for k in rows[0]
        if (v := [r[k] for r in rows if r[k] == r[k]])  # NaN != NaN: left out
    }
    print(json.dumps({"reps": len(rows), "median_ms_after_key_press": medians}))


if __name__ == "__main__":
    main()
