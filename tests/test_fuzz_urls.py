"""Hostile input on every page.

1. URL query parameters, fuzzed with hypothesis under ``AppTest``: every key a page knows
   (its own ``Spec`` lists), unknown keys, and adversarial values (empty, huge, unicode, NaN,
   ±inf, 1e308, -0, numbers just outside the range, repeated keys, commas, percent signs,
   HTML/script tags, very long strings). Each value is made valid or invalid *by
   construction*, so the oracle does not re-implement the page's parser. Checked: no
   exception, the title renders, every invalid value has a warning naming its key and falls
   back to the default, every valid value is applied without a warning, unknown keys are
   named, and no input reaches the page as HTML.
2. Widget states the browser would never send (NaN, ±inf, out of range, unknown options),
   sent over Streamlit's WebSocket with bench/loadtest.py's client to a real server: the run
   must finish without an exception element, the control must hold a value inside its
   range, and the session must stay usable.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import math
import re
import urllib.parse
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.testing.v1 import AppTest

from bench.appserver import serve
from bench.loadtest import RunResult, StreamlitSession, expected_rho
from tests.app_pages import app_pages
from ui.controls import ALL_PARAM_KEYS, base_specs, param_specs, with_hide
from ui.state import MAX_RAW, Spec, md_literal

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
# Streamlit's own query parameters: hidden from the app (st.query_params never shows them).
STREAMLIT_KEYS = {"embed", "embed_options"}

# ------------------------------------------------------------------ the pages' URL specs


@cache
def page_defs(path: str) -> dict[str, Any]:
    """The constants and functions of a page script, without running the page.

    A page is a script (it draws on import), so we execute only its imports, functions and
    UPPER_CASE constants: that gives us its ``Spec`` lists as the page builds them.
    """
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))

    def keep(node: ast.stmt) -> bool:
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef):
            return True
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            return all(isinstance(t, ast.Name) and t.id.lstrip("_")[:1].isupper() for t in targets)
        return False

    module = ast.Module(body=[n for n in tree.body if keep(n)], type_ignores=[])
    ns: dict[str, Any] = {"__name__": f"fuzz_{Path(path).stem}"}
    exec(compile(module, path, "exec"), ns)
    return ns


@dataclass(frozen=True)
class Page:
    """One page under test: how to reach it and which URL keys it validates."""

    path: str
    title: str
    prefix: str = ""  # session-state key = prefix + URL key
    #: Keys whose accepted value decides which specs apply (drawn first), with defaults.
    selectors: Mapping[str, Any] = field(default_factory=dict)
    #: The specs that apply, given the accepted values of the selectors.
    specs: Callable[[Mapping[str, Any]], list[Spec]] = lambda _: []
    #: Every key the page may know under some selector values (never "unknown").
    known: frozenset[str] = frozenset()
    #: Upper bounds for *valid* values of costly keys (runtime only; invalid values are not
    #: bounded).
    cheap: Mapping[str, float] = field(default_factory=dict)
    #: False for a page without URL parameters: only crash/title/HTML checks apply.
    has_url_state: bool = True
    #: Keys never drawn as unknown ones: they take the visitor to another page.
    reserved: frozenset[str] = frozenset()


def _start() -> Page:
    # Only unknown keys to name: a key of the explorer opens the explorer (old links to "/";
    # tests/test_teaching.py checks that).
    return Page(
        path="pages/start.py",
        title="GAN dynamics lab",
        reserved=page_defs("pages/start.py")["EXPLORER_KEYS"],
    )


def _explorer() -> Page:
    base = with_hide(base_specs())
    return Page(
        path="pages/explorer.py",
        title="Dirac-GAN explorer",
        selectors={"variant": next(s.default for s in base if s.key == "variant")},
        specs=lambda acc: base + param_specs(acc["variant"]),
        known=frozenset([s.key for s in base] + list(ALL_PARAM_KEYS)),
        cheap={"steps": 400},
    )


def _compare() -> Page:
    specs = page_defs("pages/compare.py")["SPECS"]
    return Page(
        path="pages/compare.py",
        title="Compare variants and training schemes",
        prefix="cmp_",
        specs=lambda _: list(specs),
        known=frozenset(s.key for s in specs),
        cheap={"steps": 200},
    )


def _stability() -> Page:
    d = page_defs("pages/stability.py")
    first = d["specs"](d["_SMOOTH"][0], d["_LINEAR"][0])
    known = {s.key for v in d["_SMOOTH"] for m in d["_LINEAR"] for s in d["specs"](v, m)}
    return Page(
        path="pages/stability.py",
        title="Stability map",
        prefix="stab_",
        selectors={first[0].key: first[0].default, first[1].key: first[1].default},
        specs=lambda acc: d["specs"](acc["variant"], acc["method"]),
        known=frozenset(known | {"gamma", "sigma"}),
    )


def _mode_collapse() -> Page:
    specs = page_defs("pages/mode_collapse.py")["gmm_specs"]()
    return Page(
        path="pages/mode_collapse.py",
        title="Mode collapse (GMM-GAN)",
        prefix="gmm_",
        specs=lambda _: list(specs),
        known=frozenset(s.key for s in specs),
        cheap={"steps": 120, "k": 10},
    )


def _lessons() -> Page:
    specs = page_defs("pages/lessons.py")["SPECS"]
    return Page(
        path="pages/lessons.py",
        title="Guided lessons",
        prefix="les_",
        specs=lambda _: list(specs),
        known=frozenset(s.key for s in specs),
    )


PAGES: dict[str, Callable[[], Page]] = {
    "start": _start,
    "explorer": _explorer,
    "compare": _compare,
    "stability": _stability,
    "mode_collapse": _mode_collapse,
    "lessons": _lessons,
}

# ------------------------------------------------------------------------- strategies

JUNK_PIECES = [
    "",
    " ",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e308",
    "-1e308",
    "1e309",
    "0x10",
    "1,5",
    "½",
    "%41",
    "%%",
    "%ZZ",
    "+-1",
    "1e",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "&lt;b&gt;",
    "𝟙𝟚",
    "Ω≈ç√",
    "\u202e\u200b",
    "\x00",
    "a" * 250,
    "9" * 400,
]
#: Text that no spec accepts: pieces and random unicode, minus anything float() would take.
junk_text = st.one_of(
    st.sampled_from(JUNK_PIECES),
    st.text(max_size=30),
    st.lists(st.sampled_from(JUNK_PIECES), min_size=2, max_size=4).map("".join),
)


def _floatable(text: str) -> bool:
    try:
        float(text)
    except (ValueError, OverflowError):
        return False
    return True


def _pad(draw: st.DrawFn, text: str) -> str:
    """Surrounding blanks are allowed in every value (the page strips them)."""
    return draw(st.sampled_from(["", " ", "  "])) + text + draw(st.sampled_from(["", " "]))


@dataclass(frozen=True)
class Value:
    raw: str | list[str]
    valid: bool
    intended: Any = None  # the value a valid raw input must produce


@st.composite
def number_value(draw: st.DrawFn, spec: Spec, cap: float | None, valid: bool) -> Value:
    lo, hi = float(spec.lo), float(spec.hi)  # type: ignore[arg-type]
    top = min(hi, cap) if cap is not None else hi
    if valid and spec.allowed:
        a = draw(st.sampled_from([a for a in spec.allowed if a <= top]))
        text = f"{a:g}" if spec.kind == "int" else repr(a)
        return Value(_pad(draw, text), True, int(a) if spec.kind == "int" else a)
    if valid:
        # From the spec's range and from the control's (ui_lo/ui_hi, narrower where the page
        # offers less than the core accepts), ends included: a link beyond a widget's ends
        # crashed the explorer (beta=0.995) while the draws came from the spec only.
        ulo, uhi = spec.ui_range
        ends = [v for v in {lo, top, ulo, min(uhi, top)} if lo <= v <= top]
        if spec.kind == "int":
            n = draw(
                st.one_of(
                    st.integers(int(lo), int(top)),
                    st.integers(int(ulo), int(min(uhi, top))),
                    st.sampled_from(sorted(int(v) for v in ends)),
                )
            )
            text = draw(st.sampled_from([str(n), f"{n}.0", f"+{n}", f"{n:.1f}"]))
            return Value(_pad(draw, text), True, spec.clamp(n))
        x = draw(
            st.one_of(
                st.floats(lo, top, allow_nan=False),
                st.floats(ulo, min(uhi, top), allow_nan=False),
                st.sampled_from(sorted(ends)),
            )
        )
        forms = [repr(x), f"{x:.6g}", f"{x:.3e}", f"{x:.2f}"]
        if lo <= 0 <= top:
            forms += ["-0", "-0.0", "0"]
        text = draw(st.sampled_from(forms))
        assume_in = lo <= float(text) <= top
        if not assume_in:  # a rounded form fell outside: use the exact one
            text = repr(x)
        return Value(_pad(draw, text), True, spec.clamp(float(text)))
    outside = [
        repr(math.nextafter(lo, -math.inf)),
        repr(math.nextafter(hi, math.inf)),
        repr(lo - 1),
        repr(hi + 1),
        "1e308",
        "-1e308",
        "nan",
        "-inf",
        "inf",
        "",
    ]
    if spec.allowed:  # in range, but not one of the values the control offers
        outside += [f"{v:g}" for v in np.linspace(lo, hi, 7) if v not in spec.allowed]
    if spec.kind == "int":
        outside += [str(int(lo) - 1), str(int(hi) + 1)]
        if hi - lo >= 1:
            outside.append(f"{lo + 0.5:g}")  # in range but not an integer
    candidates = st.one_of(
        st.sampled_from(outside),
        junk_text.filter(lambda t: not _floatable(t)),
        st.just("0" * (MAX_RAW + 1) + str(int(lo) if spec.kind == "int" else lo)),
    )
    return Value(draw(candidates), False)


@st.composite
def choice_value(draw: st.DrawFn, spec: Spec, valid: bool) -> Value:
    if valid:
        c = draw(st.sampled_from(spec.choices))
        return Value(_pad(draw, c), True, c)
    wrong = st.one_of(
        junk_text,
        st.sampled_from(spec.choices).map(str.upper),
        st.sampled_from(spec.choices).map(lambda c: c + "x"),
        st.sampled_from(spec.choices).map(lambda c: c + "," + c),
    ).filter(lambda t: t.strip() not in spec.choices)
    return Value(draw(wrong), False)


@st.composite
def bool_value(draw: st.DrawFn, valid: bool) -> Value:
    if valid:
        words = [("1", True), ("0", False), ("true", True), ("False", False), ("YES", True)]
        words += [("no", False), ("On", True), ("off", False)]
        word, meaning = draw(st.sampled_from(words))
        return Value(_pad(draw, word), True, meaning)
    words = {"1", "0", "true", "false", "yes", "no", "on", "off"}
    bad = st.one_of(junk_text, st.sampled_from(["2", "-1", "1.0", "y", "t", "oui"]))
    return Value(draw(bad.filter(lambda t: t.strip().lower() not in words)), False)


@st.composite
def multi_value(draw: st.DrawFn, spec: Spec, valid: bool) -> Value:
    items = draw(st.lists(st.sampled_from(spec.choices), min_size=1, max_size=6))
    if not valid:
        kind = draw(st.sampled_from(["unknown item", "empty", "too long"]))
        if kind == "unknown item":
            bad = draw(
                junk_text.filter(
                    lambda t: "," not in t and t.strip() and t.strip() not in spec.choices
                )
            )
            items.insert(draw(st.integers(0, len(items))), bad)
        elif kind == "empty":
            return Value(draw(st.sampled_from(["", ",", " , ,", [""], ["", ","]])), False)
        else:
            items = items * (MAX_RAW // len(",".join(items)) + 2)
    sep = draw(st.sampled_from([",", ", ", " ,", ",,"]))
    if draw(st.booleans()) and valid:
        raw: str | list[str] = items  # repeated keys: ?methods=a&methods=b
    else:
        raw = sep.join(items)
    if valid and len(",".join(raw) if isinstance(raw, list) else raw) > MAX_RAW:
        raw = ",".join(dict.fromkeys(items))
    return Value(raw, valid, list(dict.fromkeys(items)) if valid else None)


def value_for(spec: Spec, cap: float | None, valid: bool) -> st.SearchStrategy[Value]:
    if spec.kind in ("float", "int"):
        return number_value(spec, cap, valid)
    if spec.kind == "choice":
        return choice_value(spec, valid)
    if spec.kind == "bool":
        return bool_value(valid)
    return multi_value(spec, valid)


@st.composite
def spec_value(draw: st.DrawFn, spec: Spec, cap: float | None) -> Value:
    """A valid or an invalid value; a scalar may come as repeated keys (the last one counts)."""
    valid = draw(st.booleans())
    v = draw(value_for(spec, cap, valid))
    if spec.kind != "multi" and isinstance(v.raw, str) and draw(st.integers(0, 4)) == 0:
        # ?h=junk&h=0.5: Streamlit's st.query_params (and the page) read the last value.
        other = draw(value_for(spec, cap, draw(st.booleans())))
        first = other.raw if isinstance(other.raw, str) else other.raw[-1]
        return Value([first, v.raw], v.valid, v.intended)
    return v


@dataclass
class Case:
    query: dict[str, str | list[str]]
    expect: dict[str, Value]  # keys the page must validate → what it got
    specs: dict[str, Spec]
    unknown: list[str]


@st.composite
def cases(draw: st.DrawFn, page: Page) -> Case:
    query: dict[str, str | list[str]] = {}
    expect: dict[str, Value] = {}
    accepted = dict(page.selectors)
    for key in page.selectors:
        spec = next(s for s in page.specs(accepted) if s.key == key)
        if draw(st.booleans()):
            v = draw(spec_value(spec, page.cheap.get(key)))
            query[key], expect[key] = v.raw, v
            if v.valid:
                accepted[key] = v.intended
    specs = {s.key: s for s in page.specs(accepted)}
    others = [k for k in specs if k not in page.selectors]
    for key in draw(st.lists(st.sampled_from(others), unique=True, max_size=6)) if others else []:
        v = draw(spec_value(specs[key], page.cheap.get(key)))
        query[key], expect[key] = v.raw, v
    # Keys the page knows for other variants/methods: any value, no expectation.
    foreign = sorted(page.known - set(specs))
    if foreign and draw(st.booleans()):
        query[draw(st.sampled_from(foreign))] = draw(junk_text)
    taken = page.known | page.reserved | set(query) | STREAMLIT_KEYS
    unknown = draw(
        st.lists(
            st.one_of(st.text(min_size=1, max_size=50), st.sampled_from(JUNK_PIECES[1:])).filter(
                lambda k: k not in taken and k.lower() not in STREAMLIT_KEYS
            ),
            unique=True,
            max_size=2,
        )
    )
    for key in unknown:
        query[key] = draw(junk_text)
    return Case(query, expect, specs, unknown)


# ------------------------------------------------------------------------- the checks


def run_page(page: Page, query: Mapping[str, str | list[str]]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.switch_page(page.path).run()  # straight to the page, as a deep link does
    return at


def nodes(at: AppTest) -> Iterator[Any]:
    for root in (at.main, at.sidebar):
        yield from root


def named(notes: Sequence[str], key: str) -> bool:
    """Some note names ``key`` the way ui/state.py writes it: **key (label)** or **key**."""
    pat = re.compile(r"\*\*" + re.escape(key) + r"( \(|\*\*)")
    return any(pat.search(n) for n in notes)


def assert_no_html(at: AppTest) -> None:
    """No element renders HTML, and markup from the URL only appears inside a warning."""
    for node in nodes(at):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if hasattr(proto, "allow_html"):
            assert not proto.allow_html, f"{node.type} allows HTML"
        text = str(proto).lower()
        if node.type == "bidi_component":  # ui.live_chart: the figure travels as JSON text
            text += urllib.parse.unquote(proto.bytes.decode()).lower()
        if node.type not in ("warning", "error", "info", "alert"):
            for marker in ("<script", "onerror="):
                assert marker not in text, f"{marker!r} from the URL in a {node.type} element"


def check(at: AppTest, page: Page, case: Case) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title][:1] == [page.title]
    assert_no_html(at)
    if not page.has_url_state:
        return
    notes = [w.value for w in at.warning]
    for key, v in case.expect.items():
        spec = case.specs[key]
        got = at.session_state[page.prefix + key]
        if v.valid and moved(spec, v):
            assert named(notes, key), f"{key}={v.raw!r} was moved into range without a note"
            assert got == v.intended, f"{key}={v.raw!r} should give {v.intended!r}, got {got!r}"
        elif v.valid:
            assert not named(notes, key), f"valid {key}={v.raw!r} was flagged: {notes}"
            assert got == v.intended, f"{key}={v.raw!r} should give {v.intended!r}, got {got!r}"
        else:
            assert named(notes, key), f"invalid {key}={v.raw!r} has no note: {notes}"
            assert got == spec.default, f"{key}={v.raw!r} should fall back to {spec.default!r}"
    for key in case.unknown:
        assert any(f"**{md_literal(key)}**" in n for n in notes), f"unknown key {key!r} not named"
    check_widget_ranges(at, page, case.specs)


def moved(spec: Spec, v: Value) -> bool:
    """A valid number the page had to move into its control's range (``Spec.clamp``)."""
    raw = v.raw[-1] if isinstance(v.raw, list) else v.raw
    return spec.kind in ("int", "float") and float(raw) != v.intended


