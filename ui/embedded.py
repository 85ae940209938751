"""A small explorer view for other pages: the start page's picture and each lesson's figure.

An explorer link's query is read with the explorer's own URL specs (``ui.controls``), the
numbers come from the explorer's cached core calls (``ui.compute``) and the figures from
its builders (``ui.figures.explorer``): the view shows exactly what the explorer shows for the same
link, in less room, with only the controls a lesson is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from dynamics.methods import HYPER_PARAMS, METHODS, Hyper
from dynamics.variants import get_variant
from ui import budget, compat, compute, presenter
from ui.controls import (
    LR_MAX,
    LR_MIN,
    OTHER_HYPER,
    STEPS_MAX,
    base_specs,
    format_lr,
    hyper_widget,
    lr_options,
    param_specs,
)
from ui.figures.explorer import PathView, distance_figure, explorer_figure
from ui.figures.spec import for_projector, unbuilt_spec
from ui.live_chart import live_chart
from ui.panels import _badge, fmt_eigs, verdict_text
from ui.specs import GMM_DYN_LABEL
from ui.state import Spec

#: A figure's extra height in presenter mode, on top of ``for_projector``'s.
PROJECTOR_EXTRA_HEIGHT = 1.1
#: Explorer URL keys a lesson may offer as its own controls: the learning rate, the number
#: of steps, every method hyper-parameter and every variant parameter.
BASE_CONTROLS = ("h", "steps", *OTHER_HYPER)


@dataclass(frozen=True)
class ExplorerSettings:
    variant: str
    params: compute.ParamsKey
    methods: tuple[str, ...]
    hyper: Hyper
    steps: int
    start: tuple[float, float]
    view: float
    density: float
    speed: bool


def explorer_specs(variant: str) -> dict[str, Spec]:
    """The explorer's URL specs for ``variant``, by key."""
    return {s.key: s for s in base_specs() + param_specs(variant)}


def explorer_settings(query: Mapping[str, Any]) -> ExplorerSettings:
    """The explorer's settings for a link's query (raw strings or parsed values), read
    with the explorer's specs; a value the explorer would reject raises ``ValueError``."""

    def value(spec: Spec) -> Any:
        raw = query.get(spec.key)
        if raw is None:
            return spec.default
        if isinstance(raw, str):
            return spec.parse(raw)
        return round(raw) if spec.kind == "int" else raw  # a whole-number input holds a float

    base = {s.key: value(s) for s in base_specs()}
    if base["split"]:
        raise ValueError("an embedded view uses one learning rate")
    variant = base["variant"]
    params = {s.key: float(value(s)) for s in param_specs(variant)}
    hyper = Hyper(
        lr_gen=float(base["h"]),
        lr_disc=float(base["h"]),
        **{n: base[n] for n in OTHER_HYPER},
    )
    return ExplorerSettings(
        variant=variant,
        params=compute.params_key(params),
        methods=tuple(base["methods"]),
        hyper=hyper,
        steps=int(base["steps"]),
        start=(float(base["theta0"]), float(base["psi0"])),
        view=float(base["view"]),
        density=float(base["density"]),
        speed=bool(base["speed"]),
    )


def applicable(key: str, s: ExplorerSettings) -> bool:
    """Whether the control ``key`` changes anything for these settings."""
    if key in ("h", "steps"):
        return True
    if key in HYPER_PARAMS:
        return any(key in METHODS[m].uses for m in s.methods)
    return key in dict(s.params)


def control(where: Any, key: str, variant: str, *, state_key: str) -> None:
    """The widget of explorer control ``key`` (its value lives in ``state_key``)."""
    if key == "h":
        where.select_slider(
            "Learning rate h", lr_options(st.session_state[state_key]), key=state_key,
            format_func=format_lr,
            help=f"Step size of both players (log-spaced from {LR_MIN:g} to {LR_MAX:g}).",
        )  # fmt: skip
    elif key == "steps":
        where.slider("Number of steps", 1, STEPS_MAX, key=state_key, help="Training steps.")
    elif key in HYPER_PARAMS:
        hyper_widget(where, HYPER_PARAMS[key], key=state_key)
    else:
        prm = get_variant(variant).param_index[key]
        where.slider(
            prm.label, float(prm.lo), float(prm.hi), key=state_key, step=0.01, help=prm.help
        )


