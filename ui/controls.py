"""Widget specs shared by the pages: URL keys, ranges and the log-spaced learning rates."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from dynamics.methods import HYPER_RANGES, METHODS, Hyper
from dynamics.presets import DEFAULT_PRESET, Preset
from dynamics.variants import VARIANTS, get_variant
from ui.state import Spec

#: Learning rates offered by the log-spaced slider: "nice" values, ~21 per decade.
_MANTISSAS = (1, 1.1, 1.2, 1.3, 1.5, 1.6, 1.8, 2, 2.2, 2.5, 2.8, 3, 3.5, 4, 4.5, 5, 5.5, 6, 7, 8, 9)
LR_MIN, LR_MAX = 0.001, 2.0
LR_OPTIONS: tuple[float, ...] = tuple(
    v
    for e in (-3, -2, -1, 0)
    for m in _MANTISSAS
    if LR_MIN <= (v := round(m * 10.0**e, 6)) <= LR_MAX
)
STEPS_MAX = 5000
START_MAX = 20.0
VIEW_MIN, VIEW_MAX = 0.5, 20.0
DENSITY_MIN, DENSITY_MAX = 0.3, 3.0
N_SUBSTEPS_MAX = 20


def lr_options(current: float) -> list[float]:
    """The slider's options, with ``current`` added if a link asked for an off-grid value."""
    opts = set(LR_OPTIONS)
    if LR_MIN <= current <= LR_MAX:
        opts.add(current)
    return sorted(opts)


def format_lr(x: float) -> str:
    return f"{x:g}"


def base_specs() -> list[Spec]:
    """Controls of the explorer that do not depend on the variant."""
    d = DEFAULT_PRESET
    hp = Hyper()
    return [
        Spec("variant", "choice", d.variant, choices=tuple(VARIANTS), label="variant"),
        Spec("methods", "multi", list(d.methods), choices=tuple(METHODS), label="methods"),
        Spec("h", "float", d.lr, LR_MIN, LR_MAX, label="learning rate h"),
        Spec("split", "bool", False, label="separate learning rates"),
        Spec("h_gen", "float", d.lr, LR_MIN, LR_MAX, label="generator learning rate"),
        Spec("h_disc", "float", d.lr, LR_MIN, LR_MAX, label="discriminator learning rate"),
        Spec("n_gen", "int", d.n_gen, 1, N_SUBSTEPS_MAX, label="generator steps n_gen"),
        Spec("n_disc", "int", d.n_disc, 1, N_SUBSTEPS_MAX, label="discriminator steps n_disc"),
        Spec("beta", "float", hp.beta, *HYPER_RANGES["beta"], label="momentum β"),
        Spec("beta1", "float", hp.beta1, *HYPER_RANGES["beta1"], label="Adam β₁"),
        Spec("beta2", "float", hp.beta2, *HYPER_RANGES["beta2"], label="Adam β₂"),
        Spec("steps", "int", d.steps, 1, STEPS_MAX, label="number of steps"),
        Spec("theta0", "float", d.start[0], -START_MAX, START_MAX, label="start θ₀"),
        Spec("psi0", "float", d.start[1], -START_MAX, START_MAX, label="start ψ₀"),
        Spec("view", "float", d.view, VIEW_MIN, VIEW_MAX, label="view half-width"),
        Spec("density", "float", 1.0, DENSITY_MIN, DENSITY_MAX, label="streamline density"),
        Spec("speed", "bool", False, label="colour by speed"),
    ]


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
