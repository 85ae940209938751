"""Widget specs shared by the pages: URL keys, ranges and the log-spaced learning rates.

The method hyper-parameters' ranges, labels and help come from ``dynamics.methods.HYPER_PARAMS``:
``hyper_spec`` makes their URL specs and ``hyper_widgets`` their controls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from dynamics.methods import HYPER_PARAMS, METHODS, HyperParam
from dynamics.presets import DEFAULT_PRESET, Preset
from dynamics.variants import VARIANTS, get_variant
from ui.state import Spec

#: Values offered by a log-spaced slider: "nice" values, ~21 per decade (1, 2, 5 per decade
#: over a range of more than four decades).
_MANTISSAS = (1, 1.1, 1.2, 1.3, 1.5, 1.6, 1.8, 2, 2.2, 2.5, 2.8, 3, 3.5, 4, 4.5, 5, 5.5, 6, 7, 8, 9)
_COARSE = (1, 2, 5)


def log_grid(lo: float, hi: float) -> tuple[float, ...]:
    """Nice log-spaced values in [lo, hi]."""
    e0, e1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    mantissas = _MANTISSAS if e1 - e0 <= 4 else _COARSE
    return tuple(
        v
        for e in range(e0, e1 + 1)
        for m in mantissas
        if lo <= (v := float(f"{m * 10.0**e:.6g}")) <= hi
    )


LR_MIN, LR_MAX = HYPER_PARAMS["lr_gen"].ui_range
LR_OPTIONS: tuple[float, ...] = log_grid(LR_MIN, LR_MAX)
STEPS_MAX = 5000
START_MAX = 20.0
VIEW_MIN, VIEW_MAX = 0.5, 20.0
DENSITY_MIN, DENSITY_MAX = 0.3, 3.0
N_SUBSTEPS_MAX = int(HYPER_PARAMS["n_gen"].ui_range[1])


def lr_options(current: float) -> list[float]:
    """The slider's options, with ``current`` added if a link asked for an off-grid value."""
    opts = set(LR_OPTIONS)
    if LR_MIN <= current <= LR_MAX:
        opts.add(current)
    return sorted(opts)


def format_lr(x: float) -> str:
    return f"{x:g}"


#: The learning rates have their own controls (one h, or h_gen and h_disc when split).
LEARNING_RATES = ("lr_gen", "lr_disc")
#: The other hyper-parameters: one control each, for the methods that use them.
OTHER_HYPER = tuple(n for n in HYPER_PARAMS if n not in LEARNING_RATES)


def hyper_spec(
    name: str, key: str | None = None, *, default: float | None = None, label: str | None = None
) -> Spec:
    """URL spec of hyper-parameter ``name``: the core's range, the controls' narrower one."""
    p = HYPER_PARAMS[name]
    value = p.default if default is None else default
    return Spec(
        key or name,
        "int" if p.integer else "float",
        int(value) if p.integer else float(value),
        p.lo,
        p.hi,
        label=label or p.title,
        ui_lo=p.ui_lo,
        ui_hi=p.ui_hi,
    )


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


def base_specs() -> list[Spec]:
    """Controls of the explorer that do not depend on the variant."""
    d = DEFAULT_PRESET
    preset_hyper = {"n_gen": d.n_gen, "n_disc": d.n_disc}
    return [
        Spec("variant", "choice", d.variant, choices=tuple(VARIANTS), label="variant"),
        Spec("methods", "multi", list(d.methods), choices=tuple(METHODS), label="methods"),
        hyper_spec("lr_gen", "h", default=d.lr, label="learning rate h"),
        Spec("split", "bool", False, label="separate learning rates"),
        hyper_spec("lr_gen", "h_gen", default=d.lr),
        hyper_spec("lr_disc", "h_disc", default=d.lr),
        *(hyper_spec(n, default=preset_hyper.get(n)) for n in OTHER_HYPER),
        Spec("steps", "int", d.steps, 1, STEPS_MAX, label="number of steps"),
        Spec("theta0", "float", d.start[0], -START_MAX, START_MAX, label="start θ₀"),
        Spec("psi0", "float", d.start[1], -START_MAX, START_MAX, label="start ψ₀"),
        Spec("view", "float", d.view, VIEW_MIN, VIEW_MAX, label="view half-width"),
        Spec("density", "float", 1.0, DENSITY_MIN, DENSITY_MAX, label="streamline density"),
        Spec("speed", "bool", False, label="colour by speed"),
    ]


#: URL key of a curated link's hidden controls (a teacher's link: students see the others).
HIDE_KEY = "hide"


def with_hide(specs: list[Spec]) -> list[Spec]:
    """``specs`` and the ``hide`` spec, whose choices are the controls of ``specs`` and every
    variant's parameters: any control of the page can be hidden, nothing else."""
    own = tuple(s.key for s in specs)
    keys = own + tuple(k for k in ALL_PARAM_KEYS if k not in own)
    return [*specs, Spec(HIDE_KEY, "multi", [], choices=keys, label="hidden controls")]


def param_specs(variant: str) -> list[Spec]:
    """The variant's own parameters (their defaults are the variant's)."""
    return [
        Spec(p.name, "float", p.default, p.lo, p.hi, label=p.label)
        for p in get_variant(variant).params
    ]


ALL_PARAM_KEYS = tuple(sorted({p.name for v in VARIANTS.values() for p in v.params}))


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
