"""Dirac-GAN explorer: streamlines, training paths, live eigenvalues beside their formulas."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from dynamics.equilibria import fmt_point, path_disagreement
from dynamics.methods import METHODS, Hyper, get_method, half_steps
from dynamics.presets import PRESETS
from dynamics.references import cite
from dynamics.variants import VARIANTS, get_variant
from ui import budget, compat, compute, exports, presenter
from ui.boot import require_entrypoint
from ui.content import definitions
from ui.controls import (
    ALL_PARAM_KEYS,
    DENSITY_MAX,
    DENSITY_MIN,
    HIDE_KEY,
    LR_MAX,
    LR_MIN,
    OTHER_HYPER,
    START_MAX,
    STEPS_MAX,
    VIEW_MAX,
    VIEW_MIN,
    base_specs,
    format_lr,
    hyper_widgets,
    lr_options,
    param_specs,
    preset_state,
    snap,
    with_hide,
)
from ui.figures.explorer import PathView, distance_figure, explorer_figure
from ui.figures.spec import for_projector
from ui.glossary import Linker
from ui.live_chart import live_chart
from ui.panels import spectrum_panel, spectrum_summary
from ui.routes import EXPLORER
from ui.settings import ExplorerControls
from ui.state import Spec, UrlState, new_click

require_entrypoint()

#: One screen (field, transport, spectrum summary in view without scrolling): less blank
#: space above the title, a smaller title. A constant style sheet, never built from input.
ONE_SCREEN_CSS = (
    "<style>.stMainBlockContainer { padding-top: 3.6rem; } "
    ".stMain h1 { font-size: 2rem; padding: 0 0 0.2rem; } "
    # a short laptop screen (1280×800): every pixel of height goes to the field
    "@media (max-height: 860px) and (min-width: 640px) { .stMain h1 { font-size: 1.6rem; "
    "padding: 0; } }</style>"
)
#: The field chart's height follows the window (ui/live_chart.py ``fit``): at most this
#: times its width, so the square plane fills the width with the data space below (beside it
#: on a projector), and never below ``min`` px. Below it, the data space keeps ``below`` px
#: and ``gap`` px separate the two (the plane's ticks and θ title); the plane takes the rest
#: (``legend``: the two legend rows above the plane).
FIT_STACKED = {"aspect": 1.6, "min": 380, "below": 76, "gap": 60, "legend": 30}
FIT_SIDE = {"aspect": 0.8, "min": 380}
SNAP_CELLS = 100  # a start clicked on the field is rounded to view / 100 (0.02 at the default view)


def _apply_preset() -> None:
    name: Any = st.session_state.get("preset")  # whatever the state holds
    if name in PRESETS:
        for key, value in preset_state(PRESETS[name]).items():
            st.session_state[key] = value


def _forget_departed_preset() -> None:
    """Show "—" in the preset box once any control differs from the chosen preset's values.

    Runs before the widgets exist (a widget's state cannot change after it is drawn); every
    control change reruns the page, so the box is right on the run that shows the change.
    """
    name: Any = st.session_state.get("preset")  # whatever the state holds
    if name not in PRESETS:
        return
    for key, value in preset_state(PRESETS[name]).items():
        now = st.session_state.get(key)
        same = (
            list(now) == list(value)
            if isinstance(value, list) and isinstance(now, list)
            else now == value
        )
        if not same:
            st.session_state["preset"] = "—"
            return


def _variant_changed() -> None:
    if st.session_state.get("variant") not in VARIANTS:
        return  # a client sent an unknown option: the page falls back to the default below
    for spec in param_specs(st.session_state["variant"]):
        st.session_state[spec.key] = spec.default


class _Fixed:
    """Stands in for the sidebar for a control a curated link hides: draws nothing and
    returns the control's value (validated from the URL like any other)."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, key, **kw: st.session_state.get(key)


def _hidden() -> set[str]:
    """URL keys of the controls a curated link (``?hide=…``) hides."""
    return set(st.session_state.get(HIDE_KEY) or ())


def _consume_click() -> None:
    """Move the start to a point clicked on the field (rounded to view / SNAP_CELLS)."""
    xy = new_click("field_chart")
    if xy is not None and not {"theta0", "psi0"} & _hidden():
        step = float(st.session_state.get("view", 2.0)) / SNAP_CELLS
        st.session_state["theta0"] = snap(xy[0], step, -START_MAX, START_MAX)
        st.session_state["psi0"] = snap(xy[1], step, -START_MAX, START_MAX)


def explorer_controls(url: UrlState) -> ExplorerControls:
    """Sidebar widgets → a frozen ``ExplorerControls`` (a curated link hides some)."""
    sb = st.sidebar
    hidden = _hidden()

    def at(key: str) -> Any:
        return _Fixed() if key in hidden else sb

    def heading(title: str, keys: set[str]) -> None:
        if not keys <= hidden:  # a section whose controls are all hidden shows no heading
            sb.subheader(title)

    if hidden:
        sb.caption("This link shows only some controls; the others are fixed by the link.")
    (_Fixed() if hidden else sb).selectbox(  # a preset would change the hidden controls
        "Preset (the authors' figure panels and more)",
        ["—", *PRESETS],
        key="preset",
        persist_state="session",
        on_change=_apply_preset,
        help="Loads every setting of one panel of Mescheder et al.'s figures (or a method demo).",
    )
    heading("Game", {"variant", *(p.name for p in get_variant(st.session_state["variant"]).params)})
    variant = at("variant").selectbox(
        "Variant",
        list(VARIANTS),
        key="variant",
        persist_state="session",
        format_func=lambda n: VARIANTS[n].label,
        on_change=_variant_changed,
        help="The GAN objective and regulariser; each defines its own vector field.",
    )
    params: dict[str, float] = {}
    for prm in get_variant(variant).params:
        params[prm.name] = at(prm.name).slider(
            prm.label,
            float(prm.lo),
            float(prm.hi),
            key=prm.name,
            persist_state="session",
            step=0.01,
            help=prm.help,
        )
    heading("Training", {"methods", "split", "h", "h_gen", "h_disc", "steps", *OTHER_HYPER})
    methods = at("methods").multiselect(
        "Training methods (overlaid)",
        list(METHODS),
        key="methods",
        persist_state="session",
        format_func=lambda n: METHODS[n].label,
        help="SimGD: both players step at once. AltGD: they take turns. Flow: the "
        "continuous-time limit (tiny steps). More optimisers are listed too.",
    )
    split = at("split").checkbox(
        "Separate generator / discriminator learning rates",
        key="split",
        persist_state="session",
        help="Two-time-scale training: h_gen for θ, h_disc for ψ.",
    )
    if split:
        h_gen = at("h_gen").select_slider(
            "Generator learning rate h_gen",
            lr_options(st.session_state["h_gen"]),
            key="h_gen",
            persist_state="session",
            format_func=format_lr,
            help="Step size of the generator (log-spaced).",
        )
        h_disc = at("h_disc").select_slider(
            "Discriminator learning rate h_disc",
            lr_options(st.session_state["h_disc"]),
            key="h_disc",
            persist_state="session",
            format_func=format_lr,
            help="Step size of the discriminator (log-spaced).",
        )
    else:
        h_gen = h_disc = at("h").select_slider(
            "Learning rate h",
            lr_options(st.session_state["h"]),
            key="h",
            persist_state="session",
            format_func=format_lr,
            help=f"Step size of both players (log-spaced from {LR_MIN:g} to {LR_MAX:g}). For the "
            "flow, the time between two samples.",
        )
    uses = set().union(*(METHODS[m].uses for m in methods)) if methods else set()
    hyper: dict[str, Any] = {"lr_gen": h_gen, "lr_disc": h_disc}  # floats and ints
    # one control per hyper-parameter the chosen methods use, from dynamics.methods.HYPER_PARAMS
    used = [n for n in OTHER_HYPER if n in uses]
    hyper |= hyper_widgets(sb, [n for n in used if n not in hidden], persist_state="session")
    hyper |= {n: st.session_state[n] for n in used if n in hidden}
    steps = at("steps").slider(
        "Number of steps",
        1,
        STEPS_MAX,
        key="steps",
        persist_state="session",
        help="Training steps to simulate.",
    )
    if {"theta0", "psi0"} & hidden:
        heading("Start point", {"theta0", "psi0"})
    else:  # the heading and the tip in one element (every element is a message per rerun)
        sb.markdown(
            "### Start point\n\n:small[:gray[Tip: click anywhere on the field to start there.]]"
        )
    c1, c2 = sb.columns(2) if not {"theta0", "psi0"} <= hidden else (sb, sb)
    theta0 = (_Fixed() if "theta0" in hidden else c1).number_input(
        "θ₀ (generator)",
        -START_MAX,
        START_MAX,
        key="theta0",
        persist_state="session",
        step=0.05,
        format="%.3f",
        help="Initial generator position. Or click anywhere on the field.",
    )
    psi0 = (_Fixed() if "psi0" in hidden else c2).number_input(
        "ψ₀ (discriminator)",
        -START_MAX,
        START_MAX,
        key="psi0",
        persist_state="session",
        step=0.05,
        format="%.3f",
        help="Initial discriminator weight. Or click anywhere on the field.",
    )
    heading("View", {"view", "density", "speed"})
    view = at("view").slider(
        "View half-width",
        VIEW_MIN,
        VIEW_MAX,
        key="view",
        persist_state="session",
        step=0.5,
        help="The plot shows [−w, w]²; zoom out to watch a path diverge.",
    )
    density = at("density").slider(
        "Streamline density",
        DENSITY_MIN,
        DENSITY_MAX,
        key="density",
        persist_state="session",
        step=0.1,
        help="Spacing of the streamlines (1 = matplotlib's default).",
    )
    speed = at("speed").checkbox(
        "Colour by speed ‖v‖",
        key="speed",
        persist_state="session",
        help="Shade the background by the field's magnitude: the saturated quadrants θψ > 0 "
        "show up pale.",
    )
    return ExplorerControls(
        variant=variant,
        params=compute.params_key(params),
        methods=tuple(methods),
        hyper=Hyper(**hyper),
        split=split,
        steps=int(steps),
        start=(float(theta0), float(psi0)),
        view=float(view),
        density=float(density),
        speed=bool(speed),
    )


# ---------------------------------------------------------------------------- the page

url = UrlState.of(EXPLORER)
specs = with_hide(base_specs())


def _variant_param_specs() -> list[Spec]:
    """The parameters of the variant just seeded (URL or session)."""
    if st.session_state.get("variant") not in VARIANTS:  # only a hand-made client gets here
        st.session_state["variant"] = specs[0].default
    return param_specs(st.session_state["variant"])


url.begin(specs, then=_variant_param_specs, also_known=ALL_PARAM_KEYS)
_consume_click()
_forget_departed_preset()

c = explorer_controls(url)
all_specs = specs + param_specs(c.variant)
url.publish({s.key: st.session_state.get(s.key) for s in all_specs}, all_specs)
drawn = {s.key for s in all_specs} - {HIDE_KEY, *(("h",) if c.split else ("h_gen", "h_disc"))}
drawn -= {n for n in OTHER_HYPER if n not in set().union(*(METHODS[m].uses for m in c.methods))}
presenter.share_panel([(s.key, s.label or s.key) for s in all_specs if s.key in drawn])

variant = get_variant(c.variant)
st.html(ONE_SCREEN_CSS)
st.title("Dirac-GAN explorer")
for note in url.notes():
    st.warning(note, icon="⚠️")

# A bounded amount of work per rerun (ui/budget.py), and none for a tab that has closed.
n_steps = budget.steps_within(
    c.steps,
    sum(budget.hyper_units(c.variant, m, c.hyper) for m in c.methods),
)
if n_steps < c.steps:
    st.warning(budget.cut_note(c.steps, n_steps, [METHODS[m].label for m in c.methods]))
waited, cpu_mark = budget.hold_back(st.session_state)  # a fair share of the server's core
# once per rerun is enough: the budget bounds all methods' paths together (~1 s at most)
compat.stop_if_disconnected()
runs = {}
for m in c.methods:
    runs[m] = compute.trajectory(
        c.variant, c.params, m, compute.hyper_key(c.hyper), c.start, n_steps
    )
eqs = compute.equilibria(c.variant, c.params, c.view)
points = [e for e in eqs if e.segment is None]
eq_at = (0.0, 0.0)
if len(points) > 1 or (points and not points[0].is_origin):
    labels = {e.label(): e.point for e in points}
    choice = st.sidebar.selectbox(
        "Linearise at (eigenvalue panel)",
        list(labels),
        key="eq_at",
        help="The eigenvalues and verdicts are local: they describe paths that start close "
        "enough to the equilibrium chosen here.",
    )
    eq_at = labels.get(choice, eq_at)
at_text = fmt_point(eq_at)
spectra = {
    m: compute.spectra(
        c.variant, c.params, m, compute.hyper_key(c.hyper), None if eq_at == (0.0, 0.0) else eq_at
    )
    for m in c.methods
}
disagree = {
    m: why
    for m, r in runs.items()
    if (
        why := path_disagreement(
            r.points, r.status, spectra[m].update.verdict, spectra[m].update.spectral_radius, eq_at
        )
    )
}
lines = compute.streamlines(c.variant, c.params, c.view, c.density)
speed = compute.speed(c.variant, c.params, c.view) if c.speed else None
budget.account(st.session_state, cpu_mark)
if waited:
    st.info(budget.waited_note(waited), icon="⏳")
paths = [
    PathView(
        m, METHODS[m].label, r.points, r.status, r.diverged_at,
        # the replay's "half-steps": between the players' turns (AltGD and the like)
        half=half_steps(m, r.points), phases=METHODS[m].phases,
    )
    for m, r in runs.items()
]  # fmt: skip
psi_limit = variant.psi_bound(dict(c.params)) if variant.psi_bound else None

# a projector's wide screen: the field and the data space side by side take two thirds
col_fig, col_side = st.columns([2, 1] if presenter.active() else [3, 2], gap="medium")
with col_fig:
    if not c.methods:
        st.info("Choose at least one training method in the sidebar to draw its path.")
    fig = explorer_figure(
        lines, paths, view=c.view, psi_limit=psi_limit, speed=speed, equilibria=eqs,
        browser_replay=True, side=presenter.active(),
    )  # fmt: skip
    fig = for_projector(fig, presenter.scale())
    live_chart(
        fig,
        key="field_chart",
        clickable=True,
        fit=FIT_SIDE if presenter.active() else FIT_STACKED,
        config={
            "toImageButtonOptions": {
                "format": st.session_state.get("img_format", "png"),
                "filename": "dirac-gan",
            },
        },
        alt=f"Streamlines of the {variant.label} vector field with training paths of "
        + ", ".join(METHODS[m].label for m in c.methods),
    )
    for m, r in runs.items():
        label = METHODS[m].label
        if r.status == "diverged":
            st.error(f"{label} diverged at step {r.diverged_at} (|θ| or |ψ| beyond 10⁶).")
        elif r.status == "solver failed" and METHODS[m].failure_note:
            st.warning(
                f"{label}: {METHODS[m].failure_note} at step {r.failed_at}; the path is drawn "
                "up to the step before. A smaller h or another start gets further."
            )
        elif r.status == "solver failed":
            st.warning(
                f"{label}: the ODE solver could not continue after step {r.failed_at} (the "
                "field jumps across ψ = 0, which adaptive solvers resolve ever more finely); "
                "the path is drawn up to there. Fewer steps or a smaller h get further."
            )
        if m in disagree:
            st.info(f"{label}: {disagree[m]}", icon="🔎")
with col_side:
    spectrum_summary(c.methods, spectra, at_text)

# Below the one screen: how to read it, the formulas in full, the distance chart, exports.
link = Linker()  # the first use of each glossary term on the page links to its entry
# one caption (paragraphs): every element is a message and a React node per rerun
reading = [
    link(
        "Grey lines follow the vector field (arrows show its direction)"
        + ("; the blue shading is the speed ‖v‖ on a log scale, darker = faster" if c.speed else "")
        + ". Each coloured path is "
        "one training method from the same start (open marker) to its end (filled marker). "
        "Press ▶ Play (or step with −1 / +1) to replay training in the browser: the large marker "
        "is each method's position at that step, and the data-space panel shows the data point "
        "mass at 0, the generator's point mass at θ and the discriminator's line D(x) = ψx. "
        'Where the players take turns (AltGD), tick "half-steps" to step through the '
        "generator's move and then the discriminator's."
    ),
    link(
        "The Dirac-GAN of Mescheder, Geiger & Nowozin (ICML 2018): the data is a point mass at "
        "0, the generator a point mass at θ, the discriminator D(x) = ψx. Each training method "
        "moves (θ, ψ) along the vector field. (0, 0) is an equilibrium of every variant; some "
        "have more, all of those in view are drawn with their type."
    ),
]
if len(eqs) > 1 or any(e.segment is not None for e in eqs):
    reading.append(
        "Equilibria in view: " + "; ".join(e.label() for e in eqs) + ". The eigenvalue "
        f"panel linearises at {at_text}: its verdicts hold for paths that start close "
        "enough to that point."
    )
st.caption("\n\n".join(reading))
spectrum_panel(variant, c.methods, spectra, at_text, disagree, chart=False)

# the heading and how to read the chart in one element, above the chart
st.markdown(
    "### Distance to the equilibrium\n\n:small[:gray[Solid: simulated distance ‖(θ, ψ)‖ per step "
    "(log scale). Dotted: the prediction ρᵏ·d₀ from the spectral radius ρ of the linearised "
    "update. They agree once the path is close to the equilibrium, where the linearisation "
    "holds; far away the nonlinear terms rule.]]"
)
series = [
    (
        m,
        METHODS[m].label,
        np.hypot(r.points[:, 0], r.points[:, 1]),
        # the ρᵏ line predicts the distance to the point linearised at: (0, 0) only
        spectra[m].update.spectral_radius if eq_at == (0.0, 0.0) else None,
    )
    for m, r in runs.items()
]
if series:
    live_chart(
        for_projector(distance_figure(series), presenter.scale()),
        key="distance_chart",
        alt="Distance to the equilibrium against the step, log scale, with the predicted ρ^k lines.",
    )

if presenter.active():
    st.stop()  # presenter mode: no export or background sections on the projector

st.subheader("Export")
# one flex row rather than st.columns(4): one block message instead of five on every rerun
row = st.container(horizontal=True, gap="medium", vertical_alignment="bottom")


row.download_button(
    "Trajectories (CSV)",
    lambda: exports.trajectories_csv(runs),
    "dirac-gan-trajectories.csv",
    "text/csv",
    on_click="ignore",
)
row.download_button(
    "Trajectories (JSON)",
    lambda: exports.trajectories_json(
        variant=c.variant,
        params=dict(c.params),
        hyper=c.hyper,
        start=c.start,
        steps=n_steps,  # the steps actually run (the budget may cut them)
        paths=runs,
    ),
    "dirac-gan-trajectories.json",
    "application/json",
    on_click="ignore",
)
row.download_button(
    "Figure (interactive HTML)",
    # built once per figure (several MB), not once per download request
    lambda: exports.figure_html_once(
        exports.settings_key("explorer", c, presenter.scale()),
        # Plotly's own frames and Play button: the file has no live_chart.js transport bar
        lambda: for_projector(
            explorer_figure(
                lines, paths, view=c.view, psi_limit=psi_limit, speed=speed, equilibria=eqs
            ),
            presenter.scale(),
        ),
    ),
    "dirac-gan.html",
    "text/html",
    on_click="ignore",
    help="A standalone file with the figure and its animation; opens offline.",
)
row.radio(
    "Toolbar image format",
    ["png", "svg"],
    key="img_format",
    persist_state="session",
    horizontal=True,
    help="The camera button of the figure's toolbar saves this format.",
)

with st.expander("What am I looking at?", expanded=False):
    # one Markdown element: every element is a message and a React node on each rerun
    st.markdown(
        "\n\n".join(
            [
                f"**{variant.label}.** {variant.explanation}  \n*Reference:* {cite(variant.references)}."
            ]
            + [
                f"**{meth.label}.** {meth.explanation}  \n*Reference:* {cite(meth.references)}."
                for meth in map(get_method, c.methods)
            ]
            + [  # the terms as the glossary (content/glossary.md) defines them
                definitions("Equilibrium", "Jacobian", "Update operator", "Spectral radius ρ")
                + " These verdicts are local: a path that starts far away can do otherwise, "
                "and the page says so where the drawn path does."
            ]
        )
    )
