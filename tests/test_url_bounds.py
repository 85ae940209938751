"""Links at the edges of every numeric control of every page (issue 15, item 2).

For every page of ``tests.test_fuzz_urls.PAGES`` (so a new page is covered once it is listed
there) and every numeric URL spec: the page opened from a link at the control's min and max
and just beyond each; and, on the explorer, at the core's own min and max of every variant
parameter (``dynamics.variants``) and every method hyper-parameter (``HYPER_PARAMS``), with
the methods that use it selected. Checked: no exception, the controls draw the spec's range,
a value inside the control's range is applied exactly and silently, and every value that is
not applied exactly has a note naming its key (the nearest offered value for a value the
core accepts but the control does not offer, the default for one the core rejects).

The values of one kind (all minima, all maxima, ...) go into one link; a key whose outcome
in that link is not the expected one is opened again alone before the test fails, so an
interaction between two controls is not blamed on either.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dynamics.methods import HYPER_PARAMS, METHODS
from dynamics.variants import VARIANTS
from tests.test_fuzz_urls import PAGES, Page, check_widget_ranges, named, run_page
from ui.controls import LEARNING_RATES
from ui.routes import ROUTE, STABILITY
from ui.state import Spec

pytestmark = pytest.mark.slow

BOUNDS = ("min", "max", "below min", "above max")


def _context(name: str) -> dict[str, str]:
    """Selections that draw as many numeric controls as possible: every method on the
    explorer (so every hyper-parameter's control is drawn), the linear method that uses the
    most hyper-parameters on the stability map."""
    if name == "explorer":
        return {"methods": ",".join(METHODS), "split": "1"}
    if name == "stability":
        linear = next(s for s in ROUTE[STABILITY].specs({}) if s.key == "method").choices
        return {"method": max(linear, key=lambda m: len(METHODS[m].uses))}
    return {}


def _specs(page: Page, context: Mapping[str, str]) -> dict[str, Spec]:
    accepted: dict[str, Any] = dict(page.selectors)
    for key in page.selectors:
        if key in context:
            spec = next(s for s in page.specs(accepted) if s.key == key)
            accepted[key] = spec.parse(context[key])
    return {s.key: s for s in page.specs(accepted)}


def _numbers(specs: Mapping[str, Spec], context: Mapping[str, str]) -> list[Spec]:
    return [s for s in specs.values() if s.kind in ("int", "float") and s.key not in context]


def edge(spec: Spec, bound: str) -> float:
    """The control's min or max, or the nearest number beyond it."""
    lo, hi = (min(spec.allowed), max(spec.allowed)) if spec.allowed else spec.ui_range
    if bound == "min":
        return lo
    if bound == "max":
        return hi
    if spec.kind == "int":
        return lo - 1 if bound == "below min" else hi + 1
    return math.nextafter(lo, -math.inf) if bound == "below min" else math.nextafter(hi, math.inf)


def text(spec: Spec, x: float) -> str:
    return str(int(x)) if spec.kind == "int" else repr(float(x))


@dataclass(frozen=True)
class Outcome:
    value: Any  # what the control must hold
    exact: bool  # applied as given (then no note), else a note naming the key


def expected(spec: Spec, x: float) -> Outcome:
    """What a link value must become (``Spec`` is the oracle only for the control's range,
    stated independently here: the core range rejects, the control's range clamps)."""
    assert spec.lo is not None and spec.hi is not None
    in_core = spec.lo <= x <= spec.hi and (not spec.allowed or x in spec.allowed)
    if not in_core or (spec.kind == "int" and x != int(x)):
        return Outcome(spec.default, False)
    lo, hi = spec.ui_range
    near = min(max(x, lo), hi)
    near = int(near) if spec.kind == "int" else float(near)
    return Outcome(near, near == x)


def problems(at: AppTest, page: Page, values: Mapping[Spec, float]) -> dict[str, str]:
    """Keys whose control does not hold the expected value, or lack (or have) a note."""
    notes = [w.value for w in at.warning]
    out: dict[str, str] = {}
    for spec, x in values.items():
        want = expected(spec, x)
        got = at.session_state[page.prefix + spec.key]
        if got != want.value:
            out[spec.key] = f"{spec.key}={text(spec, x)} holds {got!r}, expected {want.value!r}"
        elif named(notes, spec.key) == want.exact:
            what = "has a note" if want.exact else "was not applied exactly and has no note"
            out[spec.key] = f"{spec.key}={text(spec, x)} {what}: {notes}"
    return out


def open_page(page: Page, query: Mapping[str, str]) -> AppTest:
    at = run_page(page, query)
    assert not at.exception, (dict(query), [e.value for e in at.exception])
    assert [t.value for t in at.title][:1] == [page.title]
    return at


def check_link(page: Page, context: Mapping[str, str], values: Mapping[Spec, float]) -> None:
    """Open the page with all ``values`` at once; re-open alone any key that looks wrong."""
    query = dict(context) | {s.key: text(s, x) for s, x in values.items()}
    at = open_page(page, query)
    check_widget_ranges(at, page, _specs(page, context))
    for key in problems(at, page, values):
        spec = next(s for s in values if s.key == key)
        alone = open_page(page, dict(context) | {key: text(spec, values[spec])})
        assert not problems(alone, page, {spec: values[spec]}), problems(
            alone, page, {spec: values[spec]}
        )


def _has_numeric_controls(name: str) -> bool:
    page = PAGES[name]()
    context = _context(name)
    return page.has_url_state and bool(_numbers(_specs(page, context), context))


#: Pages with a numeric control in their URL (the lessons page has only ``?lesson=``); a page
#: that gains one is tested automatically.
URL_PAGES = [n for n in PAGES if _has_numeric_controls(n)]


@pytest.mark.parametrize("bound", BOUNDS)
@pytest.mark.parametrize("name", URL_PAGES)
def test_every_numeric_control_at_its_edges(name: str, bound: str) -> None:
    page = PAGES[name]()
    context = _context(name)
    specs = _specs(page, context)
    numbers = _numbers(specs, context)
    assert numbers, f"{name}: no numeric control found"
    check_link(page, context, {s: edge(s, bound) for s in numbers})


def test_pages_without_url_state_open_cleanly() -> None:
    for name in PAGES:
        page = PAGES[name]()
        if not page.has_url_state:
            open_page(page, {})


# ------------------------------------------- the explorer at the core's own min and max


def _explorer_specs(query: Mapping[str, str]) -> dict[str, Spec]:
    return _specs(PAGES["explorer"](), query)


@pytest.mark.parametrize("bound", BOUNDS)
@pytest.mark.parametrize("variant", [v for v in VARIANTS if VARIANTS[v].params])
def test_explorer_variant_parameters_at_their_edges(variant: str, bound: str) -> None:
    """A variant parameter's control spans the core's whole range: its min and max are the
    core's (asserted), so this also opens the explorer at the core's own range."""
    context = {"variant": variant}
    specs = _explorer_specs(context)
    for p in VARIANTS[variant].params:
        assert (specs[p.name].lo, specs[p.name].hi, specs[p.name].ui_range) == (
            p.lo, p.hi, (p.lo, p.hi)
        )  # fmt: skip
    values = {specs[p.name]: edge(specs[p.name], bound) for p in VARIANTS[variant].params}
    check_link(PAGES["explorer"](), context, values)


#: The explorer's URL keys of each hyper-parameter (the learning rates: one h, or a pair).
HYPER_KEYS = {n: [n] for n in HYPER_PARAMS if n not in LEARNING_RATES}
HYPER_KEYS |= {"lr_gen": ["h", "h_gen"], "lr_disc": ["h_disc"]}


@pytest.mark.parametrize("end", ["lo", "hi"])
@pytest.mark.parametrize("name", list(HYPER_PARAMS))
def test_explorer_at_the_core_range_of_every_hyper_parameter(name: str, end: str) -> None:
    """With exactly the methods that use the parameter selected (its control drawn)."""
    users = [m for m in METHODS if name in METHODS[m].uses]
    context = {"methods": ",".join(users), "split": "1"}
    specs = _explorer_specs(context)
    x = getattr(HYPER_PARAMS[name], end)
    values = {specs[k]: x for k in HYPER_KEYS[name]}
    assert set(HYPER_KEYS) == set(HYPER_PARAMS)
    check_link(PAGES["explorer"](), context, values)


@pytest.mark.parametrize(
    "query",
    [
        {"methods": "momentum", "beta": "0.995"},
        {"methods": "momentum-alt", "beta": "0.999"},
    ],
)
def test_the_reported_links_open_with_the_nearest_beta(query: dict[str, str]) -> None:
    """The links of issue 15 (StreamlitValueAboveMaxError before): β moves to the slider's
    end, 0.99, with a note naming it."""
    at = open_page(PAGES["explorer"](), query)
    top = HYPER_PARAMS["beta"].ui_range[1]
    assert at.session_state["beta"] == top == at.slider(key="beta").max
    assert named([w.value for w in at.warning], "beta")


def test_the_pages_with_numeric_controls_are_all_tested() -> None:
    # A guard on the derived list: an empty or shrunken list would make the edge tests vacuous.
    assert {"explorer", "compare", "stability", "mode_collapse"} <= set(URL_PAGES)
