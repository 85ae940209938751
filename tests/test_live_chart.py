"""ui/live_chart.py: charts that stay mounted, report clicks, and leave nothing behind per rerun."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.charts import charts
from ui import live_chart
from ui.controls import LR_OPTIONS

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_the_component_carries_both_streamlit_chart_themes() -> None:
    js = live_chart._js()
    assert "__TEMPLATES__" not in js
    templates = json.loads((live_chart.HERE / "plotly_theme.json").read_text())
    assert set(templates) == {"light", "dark"}
    # Streamlit's own theme, as its charts carry it (it uses CSS colours such as
    # "transparent" that plotly.js accepts and Python's validator does not)
    assert json.dumps(templates, separators=(",", ":")) in js

    def shape(obj: object) -> object:
        return {k: shape(v) for k, v in obj.items()} if isinstance(obj, dict) else None

    assert shape(templates["light"]) == shape(templates["dark"])
    assert (
        templates["light"]["layout"]["paper_bgcolor"]
        != templates["dark"]["layout"]["paper_bgcolor"]
    )


def _meta(at: AppTest) -> tuple[int, int]:
    state = at.session_state._state._state
    return len(state._new_widget_state.widget_metadata), len(state._key_id_mapper._id_key_mapping)


def test_a_chart_keeps_its_id_and_leaves_no_widget_metadata_behind() -> None:
    """The id depends on the key only, so the browser keeps the chart (one Plotly.react per
    change instead of a new chart), and Streamlit's per-widget bookkeeping stays flat. With
    st.plotly_chart(on_select=...) both grew by one entry per rerun (never pruned)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/explorer.py").run()
    ids = [el.proto.id for el in at.get("bidi_component")]
    assert [i.rsplit("-", 1)[-1] for i in ids] == [
        live_chart.PRELOAD_KEY,
        "field_chart",
        "eigen_chart",
        "distance_chart",
    ]
    before = _meta(at)
    last_points = set()
    options = [h for h in LR_OPTIONS if 0.05 <= h <= 0.5][:8]
    for h in options:
        at.select_slider(key="h").set_value(h).run()
        assert not at.exception
        assert [el.proto.id for el in at.get("bidi_component")] == ids
        field = charts(at)[0].spec
        last_points.add(json.dumps([t for t in field["data"] if t.get("name") == "SimGD"]))
    assert len(last_points) == len(options)  # the figure did change every time
    assert _meta(at) == before


@pytest.mark.parametrize(
    "event",
    [
        {"click": {"x": "left", "y": None}},
        {"click": {"x": float("nan"), "y": 0.5}},
        {"click": {"x": 1e308 * 10, "y": 0.5}},
        {"click": None},
        {"click": [1, 2]},
        {"selection": {"points": [{"x": 0.5, "y": 0.5}]}},  # not this component's format
        "garbage",
    ],
)
def test_a_malformed_click_leaves_the_start_alone(event: object) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/explorer.py").run()
    start = (at.number_input(key="theta0").value, at.number_input(key="psi0").value)
    at.session_state["field_chart"] = event
    at.run()
    assert not at.exception
    assert (at.number_input(key="theta0").value, at.number_input(key="psi0").value) == start


def test_without_the_bundle_charts_fall_back_to_st_plotly_chart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live_chart, "PLOTLY_BUNDLE", None)
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    assert not charts(at)
    assert len(at.get("plotly_chart")) == 3


@pytest.mark.parametrize("page", ["pages/explorer.py", "pages/compare.py", "pages/start.py"])
def test_every_page_starts_with_the_plotly_preload(page: str) -> None:
    """app.py mounts the preload first on every page, on every run (so the elements below
    keep their places), and it names the bundle the charts import."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page).run()
    assert not at.exception
    first = at.get("bidi_component")[0].proto
    assert first.id.endswith(live_chart.PRELOAD_KEY)
    assert live_chart.PLOTLY_BUNDLE is not None
    assert live_chart.PLOTLY_BUNDLE in str(first)
    # hidden: no box and no gap in the layout (the element container's class is st-key-<key>)
    assert f".st-key-{live_chart.PRELOAD_KEY} {{ display: none; }}" in live_chart._PRELOAD_CSS


def test_pages_do_not_import_pandas() -> None:
    """Component data other than bytes makes Streamlit look for dataframes, which imports
    pandas and pyarrow: +60 MB per server process (the Plotly preload did, with a str)."""
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=120)\n"
        "for page in ('pages/explorer.py', 'pages/compare.py', 'pages/start.py'):\n"
        "    at.switch_page(page).run()\n"
        "    assert not at.exception, page\n"
        "print(sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
