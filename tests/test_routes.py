"""The route table (``ui/routes.py``): every page declares its prefix and URL specs, which
import without Streamlit; ``link`` validates and encodes through them, and a link built from
any valid settings opens its page with exactly those settings; the links the pages build
keep the strings they had before the table existed."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dynamics.presets import SCHEMES
from dynamics.variants import VARIANTS
from tests.charts import charts
from ui import content
from ui.controls import LR_OPTIONS
from ui.routes import (
    COMPARE,
    EXPLORER,
    LESSONS,
    MODE_COLLAPSE,
    ROUTE,
    ROUTES,
    STABILITY,
    START,
    check,
    link,
    link_query,
    read_link,
)
from ui.specs import GLOBAL_SPECS
from ui.urlspec import Spec

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
#: Upper bounds for the costly settings of a round trip (the work a page run does).
CHEAP = {
    EXPLORER: {"steps": 300},
    COMPARE: {"steps": 150},
    MODE_COLLAPSE: {"steps": 100, "k": 10, "runs": 50, "bsteps": 100},
}
#: At most this many items in a multi-choice setting (the compare grid's rows/columns).
MULTI_MAX = {EXPLORER: 2, COMPARE: 2}
#: Methods whose one-start path is slow (an ODE solve or a matrix inverse per step).
SLOW_METHODS = {"flow", "cgd"}


def every_spec_set(script: str) -> list[tuple[Spec, ...]]:
    """The page's controls under every value of its selectors."""
    route = ROUTE[script]
    first = {s.key: s for s in route.specs({})}
    combos: list[dict[str, str]] = [{}]
    for key in route.selectors:
        combos = [{**c, key: v} for c in combos for v in first[key].choices]
    return [route.specs(c) for c in combos]


# ------------------------------------------------------------------------- the table


def test_every_route_declares_its_prefix_and_specs() -> None:
    assert len({r.name for r in ROUTES}) == len(ROUTES)
    assert len({r.prefix for r in ROUTES}) == len(ROUTES)
    keys_of: dict[str, set[str]] = {}
    for r in ROUTES:
        sets = every_spec_set(r.script)
        for specs in sets:
            assert all(isinstance(s, Spec) for s in specs), r.script
            keys = [s.key for s in specs]
            assert len(keys) == len(set(keys)), (r.script, keys)
            assert not set(keys) & {s.key for s in GLOBAL_SPECS}, r.script
        assert set(r.selectors) <= {s.key for s in r.specs({})}, r.script
        keys_of[r.script] = {r.prefix + s.key for specs in sets for s in specs}
        # only the start page has no controls of its own (it forwards explorer links)
        assert bool(keys_of[r.script]) == (r.script != START), r.script
    # the prefixes keep every page's controls apart in the session state
    for a in ROUTES:
        for b in ROUTES:
            if a is not b:
                assert not keys_of[a.script] & keys_of[b.script], (a.script, b.script)


def test_the_pages_seed_their_controls_from_the_route_table() -> None:
    """No page declares its prefix or a spec list itself: it asks the route table."""
    for r in ROUTES:
        src = (ROOT / r.script).read_text(encoding="utf-8")
        assert "UrlState.of(" in src and "UrlState(" not in src, r.script
        assert "Spec(" not in src, r.script
        if r.prefix:
            assert f'"{r.prefix}"' not in src, r.script


