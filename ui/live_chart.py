"""A Plotly chart that stays mounted between reruns (a Streamlit v2 custom component).

``st.plotly_chart`` hashes the whole figure into the element's id, so in Streamlit 1.67
every change of the figure throws the chart away and mounts a new one, which Plotly then
draws twice (once on mount, once more when the chart learns its width). On the explorer
that was six full Plotly draws per slider move. This component keeps its chart (its id
depends only on its key) and updates it with one ``Plotly.react``. It uses a partial
Plotly.js build with only the cartesian trace types (``ui/plotly_js/``, 1.5 MB instead of
the 4.7 MB of Streamlit's full bundle) and Streamlit's chart theme (light and dark,
``ui/plotly_theme.json``), and reports a click anywhere on the main subplot as a data
point, so the explorer needs no invisible grid of click targets.

A stable id has a second benefit: Streamlit 1.67 never forgets the metadata of a widget
whose id changes (~0.6 KB per rerun per session for ``st.plotly_chart(on_select=...)``);
this component keeps one id for the life of the session.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import plotly.graph_objects as go
import streamlit as st

from ui.chart_config import chart_config
from ui.compat import serve_component_files
from ui.figures.spec import figure_height, figure_json, unbuilt_spec

HERE = Path(__file__).resolve().parent
NAME = "lab_live_chart"


def _js() -> str:
    templates = json.loads((HERE / "plotly_theme.json").read_text())
    source = (HERE / "live_chart.js").read_text()
    return source.replace("__TEMPLATES__", json.dumps(templates, separators=(",", ":")))


#: The chart, and the replay's transport bar (ui/live_chart.js): wraps on a phone, text in the
#: page's colour (light and dark), the step counter never under a button.
CSS = """
.lab-chart { width: 100%; }
.lab-transport { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px;
  padding: 4px 0 2px; font-size: 0.95rem; }
.lab-transport button, .lab-transport select { font: inherit; color: inherit;
  background: transparent; border: 1px solid rgba(128, 128, 128, 0.5); border-radius: 6px;
  padding: 2px 10px; line-height: 1.6; cursor: pointer; }
