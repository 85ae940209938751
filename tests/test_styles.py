"""Line styles of the training methods (ui/figures/common.py) are derived from the registry.

A new method needs no style entry: it gets the next free colour and marker, and no method's
style changes when another is added.
"""

from __future__ import annotations

import re

import plotly.graph_objects as go
import pytest

from dynamics.methods import METHODS
from ui.figures.common import _STYLE_OVERRIDES, METHOD_STYLE, _derived_styles, style_of


def test_every_method_has_a_style_of_its_own_and_no_stale_overrides() -> None:
    assert list(METHOD_STYLE) == list(METHODS)
    assert set(_STYLE_OVERRIDES) <= set(METHODS), "a style for a method that is gone"
    assert all(style_of(m) == METHOD_STYLE[m] for m in METHODS)


@pytest.mark.parametrize("extra", [1, 5, 40])
def test_new_methods_get_distinct_styles_and_change_no_other(extra: int) -> None:
    names = [*METHODS, *(f"new-{i}" for i in range(extra))]
    styles = _derived_styles(names, _STYLE_OVERRIDES)
    assert list(styles) == names
    assert len({s.color for s in styles.values()}) == len(names), "two methods share a colour"
    assert all(re.fullmatch(r"#[0-9A-F]{6}", s.color) for s in styles.values())
    for s in styles.values():  # Plotly's own validation; the start marker is the open form
        go.Scatter(line=dict(color=s.color, dash=s.dash), marker=dict(symbol=s.symbol))
        go.Scatter(marker=dict(symbol=s.symbol + "-open"))
    assert all(styles[m] == METHOD_STYLE[m] for m in METHODS)
    # adding one more changes none of those before it
    more = _derived_styles([*names, "one-more"], _STYLE_OVERRIDES)
    assert all(more[n] == styles[n] for n in names)


def test_a_method_without_an_override_gets_a_derived_style() -> None:
    names = list(METHODS)
    victim = next(m for m in reversed(names) if m in _STYLE_OVERRIDES)
    without = dict(_STYLE_OVERRIDES)
    dropped = without.pop(victim)
    styles = _derived_styles(names, without)
    assert styles[victim] != dropped
    assert styles[victim].color not in {s.color for s in without.values()}
