"""Stability map: where each training method converges, over two parameters at once."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dynamics.methods import HYPER_PARAMS, METHODS, NEUTRAL_TOL
from dynamics.stability import available_axes
from dynamics.variants import VARIANTS, get_variant
from ui import compute, presenter
from ui.boot import require_entrypoint
from ui.controls import format_lr, hyper_spec, hyper_widgets, lr_options
from ui.figures.spec import for_projector
from ui.figures.stability import locus_figure, stability_figure
from ui.glossary import Linker
from ui.live_chart import live_chart
from ui.routes import EXPLORER, STABILITY, link_query
from ui.settings import StabilityControls
from ui.specs import EXTRA_HYPER as _EXTRA_HYPER
from ui.specs import MAP_HYPER as _MAP_HYPER
from ui.specs import RESOLUTIONS
from ui.specs import STABILITY_METHODS as _LINEAR
from ui.specs import STABILITY_VARIANTS as _SMOOTH
from ui.specs import map_pairs as _pairs
from ui.specs import map_specs as specs
from ui.specs import map_sweeps as _sweeps
from ui.state import UrlState, new_click

require_entrypoint()

HOVER_EVERY = 3  # the hover/click grid takes every 3rd cell: small payload, fine enough


def _reset_dependent() -> None:
    # a new variant/method has its own axes, parameters and sweep choices
    for key in ("axes", "sweep", "gamma", "sigma", "clip", "g0"):
        st.session_state.pop(url.sk(key), None)


def stability_controls(url: UrlState) -> StabilityControls:
    sb = st.sidebar
    k = url.sk
    variant = sb.selectbox(
        "Variant", _SMOOTH, key=k("variant"), format_func=lambda n: VARIANTS[n].label,
        on_change=_reset_dependent,
        help="WGAN-GP is not listed: its field has no Jacobian at the equilibrium.",
    )  # fmt: skip
    method = sb.selectbox(
        "Training method", _LINEAR, key=k("method"), format_func=lambda n: METHODS[n].label,
        on_change=_reset_dependent,
        help="Adam is not listed: it has no fixed linear update operator.",
    )  # fmt: skip
    url.load(specs(variant, method), from_url=False)
    axes = available_axes(variant, method)
    pair = sb.selectbox(
        "Axes (x, y)", _pairs(variant, method), key=k("axes"),
        format_func=lambda p: " × ".join(axes[a].label for a in p.split(",")),
        help="The two parameters that span the map; the others keep the values below.",
    )  # fmt: skip
    x, y = pair.split(",")
    res = sb.select_slider(
        "Resolution (cells per axis)", RESOLUTIONS, key=k("res"),
        help="201 × 201 cells by default; every cell is an exact eigenvalue computation.",
    )  # fmt: skip
    sb.subheader("Fixed values")
    sb.caption("Used for the parameters that are not on an axis, and marked ★ on the map.")
    lr = sb.select_slider(
        "Learning rate h", lr_options(st.session_state[k("h")]), key=k("h"),
        format_func=format_lr, help="Both players' learning rate when it is not on an axis.",
    )  # fmt: skip
    uses = METHODS[method].uses
    hyper = {n: hyper_spec(n).default for n in _MAP_HYPER}  # for the ones not shown
    hyper |= hyper_widgets(sb, [n for n in _MAP_HYPER if n in uses], key=k)
    n_gen, n_disc, beta = hyper["n_gen"], hyper["n_disc"], hyper["beta"]
    params = {}
    for p in get_variant(variant).params:
        params[p.name] = sb.slider(p.label, p.lo, p.hi, key=k(p.name), step=0.01, help=p.help)
    sweep = sb.selectbox(
        "Eigenvalue locus: sweep", _sweeps(variant, method), key=k("sweep"),
        format_func=lambda n: "learning rate h" if n == "h" else get_variant(variant).param_index[n].label,
        help="The parameter that runs along the eigenvalue locus below the map.",
    )  # fmt: skip
    return StabilityControls(
        variant, method, x, y, int(res), compute.params_key(params), float(lr), int(n_gen),
        int(n_disc), float(beta), sweep, tuple((n, hyper[n]) for n in _EXTRA_HYPER),
    )  # fmt: skip


url = UrlState.of(STABILITY)
first_variant = st.session_state.get(url.sk("variant"), "gradient-penalty")
raw_v = st.query_params.get("variant", first_variant).strip()  # as Spec.parse reads it
raw_m = st.query_params.get("method", "simgd").strip()
v0 = raw_v if raw_v in _SMOOTH else "gradient-penalty"
m0 = raw_m if raw_m in _LINEAR else "simgd"
# A new link seeds every control of the variant and method it names; otherwise only those two
# are seeded here (stability_controls seeds the rest for the chosen pair).
url.begin(
    specs(v0, m0) if url.should_load() else specs("gradient-penalty", "simgd")[:2],
    also_known=("gamma", "sigma"),
)

c = stability_controls(url)
all_specs = specs(c.variant, c.method)
url.publish(url.values(all_specs), all_specs)
presenter.share_panel()

st.title("Stability map")
st.caption(
    Linker()(  # each glossary term the introduction uses links to its entry
        "Where does each training method converge? Every cell is the spectral radius ρ of the "
        "method's linearised update at the equilibrium (0, 0) (Mescheder et al., ICML 2018): blue "
        "ρ < 1 converges, grey ρ = 1 circles, red ρ > 1 diverges, each shade a factor of ten "
        "closer to 1 than the next darker one (so ρ = 0.99 is a clear blue, not the grey of "
        "ρ = 1). These are local predictions: "
        "they describe paths that start close enough to (0, 0); a path from farther away can do "
        "otherwise (saturation, or other equilibria such as the saddles of consensus optimisation)."
    )
)
for note in url.notes():
    st.warning(note, icon="⚠️")

m = compute.stability(
    c.variant, c.method, c.x, c.y, c.res, c.params, c.lr, c.n_gen, c.n_disc, c.beta, c.extra
)
axes = available_axes(c.variant, c.method)
fixed = {"h": c.lr, "h_gen": c.lr, "h_disc": c.lr, "n_gen": c.n_gen, "n_disc": c.n_disc,
         "beta": c.beta, **dict(c.extra), **dict(c.params)}  # fmt: skip
sub = (slice(None, None, HOVER_EVERY), slice(None, None, HOVER_EVERY))
hx, hy = np.meshgrid(m.x[sub[1]], m.y[sub[0]])
e = m.eigs[sub][..., :2]
cd = np.stack(
    [m.rho[sub], e[..., 0].real, e[..., 0].imag, e[..., -1].real, e[..., -1].imag], axis=-1
)
fig = stability_figure(
    m.x, m.y, m.rho,
    x_title=axes[c.x].label, y_title=axes[c.y].label,
    x_log=axes[c.x].log, y_log=axes[c.y].log,
    # just above 1: a neutral region (ρ = 1 up to rounding) must not draw noise
    contour=compute.level(m.x, m.y, m.rho, 1.0 + NEUTRAL_TOL),
    boundary=m.boundary,
    hover=(hx.ravel(), hy.ravel(), cd.reshape(-1, 5)),
    current=(fixed[c.x], fixed[c.y]),
)  # fmt: skip
live_chart(
    for_projector(fig, presenter.scale()), key="stability_chart", clickable=True,
    alt=f"Heat map of the spectral radius of {METHODS[c.method].label} on the "
    f"{VARIANTS[c.variant].label} over {axes[c.x].label} and {axes[c.y].label}.",
)  # fmt: skip
st.caption(
    "Hover a cell for ρ and the two largest eigenvalues μ of the update; the grey line is "
    "ρ = 1 computed from the grid"
    + (", the dashed orange line the analytic boundary" if m.boundary is not None else "")
    + ". Click a cell to open the explorer with those settings."
)

# A click opens the explorer with the clicked point's coordinates.
clicked = new_click("stability_chart")
if clicked is not None:
    px, py = clicked
    cell = {c.x: px, c.y: py}
    # the clicked point to 6 significant digits: finer than a cell, and a short link
    raw = {**fixed, **cell}
    vals = {k: float(f"{v:.6g}") for k, v in raw.items()}
    q: dict[str, object] = {"variant": c.variant, "methods": [c.method], "steps": 500}
    if "h_gen" in cell or "h_disc" in cell:
        q.update(split=True, h_gen=vals["h_gen"], h_disc=vals["h_disc"])
    else:
        q["h"] = vals["h"]
    for name in _MAP_HYPER:
        if name in METHODS[c.method].uses:
            integer = HYPER_PARAMS[name].integer
            q[name] = round(raw[name]) if integer else vals[name]
    for name, _ in c.params:
        q[name] = vals[name]
    try:
        query = link_query(EXPLORER, **q)
    except ValueError as e:  # a click no browser sends (far outside the map)
        st.warning(f"That point cannot be opened in the explorer: {e}.", icon="⚠️")
    else:
        st.switch_page(EXPLORER, query_params=query)

st.subheader("Eigenvalue locus")
sweep_axis = axes.get(c.sweep)
lo, hi = (
    (0.0, 1.5)
    if c.sweep == "gamma"
    else ((sweep_axis.lo, sweep_axis.hi) if sweep_axis else (0.001, 2.0))
)
loc = compute.locus(
    c.variant, c.method, c.sweep, lo, hi, c.params, c.lr, c.n_gen, c.n_disc, c.beta, extra=c.extra
)
col1, col2 = st.columns(2)
label = axes[c.sweep].symbol  # "γ", not the URL name "gamma"
with col1:
    live_chart(
        for_projector(locus_figure(
            loc.values, loc.continuous, param_label=label, current=fixed[c.sweep],
            current_eigs=loc.continuous_now, marks=loc.marks, mark_eigs=loc.mark_eigs,
            title="Continuous time: eigenvalues λ of J",
        ), presenter.scale()),
        key="locus_cont",
        alt="Locus of the Jacobian's eigenvalues as the parameter sweeps its range.",
    )  # fmt: skip
    st.caption(
        "As the parameter grows the eigenvalues move along these curves (colour = value). "
        "Where two complex eigenvalues meet on the real axis the damping is critical "
        "(◇, e.g. γ = 1 for the gradient penalty)."
        if loc.marks
        else "The eigenvalues of the Jacobian do not depend on the learning rate."
    )
with col2:
    live_chart(
        for_projector(locus_figure(
            loc.values, loc.update, param_label=label, current=fixed[c.sweep],
            current_eigs=loc.update_now, unit_circle=True,
            title=f"{METHODS[c.method].label}: eigenvalues μ of the update",
        ), presenter.scale()),
        key="locus_update",
        alt="Locus of the update operator's eigenvalues with the unit circle.",
    )  # fmt: skip
    st.caption(
        "Inside the unit circle the method converges; the ★ marks the current value. The view "
        "is zoomed to the eigenvalues, with the nearest part of the unit circle."
    )
