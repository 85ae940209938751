"""Mode collapse in a mixture-of-Gaussians GAN, after Li, Madry, Peebles & Schmidt (ICML 2018):
the optimal discriminator against first-order discriminator steps."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import streamlit as st

from dynamics import gmm
from dynamics.gmm import GMM_PARAMS, MAX_DISC_STEPS, MAX_RUN_STEPS, GMMSettings
from dynamics.references import cite
from ui import gmm_compute as compute
from ui import gmm_text, presenter
from ui.boot import require_entrypoint
from ui.content import definitions
from ui.controls import snap, whole_number_input
from ui.figures.gmm import (
    Fractions,
    PlanePath,
    Series,
    fractions_figure,
    outcome_maps_figure,
    plane_figure,
    separation_figure,
    series_figure,
)
from ui.figures.spec import for_projector
from ui.glossary import Linker
from ui.live_chart import live_chart
from ui.routes import MODE_COLLAPSE, ROUTE
from ui.settings import BatchControls, GMMControls, Pair
from ui.specs import GMM_DYN_LABEL as DYN_LABEL
from ui.specs import GMM_ELL_LABEL as ELL_LABEL
from ui.specs import GMM_GRID_CHOICES as GRID_CHOICES
from ui.specs import GMM_KS_CHOICES as KS_CHOICES
from ui.specs import GMM_LR_MIN as LR_MIN
from ui.specs import GMM_STEPS_MAX as STEPS_MAX
from ui.specs import GMM_TAB_LABEL as TAB_LABEL
from ui.specs import GMM_TOL_MIN as TOL_MIN
from ui.state import UrlState, new_click

require_entrypoint()

D = GMMSettings()
R = GMMSettings.RANGES
P = GMM_PARAMS

LR_CHOICES = tuple(
    v
    for e in (-3, -2, -1, 0)
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8)
    if LR_MIN <= (v := round(m * 10.0**e, 6)) <= R["eta_gen"][1]
)
TAB_KEY = {v: k for k, v in TAB_LABEL.items()}
BADGE = {
    "converged": ("green", ":material/check_circle:"),
    "collapsed": ("red", ":material/merge:"),
    "oscillating": ("orange", ":material/sync:"),
    "stuck": ("violet", ":material/pause_circle:"),
    "moving": ("gray", ":material/trending_flat:"),
}
CITATION = cite(("li2018",))


def _lr_options(current: float) -> list[float]:
    """Log-spaced learning rates, plus an off-grid value a link asked for."""
    opts = set(LR_CHOICES)
    if LR_MIN <= current <= R["eta_gen"][1]:
        opts.add(current)
    return sorted(opts)


def _consume_click(url: UrlState) -> None:
    """Move the start to a point clicked on the plane, before the widgets are drawn."""
    xy = new_click("gmm_plane")
    if xy is not None:
        step = float(st.session_state.get("_gmm_click_step", 0.1))
        lo, hi = R["mu_range"]
        st.session_state[url.sk("mu1")] = snap(xy[0], step, lo, hi)
        st.session_state[url.sk("mu2")] = snap(xy[1], step, lo, hi)


def _range(url: UrlState, lo_key: str, hi_key: str, default: Pair, what: str) -> Pair:
    lo, hi = float(st.session_state[url.sk(lo_key)]), float(st.session_state[url.sk(hi_key)])
    if lo < hi:
        return (lo, hi)
    st.sidebar.warning(
        f"{what}: the low end must be below the high end; using {default[0]:g} to {default[1]:g}."
    )
    return default


def gmm_controls(url: UrlState) -> GMMControls:
    """Sidebar widgets → a frozen ``GMMControls``."""
    sb = st.sidebar
    k_ = url.sk
    ps: Literal["session"] = "session"
    sb.subheader("Data (the target)")
    c1, c2 = sb.columns(2)
    t_lo, t_hi = R["target"]
    t1 = c1.number_input(
        "μ\\*₁", t_lo, t_hi, key=k_("target1"), persist_state=ps, step=0.1, format="%.2f",
        help="First mean of the data G\\* = ½N(μ\\*₁, 1) + ½N(μ\\*₂, 1).",
    )  # fmt: skip
    t2 = c2.number_input(
        "μ\\*₂", t_lo, t_hi, key=k_("target2"), persist_state=ps, step=0.1, format="%.2f",
        help="Second mean of the data. Equal means make G\\* a single Gaussian.",
    )  # fmt: skip
    sb.subheader("Training")
    eta_gen = sb.select_slider(
        "Generator learning rate η_gen", _lr_options(st.session_state[k_("lr_gen")]),
        key=k_("lr_gen"), persist_state=ps,
        help=P["eta_gen"].help,
    )  # fmt: skip
    eta_disc = sb.select_slider(
        "Discriminator learning rate η_disc", _lr_options(st.session_state[k_("lr_disc")]),
        key=k_("lr_disc"), persist_state=ps,
        help=P["eta_disc"].help,
    )  # fmt: skip
    simultaneous = sb.checkbox(
        "Simultaneous updates (k = 1)", key=k_("sim"), persist_state=ps,
        help=P["simultaneous"].help,
    )  # fmt: skip
    k = sb.slider(
        "Discriminator steps per generator step k", int(R["k"][0]), int(R["k"][1]),
        key=k_("k"), persist_state=ps, disabled=simultaneous,
        help=P["k"].help,
    )  # fmt: skip
    sb.subheader("Single run")
    m_lo, m_hi = R["mu_range"]
    c1, c2 = sb.columns(2)
    mu1 = c1.number_input(
        "start μ₁", m_lo, m_hi, key=k_("mu1"), persist_state=ps, step=0.1, format="%.3f",
        help="First generator mean at step 0. Or click on the (μ₁, μ₂) plane.",
    )  # fmt: skip
    mu2 = c2.number_input(
        "start μ₂", m_lo, m_hi, key=k_("mu2"), persist_state=ps, step=0.1, format="%.3f",
        help="Second generator mean at step 0. Or click on the (μ₁, μ₂) plane.",
    )  # fmt: skip
    sb.caption("Tip: click anywhere on the (μ₁, μ₂) plane to start there.")
    steps = sb.slider(
        "Generator steps", 1, STEPS_MAX, key=k_("steps"), persist_state=ps,
        help="Length of the single run (both dynamics). The batch tab has its own, longer "
        "setting.",
    )  # fmt: skip
    focus = sb.radio(
        "Data-space view follows", list(DYN_LABEL), key=k_("dyn"), persist_state=ps,
        format_func=lambda d: DYN_LABEL[d], horizontal=True,
        help="Whose generator density and discriminator the data-space panel shows. Both "
        "paths are always on the plane and in the time series.",
    )  # fmt: skip
    ell_mode = sb.radio(
        "First-order discriminator starts", list(ELL_LABEL), key=k_("ell"), persist_state=ps,
        format_func=lambda m: ELL_LABEL[m], horizontal=True,
        help="Its intervals at step 0: the optimal ones for the start (a fair race), or four "
        "sorted uniform draws from the 'interval ends' range below, seeded.",
    )  # fmt: skip
    seed = whole_number_input(
        sb, "Random seed", int(R["seed"][0]), int(R["seed"][1]), key=k_("seed"), persist_state=ps,
        step=1, help=P["seed"].help,
    )  # fmt: skip
    sb.subheader("Outcome")
    c1, c2 = sb.columns(2)
    tol = c1.number_input(
        "tolerance", TOL_MIN, float(R["tol"][1]), key=k_("tol"), persist_state=ps, step=0.01,
        format="%.3f", help=P["tol"].help,
    )  # fmt: skip
    collapse = c2.number_input(
        "collapse below", float(R["collapse"][0]), float(R["collapse"][1]), key=k_("collapse"),
        persist_state=ps, step=0.05, format="%.2f",
        help=P["collapse"].help,
    )  # fmt: skip
    sb.subheader("Random starts")
    e_lo, e_hi = R["ell_range"]
    c1, c2 = sb.columns(2)
    c1.number_input(
        "means from", m_lo, m_hi, key=k_("mu_lo"), persist_state=ps, step=0.5, format="%.1f",
        help=P["mu_range"].help,
    )  # fmt: skip
    c2.number_input(
        "means to", m_lo, m_hi, key=k_("mu_hi"), persist_state=ps, step=0.5, format="%.1f",
        help=P["mu_range"].help,
    )  # fmt: skip
    c1.number_input(
        "interval ends from", e_lo, e_hi, key=k_("ell_lo"), persist_state=ps, step=0.5,
        format="%.1f", help=P["ell_range"].help,
    )  # fmt: skip
    c2.number_input(
        "interval ends to", e_lo, e_hi, key=k_("ell_hi"), persist_state=ps, step=0.5,
        format="%.1f", help=P["ell_range"].help,
    )  # fmt: skip
    k = 1 if simultaneous else int(k)
    return GMMControls(
        settings=GMMSettings(
            target=(float(t1), float(t2)),
            eta_gen=float(eta_gen),
            eta_disc=float(eta_disc),
            k=k,  # effective: 1 with simultaneous updates
            simultaneous=bool(simultaneous),
            steps=compute.steps_within_budget(int(steps), k),
            seed=int(seed),
            tol=float(tol),
            collapse=float(collapse),
            mu_range=_range(url, "mu_lo", "mu_hi", D.mu_range, "Starting means"),
            ell_range=_range(url, "ell_lo", "ell_hi", D.ell_range, "Interval ends"),
        ),
        start=(float(mu1), float(mu2)),
        steps_asked=int(steps),
        focus=focus,
        ell_mode=str(ell_mode),
    )


def batch_controls(url: UrlState) -> BatchControls:
    """The batch tab's own widgets."""
    k_ = url.sk
    ps: Literal["session"] = "session"
    c1, c2, c3 = st.columns([1, 1, 2])
    runs = whole_number_input(
        c1, "Random starts per configuration", int(R["runs"][0]), int(R["runs"][1]),
        key=k_("runs"), persist_state=ps, step=100,
        help=P["runs"].help,
    )  # fmt: skip
    steps = whole_number_input(
        c2, "Generator steps", int(R["steps"][0]), int(R["steps"][1]), key=k_("bsteps"),
        persist_state=ps, step=100, help=P["steps"].help,
    )  # fmt: skip
    ks = c3.multiselect(
        "First-order with k =", list(KS_CHOICES), key=k_("ks"), persist_state=ps,
        help="Discriminator steps per generator step of the first-order configurations.",
    )  # fmt: skip
    c1, c2 = st.columns([1, 3])
    grid = c1.select_slider(
        "Outcome-map grid", list(GRID_CHOICES), key=k_("grid"), persist_state=ps,
        format_func=lambda g: f"{g} × {g}",
        help="Starting means per axis of the outcome maps (over the 'means' range).",
    )  # fmt: skip
    bsim = c2.checkbox(
        "Also first-order with simultaneous updates (k = 1)", key=k_("bsim"), persist_state=ps,
        help="Adds a configuration in which both players step from the same old state.",
    )  # fmt: skip
    return BatchControls(
        runs=int(runs),
        steps=int(steps),
        ks=tuple(sorted({int(v) for v in ks})),
        simultaneous=bool(bsim),
        grid=int(grid),
    )


