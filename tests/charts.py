"""The charts a page sends, as ``AppTest`` sees them (``ui.live_chart`` components)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from streamlit.testing.v1 import AppTest

from ui.live_chart import NAME


@dataclass(frozen=True)
class Chart:
    key: str
    spec: dict[str, Any]  # the Plotly figure as the browser receives it
    data: dict[str, Any]  # everything the component receives (config, alt, clickable, ...)


def charts(at: AppTest) -> list[Chart]:
    """Every live chart of the page, in page order."""
    out = []
    for el in at.get("bidi_component"):
        if el.proto.component_name != NAME:
            continue
        data = json.loads(el.proto.bytes)
        out.append(Chart(el.proto.id.split("-", 2)[-1], data.pop("figure"), data))
    return out


def chart_spec(at: AppTest, key: str) -> dict[str, Any]:
    for ch in charts(at):
        if ch.key == key:
            return ch.spec
    raise AssertionError(f"no chart {key!r} among {[c.key for c in charts(at)]}")
