"""Where a first visit's time goes: bytes per request, JavaScript time per script, long tasks.

Opens a page in a fresh browser context (no cache, as a first visit) with Chrome's tracing
on (DevTools' timeline categories and V8's sampling profiler), waits until the page settled
(``wait_idle``, as ``bench/first_render.py``) and prints:

* every request over ``--min-kb`` (20 kB): when it started and ended (ms after navigation) and its size
  (decoded; ``transfer`` is what went over the wire, gzip included);
* the main thread's time by kind (script, compile/parse, style and layout, paint, GC, idle);
* JavaScript self-time by script (V8's sampler, 0.5 ms samples), the largest first;
* the main thread's long tasks (over 50 ms), with the script that took most of each;
* milestones: the first chart drawn (``.js-plotly-plot``) and the page settled.

A first load of the page warms the server's caches (not a visitor's wait). ``--base DIR``
profiles a second checkout the same way, alternating with this one.

    python bench/first_visit_profile.py [--page explorer] [--loads 1] [--base DIR] [--save DIR]

Last line: one JSON object (medians over ``--loads``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from tests.appserver import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402
from tests.browser import wait_idle  # noqa: E402

CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "v8.execute",
    "disabled-by-default-v8.cpu_profiler",
]
#: main-thread trace events by kind (DevTools' own grouping, abridged); self time is counted
KINDS = {
    "compile": ("v8.compile", "v8.compileModule", "V8.CompileCode", "v8.produceCache",
                "v8.produceModuleCache", "v8.deserializeOnBackground", "CacheScript"),
    "script": ("EvaluateScript", "v8.evaluateModule", "FunctionCall", "TimerFire",
               "EventDispatch", "FireAnimationFrame", "RunMicrotasks", "v8.run",
               "v8.callFunction", "XHRReadyStateChange", "V8.Execute"),
    "style+layout": ("UpdateLayoutTree", "RecalculateStyles", "Layout", "UpdateLayerTree",
                     "PrePaint", "ParseAuthorStyleSheet", "HitTest"),
    "paint": ("Paint", "PaintImage", "Layerize", "Commit", "CompositeLayers", "Decode Image"),
    "gc": ("MinorGC", "MajorGC", "BlinkGC.AtomicPhase", "V8.GCScavenger", "V8.GCFinalizeMC",
           "V8.GCIncrementalMarking", "ThreadState::performIdleLazySweep", "CppGC.AtomicMark"),
    "parse HTML": ("ParseHTML",),
}  # fmt: skip
KIND_OF = {name: kind for kind, names in KINDS.items() for name in names}
LONG_TASK_MS = 50.0
#: notes when the first chart's SVG is on the page (checked once per frame)
FIRST_CHART_JS = """
(() => {
  const look = () => {
    if (document.querySelector(".js-plotly-plot .main-svg")) window.__labFirstChart = performance.now();
    else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
"""


def short(url: str) -> str:
    """A script's file name (or "(native)" for V8's and the browser's own frames)."""
    return url.rsplit("/", 1)[-1] or "(native)"


def main_thread(events: list[dict[str, Any]], url: str) -> tuple[int, int]:
    """(pid, tid) of the renderer main thread of the frame that committed ``url`` (a new
    context also has other renderers, e.g. the browser's own new-tab page)."""
    pids = [e["args"]["data"].get("processId") for e in events
            if e["name"] == "FrameCommittedInBrowser"
            and str(e["args"].get("data", {}).get("url", "")).startswith(url)]  # fmt: skip
    mains = {e["pid"]: (e["pid"], e["tid"]) for e in events
             if e["name"] == "thread_name" and e["args"].get("name") == "CrRendererMain"}  # fmt: skip
    for pid in reversed(pids):
        if pid in mains:
            return mains[pid]
    tasks = Counter((e["pid"], e["tid"]) for e in events if e["name"] == "RunTask")
    return max(mains.values(), key=lambda k: tasks.get(k, 0))


def self_times(events: list[dict[str, Any]]) -> dict[str, float]:
    """ms of self time per kind on one thread (complete events nested by their time span)."""
    xs = sorted((e for e in events if e.get("ph") == "X" and "dur" in e),
                key=lambda e: (e["ts"], -e["dur"]))  # fmt: skip
    out: dict[str, float] = defaultdict(float)
    stack: list[list[Any]] = []  # [end, kind, child time]

    def close(until: float) -> None:
        while stack and stack[-1][0] <= until:
            _, kind, child = stack.pop()
            if kind is not None:
                out[kind] += child[1] / 1000
            if stack:
                stack[-1][2][0] += child[0]

    for e in xs:
        close(e["ts"])
        kind = KIND_OF.get(e["name"])
        if kind is None and stack:
            kind = stack[-1][1]  # unknown event inside a known one: the parent's kind
        # child[0]: this event's duration (for its parent), child[1]: its self time
        rec = [e["ts"] + e["dur"], kind, [e["dur"], e["dur"]]]
        if stack:
            stack[-1][2][1] -= e["dur"]
        stack.append(rec)
    close(float("inf"))
    return dict(out)


def js_by_script(events: list[dict[str, Any]], pid: int, tid: int) -> dict[str, float]:
    """ms of JavaScript self-time per script file on the main thread (V8's sampler)."""
    nodes: dict[int, str] = {}
    out: dict[str, float] = defaultdict(float)
    for e in events:
        if e["name"] != "ProfileChunk" or e["pid"] != pid:
            continue
        data = e["args"].get("data", {})
        prof = data.get("cpuProfile", {})
        for n in prof.get("nodes", []):
            cf = n.get("callFrame", {})
            fn = cf.get("functionName", "")
            url = cf.get("url", "")
            nodes[n["id"]] = short(url) if url else f"({fn or 'native'})"
        for node, dt in zip(prof.get("samples", []), data.get("timeDeltas", []), strict=False):
            out[nodes.get(node, "?")] += dt / 1000
    return dict(out)


def long_tasks(events: list[dict[str, Any]], pid: int, tid: int, t0: float) -> list[list[Any]]:
    """[start ms, duration ms, the script with most self time in it] of each long task."""
    tasks = [e for e in events if e["name"] == "RunTask" and e.get("ph") == "X"
             and (e["pid"], e["tid"]) == (pid, tid) and e["dur"] > LONG_TASK_MS * 1000]  # fmt: skip
    if not tasks:
        return []
    # sampled stacks, with their times, to name a task's main script
    samples: list[tuple[float, str]] = []
    nodes: dict[int, str] = {}
    start = None
    for e in events:
        if e["name"] == "Profile" and e["pid"] == pid:
            start = e["args"]["data"].get("startTime")
        if e["name"] != "ProfileChunk" or e["pid"] != pid:
            continue
        data = e["args"].get("data", {})
        prof = data.get("cpuProfile", {})
        for n in prof.get("nodes", []):
            url = n.get("callFrame", {}).get("url", "")
            nodes[n["id"]] = short(url) if url else "(native)"
        for node, dt in zip(prof.get("samples", []), data.get("timeDeltas", []), strict=False):
            if start is not None:
                start += dt
                samples.append((start, nodes.get(node, "?")))
    out = []
    for t in tasks:
        where = Counter(s for ts, s in samples if t["ts"] <= ts <= t["ts"] + t["dur"]
                        and s not in ("(native)", "?"))  # fmt: skip
        top = where.most_common(1)[0][0] if where else "(browser)"
        out.append([round((t["ts"] - t0) / 1000), round(t["dur"] / 1000), top])
    return out


def profile(
    browser: Browser, url: str, min_bytes: int = 20_000, save: Path | None = None
) -> dict[str, Any]:
    """One fresh load of ``url`` with tracing on; the breakdown described in the docstring."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.add_init_script(FIRST_CHART_JS)
    browser.start_tracing(page=page, categories=CATEGORIES)
    frames: list[tuple[float, int]] = []  # (s, bytes) of each message from the server
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda f: frames.append((time.perf_counter(), len(f)))),
    )
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot, [data-testid='stMarkdown']", timeout=60_000)
    wait_idle(page)
    settled = (time.perf_counter() - t0 - 0.8) * 1000
    first_chart = page.evaluate("() => window.__labFirstChart ?? null")
    net = page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => [e.name, e.startTime, "
        "e.responseEnd, e.decodedBodySize, e.transferSize, e.initiatorType])"
    )
    raw = browser.stop_tracing()
    if save is not None:  # for chrome://tracing or DevTools' Performance panel
        save.write_bytes(raw)
    trace = json.loads(raw)
    ctx.close()
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    pid, tid = main_thread(events, url)
    main = [e for e in events if (e["pid"], e["tid"]) == (pid, tid)]
    nav = [e["ts"] for e in main if e["name"] in ("ResourceSendRequest",)]
    t_nav = min(nav) if nav else min(e["ts"] for e in main if "ts" in e)
    kinds = self_times(main)
    busy = sum(kinds.values())
    js = js_by_script(events, pid, tid)
    requests = [
        {"file": short(n), "start_ms": round(s), "end_ms": round(e), "bytes": int(d),
         "transfer": int(t), "type": kind}
        for n, s, e, d, t, kind in net if d >= min_bytes
    ]  # fmt: skip
    return {
        "settled_ms": round(settled),
        "first_chart_ms": None if first_chart is None else round(first_chart),
        "messages": len(frames),
        "first_message_ms": round((frames[0][0] - t0) * 1000) if frames else None,
        "last_message_ms": round((frames[-1][0] - t0) * 1000) if frames else None,
        "main_thread_ms": {k: round(v) for k, v in sorted(kinds.items(), key=lambda x: -x[1])},
        "main_thread_busy_ms": round(busy),
        "js_self_ms_by_script": {
            k: round(v) for k, v in sorted(js.items(), key=lambda x: -x[1]) if v >= 5
        },
        "long_tasks": long_tasks(events, pid, tid, t_nav),
        "requests": sorted(requests, key=lambda r: -r["bytes"]),
        "bytes": {
            "js": sum(int(d) for n, _, _, d, _, _ in net if n.endswith(".js")),
            "all": sum(int(d) for *_, d, _, _ in net),
        },
    }


def report(name: str, r: dict[str, Any]) -> None:
    print(f"== {name}: settled {r['settled_ms']} ms, first chart drawn at {r['first_chart_ms']} ms, "
          f"{r['messages']} messages from the server from {r['first_message_ms']} to "
          f"{r['last_message_ms']} ms, "
          f"{r['bytes']['js'] / 1e6:.2f} MB of JS ({r['bytes']['all'] / 1e6:.2f} MB in all)")  # fmt: skip
    print("  requests (ms after navigation; decoded / transferred bytes):")
    for q in sorted(r["requests"], key=lambda q: q["start_ms"]):
        print(f"    {q['file'][:44]:44s} {q['start_ms']:6d} → {q['end_ms']:6d}  "
              f"{q['bytes'] / 1e3:8.0f} kB / {q['transfer'] / 1e3:6.0f} kB")  # fmt: skip
    print(f"  main thread busy {r['main_thread_busy_ms']} ms: " + ", ".join(
        f"{k} {v}" for k, v in r["main_thread_ms"].items()))  # fmt: skip
    print("  JS self time by script (ms): " + ", ".join(
        f"{k} {v}" for k, v in r["js_self_ms_by_script"].items()))  # fmt: skip
    print("  long tasks [start ms, ms, main script]: " + json.dumps(r["long_tasks"]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--page", default="explorer")
    ap.add_argument("--loads", type=int, default=1)
    ap.add_argument("--base", type=Path, default=None, help="a checkout to compare with")
    ap.add_argument("--min-kb", type=float, default=20.0, help="list requests from this size")
    ap.add_argument("--save", type=Path, default=None, help="a folder for the raw traces")
    args = ap.parse_args(argv)
    if not 1 <= args.loads <= 10:
        ap.error("--loads within 1..10")
    with ExitStack() as stack, sync_playwright() as p:
        servers = {"this": stack.enter_context(serve())}
        if args.base is not None:
            root = args.base.resolve()
            servers["base"] = stack.enter_context(serve(root / "app.py", cwd=root))
        servers["blank"] = stack.enter_context(serve(ROOT / "bench" / "baseline_blank.py"))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs: dict[str, list[dict[str, Any]]] = {k: [] for k in servers}
        for name, url in servers.items():  # warm each server's caches and imports
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(url + ("" if name == "blank" else "/" + args.page))
            wait_idle(page)
            ctx.close()
        for i in range(args.loads):
            for name, url in servers.items():
                page_url = url + ("" if name == "blank" else "/" + args.page)
                save = None if args.save is None else args.save / f"{name}-{args.page}-{i}.json"
                runs[name].append(profile(browser, page_url, int(args.min_kb * 1000), save))
        browser.close()
    out: dict[str, Any] = {}
    for name, rs in runs.items():
        mid = sorted(rs, key=lambda r: r["settled_ms"])[len(rs) // 2]  # the median load, whole
        report(f"{name} ({args.page if name != 'blank' else 'blank page'})", mid)
        out[name] = {**mid, "settled_ms_all": [r["settled_ms"] for r in rs],
                     "settled_ms_median": statistics.median(r["settled_ms"] for r in rs)}  # fmt: skip
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
