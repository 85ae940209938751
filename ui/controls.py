"""Widgets shared by the pages: hyper-parameter controls, the log-spaced learning rates, a
NaN-safe integer input, click snapping, and the session state of a preset.

The URL specs themselves (keys, ranges, defaults) are declared in ``ui.specs``, free of
Streamlit; the names below are re-exported from there for the pages. The method
hyper-parameters' ranges, labels and help come from ``dynamics.methods.HYPER_PARAMS``:
``hyper_widgets`` makes their controls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from dynamics.methods import HYPER_PARAMS, METHODS, HyperParam
from dynamics.presets import Preset
from dynamics.variants import get_variant
from ui.specs import ALL_PARAM_KEYS as ALL_PARAM_KEYS
from ui.specs import DENSITY_MAX as DENSITY_MAX
from ui.specs import DENSITY_MIN as DENSITY_MIN
from ui.specs import HIDE_KEY as HIDE_KEY
from ui.specs import LEARNING_RATES as LEARNING_RATES
from ui.specs import LR_MAX as LR_MAX
from ui.specs import LR_MIN as LR_MIN
from ui.specs import LR_OPTIONS as LR_OPTIONS
from ui.specs import N_SUBSTEPS_MAX as N_SUBSTEPS_MAX
from ui.specs import OTHER_HYPER as OTHER_HYPER
from ui.specs import START_MAX as START_MAX
from ui.specs import STEPS_MAX as STEPS_MAX
from ui.specs import VIEW_MAX as VIEW_MAX
from ui.specs import VIEW_MIN as VIEW_MIN
from ui.specs import base_specs as base_specs
from ui.specs import hyper_spec as hyper_spec
from ui.specs import log_grid as log_grid
from ui.specs import param_specs as param_specs
from ui.specs import with_hide as with_hide


def lr_options(current: float) -> list[float]:
    """The slider's options, with ``current`` added if a link asked for an off-grid value."""
    opts = set(LR_OPTIONS)
    if LR_MIN <= current <= LR_MAX:
        opts.add(current)
    return sorted(opts)


def format_lr(x: float) -> str:
    return f"{x:g}"


def _decimals(x: float) -> int:
    text = f"{x:g}"
    return len(text.split(".")[1]) if "." in text else 0


def _is_slider(p: HyperParam) -> bool:
    """A slider when its step lands on both ends of the range; else a number input."""
    lo, hi = p.ui_range
    n = (hi - lo) / (p.ui_step or 1.0)
    return abs(n - round(n)) < 1e-9 and round(n) <= 1000


def _is_narrow(p: HyperParam) -> bool:
    """Number inputs go two to a row; sliders take the whole width."""
    return p.integer or (not p.log_scale and not _is_slider(p))


def log_options(p: HyperParam, current: float) -> list[float]:
    """A log-scale parameter's slider options, with ``current`` added if it is off the grid."""
    lo, hi = p.ui_range
    opts = set(log_grid(lo, hi))
    if lo <= current <= hi:
        opts.add(current)
    return sorted(opts)


def hyper_widget(where: Any, p: HyperParam, *, key: str, **kw: Any) -> float | int:
    """The control of one hyper-parameter, from its schema entry."""
    lo, hi = p.ui_range
    # a narrow control shows its symbol (the help says it in words); a wide one the words too
    label = (p.short or p.symbol) if _is_narrow(p) else p.title[:1].upper() + p.title[1:]
    if p.integer:
        return whole_number_input(where, label, int(lo), int(hi), key=key, help=p.help, **kw)
    if p.log_scale:
        return where.select_slider(
            label, log_options(p, st.session_state[key]), key=key, format_func=format_lr,
            help=p.help + " (log-spaced)", **kw,
        )  # fmt: skip
    if _is_slider(p):
        return where.slider(label, lo, hi, key=key, step=p.ui_step, help=p.help, **kw)
    return where.number_input(
        label, lo, hi, key=key, step=p.ui_step, format=f"%.{_decimals(hi)}f", help=p.help, **kw
    )


def hyper_widgets(
    where: Any, names: Iterable[str], key: Callable[[str], str] = str, **kw: Any
) -> dict[str, float | int]:
    """Controls for the hyper-parameters ``names`` (in schema order): number inputs two to a
    row, sliders full width. Returns their values by name."""
    todo = [HYPER_PARAMS[n] for n in HYPER_PARAMS if n in set(names)]
    out: dict[str, float | int] = {}
    i = 0
    while i < len(todo):
        p = todo[i]
        if _is_narrow(p) and i + 1 < len(todo) and _is_narrow(todo[i + 1]):
            cols = where.columns(2)
            for col, q in zip(cols, todo[i : i + 2], strict=True):
                out[q.name] = hyper_widget(col, q, key=key(q.name), **kw)
            i += 2
        else:
            out[p.name] = hyper_widget(where, p, key=key(p.name), **kw)
            i += 1
    return out


def preset_state(p: Preset) -> dict[str, object]:
    """Session-state values that reproduce a preset."""
    variant = get_variant(p.variant)
    state: dict[str, object] = {
        "variant": p.variant,
        "methods": list(p.methods),
        "h": p.lr,
        "split": False,
        "h_gen": p.lr,
        "h_disc": p.lr,
        "n_gen": p.n_gen,
        "n_disc": p.n_disc,
        "beta": p.beta,
        "steps": p.steps,
        "theta0": p.start[0],
        "psi0": p.start[1],
        "view": p.view,
    }
    for prm in variant.params:
        state[prm.name] = float(p.params.get(prm.name, prm.default))
    # The preset's methods' other hyper-parameters at their defaults (lookahead k = 5, α = 0.5
    # in "Lookahead-minmax (k = 5, α = 0.5) ...", even after the controls were moved).
    used = set().union(*(METHODS[m].uses for m in p.methods))
    for name in OTHER_HYPER:
        if name in used and name not in state:
            state[name] = hyper_spec(name).default
    return state


def whole_number_input(
    where: Any, label: str, lo: int, hi: int, *, key: str, step: int = 1, **kw: Any
) -> int:
    """An integer number input that survives NaN/±inf sent by a client.

    Streamlit 1.67's integer ``number_input`` converts the client's value with ``int()``
    before checking that it is finite, so NaN or ±inf from a hand-made websocket client
    crash that session on every rerun. The float widget checks first and falls back to its
    default, so we use it with ``format="%.0f"`` (``%d`` on a float logs a warning
    with a stack trace on every rerun) and round.
    """
    if key in st.session_state:
        st.session_state[key] = float(st.session_state[key])
    value = where.number_input(
        label, float(lo), float(hi), key=key, step=float(step), format="%.0f", **kw
    )
    return round(value)


def snap(x: float, step: float, lo: float, hi: float) -> float:
    """Round a clicked coordinate to the click grid, inside [lo, hi], without float noise.

    ``x`` is clamped first: a hand-made click far outside the chart (1e307) would overflow
    ``x / step`` to inf, which ``round`` cannot take.
    """
    v = round(min(hi, max(lo, x)) / step) * step
    digits = max(0, 3 - math.floor(math.log10(step)))
    return float(min(hi, max(lo, round(v, digits))))