def widget_ranges(at: AppTest) -> dict[str, tuple[float, float]]:
    """(min, max) of every numeric widget of the page, by widget key."""
    out: dict[str, tuple[float, float]] = {}
    for w in list(at.slider) + list(at.number_input):
        if w.key is not None and isinstance(w.min, int | float):
            out[w.key] = (float(w.min), float(w.max))
    for w in at.select_slider:
        try:
            nums = [float(o) for o in w.options]
        except ValueError:
            continue  # options that are not numbers
        if w.key is not None and nums:
            out[w.key] = (min(nums), max(nums))
    return out


def check_widget_ranges(at: AppTest, page: Page, specs: Mapping[str, Spec]) -> None:
    """Every numeric control drawn has exactly its spec's control range: the URL draws, made
    from the specs, then cover the widgets' own ranges and ends."""
    ranges = widget_ranges(at)
    for key, spec in specs.items():
        got = ranges.get(page.prefix + key)
        if got is None or spec.kind not in ("int", "float"):
            continue
        want = (min(spec.allowed), max(spec.allowed)) if spec.allowed else spec.ui_range
        assert got == tuple(map(float, want)), f"{key}: widget range {got}, spec says {want}"


FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples every run: no flaky CI
    database=None,
    # No shrinking: it can take minutes of AppTest runs; the failing example is printed as is.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", list(PAGES))