def test_specs_import_and_build_without_streamlit() -> None:
    """The route table and every page's specs (under every selector value) load in a fresh
    interpreter without importing Streamlit, let alone drawing anything; so do the lessons'
    content and its link checks."""
    code = (
        "import sys\n"
        "from ui.routes import ROUTES\n"
        "n = 0\n"
        "for r in ROUTES:\n"
        "    first = {s.key: s for s in r.specs({})}\n"
        "    combos = [{}]\n"
        "    for key in r.selectors:\n"
        "        combos = [{**c, key: v} for c in combos for v in first[key].choices]\n"
        "    n += sum(len(r.specs(c)) for c in combos)\n"
        "import ui.content\n"
        "assert ui.content.settings_problems(ui.content.LESSONS) == ()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly'))\n"
        "assert not bad, bad[:5]\n"
        "print(n)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 100


# -------------------------------------------------------------------------- link()


def test_link_encodes_with_the_pages_own_encoding() -> None:
    assert link(EXPLORER, variant="wgan", methods=["simgd", "altgd"], h=0.2, n_disc=5) == (
        "explorer?variant=wgan&methods=simgd,altgd&h=0.2&n_disc=5"
    )
    assert link(COMPARE) == "compare"
    assert link(START) == ""
    assert link(LESSONS, glossary="spectral-radius") == "lessons?glossary=spectral-radius"
    assert link_query(LESSONS, lesson="saturation", present=True, from_lesson=3) == {
        "lesson": "saturation",
        "present": "1",
        "from_lesson": "3",
    }
    # URL text is read as the page reads it, and written back in the page's form
    assert link(EXPLORER, methods="simgd, altgd", split="true", h="0.50") == (
        "explorer?methods=simgd,altgd&split=1&h=0.5"
    )


def _bad_values(spec: Spec) -> list[Any]:
    if spec.kind in ("float", "int"):
        lo, hi = spec.ui_range
        out: list[Any] = [math.nan, math.inf, hi + 1, lo - 1, "fast", True, [1.0]]
        if spec.kind == "int":
            out.append(lo + 0.5 if hi > lo else 1.5)
        if spec.allowed:
            out.append((spec.allowed[0] + spec.allowed[1]) / 2)
        return out
    if spec.kind == "bool":
        return [1, "maybe", None]
    if spec.kind == "choice":
        return ["no-such-thing", 1, None]
    empty = [[]] if spec.default else []  # an empty default is left out of the link
    return [*empty, ["no-such-thing"], "no-such-thing", [1]]


@pytest.mark.parametrize("script", [r.script for r in ROUTES if r.script != START])
def test_link_names_an_unknown_key_or_an_invalid_value(script: str) -> None:
    with pytest.raises(ValueError, match="no setting 'colour'"):
        link(script, colour="red")
    for spec in ROUTE[script].specs({}):
        for bad in _bad_values(spec):
            with pytest.raises(ValueError, match=f"bad setting {spec.key}=") as e:
                link(script, **{spec.key: bad})
            assert "expected" in str(e.value)
        # the default is a valid setting, and defaults may be left out
        assert link(script, **{spec.key: spec.default}).startswith(ROUTE[script].path)


def test_read_link_inverts_link_and_forwards_old_explorer_links() -> None:
    url = link(STABILITY, variant="standard", method="altgd", n_disc=3, res=101)
    assert read_link(url) == (
        STABILITY,
        {"variant": "standard", "method": "altgd", "n_disc": 3, "res": 101},
    )
    assert read_link("/?variant=wgan&h=0.1")[0] == EXPLORER
    assert read_link("http://localhost:8501/compare?steps=20") == (COMPARE, {"steps": 20})
    with pytest.raises(ValueError, match="no page"):
        read_link("nowhere?x=1")


# ------------------------------------------------------------- round trip through a page


@st.composite
def valid_value(draw: st.DrawFn, spec: Spec, script: str) -> Any:
    """A value the page's control offers, as a caller of ``link`` would pass it."""
    cap = CHEAP.get(script, {}).get(spec.key)
    if spec.allowed:
        return draw(st.sampled_from([a for a in spec.allowed if cap is None or a <= cap]))
    if spec.kind in ("float", "int"):
        lo, hi = spec.ui_range
        hi = min(hi, cap) if cap is not None else hi
        if spec.kind == "int":
            return draw(st.integers(int(lo), int(hi)))
        return draw(st.floats(lo, hi, allow_nan=False, allow_subnormal=False))
    if spec.kind == "bool":
        return draw(st.booleans())
    if spec.kind == "choice":
        return draw(st.sampled_from(spec.choices))
    choices = list(spec.choices)
    if script == EXPLORER and spec.key == "methods":
        choices = [c for c in choices if c not in SLOW_METHODS]
    size = MULTI_MAX.get(script, 4)
    return draw(st.lists(st.sampled_from(choices), min_size=1, max_size=size, unique=True))


@st.composite
def page_settings(draw: st.DrawFn, script: str) -> dict[str, Any]:
    """Random valid settings of a page: its selectors first, then a few of its controls."""
    route = ROUTE[script]
    first = {s.key: s for s in route.specs({})}
    out: dict[str, Any] = {}
    for key in route.selectors:
        if draw(st.booleans()):
            out[key] = draw(valid_value(first[key], script))
    specs = {s.key: s for s in route.specs(out)}
    others = [k for k in specs if k not in route.selectors]
    for key in draw(st.lists(st.sampled_from(others), unique=True, max_size=8)):
        out[key] = draw(valid_value(specs[key], script))
    if script == EXPLORER and "steps" not in out:
        out["steps"] = draw(st.integers(1, CHEAP[EXPLORER]["steps"]))
    if script == COMPARE:  # the default grid is 8 × 3 panels of 500 steps
        out.setdefault("steps", draw(st.integers(1, CHEAP[COMPARE]["steps"])))
    return out


def expected(spec: Spec, value: Any) -> Any:
    """The value a page holds after reading ``value`` from a link: exact, except floats,
    which a link carries to 10 significant digits (``Spec.encode``)."""
    return spec.parse(spec.encode(value))


def same(got: Any, want: Any) -> bool:
    if isinstance(want, list):
        return list(got) == want
    if isinstance(want, float) and not isinstance(want, bool):
        return math.isclose(float(got), want, rel_tol=1e-12, abs_tol=1e-15)
    return bool(got == want)


def open_link(url: str) -> AppTest:
    """Open a relative link the way a browser opening it does: the page with its query."""
    script, _ = read_link(url)
    query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(query)
    at.switch_page(script).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.slow
@pytest.mark.parametrize("script", [r.script for r in ROUTES if r.script != START])
def test_a_link_opens_its_page_with_exactly_its_settings(script: str) -> None:
    route = ROUTE[script]

    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(page_settings(script))
    def run(values: dict[str, Any]) -> None:
        url = link(script, **values)
        assert url.split("?")[0] == route.path
        at = open_link(url)
        assert not [w.value for w in at.warning if "URL parameter" in w.value], url
        specs = {s.key: s for s in route.specs(values)}
        for key, value in values.items():
            got = at.session_state[route.prefix + key]
            assert same(got, expected(specs[key], value)), (key, value, got)
            if isinstance(value, float):  # 10 significant digits
                assert math.isclose(float(got), value, rel_tol=1e-9, abs_tol=1e-12)

    run()


# --------------------------------------------------- the pages' links: same strings as before


def old_compare_link(variant: str, scheme: str, lr: float, steps: int, start, view) -> str:
    """The compare page's explorer link as it was built by hand before ``link``."""
    sc = SCHEMES[scheme]
    q: dict[str, Any] = {"variant": variant, "methods": sc.method, "h": f"{lr:g}",
                         "steps": steps, "theta0": f"{start[0]:g}", "psi0": f"{start[1]:g}",
                         "view": f"{view:g}"}  # fmt: skip
    if sc.n_disc != 1:
        q["n_disc"] = sc.n_disc
    if sc.beta != 0.0:
        q["beta"] = f"{sc.beta:g}"
    return "/?" + urlencode(q)


@cache
def compare_page_defs() -> dict[str, Any]:
    """The compare page's functions, without running the page (it draws on import)."""
    import ast

    tree = ast.parse((ROOT / COMPARE).read_text(encoding="utf-8"))
    keep = [n for n in tree.body if isinstance(n, ast.ImportFrom | ast.Import)]
    keep += [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    ns: dict[str, Any] = {"__name__": "compare_defs"}
    exec(compile(ast.Module(body=keep, type_ignores=[]), COMPARE, "exec"), ns)
    return ns


def compare_page_link(variant: str, scheme: str, lr: float, steps: int, start, view) -> str:
    """The page's own ``explorer_link`` for one panel."""
    ns = compare_page_defs()
    c = SimpleNamespace(variants=(variant,), schemes=(scheme,), lr=lr, steps=steps, start=start,
                        view=view)  # fmt: skip
    return ns["explorer_link"](variant, scheme, c)


#: Values the compare page's controls offer: the learning-rate grid, the start inputs'
#: 0.05 steps, the view slider's 0.5 steps.
_grid_start = st.integers(-400, 400).map(lambda n: round(n * 0.05, 10))
compare_controls = st.tuples(
    st.sampled_from(list(VARIANTS)),
    st.sampled_from(list(SCHEMES)),
    st.sampled_from(LR_OPTIONS),
    st.integers(1, 5000),
    st.tuples(_grid_start, _grid_start),
    st.integers(1, 40).map(lambda n: n * 0.5),
)


@settings(max_examples=200, deadline=None)
@given(compare_controls)
def test_compare_links_keep_their_query_strings(args: tuple) -> None:
    new = compare_page_link(*args)
    old = old_compare_link(*args)
    # the path is the explorer's own now ("/?…" went through the start page's forwarding)
    assert new.startswith("explorer?") and old.startswith("/?")
    assert new.split("?", 1)[1] == old.split("?", 1)[1]


def test_an_old_and_a_new_compare_link_open_the_same_explorer_view() -> None:
    args = ("gradient-penalty", "altgd5", 0.1, 300, (0.5, -0.25), 3.0)
    old, new = open_link(old_compare_link(*args)), open_link(compare_page_link(*args))
    assert old.title[0].value == new.title[0].value == "Dirac-GAN explorer"
    for spec in ROUTE[EXPLORER].specs({"variant": args[0]}):
        assert old.session_state[spec.key] == new.session_state[spec.key], spec.key


def test_a_compare_link_carries_an_off_grid_value_exactly() -> None:
    """A compare view opened with h = 0.123456789 (a link) computes its panels with that h;
    the panel's explorer link used to round it to 0.123457 (a different ρ in the explorer)."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"h": "0.123456789", "theta0": "0.987654321", "steps": "20",
                            "variants": "standard", "schemes": "simgd"})  # fmt: skip
    at.switch_page(COMPARE).run()
    assert not at.exception
    spec = charts(at)[0].spec
    (href,) = [
        a["text"].split('href="')[1].split('"')[0]
        for a in spec["layout"]["annotations"]
        if 'href="' in a.get("text", "")
    ]
    script, got = read_link(href)
    assert script == EXPLORER
    assert got["h"] == 0.123456789 and got["theta0"] == 0.987654321


def _stability_click(query: Mapping[str, str], x: float, y: float, monkeypatch) -> dict:
    """The query the stability map sends the explorer for a click at (x, y)."""
    import streamlit

    sent: list[dict] = []
    monkeypatch.setattr(streamlit, "switch_page", lambda page, query_params: sent.append(
        {"page": page, **query_params}))  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(dict(query))
    at.switch_page(STABILITY).run()
    at.session_state["stability_chart"] = {"click": {"x": x, "y": y, "n": 1}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (out,) = sent
    return out


def old_stability_query(
    variant: str, method: str, cell: dict[str, float], fixed: dict[str, Any], ints: set[str]
) -> dict[str, str]:
    """The stability map's click query as it was built by hand before ``link``."""
    q = {"variant": variant, "methods": method, "steps": "500"}
    vals = {**fixed, **cell}
    if "h_gen" in cell or "h_disc" in cell:
        q.update(split="1", h_gen=f"{vals['h_gen']:.6g}", h_disc=f"{vals['h_disc']:.6g}")
    else:
        q["h"] = f"{vals['h']:.6g}"
    for name in fixed:
        if name not in ("h", "h_gen", "h_disc"):
            q[name] = str(round(vals[name])) if name in ints else f"{vals[name]:.6g}"
    return q


#: (query, x axis, y axis, y's range, the map's fixed values the link carries, integer ones)
STABILITY_CASES = [
    ({}, "h", "gamma", (0.0, 5.0), {"h": 0.2, "gamma": 1.0}, set()),
    ({"variant": "standard", "method": "altgd", "axes": "h_gen,h_disc"}, "h_gen", "h_disc",
     (0.001, 2.0), {"h_gen": 0.2, "h_disc": 0.2, "n_gen": 1, "n_disc": 1}, {"n_gen", "n_disc"}),
    ({"variant": "standard", "method": "altgd", "axes": "h,n_disc"}, "h", "n_disc",
     (1.0, 20.0), {"h": 0.2, "n_gen": 1, "n_disc": 1}, {"n_gen", "n_disc"}),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("case", STABILITY_CASES, ids=["h-gamma", "h_gen-h_disc", "h-n_disc"])
def test_stability_cell_links_keep_their_query_strings(
    case: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    query, xkey, ykey, (ylo, yhi), fixed, ints = case
    variant = query.get("variant", "gradient-penalty")
    method = query.get("method", "simgd")

    @settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.floats(0.001, 2.0), st.floats(ylo, yhi))
    def run(x: float, y: float) -> None:
        cell = {xkey: x, ykey: y}
        sent = _stability_click(query, x, y, monkeypatch)
        assert sent.pop("page") == EXPLORER
        want = old_stability_query(variant, method, cell, {**fixed, **cell}, ints)
        assert sent == want
        assert list(sent) == list(want)  # the same order: the same URL

    run()


def test_a_stability_click_outside_the_map_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """A click no browser sends (far outside the axes) opens nothing and says why."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page(STABILITY).run()
    at.session_state["stability_chart"] = {"click": {"x": 1e300, "y": 0.5, "n": 1}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Stability map"
    assert any("cannot be opened in the explorer" in w.value and "h=" in w.value
               for w in at.warning)  # fmt: skip


# ------------------------------------------- the lesson loader checks every page's links


@pytest.mark.parametrize(
    ("page", "query", "problem"),
    [
        ("compare", {"schemes": "simgd,warp"}, "bad setting schemes='simgd,warp'"),
        ("compare", {"h": "3"}, "bad setting h='3'"),
        ("stability", {"variant": "standard", "method": "altgd", "axes": "h,gamma"},
         "bad setting axes='h,gamma'"),
        ("stability", {"variant": "wgan-gp"}, "bad setting variant='wgan-gp'"),
        ("stability", {"res": "150"}, "bad setting res='150'"),
        ("mode_collapse", {"k": "0.5"}, "bad setting k='0.5'"),
        ("mode_collapse", {"mu1": "1", "speed": "1"}, "has no setting 'speed'"),
    ],
)  # fmt: skip
def test_the_loader_checks_links_to_every_page(
    page: str, query: dict[str, str], problem: str
) -> None:
    script = next(r.script for r in ROUTES if r.path == page)
    lesson = content.LESSONS[0]
    bad = content.Link(script, query, "a link", ())
    les = type(lesson)(**{**vars(lesson), "links": (bad,), "source": "99-x.md"})
    problems = content.settings_problems((les,))
    assert len(problems) == 1 and problems[0].startswith("99-x.md: ") and problem in problems[0]
    assert check(script, query)[1]


def test_a_pages_url_path_is_its_scripts_name() -> None:
    """Streamlit 1.67 answers a direct link to a page whose url_path differs from its script's
    name with "The page that you have requested does not seem to exist" (found by adding a
    throwaway page): the table must keep them equal."""
    for r in ROUTES:
        assert r.path in ("", Path(r.script).stem), r
