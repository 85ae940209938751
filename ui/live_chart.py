"""A Plotly chart that stays mounted between reruns (a Streamlit v2 custom component).

``st.plotly_chart`` hashes the whole figure into the element's id, so in Streamlit 1.67
every change of the figure throws the chart away and mounts a new one, which Plotly then
draws twice (once on mount, once more when the chart learns its width). On the explorer
that was six full Plotly draws per slider move. This component keeps its chart (its id
depends only on its key) and updates it with one ``Plotly.react``. It uses Streamlit's own
Plotly bundle and Streamlit's chart theme (light and dark, ``ui/plotly_theme.json``, taken
from Streamlit's chart theme), and reports a click anywhere on the main subplot as a data
point, so the explorer needs no invisible grid of click targets.

A stable id has a second benefit: Streamlit 1.67 never forgets the metadata of a widget
whose id changes (~0.6 KB per rerun per session for ``st.plotly_chart(on_select=...)``);
this component keeps one id for the life of the session.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from ui.chart_config import chart_config
from ui.figures import figure_height, figure_json

HERE = Path(__file__).resolve().parent
NAME = "lab_live_chart"
STREAMLIT_JS = Path(st.__file__).parent / "static" / "static" / "js"


def _plotly_bundle() -> str | None:
    """File name of Streamlit's Plotly chunk in its ``static/js`` (None if not found)."""
    found = sorted(STREAMLIT_JS.glob("PlotlyChart.*.js"))
    return found[0].name if len(found) == 1 else None


def _js() -> str:
    templates = json.loads((HERE / "plotly_theme.json").read_text())
    source = (HERE / "live_chart.js").read_text()
    return source.replace("__TEMPLATES__", json.dumps(templates, separators=(",", ":")))


PLOTLY_BUNDLE = _plotly_bundle()
_COMPONENT = st.components.v2.component(
    NAME,
    js=_js(),
    css=".lab-chart { width: 100%; }",
    isolate_styles=False,  # Plotly styles its modebar and hover labels with global CSS
)


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
) -> None:
    """Draw ``fig`` in a chart that stays mounted between reruns.

    With ``clickable``, a click on the main subplot (``xaxis``/``yaxis``) reruns the page
    with ``st.session_state[key]["click"] == {"x": .., "y": ..}`` in data coordinates
    (read it with ``ui.state.new_click(key)``). With ``autoplay``, a figure with replay
    frames plays them once each time it is drawn. Falls back to ``st.plotly_chart``, without
    clicks, when Streamlit's Plotly bundle cannot be found (a Streamlit build other than the
    pinned one; ``tests/test_live_chart.py`` fails then).
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
        }
    )
    data = (head[:-1] + ',"figure":' + figure_json(fig) + "}").encode()
    callbacks = {"on_click_change": _ignore} if clickable else {}
    _COMPONENT(key=key, data=data, height=figure_height(fig) or "content", **callbacks)