def test_fuzzed_query_parameters(name: str) -> None:
    page = PAGES[name]()

    @FUZZ
    @given(case=cases(page))
    def run(case: Case) -> None:
        check(run_page(page, case.query), page, case)

    run()


# ----------------------------------------------------- markup injection through notes


def _outside_code_spans(md: str, *, keep_escaped: bool = False) -> str:
    """The markdown source with code spans removed (CommonMark: a run of n backticks opens,
    the next run of exactly n closes) and backslash escapes dropped, or with them resolved
    to the literal character (``keep_escaped``)."""
    out, i = [], 0
    while i < len(md):
        if md[i] == "\\" and i + 1 < len(md):
            if keep_escaped:
                out.append(md[i + 1])
            i += 2
            continue
        if md[i] == "`":
            n = len(md[i:]) - len(md[i:].lstrip("`"))
            m = re.compile(r"(?<!`)" + "`" * n + r"(?!`)").search(md, i + n)
            if m:
                i = m.end()
                continue
            i += n
            continue
        out.append(md[i])
        i += 1
    return "".join(out)


#: Markdown that makes a link, an image, an autolink, a coloured/iconic directive or maths.
#: (Raw HTML tags stay text: no element allows HTML, see assert_no_html.)
ACTIVE = re.compile(
    r"\]\(|<(https?|mailto|ftp):|https?://|www\.|:[a-z]+(-background|-badge)?\[|:material/|\$"
)
#: Bare addresses that GitHub-flavoured Markdown links in plain text, found in the literal
#: text: escaping their punctuation ("http\\://a\\.b") does not stop the link.
BARE_LINK = re.compile(r"(?i)[a-z][a-z0-9+.-]*://|www\.|[\w.+-]@[\w-]+\.\w")