def fmt_status(status: str) -> str:
    color, icon = BADGE.get(status, ("gray", ":material/help:"))
    return f":{color}-badge[{icon} {status}]"


def fmt_row(run: compute.RunView) -> list[str]:
    """The final state of a run, as displayed (tests compare it with the core's values)."""
    m1, m2 = run.mu[-1]
    return [
        f"({m1:.4f}, {m2:.4f})",
        f"{run.tv[-1]:.4f}",
        f"{run.gap[-1]:.4f}",
        f"{run.grad_norm[-1]:.3e}",
        f"{run.suboptimality[-1]:.4f}",
    ]


def outcome_table(
    runs: dict[gmm.Dynamics, compute.RunView], status: dict[gmm.Dynamics, str], steps: int
) -> str:
    head = (
        f"| after {steps} steps | status | final μ | TV | \\|μ₁ − μ₂\\| | ‖∇μ L‖ "
        "| (1 + TV) − L |\n|---|---|---|---:|---:|---:|---:|"
    )
    rows = [
        f"| **{DYN_LABEL[d]}** | {fmt_status(status[d])} | " + " | ".join(fmt_row(r)) + " |"
        for d, r in runs.items()
    ]
    return "\n".join([head, *rows])


def _single_run_tab(c: GMMControls) -> None:
    s = c.settings
    if s.steps < c.steps_asked:
        st.warning(
            f"Showing the first {s.steps} of {c.steps_asked} steps: a single run is computed "
            f"as the page loads, so steps × (1 + k/30) is limited to "
            f"{compute.SINGLE_RUN_BUDGET:,.0f}. The batch tab trains longer, on request.",
            icon="⏱️",
        )
    with st.spinner(f"Training both dynamics for {s.steps} steps…", show_time=True):
        # the core records TV and the optimal discriminator at every step: ~1.5 ms per step
        runs = {d: compute.single_run(c.run(d), c.start, c.ell_mode) for d in DYN_LABEL}
    status = {d: compute.status_of(r, s.target, s.tol, s.collapse) for d, r in runs.items()}
    view, click_step = compute.plane_view(
        s.target, c.start, s.mu_range, tuple(r.mu for r in runs.values())
    )
    st.session_state["_gmm_click_step"] = click_step
    surface = compute.tv_surface(s.target, view)
    lines = compute.tv_streamlines(s.target, view)
    x_range = compute.data_range(s.target, runs[c.focus].mu)
    space = compute.data_space(c.run(c.focus), c.start, c.ell_mode, x_range)
    fo_label = (
        "first-order, simultaneous" if s.simultaneous else f"first-order, k = {s.k}"
    ) + " (μ of (μ, ℓ))"
    paths = [
        PlanePath("optimal", "optimal discriminator", runs["optimal"].mu, status["optimal"]),
        PlanePath("first-order", fo_label, runs["first-order"].mu, status["first-order"]),
    ]
    fig = plane_figure(
        surface, lines, paths, s.target, view=view, space=space, focus=c.focus,
    )  # fmt: skip
    # the picture first (on the first screen of a laptop), the numbers and words below it
    live_chart(
        for_projector(fig, presenter.scale()), key="gmm_plane", clickable=True,
        config={"toImageButtonOptions": {"filename": "gmm-gan"}},
        alt="Left: heat map of the total-variation distance over the generator means "
        "(μ₁, μ₂) with grey streamlines of its negative gradient, the optimum, its mirror, "
        "the collapse diagonal and the paths of the optimal and the first-order dynamics. "
        "Right: the data and generator densities with both discriminators' intervals at "
        "the current step.",
    )  # fmt: skip
    st.caption(
        "Left: shading = TV between the generator and the data (white = 0); grey lines "
        "follow −∇TV, the way the optimal discriminator makes the generator go; ★ marks the "
        "data's means, ☆ the same means swapped (an equally good answer); the dotted "
        "diagonal is mode collapse. Click anywhere to start there. Blue solid: optimal "
        "discriminator; orange dashed: first-order discriminator (its state also holds the "
        "intervals ℓ; the plane shows its μ). Right (press ▶ or drag the step slider): the "
        "data density (grey), the generator's (coloured), where the optimal discriminator "
        "says 'real' (dashed green) and, for the first-order run, where its own intervals "
        "are (orange bands)."
    )
    st.markdown(
        outcome_table(runs, status, s.steps),
        help="**converged**: every mean within the tolerance of the data's (in some order). "
        "**collapsed**: not converged and |μ₁ − μ₂| below the threshold: both generator "
        "bumps in one place. **oscillating**: TV keeps rising and falling over the last quarter of "
        "the steps. **stuck**: the generator's gradient has (almost) vanished away from the "
        "data. **moving**: none of these yet. (1 + TV) − L: what the discriminator gives "
        "away against the optimal one (0 for the optimal dynamics).",
    )
    if c.ell_mode == "random":
        st.caption(
            f"First-order discriminator's intervals at step 0, drawn with seed {s.seed}: "
            "ℓ = (" + ", ".join(f"{v:.3f}" for v in runs["first-order"].ell0) + ")."  # type: ignore[union-attr]  # set for random ℓ
        )
    fractions = compute.setting_fractions(s)
    st.markdown(
        "\n\n".join(
            [gmm_text.data_sentence(s.target)]
            + [
                gmm_text.run_sentence(
                    DYN_LABEL[d], status[d], r.mu, r.ell, r.tv, r.grad_norm, s.target, s.tol
                )
                for d, r in runs.items()
            ]
            + [gmm_text.fractions_sentence(fractions)]
        )
    )
    st.subheader("Over training")
    live_chart(
        for_projector(series_figure(
            [
                Series(d, p.label, runs[d].tv, runs[d].suboptimality, runs[d].gap,
                       runs[d].grad_norm)
                for d, p in zip(DYN_LABEL, paths, strict=True)
            ]
        ), presenter.scale()),
        key="gmm_series",
        alt="Four time series for both dynamics: TV, the discriminator's sub-optimality, "
        "the distance between the two generator means, and the generator's gradient norm.",
    )  # fmt: skip
    st.caption(
        "Blue solid: optimal discriminator; orange dashed: first-order. Upper left: TV "
        "between generator and data. Upper right: what the discriminator gives away against "
        "the optimal one, (1 + TV) − L (0 for the optimal dynamics). Lower left: |μ₁ − μ₂| "
        "(0 is mode collapse). Lower right: the generator's gradient ‖∇μ L‖ (0 away from the "
        "data is a stuck generator: its discriminator collapsed)."
    )