.lab-transport button:hover, .lab-transport button:focus-visible { border-color: currentColor; }
.lab-transport button[data-act="play"] { min-width: 6.2em; font-weight: 600; }
.lab-transport select option { color: #222; }
.lab-transport input[type="range"] { flex: 1 1 140px; min-width: 110px; margin: 0; }
.lab-transport .lab-step { font-variant-numeric: tabular-nums; white-space: nowrap;
  min-width: 8.5em; }
.lab-transport .lab-speed, .lab-transport .lab-half { white-space: nowrap; }
.lab-transport .lab-half input { margin: 0 2px 0 0; vertical-align: middle; }
.lab-transport .lab-phase { white-space: nowrap; min-width: 11em; opacity: 0.85; }
"""
#: The charts' Plotly.js (ui/plotly_js/README.md: npm plotly.js-cartesian-dist-min 4.1.1,
#: MIT): on a first explorer visit the full bundle's evaluation and first draw were the
#: largest long task (~500-650 ms, bench/first_visit_profile.py).
PLOTLY_DIR = "plotly_js"
PLOTLY_FILE = "plotly-cartesian-4.1.1.min.js"


def _plotly_url() -> str | None:
    """The bundle's URL path, relative to the app's base URL (None: not served)."""
    prefix = serve_component_files("gan_lab", PLOTLY_DIR, HERE, PLOTLY_DIR)
    return None if prefix is None else f"{prefix}/{PLOTLY_FILE}"


PLOTLY_BUNDLE = _plotly_url() if (HERE / PLOTLY_DIR / PLOTLY_FILE).is_file() else None


def bundle_trace_types() -> frozenset[str]:
    """The trace types the served bundle registers (read from the file, as Plotly declares
    each trace module: ``moduleType:"trace",name:"<type>"``)."""
    text = (HERE / PLOTLY_DIR / PLOTLY_FILE).read_text(encoding="utf-8")
    return frozenset(re.findall(r'moduleType:"trace",name:"(\w+)"', text))


_COMPONENT = st.components.v2.component(
    NAME,
    js=_js(),
    css=CSS,
    isolate_styles=False,  # Plotly styles its modebar and hover labels with global CSS
)


#: Starts fetching (and compiling) the charts' Plotly bundle as soon as a page's first
#: message arrives, while the script still runs: otherwise it was requested only when the
#: first chart mounted, seconds into a first visit (bench/latency.py, first renders).
PRELOAD_KEY = "plotly_preload"
_PRELOAD_JS = """
export default function ({ data }) {
  const file = typeof data === "string" ? data : new TextDecoder().decode(data);
  if (window.Plotly || document.querySelector("link[data-lab-plotly]")) return;
  // the URL live_chart.js imports (the app's base: two levels above Streamlit's entry
  // script, static/js/), so the import reuses it
  const entry = document.querySelector('script[src*="static/js/"]');
  const link = document.createElement("link");
  link.rel = "modulepreload";
  link.href = entry ? new URL("../../" + file, entry.src).href
    : new URL(file, document.baseURI).href;
  link.dataset.labPlotly = "1";
  document.head.appendChild(link);
}
"""
#: no box and no gap in the page's layout (Streamlit gives a keyed element this class)
_PRELOAD_CSS = f".st-key-{PRELOAD_KEY} {{ display: none; }}"
_PRELOAD = st.components.v2.component(
    "lab_plotly_preload",
    js=_PRELOAD_JS,
    css=_PRELOAD_CSS,
    isolate_styles=False,
)


def preload_plotly() -> None:
    """Have the browser fetch Plotly while the page's script runs (call it at the top of
    every page, on every run, so the elements below keep their places)."""
    if PLOTLY_BUNDLE is not None:
        _plotly_url()  # a new runtime in this process (server restart) serves it anew
        # bytes: other data makes Streamlit look for dataframes, importing pandas and
        # pyarrow (+60 MB per server process)
        _PRELOAD(key=PRELOAD_KEY, data=PLOTLY_BUNDLE.encode(), height="content")


def _rearranged(fig: go.Figure) -> bool:
    """Whether the browser may lay the figure out again for its width (``meta["grid"]``, a
    grid of panels, or ``meta["narrow"]``, a phone's layout), without building it."""
    spec = unbuilt_spec(fig)
    meta = spec.get("layout", {}).get("meta") if spec is not None else fig.layout.meta
    return isinstance(meta, dict) and bool({"grid", "narrow"} & set(meta))


def _ignore() -> None:
    """Registers the component's ``click`` trigger; pages read it with ``ui.state.new_click``."""


def live_chart(
    fig: go.Figure,
    *,
    key: str,
    alt: str,
    config: dict[str, Any] | None = None,
    clickable: bool = False,
    autoplay: bool = False,
    fit: dict[str, float] | None = None,
) -> None:
    """Draw ``fig`` in a chart that stays mounted between reruns.

    With ``clickable``, a click on the main subplot (``xaxis``/``yaxis``) reruns the page
    with ``st.session_state[key]["click"] == {"x": .., "y": ..}`` in data coordinates
    (read it with ``ui.state.new_click(key)``). With ``autoplay``, a figure with replay
    frames plays them once each time it is drawn. With ``fit`` (``{"aspect": a, "min": m}``)
    the browser sizes the chart to the window: as tall as the space below the chart's top
    edge, at most ``a`` × its width and at least ``m`` px. A figure whose layout carries
    ``meta["replay"]`` (``ui.figures.explorer.explorer_figure(browser_replay=True)``) gets a transport
    bar below it that replays every training step in the browser. Falls back to
    ``st.plotly_chart``, without
    clicks, when the bundle cannot be served (a Streamlit build other than the pinned one;
    ``tests/test_compat.py`` fails then).
    """
    config = chart_config(config)  # no "share to the cloud" entries, whatever the page asks
    if PLOTLY_BUNDLE is None:
        st.plotly_chart(fig, key=key, config=config, alt=alt)
        return
    # One JSON document, sent as bytes: a dict would make Streamlit look for dataframes in
    # it and escape the figure's JSON a second time.
    head = json.dumps(
        {
            "config": config,
            "alt": alt,
            "plotly": PLOTLY_BUNDLE,
            "clickable": clickable,
            "autoplay": autoplay,
            "fit": fit,
        }
    )
    data = (head[:-1] + ',"figure":' + figure_json(fig) + "}").encode()
    callbacks: dict[str, Any] = {"on_click_change": _ignore} if clickable else {}
    # a figure the browser may lay out again for its width grows with it (ui/live_chart.js)
    height: int | Literal["content"] = (
        "content" if fit or _rearranged(fig) else (figure_height(fig) or "content")
    )
    _COMPONENT(key=key, data=data, height=height, **callbacks)