@pytest.mark.parametrize(
    ("name", "query", "culprit"),
    [
        ("explorer", {"h": "x` [log in](https://evil.example) `"}, "h"),
        ("explorer", {"steps": "1\n\n# You have been logged out"}, "steps"),
        ("compare", {"theta0": "x` :red[**Session expired**] `"}, "theta0"),
        ("explorer", {"[log in](https://evil.example)": "1"}, "unknown key"),
        ("mode_collapse", {"$\\Huge{x}$": "1"}, "unknown key"),
        ("stability", {"<https://evil.example>": "1"}, "unknown key"),
        ("explorer", {"variant": "[x](http://e.com)"}, "variant"),
        ("explorer", {"h": "see www.evil.example"}, "h"),
        ("compare", {"mail me@evil.example": "1"}, "unknown key"),
    ],
)
def test_url_text_in_a_note_stays_text(name: str, query: dict[str, str], culprit: str) -> None:
    """A note quotes the URL; what it quotes must not become a link, heading or markup."""
    page = PAGES[name]()
    at = run_page(page, query)
    assert not at.exception
    notes = [w.value for w in at.warning]
    assert notes, "no note at all"
    for n in notes:
        assert "\n" not in n, f"the note for {culprit} spans lines (block markdown): {n!r}"
        active = ACTIVE.search(_outside_code_spans(n)) or BARE_LINK.search(
            _outside_code_spans(n, keep_escaped=True)
        )
        assert active is None, f"the note for {culprit} renders {active.group()!r}: {n!r}"