def _batch_tab(c: GMMControls, url: UrlState) -> None:
    s = c.settings
    st.markdown(
        "Train from many seeded random starts (means uniform in "
        f"[{s.mu_range[0]:g}, {s.mu_range[1]:g}]², first-order intervals four sorted "
        f"uniform draws in [{s.ell_range[0]:g}, {s.ell_range[1]:g}]) and count the "
        "outcomes, for the optimal discriminator and for first-order discriminators with "
        "several k; then map where each outcome dominates over the data's separation × k. "
        "Learning rates, the data's means, the thresholds and the seed come from the sidebar."
    )
    b = batch_controls(url)
    map_k = s.k
    errors = [] if b.ks else ["Choose at least one k for the first-order configurations."]
    n = max(b.runs, b.grid * b.grid)  # the most runs in one configuration (or outcome map)
    if n * b.steps > MAX_RUN_STEPS:
        errors.append(
            f"runs × steps must be at most {MAX_RUN_STEPS:,} (got {n:,} × {b.steps:,}, "
            "counting the outcome map's grid as runs)."
        )
    k_max = max((*b.ks, map_k))
    if n * b.steps * k_max > MAX_DISC_STEPS:
        errors.append(
            f"runs × steps × k must be at most {MAX_DISC_STEPS:,} (got {n:,} × {b.steps:,} × "
            f"{k_max}): fewer runs or steps, or a smaller k."
        )
    # the first-order outcome map uses the sidebar's k and simultaneous updates
    plan = compute.BatchPlan(
        dataclasses.replace(s, steps=b.steps, runs=b.runs), b.ks, b.simultaneous, b.grid
    )
    for e in errors:
        st.error(e, icon="⛔")
    eta = compute.batch_estimate(plan)
    took = "under a second" if eta < 1 else f"about {eta:.0f} s"
    job: compute.BatchJob | None = st.session_state.get("_gmm_job")
    running = job is not None and job.future is not None and not job.future.done()
    c1, c2, _ = st.columns([1, 1, 3])
    pressed = c1.button(
        "Run batch experiment", key="gmm_run_batch", type="primary", disabled=bool(errors),
        help=f"Trains every configuration from the same seeded random starts ({took} at the "
        "rate this server measured last). Results are cached: the same settings show again "
        "at once.",
    )  # fmt: skip
    done: set = st.session_state.setdefault("_gmm_batch_done", set())
    will_run = (pressed and not errors) or plan in done
    cancel = c2.button(
        "Cancel", key="gmm_cancel_batch", disabled=not (running or will_run),
        help="Stops the running batch experiment (between chunks of 50 generator steps).",
    )  # fmt: skip
    if cancel and job is not None:
        job.cancel()
        done.discard(job.plan)
        st.session_state.pop("_gmm_job", None)
        st.info("Batch experiment cancelled.", icon="⏹️")
        return
    if pressed and not errors:
        done.add(plan)
    if job is not None and job.plan != plan:  # settings changed: the old batch is not wanted
        job.cancel()
        st.session_state.pop("_gmm_job", None)
        job = None
    if plan not in done:
        st.info(
            f"Press **Run batch experiment** ({took}; the result is cached, so "
            "it comes back at once for the same settings). It runs "
            f"{1 + len(b.ks) + b.simultaneous} configurations × {b.runs} random starts × "
            f"{b.steps} steps, two outcome maps of {b.grid} × {b.grid} starts and a "
            f"separation × k map of {len(compute.separations_for(s.target))} × {len(b.ks)} "
            f"cells × {min(b.runs, compute.SEPARATION_RUNS)} starts.",
            icon="ℹ️",
        )
        return
    table = compute.batch_table.peek(plan)
    if table is None:
        if job is None or job.future is None:
            try:
                job = compute.submit_batch(plan)
            except compute.Busy as busy:
                done.discard(plan)
                st.warning(
                    "The server is busy with other batch experiments: try again in about "
                    f"{busy.retry_after:.0f} s.",
                    icon="⏳",
                )
                return
            st.session_state["_gmm_job"] = job
        bar = st.progress(0.0, text="starting…")
        try:
            table = compute.poll(job, bar)
        except gmm.Cancelled:
            done.discard(plan)
            st.session_state.pop("_gmm_job", None)
            st.info("Batch experiment cancelled.", icon="⏹️")
            return
        bar.empty()
    _show_batch(c, b, table)