def rho_lines(s: ExplorerSettings) -> str:
    """The Jacobian's eigenvalues and each method's ρ and verdict, as the explorer's
    eigenvalue panel words them (one Markdown element)."""
    lines = []
    first = compute.spectra(s.variant, s.params, s.methods[0], compute.hyper_key(s.hyper))
    cont = first.continuous
    if cont.numeric is not None and cont.analytic is not None:
        lines.append(
            f"numeric eigenvalues of J: `{fmt_eigs(cont.numeric)}` · "
            f"closed form: `{fmt_eigs(cont.analytic)}`"
        )
    for m in s.methods:
        u = compute.spectra(s.variant, s.params, m, compute.hyper_key(s.hyper)).update
        if u.spectral_radius is None:
            lines.append(f"**{METHODS[m].label}**: no linear update operator.")
            continue
        rho = u.spectral_radius
        rho_s = f"{rho:.6f}" if rho < 1e6 else f"{rho:.6g}"
        lines.append(
            f"**{METHODS[m].label}** · ρ = `{rho_s}` · "
            f":{_badge(u.verdict)}[{verdict_text(u.verdict, rho)}]"
        )
    return "  \n".join(lines)


def figures(
    s: ExplorerSettings, *, height: int, distance: bool = True
) -> tuple[go.Figure, go.Figure | None, list[str]]:
    """(field with replay, distance plot or None, notes: a cut run, each diverged path)."""
    hk = compute.hyper_key(s.hyper)
    # the explorer's bounded work per rerun (ui/budget.py), none for a tab that has closed
    n_steps = budget.steps_within(
        s.steps,
        sum(budget.hyper_units(s.variant, m, s.hyper) for m in s.methods),
    )
    compat.stop_if_disconnected()  # once: the budget bounds all methods' paths together
    runs = {}
    for m in s.methods:
        runs[m] = compute.trajectory(s.variant, s.params, m, hk, s.start, n_steps)
    variant = get_variant(s.variant)
    lines = compute.streamlines(s.variant, s.params, s.view, s.density)
    speed = compute.speed(s.variant, s.params, s.view) if s.speed else None
    eqs = compute.equilibria(s.variant, s.params, s.view)
    paths = [
        PathView(m, METHODS[m].label, r.points, r.status, r.diverged_at) for m, r in runs.items()
    ]
    psi_limit = variant.psi_bound(dict(s.params)) if variant.psi_bound else None
    scale = presenter.scale()
    # a projector's larger fonts need a taller figure (for_projector adds 15 % more), or the
    # two panels' titles collide
    tall = round(height * (PROJECTOR_EXTRA_HEIGHT if scale > 1 else 1.0))
    field = _short_titles(
        explorer_figure(
            lines, paths, view=s.view, psi_limit=psi_limit, speed=speed, equilibria=eqs,
            height=tall,
        ),
    )  # fmt: skip
    field = for_projector(field, scale)
    dist = None
    if distance and runs:
        series = [
            (
                m,
                METHODS[m].label,
                np.hypot(r.points[:, 0], r.points[:, 1]),
                compute.spectra(s.variant, s.params, m, hk).update.spectral_radius,
            )
            for m, r in runs.items()
        ]
        dist = for_projector(distance_figure(series, height=300), scale)
    notes = [budget.cut_note(s.steps, n_steps, [METHODS[m].label for m in s.methods])]
    notes = notes if n_steps < s.steps else []
    notes += [
        f"{METHODS[m].label} diverged at step {r.diverged_at} (|θ| or |ψ| beyond 10⁶)."
        for m, r in runs.items()
        if r.status == "diverged"
    ]
    return field, dist, notes


#: Subplot titles written for the explorer's wide figure, as they fit half a screen.
SHORT_TITLES = {
    "Data space at the current step": "Data space: data δ₀, generator δ<sub>θ</sub>, D(x) = ψx"
}