# ------------------------------------------------- URL bugs the fuzzing found, pinned


def test_stability_resolution_between_the_slider_stops_is_noted() -> None:
    """``res`` is an integer in [101, 301] for the parser, but the slider only offers
    101, 201 and 301: any other value must be noted and fall back to the default."""
    page = PAGES["stability"]()
    at = run_page(page, {"res": "150"})
    assert not at.exception
    notes = [w.value for w in at.warning]
    res = at.session_state["stab_res"]
    assert res == 150 or (named(notes, "res") and res == 201), (res, notes)


def test_stability_padded_variant_keeps_its_own_axes() -> None:
    """``variant=instance-noise+`` (a trailing "+" is a blank) is accepted as instance-noise,
    so its axes and sweep choices apply, not those of the default variant."""
    page = PAGES["stability"]()
    at = run_page(page, {"variant": "instance-noise ", "axes": "h,sigma", "sweep": "sigma"})
    assert not at.exception
    assert at.session_state["stab_variant"] == "instance-noise"
    notes = [w.value for w in at.warning]
    assert not named(notes, "axes") and not named(notes, "sweep"), notes
    assert (at.session_state["stab_axes"], at.session_state["stab_sweep"]) == ("h,sigma", "sigma")


# ------------------------------------------------------------ protocol-level widgets