def _show_batch(c: GMMControls, b: BatchControls, table: compute.BatchTable) -> None:
    live_chart(
        for_projector(fractions_figure(
            [Fractions(r.label, r.converged, r.collapsed, r.stuck, r.other)
             for r in table.rows]
        ), presenter.scale()),
        key="gmm_fractions",
        alt="Bar chart of the fractions of runs that converged, collapsed, got stuck with a "
        "collapsed discriminator or did none of these, for the optimal discriminator and "
        "first-order discriminators with several k.",
    )  # fmt: skip
    st.caption(
        "Fraction of the random starts whose final means converged to the data's (blue, "
        "plain), collapsed onto one mode (orange, hatched), stopped with a collapsed "
        "discriminator, i.e. ‖∇μ L‖ < 10⁻³ away from the data (purple, crossed), or ended "
        "none of these: still oscillating or moving (grey, dotted)."
    )
    st.markdown(batch_markdown(table))
    st.caption(
        f"{b.runs} runs per configuration, {b.steps} generator steps, seed {c.settings.seed}; "
        f"computed in {table.seconds:.1f} s (cached afterwards)."
    )
    d1, d2 = st.columns(2)
    d1.download_button(
        "Download the table (CSV)", compute.batch_csv(table), file_name="gmm-batch.csv",
        mime="text/csv", key="gmm_dl_csv", icon=":material/download:",
        help="Every configuration's counts and fractions, and the separation × k map.",
    )  # fmt: skip
    d2.download_button(
        "Download everything (JSON)", compute.batch_json(table), file_name="gmm-batch.json",
        mime="application/json", key="gmm_dl_json", icon=":material/download:",
        help="Settings, fractions, counts, both outcome maps and the separation × k map.",
    )  # fmt: skip
    sep = table.separation
    st.subheader("Where each outcome dominates")
    live_chart(
        for_projector(separation_figure(
            sep.separations, sep.ks, sep.fractions, current=abs(c.settings.target[1] - c.settings.target[0]),
        ), presenter.scale()),
        key="gmm_separation",
        alt="Four heat maps over the data's separation μ*₂ − μ*₁ (x) and the discriminator "
        "steps k (y): the fraction of first-order runs that converged, collapsed, got stuck "
        "or did none of these.",
    )  # fmt: skip
    st.caption(
        f"First-order dynamics, {sep.settings.runs} random starts per cell (the same for "
        f"every cell, seed {c.settings.seed}), {b.steps} steps, the data's means centred where the "
        "sidebar's are. Each panel is one outcome: darker is more runs. The dashed box marks "
        "the current separation; a separation of 2 or less gives data with a single bump."
    )
    live_chart(
        for_projector(outcome_maps_figure(
            table.axis,
            [("Optimal discriminator", table.map_optimal),
             (table.map_label.capitalize(), table.map_first_order)],
            c.settings.target,
        ), presenter.scale()),
        key="gmm_maps",
        alt="Two maps over the starting means: the outcome of the optimal and of the "
        "first-order dynamics from each start.",
    )  # fmt: skip
    st.caption(
        "Outcome from each starting mean (μ₁, μ₂) on a grid (the first-order discriminator's "
        "intervals drawn at random per start, seeded; k and simultaneous updates from the "
        "sidebar). ★ and ☆ are the data's means and their mirror; the dotted diagonal μ₁ = μ₂ "
        "is invariant for the optimal dynamics."
    )


