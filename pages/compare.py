"""Compare: every variant under every training scheme, side by side (small multiples)."""

from __future__ import annotations

import streamlit as st

from dynamics.equilibria import path_disagreement
from dynamics.presets import SCHEMES
from dynamics.variants import VARIANTS
from ui import budget, compat, compute, presenter
from ui.boot import require_entrypoint
from ui.controls import START_MAX, STEPS_MAX, VIEW_MAX, VIEW_MIN, format_lr, lr_options
from ui.figures.compare import VERDICT_COLOR, Panel, compare_figure
from ui.figures.spec import for_projector
from ui.glossary import Linker
from ui.live_chart import live_chart
from ui.routes import COMPARE, EXPLORER, ROUTE, link
from ui.settings import CompareControls
from ui.state import UrlState

require_entrypoint()

SPECS = ROUTE[COMPARE].specs({})  # declared in ui/specs.py


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
        help="The authors' figure uses SimGD, AltGD with n_disc = 1 and AltGD with n_disc = 5. "
        "Every training method is offered as a column, with its other settings at their "
        "defaults (named in its label).",
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
    """The explorer with this panel's settings (every one stated, defaults too)."""
    sc = SCHEMES[scheme]
    extra: dict[str, float] = {}
    if sc.n_disc != 1:
        extra["n_disc"] = sc.n_disc
    if sc.beta != 0.0:
        extra["beta"] = sc.beta
    return link(
        EXPLORER, variant=variant, methods=[sc.method], h=c.lr, steps=c.steps,
        theta0=c.start[0], psi0=c.start[1], view=c.view, **extra,
    )  # fmt: skip


url = UrlState.of(COMPARE)
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
        budget.hyper_units(v, SCHEMES[s].method, SCHEMES[s].hyper(c.lr))
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
failed = [p.title for row in panels for p in row if p.status == "solver failed"]
if failed:
    st.warning(
        "The solver could not continue in "
        + ", ".join(f"**{t}**" for t in failed)
        + ": those paths are drawn up to the step where it stopped (the explorer says why). "
        "A smaller h gets further.",
        icon="⚠️",
    )
disagree = [
    f"**{p.title}**: {why}"
    for row in panels
    for p in row
    if (why := path_disagreement(p.points, p.status, p.verdict, p.rho))
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