def run_async(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a websocket scenario on its own event loop in a worker thread.

    The browser tests' session-scoped Playwright (sync API) keeps an event loop running in
    the main thread, and ``asyncio.run`` refuses to start inside a running loop.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, scenario()).result()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    # Full error details: a failure shows which exception the page raised.
    with serve(extra_args=("--client.showErrorDetails=full",)) as base:
        yield base


#: Every page of app.py's navigation by name (its file's stem) → its URL path: a page added
#: to the app is fuzzed below without editing this file.
SLUG = {p.name: p.slug for p in app_pages()}
#: The heading each page must show; a page without an entry in PAGES must show the heading
#: it showed on a clean first run.
TITLES = {name: PAGES[name]().title for name in SLUG if name in PAGES}


def finished_cleanly(r: RunResult, title: str) -> None:
    assert r.status == ForwardMsg.FINISHED_SUCCESSFULLY, r.status
    assert not r.exceptions, r.exceptions
    assert title in r.headings, r.headings


async def _session(base: str, name: str) -> StreamlitSession:
    s = StreamlitSession(base, SLUG[name])
    r = await s.connect()
    assert r.headings, "the page shows no heading"
    finished_cleanly(r, TITLES.get(name, r.headings[0]))
    return s


def published(r: RunResult, key: str, default: float) -> float:
    """A control's value as the page wrote it into the URL (absent = its default)."""
    q = urllib.parse.parse_qs(r.query_string)
    return float(q[key][-1]) if key in q else default