def batch_markdown(table: compute.BatchTable) -> str:
    """The batch table as Markdown (tests parse it back)."""
    head = " | ".join(gmm.OUTCOMES)
    lines = [f"| configuration | {head} |", "|---|" + "---:|" * len(gmm.OUTCOMES)]
    for r in table.rows:
        cells = [f"{getattr(r, o):.1%} ({r.counts[o]})" for o in gmm.OUTCOMES]
        lines.append(f"| {r.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- the page

url = UrlState.of(MODE_COLLAPSE)
specs = ROUTE[MODE_COLLAPSE].specs({})  # declared in ui/specs.py
from_url = url.begin(specs)
_consume_click(url)

c = gmm_controls(url)

st.title("Mode collapse (GMM-GAN)")
st.caption(
    Linker()(  # each glossary term the introduction uses links to its entry
        "A model after Li et al. (ICML 2018): the data are ½N(μ\\*₁, 1) + ½N(μ\\*₂, 1), the generator "
        "½N(μ₁, 1) + ½N(μ₂, 1), the discriminator says 'real' on two intervals. If the "
        "discriminator is optimal at every step, training is gradient descent on the total "
        "variation distance (TV); if it only takes gradient steps (first-order, as in practice), "
        "training can collapse onto one mode, oscillate, or stop when the discriminator "
        "collapses. The text under the table says which happens for the current settings."
    )
)
for note in url.notes():
    st.warning(note, icon="⚠️")

if from_url or "gmm_tabs" not in st.session_state:
    st.session_state["gmm_tabs"] = TAB_LABEL[st.session_state[url.sk("tab")]]
tab_single, tab_batch = st.tabs(list(TAB_LABEL.values()), key="gmm_tabs", on_change="rerun")
tab_shown: Any = st.session_state.get("gmm_tabs")  # whatever the state holds
st.session_state[url.sk("tab")] = TAB_KEY.get(tab_shown, "single")
url.publish(url.values(specs), specs)
presenter.share_panel()

if tab_single.open:
    with tab_single:
        _single_run_tab(c)
if tab_batch.open:
    with tab_batch:
        _batch_tab(c, url)

with st.expander("What do “mode collapse” and “discriminator collapse” mean here?"):
    st.markdown(  # the glossary's definitions (content/glossary.md), then this page's view
        "  \n".join(
            [
                definitions("Mode collapse") + " On this page that is the dotted diagonal; "
                "with the data's means closer than 2, the data itself is a single bump. The "
                "diagonal is invariant for the optimal dynamics, so they only end there if "
                "they start there.",
                definitions("Discriminator collapse") + " On this page: two interval ends "
                "meet, so a band disappears or two bands fuse; training then stalls, "
                "oscillates or collapses although a perfect discriminator would lead it home.",
                definitions("Total variation (TV)") + " So (1 + TV) − L measures how far a "
                "discriminator is from optimal.",
                "**First-order dynamics**: k projected gradient-ascent steps on the interval "
                "ends ℓ₁ ≤ ℓ₂ ≤ ℓ₃ ≤ ℓ₄ (ends that cross are pooled, so intervals can empty or "
                "merge), then one gradient-descent step on μ.",
            ]
        )
    )
    st.markdown(
        f"*Reference*: {CITATION}. From the paper we take only the qualitative dichotomy: "
        "with an optimal discriminator the generator's dynamics converge, with first-order "
        "discriminator steps they can fail (mode collapse, discriminator collapse). Its body "
        "and numbers were not available to us: the model here is reconstructed from its "
        "abstract and secondary sources, hence “after Li et al.”; every number on this page "
        "is computed here, and every setting is a control."
    )