def _short_titles(fig: go.Figure) -> go.Figure:
    """``fig`` with its long subplot titles shortened (a narrow figure clips them) and its
    panels' titles apart (a short figure brings them together)."""
    spec = unbuilt_spec(fig)
    layout = spec["layout"] if spec is not None else None
    if layout is None or not layout.get("annotations"):
        return fig
    out = []
    for a in layout["annotations"]:
        text = str(a.get("text", ""))
        short = next((v for k, v in SHORT_TITLES.items() if text.startswith(k)), None)
        out.append({**a, "text": short} if short else a)
    layout["annotations"] = out  # a new list: the cached skeleton's is left alone
    # the field's θ title close to its ticks: it touched the data space's title below
    xaxis = dict(layout.get("xaxis") or {})
    title = xaxis.get("title")
    xaxis["title"] = {**(title if isinstance(title, dict) else {"text": title}), "standoff": 2}
    layout["xaxis"] = xaxis
    return fig


def draw(fig: go.Figure, *, key: str, alt: str, autoplay: bool = False) -> None:
    """A figure in a ``ui.live_chart`` (no clicks: the start is part of the lesson)."""
    live_chart(fig, key=key, alt=alt, autoplay=autoplay)


# ----------------------------------------------------------- the mode-collapse lesson's view

#: The mode-collapse page's two dynamics, as its outcome table names them.
GMM_LABEL = GMM_DYN_LABEL
#: The mode-collapse page's URL keys an embedded view reads (``target1``/``target2`` are
#: optional); the others keep the core's defaults (``dynamics.gmm.GMMSettings``), as on the
#: page.
GMM_KEYS = ("mu1", "mu2", "k", "steps", "target1", "target2", "ell")


def gmm_view(query: Mapping[str, Any], *, height: int = 460) -> tuple[go.Figure, str, list[str]]:
    """(time series of both dynamics, their outcome lines, notes) for a mode-collapse link
    with ``mu1``, ``mu2``, ``k`` and ``steps`` (strings or numbers), and optionally the data's
    means ``target1``, ``target2``; the rest are the core's defaults."""
    from dynamics.gmm import GMMSettings
    from ui import gmm_compute
    from ui.figures.gmm import Series, series_figure

    d = GMMSettings()
    k_lo, k_hi = d.RANGES["k"]
    k = int(min(max(round(float(query["k"])), k_lo), k_hi))
    start = (float(query["mu1"]), float(query["mu2"]))
    target = (
        float(query.get("target1", d.target[0])),
        float(query.get("target2", d.target[1])),
    )
    if query.get("ell", "optimal") != "optimal":
        raise ValueError("an embedded view starts the first-order discriminator optimally")
    asked = int(float(query["steps"]))
    steps = gmm_compute.steps_within_budget(asked, k)
    runs = {}
    for dyn in GMM_LABEL:
        compat.stop_if_disconnected()
        settings = GMMSettings(dynamics=dyn, target=target, steps=steps, k=k)
        runs[dyn] = gmm_compute.single_run(settings, start, "optimal")
    lines = []
    for dyn, r in runs.items():
        status = gmm_compute.status_of(r, target, d.tol, d.collapse)
        m1, m2 = r.mu[-1]
        lines.append(
            f"**{GMM_LABEL[dyn]}**: {status} · final μ = ({m1:.4f}, {m2:.4f}) · "
            f"TV = {r.tv[-1]:.4f} · |μ₁ − μ₂| = {r.gap[-1]:.4f} · "
            f"(1 + TV) − L = {r.suboptimality[-1]:.4f} · ‖∇μ L‖ = {r.grad_norm[-1]:.3e}"
        )
    series = [
        Series(dyn, GMM_LABEL[dyn].lower(), r.tv, r.suboptimality, r.gap, r.grad_norm)
        for dyn, r in runs.items()
    ]
    fig = for_projector(series_figure(series, height=height), presenter.scale())
    notes = [f"Showing the first {steps} of {asked} steps (the page's work limit)."]
    notes = notes if steps < asked else []
    return fig, "  \n".join(lines), notes