async def _valid_change_works(s: StreamlitSession) -> None:
    """The explorer session still works: a learning-rate change is applied and shown."""
    r = await s.rerun({"h": ("string_array_value", ["0.5"])})
    finished_cleanly(r, TITLES["explorer"])
    assert urllib.parse.parse_qs(r.query_string)["h"] == ["0.5"]
    if "simgd" in urllib.parse.parse_qs(r.query_string).get("methods", ["simgd"])[-1]:
        assert any(m.startswith(expected_rho(0.5)) for m in r.markdown), r.markdown


NAN, INF = math.nan, math.inf
EXPLORER_CASES: list[tuple[str, str, Any]] = [
    ("steps", "double_array_value", [1e9]),
    ("steps", "double_array_value", [NAN]),
    ("steps", "double_array_value", [-INF]),
    ("steps", "double_array_value", []),
    ("steps", "double_array_value", [10.0, 20.0]),
    ("theta0", "double_value", NAN),
    ("theta0", "double_value", INF),
    ("psi0", "double_value", -INF),
    ("psi0", "double_value", 1e308),
    ("view", "double_array_value", [NAN]),
    ("h", "string_array_value", ["99"]),  # not one of the options
    ("h", "string_array_value", ["nan"]),
    ("h", "string_array_value", []),
    ("n_gen", "int_value", 10**12),
    ("n_disc", "int_value", -(10**12)),
    ("n_gen", "double_value", 2.5),
    ("methods", "string_array_value", ["simgd", "nope"]),
    ("variant", "string_value", "nope"),
]


@pytest.mark.parametrize(
    ("key", "field_name", "value"), EXPLORER_CASES, ids=[f"{k}={v}" for k, _, v in EXPLORER_CASES]
)
def test_explorer_survives_a_hostile_widget_state(
    server: str, key: str, field_name: str, value: Any
) -> None:
    """Streamlit resets a non-finite or out-of-range widget value to the widget's default
    before the script sees it (for these keyed widgets without ``value=``: the minimum, or
    the first option; no note is shown). The page must render normally, the control must
    hold a value inside its range, and the session must stay usable."""
    specs = {s.key: s for s in base_specs()}

    async def scenario() -> None:
        s = await _session(server, "explorer")
        try:
            r = await s.rerun({key: (field_name, value)})
            finished_cleanly(r, TITLES["explorer"])
            spec = specs[key]
            if spec.kind in ("float", "int"):
                shown = published(r, key, spec.default)
                assert math.isfinite(shown) and spec.lo <= shown <= spec.hi, (key, shown)
            s.states.pop(key)  # a well-behaved client again
            await _valid_change_works(s)
        finally:
            await s.close()

    run_async(scenario)


INT_NAN_CASES = [
    ("explorer", "n_gen", NAN),
    ("explorer", "n_disc", INF),
    ("mode_collapse", "gmm_seed", -INF),
    ("mode_collapse", "gmm_seed", NAN),
]


@pytest.mark.parametrize(("name", "key", "value"), INT_NAN_CASES)
def test_integer_number_input_survives_nan_and_inf(
    server: str, name: str, key: str, value: float
) -> None:
    """Streamlit 1.67's integer number input does ``int(value)`` before its finiteness check,
    so NaN/±inf from a client would crash the session on every rerun; the whole-number
    inputs (float widgets, rounded) fall back to their default instead."""

    async def scenario() -> None:
        s = await _session(server, name)
        try:
            finished_cleanly(await s.rerun({key: ("double_value", value)}), TITLES[name])
            s.states.clear()
            finished_cleanly(await s.rerun(), TITLES[name])
        finally:
            await s.close()

    run_async(scenario)


def hostile_states(r: RunResult, kind: str) -> dict[str, tuple[str, Any]]:
    """A hostile value for every widget on the page, by widget type.

    No page may use Streamlit's integer number input: NaN/±inf sent for one crash the
    session inside Streamlit itself (see test_integer_number_input_survives_nan_and_inf);
    ui.controls.whole_number_input is the replacement.
    """
    out: dict[str, tuple[str, Any]] = {}
    number = {"nan": NAN, "inf": INF, "-inf": -INF, "huge": 1e308}[kind]
    for key, (etype, proto) in r.widgets().items():
        if etype == "slider" and proto.type == proto.Type.SELECT_SLIDER:
            out[key] = ("string_array_value", [kind])
        elif etype == "slider":
            out[key] = ("double_array_value", [number] * len(proto.default))
        elif etype == "number_input":
            assert proto.data_type != proto.DataType.INT, f"{key}: use whole_number_input"
            out[key] = ("double_value", number)
        elif etype in ("selectbox", "radio"):
            out[key] = ("string_value", kind)
        elif etype == "multiselect":
            out[key] = ("string_array_value", [kind, kind])
    return out


