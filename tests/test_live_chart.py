"""ui/live_chart.py: charts that stay mounted, report clicks, and leave nothing behind per rerun."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.charts import charts
from ui import live_chart
from ui.controls import LR_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


@cache
def plotly_trace_types() -> dict[str, str]:
    """Every trace type Plotly knows, by its graph-objects class name (``Scatter3d``:
    ``scatter3d``)."""
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseTraceType

    out = {}
    for name in dir(go):  # graph_objects imports its classes lazily: not in vars(go)
        cls = getattr(go, name)
        if isinstance(cls, type) and issubclass(cls, BaseTraceType) and cls is not BaseTraceType:
            out[name] = cls().type
    assert {"Scatter", "Heatmap", "Bar", "Scatter3d"} <= set(out), sorted(out)
    return out


def trace_types_in(source: str) -> set[str]:
    """The trace types a module's source names: ``go.<Trace>(...)`` calls, and a trace type
    given as ``type=...`` or ``"type": ...`` (shapes', axes' and menus' types, such as
    "rect", "log" or "buttons", are no trace types and are left out)."""
    by_class = plotly_trace_types()
    known = set(by_class.values())
    found = set()
    for node in ast.walk(ast.parse(source)):
        go_attr = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        if go_attr and node.value.id == "go" and node.attr in by_class:  # type: ignore[attr-defined]
            found.add(by_class[node.attr])  # type: ignore[attr-defined]
        pairs: list[tuple[object, ast.expr]] = []
        if isinstance(node, ast.Call):
            pairs = [(k.arg, k.value) for k in node.keywords]
        elif isinstance(node, ast.Dict):
            pairs = [(k.value if isinstance(k, ast.Constant) else None, v)
                     for k, v in zip(node.keys, node.values, strict=True)]  # fmt: skip
        for key, value in pairs:
            if key == "type" and isinstance(value, ast.Constant) and value.value in known:
                found.add(str(value.value))
    return found


def test_the_plotly_build_registers_the_cartesian_trace_types() -> None:
    """ui/plotly_js/README.md's list, read from the file as Plotly declares each module."""
    assert live_chart.bundle_trace_types() == {
        "bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
        "image", "pie", "scatter", "scatterternary", "violin",
    }  # fmt: skip
    assert (
        live_chart.PLOTLY_FILE
        in (live_chart.HERE / live_chart.PLOTLY_DIR / "README.md").read_text()
    )
    assert "MIT License" in (live_chart.HERE / live_chart.PLOTLY_DIR / "LICENSE").read_text()


def test_the_trace_scan_sees_every_way_a_trace_is_named() -> None:
    src = (
        "import plotly.graph_objects as go\n"
        "a = go.Scatter3d(x=[1])\n"
        "b = dict(type='surface', z=[[1]])\n"
        "c = {'type': 'scattergl'}\n"
        "d = dict(type='rect', x0=0)\n"  # a shape
        "e = dict(type='log')\n"  # an axis
    )
    assert trace_types_in(src) == {"scatter3d", "surface", "scattergl"}


def test_every_trace_type_the_lab_draws_is_in_its_plotly_build() -> None:
    """A figure builder or page that names a trace type the partial build lacks would draw
    an empty chart in the browser (Plotly skips unknown trace types): fail here instead. The
    figures every page actually sends are checked too (tests/test_figures.py)."""
    sources = sorted((ROOT / "ui").rglob("*.py")) + sorted((ROOT / "pages").glob("*.py"))
    used: dict[str, set[str]] = {}
    for path in sources:
        for kind in trace_types_in(path.read_text(encoding="utf-8")):
            used.setdefault(kind, set()).add(str(path.relative_to(ROOT)))
    assert {"scatter", "heatmap", "bar"} <= set(used), used  # the scan does see them
    missing = {k: v for k, v in used.items() if k not in live_chart.bundle_trace_types()}
    assert not missing, f"trace types not in {live_chart.PLOTLY_FILE}: {missing}"


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
    assert live_chart.PLOTLY_FILE in live_chart.PLOTLY_BUNDLE
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
