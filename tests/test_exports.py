"""Every downloadable file round-trips: parsed back with the standard library (``csv``,
``json``), its numbers equal the core's own output; the interactive HTML carries the figure's
data; the HTML is built once per figure; nothing anywhere writes ``repr`` of a numpy scalar.

The page-wide tests take every page from app.py's navigation (tests/app_pages.py), so a
download added to any page, now or later, is parsed back too; the command line, the lab's
other writer, is checked the same way.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from streamlit.testing.v1 import AppTest

from dynamics.methods import METHODS, Hyper, simulate
from dynamics.variants import make_game
from tests.app_pages import APP, ROOT, Downloads, app_pages
from tests.charts import chart_spec
from ui import exports
from ui.chart_config import PRIVATE, chart_config
from ui.controls import base_specs, param_specs

CSV_LABEL, JSON_LABEL, HTML_LABEL = (
    "Trajectories (CSV)",
    "Trajectories (JSON)",
    "Figure (interactive HTML)",
)
#: Text that only a repr of a numpy object produces.
NUMPY_REPR = re.compile(r"np\.|numpy\.|float64\(|float32\(|int64\(|array\(")

# ------------------------------------------------------------------ the pure writers


@dataclass(frozen=True)
class FakePath:
    points: np.ndarray
    status: str
    diverged_at: Any


EDGE = [-1.0, 0.0, -0.0, 1.0, 5e-324, -2.2250738585072014e-308, 1e-300, 0.1, 1 / 3, 1e6,
        -20.0, 123456789.123456789, 2.0**52 + 1]  # fmt: skip


def edge_paths() -> dict[str, FakePath]:
    pts = np.array(EDGE, dtype=np.float64)
    return {
        "simgd": FakePath(np.stack([pts, pts[::-1]], axis=1), "diverged", np.int64(7)),
        "altgd": FakePath(np.array([[np.float64(-1.0), np.float64(1.0)]]), "converged", None),
        "flow": FakePath(np.array([[1.5, -0.25]], dtype=np.float32), "not converged", None),
    }


def parse_csv(text: str) -> dict[str, np.ndarray]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(exports.TRAJECTORY_COLUMNS)
    out: dict[str, list[tuple[int, float, float]]] = {}
    for method, step, theta, psi in rows[1:]:
        out.setdefault(method, []).append((int(step), float(theta), float(psi)))
    for method, got in out.items():
        assert [s for s, _, _ in got] == list(range(len(got))), method
    return {m: np.array([(t, p) for _, t, p in got]) for m, got in out.items()}


def test_csv_of_numpy_values_parses_back_exactly() -> None:
    paths = edge_paths()
    text = exports.trajectories_csv(paths)
    assert not NUMPY_REPR.search(text), text
    got = parse_csv(text)
    assert list(got) == list(paths)
    for m, p in paths.items():
        want = np.asarray(p.points, dtype=np.float64)
        assert np.array_equal(got[m], want), m  # exact: shortest round-trip repr
        assert np.array_equal(np.signbit(got[m]), np.signbit(want)), m  # -0.0 stays -0.0


def test_json_of_numpy_values_parses_back_exactly() -> None:
    paths = edge_paths()
    hyper = Hyper(lr_gen=np.float64(0.5), n_disc=np.int64(3), beta=np.float32(0.25))  # type: ignore[arg-type]
    text = exports.trajectories_json(
        variant="standard",
        params={"gamma": np.float64(0.3)},
        hyper=hyper,
        start=(np.float64(-1.0), np.float32(1.0)),  # type: ignore[arg-type]
        steps=np.int64(12),  # type: ignore[arg-type]
        paths=paths,
    )
    assert not NUMPY_REPR.search(text), text
    doc = json.loads(text)
    assert doc["params"] == {"gamma": 0.3} and doc["start"] == [-1.0, 1.0] and doc["steps"] == 12
    assert doc["hyper"]["lr_gen"] == 0.5 and doc["hyper"]["n_disc"] == 3
    assert doc["hyper"]["beta"] == 0.25 and type(doc["hyper"]["n_disc"]) is int
    assert (
        doc["paths"]["simgd"]["diverged_at"] == 7 and doc["paths"]["altgd"]["diverged_at"] is None
    )
    for m, p in paths.items():
        assert doc["paths"][m]["status"] == p.status
        assert np.array_equal(np.array(doc["paths"][m]["points"]), np.asarray(p.points, float))


def test_non_finite_values_are_null_in_json_and_never_a_bare_nan() -> None:
    pts = np.array([[np.nan, np.inf], [-np.inf, 1.0]])
    text = exports.trajectories_json(
        variant="standard", params={}, hyper=Hyper(), start=(0.0, 0.0), steps=1,
        paths={"simgd": FakePath(pts, "diverged", 1)},
    )  # fmt: skip
    assert json.loads(text)["paths"]["simgd"]["points"] == [[None, None], [None, 1.0]]
    with pytest.raises(TypeError):
        exports.plain(object())


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(
    hst.lists(
        hst.tuples(hst.floats(allow_nan=False, allow_infinity=False), hst.floats(width=32)),
        min_size=1,
        max_size=20,
    ),
    hst.sampled_from([np.float64, np.float32, np.float16, float]),
)
def test_any_finite_numbers_round_trip(pairs: list[tuple[float, float]], dtype: Any) -> None:
    """Property: whatever numbers (of whatever numpy type) a path holds, the CSV and the JSON
    give back exactly its float64 values."""
    with np.errstate(over="ignore"):
        pts = np.array(pairs, dtype=dtype)
    paths = {"m": FakePath(pts, "converged", None)}
    want = np.asarray(pts, dtype=np.float64)
    got = parse_csv(exports.trajectories_csv(paths))["m"]
    finite = np.isfinite(want)
    assert np.array_equal(got[finite], want[finite])
    assert np.array_equal(np.isnan(got), np.isnan(want))
    js = exports.trajectories_json(
        variant="v", params={}, hyper=Hyper(), start=(0.0, 0.0), steps=len(pairs), paths=paths
    )
    back = np.array(json.loads(js)["paths"]["m"]["points"], dtype=float)  # None → nan
    assert np.array_equal(back[finite], want[finite])


def test_number_refuses_what_is_not_a_number() -> None:
    assert exports.number(np.float64(-1.0)) == "-1.0" and exports.number(np.int64(3)) == "3"
    for bad in ("1", None, True, [1.0]):
        with pytest.raises(TypeError):
            exports.number(bad)


# --------------------------------------------------------------- the explorer's files

EXPLORER_CASES = {
    # the default view: θ₀ = ψ₀ = 1, SimGD and AltGD (θ = -1.0 was "np.float64(-1.0)")
    "default": {},
    "every-method": {
        "variant": "gradient-penalty", "gamma": "0.7", "methods": ",".join(METHODS),
        "steps": "120", "theta0": "-1", "psi0": "0.35", "h": "0.5", "n_disc": "3",
        "beta": "-0.3",
    },
    "diverging": {"methods": "simgd,altgd", "h": "1.5", "steps": "300", "theta0": "-20"},
    "split-one-step": {"split": "1", "h_gen": "0.05", "h_disc": "1", "steps": "1",
                       "theta0": "0", "psi0": "-0"},
}  # fmt: skip


def page_settings(query: Mapping[str, str]) -> dict[str, Any]:
    """The explorer's settings for ``query``, from its URL specs (value or default)."""
    base = {s.key: (s.parse(query[s.key]) if s.key in query else s.default) for s in base_specs()}
    prm = {s.key: (s.parse(query[s.key]) if s.key in query else s.default)
           for s in param_specs(base["variant"])}  # fmt: skip
    lr_gen, lr_disc = (base["h_gen"], base["h_disc"]) if base["split"] else (base["h"],) * 2
    hp = Hyper(lr_gen=lr_gen, lr_disc=lr_disc, n_gen=base["n_gen"], n_disc=base["n_disc"],
               beta=base["beta"], beta1=base["beta1"], beta2=base["beta2"])  # fmt: skip
    return {**base, "params": prm, "hyper": hp}