@pytest.mark.parametrize("kind", ["nan", "inf", "-inf", "huge"])
@pytest.mark.parametrize("name", list(SLUG))
def test_every_widget_of_every_page_survives_hostile_states(
    server: str, name: str, kind: str
) -> None:
    """All widgets of a page at once: NaN, ±inf or 1e308 in every number, an unknown option
    in every choice. The run finishes cleanly, and so does a normal rerun afterwards."""

    async def scenario() -> None:
        s = await _session(server, name)
        try:
            assert s.last is not None
            title = TITLES.get(name, s.last.headings[0])
            states = hostile_states(s.last, kind)
            assert states, "none of the page's widgets was found"
            finished_cleanly(await s.rerun(states), title)
            s.states.clear()  # a well-behaved client again
            finished_cleanly(await s.rerun(), title)
        finally:
            await s.close()

    run_async(scenario)


@pytest.mark.parametrize(
    "query",
    [
        "h=%ZZ&steps=%E2%82&theta0=%00",
        "h=0.5&h=&h=&&&=&=1",
        "variant=%3Cscript%3Ealert(1)%3C%2Fscript%3E&%3Cb%3E=1",
        "x=" + "y" * (512 * 1024 + 1),  # beyond Streamlit's query-string limit: ignored
        "&".join(f"k{i}=1" for i in range(1001)),  # beyond its parameter-count limit: ignored
    ],
    ids=["bad-percent", "empty-keys", "script", "oversized", "too-many"],
)
def test_raw_query_strings_over_the_websocket(server: str, query: str) -> None:
    """Query strings no address bar would produce, sent as the client state of a rerun
    (the HTTP server would refuse such a page URL before Streamlit sees it)."""

    async def scenario() -> None:
        s = await _session(server, "explorer")
        try:
            s.query_string = query
            r = await s.rerun()
            finished_cleanly(r, TITLES["explorer"])
            assert all("<script" not in m.lower() for m in r.markdown)
            s.query_string = r.query_string  # what the page wrote back
            await _valid_change_works(s)
        finally:
            await s.close()

    run_async(scenario)


@pytest.mark.parametrize("kind", ["nan", "inf", "-inf", "huge"])
def test_a_lessons_own_figure_controls_survive_hostile_states(server: str, kind: str) -> None:
    """The controls of a lesson's figure appear only after the prediction: commit one (as the
    browser sends it), then NaN, ±inf or 1e308 in every control at once; the run finishes
    cleanly, and so does a normal rerun afterwards."""
    from ui.content import TRY_IT

    lesson = "stability-map"  # two controls: the learning rate and n_disc

    async def scenario() -> None:
        s = StreamlitSession(server, SLUG["lessons"], query_string=f"lesson={lesson}")
        try:
            finished_cleanly(await s.connect(), TITLES["lessons"])
            choice = TRY_IT[lesson].choices[TRY_IT[lesson].correct]
            r = await s.rerun({f"les_predict_{lesson}": ("string_value", choice)})
            finished_cleanly(r, TITLES["lessons"])
            controls = {k for k in r.widgets() if k.startswith(f"les_ctl_{lesson}_")}
            assert len(controls) == 2, r.widgets().keys()
            states = {k: v for k, v in hostile_states(r, kind).items() if k in controls}
            assert set(states) == controls
            finished_cleanly(await s.rerun(states), TITLES["lessons"])
            for key in controls:
                s.states.pop(key)  # a well-behaved client again
            r = await s.rerun()
            finished_cleanly(r, TITLES["lessons"])
            # Streamlit moved the controls to values they offer; the figure shows their ρ
            assert any(re.search(r"\*\*AltGD\*\* · ρ = `\d+\.\d{6}`", m) for m in r.markdown)
        finally:
            await s.close()

    run_async(scenario)
