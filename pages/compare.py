"""Compare: every variant under every training scheme, side by side (small multiples)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

from dynamics.equilibria import path_disagreement
from dynamics.presets import DEFAULT_SCHEMES, FIGURE_VARIANTS, SCHEMES
from dynamics.variants import VARIANTS
from ui import budget, compat, compute, presenter
from ui.boot import require_entrypoint
from ui.controls import (
    START_MAX,
    STEPS_MAX,
    VIEW_MAX,
    VIEW_MIN,
    format_lr,
    hyper_spec,
    lr_options,
)
from ui.figures.compare import VERDICT_COLOR, Panel, compare_figure
from ui.figures.spec import for_projector
from ui.glossary import Linker
from ui.live_chart import live_chart
from ui.state import Spec, UrlState

require_entrypoint()

SPECS = [
    Spec(
        "variants", "multi", list(FIGURE_VARIANTS), choices=tuple(VARIANTS), label="variants (rows)"
    ),
    Spec(
        "schemes", "multi", list(DEFAULT_SCHEMES), choices=tuple(SCHEMES), label="schemes (columns)"
    ),
    hyper_spec("lr_gen", "h", label="learning rate h"),
    Spec("steps", "int", 500, 1, STEPS_MAX, label="number of steps"),
    Spec("theta0", "float", 1.0, -START_MAX, START_MAX, label="start θ₀"),
    Spec("psi0", "float", 1.0, -START_MAX, START_MAX, label="start ψ₀"),
    Spec("view", "float", 2.0, VIEW_MIN, VIEW_MAX, label="view half-width"),
]


@dataclass(frozen=True)
class CompareControls:
    variants: tuple[str, ...]
    schemes: tuple[str, ...]
    lr: float
    steps: int
    start: tuple[float, float]
    view: float


def compare_controls(url: UrlState) -> CompareControls:
    sb = st.sidebar
    variants = sb.multiselect(
        "Variants (rows)",
        list(VARIANTS),
        key=url.sk("variants"),
        persist_state="session",
        format_func=lambda n: VARIANTS[n].label,
        help="The GAN objectives to compare, one row each.",
    )
    schemes = sb.multiselect(
        "Training schemes (columns)",
        list(SCHEMES),
        key=url.sk("schemes"),
        persist_state="session",
        format_func=lambda n: SCHEMES[n].label,
        help="The authors' figure uses SimGD, AltGD with n_disc = 1 and AltGD with n_disc = 5.",
    )
    lr = sb.select_slider(
        "Learning rate h",
        lr_options(st.session_state[url.sk("h")]),
        key=url.sk("h"),
        persist_state="session",
        format_func=format_lr,
        help="Shared by every panel (log-spaced).",
    )
    steps = sb.slider(
        "Number of steps",
        1,
        STEPS_MAX,
        key=url.sk("steps"),
        persist_state="session",
        help="Shared by every panel.",
    )
    c1, c2 = sb.columns(2)
    theta0 = c1.number_input(
        "θ₀",
        -START_MAX,
        START_MAX,
        key=url.sk("theta0"),
        persist_state="session",
        step=0.05,
        help="Shared start: generator.",
    )
    psi0 = c2.number_input(
        "ψ₀",
        -START_MAX,
        START_MAX,
        key=url.sk("psi0"),
        persist_state="session",
        step=0.05,
        help="Shared start: discriminator.",
    )
    view = sb.slider(
        "View half-width",
        VIEW_MIN,
        VIEW_MAX,
        key=url.sk("view"),
        persist_state="session",
        step=0.5,
        help="Each panel shows [−w, w]².",
    )
    return CompareControls(
        tuple(variants),
        tuple(schemes),
        float(lr),
        int(steps),
        (float(theta0), float(psi0)),
        float(view),
    )


def explorer_link(variant: str, scheme: str, c: CompareControls) -> str:
    sc = SCHEMES[scheme]
    q = {"variant": variant, "methods": sc.method, "h": f"{c.lr:g}", "steps": c.steps,
         "theta0": f"{c.start[0]:g}", "psi0": f"{c.start[1]:g}", "view": f"{c.view:g}"}  # fmt: skip
    if sc.n_disc != 1:
        q["n_disc"] = sc.n_disc
    if sc.beta != 0.0:
        q["beta"] = f"{sc.beta:g}"
    return "/?" + urlencode(q)


url = UrlState("compare", prefix="cmp_")
url.begin(SPECS)
c = compare_controls(url)
url.publish(url.values(SPECS), SPECS)
presenter.share_panel()

st.title("Compare variants and training schemes")
st.caption(
    Linker()(  # each glossary term the introduction uses links to its entry
        "Small multiples after Mescheder et al. (ICML 2018), Figure 3: each row is a GAN objective, "
        "each column a training scheme, every panel the same start, learning rate and number of "
        "steps. The title gives the spectral radius ρ of the update linearised at (0, 0) and its "
        "verdict :green[converges] (ρ < 1), :orange[neutral] (ρ = 1), :red[diverges] (ρ > 1): a "
        "local prediction for paths that start close enough to (0, 0), which a path from farther "
        "away need not follow. Click a title to open that panel in the explorer. Consensus "
        "optimisation is shown with the field of the authors' code by default; the exact "
        'consensus gradient is the row "Consensus optimisation".'
    )
)
for note in url.notes():
    st.warning(note, icon="⚠️")

if not c.variants or not c.schemes:
    st.info("Choose at least one variant and one training scheme in the sidebar.")
    st.stop()

# A bounded amount of work per rerun (ui/budget.py), and none for a tab that has closed.
n_steps = budget.steps_within(
    c.steps,
    sum(
        budget.path_units(v, SCHEMES[s].method, SCHEMES[s].n_gen, SCHEMES[s].n_disc)
        for v in c.variants
        for s in c.schemes
    ),
)
if n_steps < c.steps:
    st.warning(budget.cut_note(c.steps, n_steps, [f"{len(c.variants) * len(c.schemes)} panels"]))
with st.spinner("Computing every panel…"):
    waited, cpu_mark = budget.hold_back(st.session_state)  # a fair share of the server's core
    grid, lines = compute.compare_grid(
        c.variants, c.schemes, c.lr, n_steps, c.start, c.view, 0.6,
        _before_each=compat.stop_if_disconnected,
    )  # fmt: skip
    budget.account(st.session_state, cpu_mark)
if waited:
    st.info(budget.waited_note(waited), icon="⏳")
panels = [
    [
        Panel(
            title=f"{VARIANTS[v].label} · {SCHEMES[s].label}",
            method=SCHEMES[s].method,
            points=cell.points,
            status=cell.status,
            diverged_at=cell.diverged_at,
            rho=cell.rho,
            verdict=cell.verdict,
            link=explorer_link(v, s, c),
        )
        for s, cell in zip(c.schemes, row, strict=True)
    ]
    for v, row in zip(c.variants, grid, strict=True)
]
live_chart(
    for_projector(compare_figure(panels, lines, view=c.view), presenter.scale()),
    key="compare_chart",
    config={"scrollZoom": False},
    alt="Grid of small phase portraits: rows are GAN variants, columns training schemes.",
)
disagree = [
    f"**{p.title}**: {note}"
    for row in panels
    for p in row
    if (note := path_disagreement(p.points, p.status, p.verdict, p.rho))
]
if disagree:
    st.info(
        "Where the drawn path disagrees with the local verdict:\n\n"
        + "\n".join(f"- {d}" for d in disagree),
        icon="🔎",
    )
counts = {k: sum(p.verdict == k for row in panels for p in row) for k in VERDICT_COLOR}
st.caption(
    f"Near (0, 0): {counts['converges']} panels converge, {counts['neutral']} are neutral, "
    + (f"{counts['grows linearly']} grow linearly, " if counts["grows linearly"] else "")
    + f"{counts['diverges']} diverge"
    + (
        "; WGAN-GP has no linearisation at the equilibrium (its field jumps across ψ = 0), so "
        "its panels carry no ρ."
        if "wgan-gp" in c.variants
        else "."
    )
)