def core_paths(s: Mapping[str, Any]) -> dict[str, Any]:
    game = make_game(s["variant"], s["params"])
    start = (s["theta0"], s["psi0"])
    return {m: simulate(game, m, s["hyper"], [start], s["steps"]) for m in s["methods"]}


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Downloads:
    return Downloads(monkeypatch)


def explorer(downloads: Downloads, query: Mapping[str, str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update(query)
    at.switch_page("pages/explorer.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w.value for w in at.warning if "URL parameter" in w.value]
    return at


def decode(a: Any) -> np.ndarray:
    """A Plotly array as written in JSON: a list or a base64 typed array."""
    if isinstance(a, dict):
        return np.frombuffer(base64.b64decode(a["bdata"]), dtype=np.dtype(a["dtype"]))
    return np.asarray(a)


def html_figure(html: str) -> tuple[list[dict], dict, dict]:
    """(data, layout, config) of the ``Plotly.newPlot`` call in an HTML export."""
    i = html.index("Plotly.newPlot(")
    dec = json.JSONDecoder()
    j = html.index("[", i)  # after the div id
    data, j = dec.raw_decode(html, j)
    layout, j = dec.raw_decode(html, html.index("{", j))
    config, _ = dec.raw_decode(html, html.index("{", j))
    return data, layout, config


def assert_private(config: Mapping[str, Any]) -> None:
    """An HTML export's config: no cloud button (Plotly.py leaves ``plotlyServerURL`` out of
    the file when the button is off)."""
    assert config.get("showSendToCloud") is False, config
    assert config.get("plotlyServerURL", "") == "" and config.get("displaylogo") is False, config


@pytest.mark.parametrize("case", list(EXPLORER_CASES))
def test_explorer_downloads_match_the_core(downloads: Downloads, case: str) -> None:
    query = EXPLORER_CASES[case]
    at = explorer(downloads, query)
    s = page_settings(query)
    want = core_paths(s)
    files = downloads.files(at)
    assert set(files) == {CSV_LABEL, JSON_LABEL, HTML_LABEL}
    for name, mime, content in files.values():
        assert not NUMPY_REPR.search(content.decode()[:2_000_000] if mime != "text/html" else "")
        assert name.startswith("dirac-gan")

    # CSV: every step of every method, to 1e-12 of the core (in fact exactly)
    _, mime, content = files[CSV_LABEL]
    assert mime == "text/csv"
    got = parse_csv(content.decode())
    assert list(got) == list(s["methods"])
    for m, traj in want.items():
        ref = traj.path(0)
        assert got[m].shape == ref.shape, m
        np.testing.assert_allclose(got[m], ref, rtol=0, atol=1e-12, err_msg=m)

    # JSON: the settings and every path
    _, mime, content = files[JSON_LABEL]
    assert mime == "application/json"
    doc = json.loads(content)
    assert doc["variant"] == s["variant"] and doc["steps"] == s["steps"]
    assert doc["start"] == [s["theta0"], s["psi0"]]
    assert doc["params"] == s["params"]
    assert doc["hyper"] == {k: v for k, v in vars(s["hyper"]).items()}
    for m, traj in want.items():
        p = doc["paths"][m]
        assert p["status"] == traj.status[0], m
        div = int(traj.diverged_at[0])
        assert p["diverged_at"] == (None if div < 0 else div), m
        np.testing.assert_allclose(np.array(p["points"]), traj.path(0), rtol=0, atol=1e-12)

    # HTML: the figure the page shows, with its data and the privacy-safe config
    _, mime, content = files[HTML_LABEL]
    assert mime == "text/html"
    data, _, config = html_figure(content.decode())
    assert_private(config)
    shown = chart_spec(at, "field_chart")
    assert len(data) == len(shown["data"])
    for exported, sent in zip(data, shown["data"], strict=True):
        assert exported.get("name") == sent.get("name")
        for axis in ("x", "y"):
            if axis in sent:
                assert np.array_equal(decode(exported[axis]), decode(sent[axis]), equal_nan=True)
    for m, traj in want.items():
        trace = next(t for t in data if t.get("name") == METHODS[m].label)
        idx = decode(trace["customdata"]).astype(int)
        ref = traj.path(0)[idx].astype(np.float32)  # the figure draws float32
        assert np.array_equal(decode(trace["x"]), ref[:, 0]), m
        assert np.array_equal(decode(trace["y"]), ref[:, 1]), m


def test_the_html_export_is_built_once_per_figure(
    downloads: Downloads, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests for the same figure's HTML (two clicks, or two users with the same
    settings) write it once; other settings write a new one."""
    built: list[int] = []
    real = go.Figure.to_html

    def counting(self: go.Figure, *args: Any, **kwargs: Any) -> str:
        built.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(go.Figure, "to_html", counting)
    query = {"steps": "37", "theta0": "0.625"}  # settings no other test uses: a cold cache
    at = explorer(downloads, query)
    first = downloads.call(at, HTML_LABEL)
    second = downloads.call(at, HTML_LABEL)
    assert first == second and len(built) == 1
    again = explorer(downloads, query)  # a rerun / another session, same settings
    assert downloads.call(again, HTML_LABEL) == first and len(built) == 1
    other = explorer(downloads, {**query, "psi0": "-0.5"})
    assert downloads.call(other, HTML_LABEL) != first and len(built) == 2


# ------------------------------------------------------- every page, every download


def _no_constant(name: str) -> None:
    raise AssertionError(f"{name} in a JSON download (not JSON)")


@pytest.mark.parametrize("page", app_pages(), ids=lambda p: p.name)
def test_every_download_of_every_page_parses_and_holds_no_numpy_repr(
    downloads: Downloads, page: Any
) -> None:
    """Whatever a page offers for download parses with the standard library by its type,
    holds finite numbers only, and never a ``repr`` of a numpy object."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    if page.slug:
        at.switch_page(page.path).run()
    assert not at.exception, [e.value for e in at.exception]
    for label, (name, mime, content) in downloads.files(at).items():
        if mime == "text/html":
            data, _, config = html_figure(content.decode())
            assert data, label
            assert_private(config)
            continue
        text = content.decode()
        assert not NUMPY_REPR.search(text), (label, NUMPY_REPR.search(text))
        if mime == "text/csv" or name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(text)))
            assert len({len(r) for r in rows}) == 1, label  # a rectangular table
            for r in rows[1:]:
                for cell in r:
                    try:
                        x = float(cell)
                    except ValueError:
                        continue
                    assert math.isfinite(x), (label, cell)
        elif mime == "application/json" or name.endswith(".json"):
            json.loads(text, parse_constant=_no_constant)
        else:
            pytest.fail(f"{label}: a download of type {mime} has no round-trip test")


def test_the_app_lists_every_page_script() -> None:
    """A page script that app.py does not list would escape every page-wide test."""
    listed = {p.path for p in app_pages()}
    assert listed == {f"pages/{f.name}" for f in (ROOT / "pages").glob("*.py")}
    assert sum(p.slug == "" for p in app_pages()) == 1


def test_chart_config_cannot_turn_the_cloud_back_on() -> None:
    cfg = chart_config({"showSendToCloud": True, "showLink": True, "scrollZoom": False})
    assert cfg["scrollZoom"] is False
    assert {k: cfg[k] for k in PRIVATE} == dict(PRIVATE)


# ----------------------------------------------------------- the command line's output

CLI_CALLS = [["variants"], ["methods"], ["gmm-run", "--steps", "5", "--start=1,-1.2"],
             ["gmm-batch", "--dynamics", "optimal", "--runs", "4", "--steps", "10"]]  # fmt: skip
CLI_CALLS += [
    ["trajectory", "--variant", "gradient-penalty", "--method", m, "--start", "-1,1",
     "--steps", "30", "--format", fmt]
    for m in METHODS for fmt in ("csv", "json")
]  # fmt: skip
CLI_CALLS += [["spectrum", "--variant", "standard", "--method", m] for m in METHODS]


@pytest.mark.parametrize("argv", CLI_CALLS, ids=[" ".join(a[:2] + a[-1:]) for a in CLI_CALLS])
def test_the_command_line_writes_no_numpy_repr(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The other writer of the lab: its output parses (CSV or JSON) and holds no numpy repr."""
    from dynamics.cli import main

    assert main(argv) in (0, None)
    out = capsys.readouterr().out
    assert not NUMPY_REPR.search(out), NUMPY_REPR.search(out)
    if "csv" in argv:
        rows = list(csv.reader(io.StringIO(out)))
        assert all(math.isfinite(float(x)) for r in rows[1:] for x in r[1:]), rows[:3]
    else:
        json.loads(out, parse_constant=_no_constant)
