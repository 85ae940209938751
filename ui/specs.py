"""Every page's URL-addressable controls (``Spec`` lists), declared once, without Streamlit.

The route table (``ui.routes``) points at these; the pages seed their widgets from them,
``ui.routes.link`` validates and encodes links through them, the lesson loader checks the
lessons' links with them and the tests read them, all without drawing a page. A page whose
controls depend on a choice (the explorer's variant parameters, the stability map's axes)
declares a function of those choices.

The method hyper-parameters' ranges, labels and help come from
``dynamics.methods.HYPER_PARAMS``: ``hyper_spec`` makes their URL specs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from dynamics.gmm import GMM_PARAMS, Dynamics, GMMSettings
from dynamics.methods import HYPER_PARAMS, METHODS
from dynamics.presets import DEFAULT_PRESET, DEFAULT_SCHEMES, FIGURE_VARIANTS, SCHEMES
from dynamics.stability import available_axes
from dynamics.variants import VARIANTS, get_variant
from ui.urlspec import Spec

#: Settings of a link or a URL by key: raw URL text or parsed values.
Settings = Mapping[str, Any]

# ------------------------------------------------------------------------------ shared

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

# ---------------------------------------------------------------------------- app-wide

#: Query parameters that belong to the whole app, not to a page: presenter mode and the
#: lesson a view was opened from (``ui.presenter`` checks the number names a lesson).
GLOBAL_SPECS: tuple[Spec, ...] = (
    Spec("present", "bool", False, label="presenter mode"),
    Spec("from_lesson", "int", 1, 1, 999, label="lesson this view was opened from"),
)

# ---------------------------------------------------------------------------- explorer


@cache
def _explorer_specs(variant: str) -> tuple[Spec, ...]:
    return (*with_hide(base_specs()), *param_specs(variant))


def explorer_specs(settings: Settings) -> tuple[Spec, ...]:
    """The explorer's controls for ``settings``' variant (its parameters depend on it)."""
    return _explorer_specs(settings.get("variant", DEFAULT_PRESET.variant))


# ----------------------------------------------------------------------------- compare

COMPARE_SPECS: tuple[Spec, ...] = (
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
)


def compare_specs(settings: Settings) -> tuple[Spec, ...]:
    """The compare page's controls (the same for every setting)."""
    return COMPARE_SPECS


# --------------------------------------------------------------------------- stability

#: The methods with a fixed linear update operator, and the variants with a Jacobian at the
#: equilibrium: what the stability map can draw.
STABILITY_METHODS = tuple(m for m, meth in METHODS.items() if meth.operator is not None)
STABILITY_VARIANTS = tuple(v for v, var in VARIANTS.items() if var.differentiable)
STABILITY_DEFAULTS = ("gradient-penalty", "simgd")  # (variant, method) of a plain visit
RESOLUTIONS = (101, 201, 301)
#: The hyper-parameters besides h that the linear methods use (n_gen, n_disc, β, ...).
MAP_HYPER = tuple(n for n in OTHER_HYPER if any(n in METHODS[m].uses for m in STABILITY_METHODS))
#: Those passed to the core as (name, value) pairs; n_gen, n_disc and β have their own fields.
EXTRA_HYPER = tuple(n for n in MAP_HYPER if n not in ("n_gen", "n_disc", "beta"))


def map_pairs(variant: str, method: str) -> list[str]:
    """Axis pairs "x,y" that change this spectrum (learning rates on x when present)."""
    order = ["h", "h_gen", "h_disc", "beta", "n_gen", "n_disc"]
    axes = available_axes(variant, method)
    names = [n for n in order if n in axes]
    # the variant's parameters that change J (γ, σ, LSGAN's c, ...), in their declared order
    names += [n for n in axes if n not in names and n not in EXTRA_HYPER]
    names += [n for n in EXTRA_HYPER if n in axes]  # the schema's later entries (SGA λ, ...)
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if {a, b} & {"h_gen", "h_disc"} and "h" in {a, b}:
                continue  # h already sets both learning rates
            if axes[a].integer and axes[b].integer:
                continue
            out.append(f"{a},{b}")
    return out


def default_pair(variant: str, method: str) -> str:
    pairs = map_pairs(variant, method)
    prefs = ["h,gamma", "h,sigma", "h,n_disc", "h,beta", "h,lookahead_alpha", "h,sga_lambda"]
    prefs.append("h_gen,h_disc")
    return next((p for p in prefs if p in pairs), pairs[0])


def map_sweeps(variant: str, method: str) -> list[str]:
    """Locus sweep choices: the variant parameters the Jacobian depends on, then h."""
    axes = available_axes(variant, method)
    return [p.name for p in get_variant(variant).params if p.name in axes] + ["h"]


@cache
def map_specs(variant: str, method: str) -> tuple[Spec, ...]:
    """The stability map's controls for this variant and method (axes, sweep, parameters)."""
    var = get_variant(variant)
    out = [
        Spec(
            "variant", "choice", STABILITY_DEFAULTS[0], choices=STABILITY_VARIANTS, label="variant"
        ),
        Spec("method", "choice", STABILITY_DEFAULTS[1], choices=STABILITY_METHODS, label="method"),
        Spec(
            "axes",
            "choice",
            default_pair(variant, method),
            choices=tuple(map_pairs(variant, method)),
            label="axes",
        ),
        Spec(
            "res",
            "int",
            201,
            min(RESOLUTIONS),
            max(RESOLUTIONS),
            label="resolution",
            allowed=RESOLUTIONS,
        ),
        hyper_spec("lr_gen", "h", label="learning rate h"),
        *(hyper_spec(n) for n in MAP_HYPER),
        Spec(
            "sweep",
            "choice",
            map_sweeps(variant, method)[0],
            choices=tuple(map_sweeps(variant, method)),
            label="sweep",
        ),
    ]
    out += [Spec(p.name, "float", p.default, p.lo, p.hi, label=p.label) for p in var.params]
    return tuple(out)


def stability_specs(settings: Settings) -> tuple[Spec, ...]:
    """The stability map's controls for ``settings``' variant and method."""
    return map_specs(
        settings.get("variant", STABILITY_DEFAULTS[0]),
        settings.get("method", STABILITY_DEFAULTS[1]),
    )


# ----------------------------------------------------------------------- mode collapse

_GMM_D = GMMSettings()
_GMM_R = GMMSettings.RANGES
_GMM_P = GMM_PARAMS
# Page-level choices (the model's own defaults and ranges come from GMMSettings).
#: A single run records TV, L and the optimal discriminator at every step (about 0.7 ms per
#: step and dynamics), so the page starts with fewer steps than the batch experiment; 300 is
#: enough for the default first-order run to end with a collapsed discriminator.
GMM_STEPS_DEFAULT = 300
GMM_STEPS_MAX = 3000
GMM_START = (1.5, -1.0)  # both dynamics part ways from here
GMM_LR_MIN = _GMM_P["eta_gen"].ui_range[0]  # learning rates are in (0, 5]; the slider starts here
GMM_TOL_MIN = _GMM_P["tol"].ui_range[0]  # tol is in (0, 2]
GMM_KS_CHOICES = ("1", "2", "3", "5", "10", "25", "50", "100")
GMM_KS_DEFAULT = ["1", "5", "25"]
GMM_GRID_CHOICES = ("21", "41", "61", "81")
GMM_GRID_DEFAULT = "41"  # the core's outcome_grid default
GMM_DYN_LABEL: dict[Dynamics, str] = {
    "optimal": "Optimal discriminator",
    "first-order": "First-order discriminator",
}
GMM_ELL_LABEL = {"optimal": "optimal at the start", "random": "random (from the seed)"}
GMM_TAB_LABEL = {"single": "Single run", "batch": "Batch experiment"}


@cache
def gmm_specs() -> tuple[Spec, ...]:
    """Every control of the page with its URL key, default and range (the model's settings
    from their declarations in ``GMM_PARAMS``)."""
    t_lo, t_hi = _GMM_R["target"]
    m_lo, m_hi = _GMM_R["mu_range"]
    e_lo, e_hi = _GMM_R["ell_range"]

    def num(key: str, name: str, kind: str = "float", **kw: object) -> Spec:
        p = _GMM_P[name]
        return Spec(key, kind, p.default, *p.ui_range, label=p.label, **kw)  # type: ignore[arg-type]  # kw: Spec's keyword fields

    return (
        Spec("target1", "float", _GMM_D.target[0], t_lo, t_hi, label="true mean μ\\*₁"),
        Spec("target2", "float", _GMM_D.target[1], t_lo, t_hi, label="true mean μ\\*₂"),
        num("lr_gen", "eta_gen"),
        num("lr_disc", "eta_disc"),
        num("k", "k", "int"),
        Spec("sim", "bool", _GMM_D.simultaneous, label=_GMM_P["simultaneous"].label),
        Spec("mu1", "float", GMM_START[0], m_lo, m_hi, label="start μ₁"),
        Spec("mu2", "float", GMM_START[1], m_lo, m_hi, label="start μ₂"),
        Spec("steps", "int", GMM_STEPS_DEFAULT, 1, GMM_STEPS_MAX, label="generator steps"),
        Spec("dyn", "choice", "first-order", choices=tuple(GMM_DYN_LABEL), label="data-space view"),
        Spec("ell", "choice", "optimal", choices=tuple(GMM_ELL_LABEL), label="first-order start"),
        num("seed", "seed", "int"),
        num("tol", "tol"),
        num("collapse", "collapse"),
        Spec("mu_lo", "float", _GMM_D.mu_range[0], m_lo, m_hi, label="start means: low"),
        Spec("mu_hi", "float", _GMM_D.mu_range[1], m_lo, m_hi, label="start means: high"),
        Spec("ell_lo", "float", _GMM_D.ell_range[0], e_lo, e_hi, label="start ends: low"),
        Spec("ell_hi", "float", _GMM_D.ell_range[1], e_lo, e_hi, label="start ends: high"),
        Spec("tab", "choice", "single", choices=tuple(GMM_TAB_LABEL), label="tab"),
        num("runs", "runs", "int"),
        Spec("bsteps", "int", _GMM_D.steps, *_GMM_R["steps"], label="generator steps (batch)"),
        Spec("ks", "multi", GMM_KS_DEFAULT, choices=GMM_KS_CHOICES, label="values of k"),
        Spec("bsim", "bool", False, label="also simultaneous"),
        Spec("grid", "choice", GMM_GRID_DEFAULT, choices=GMM_GRID_CHOICES, label="outcome-map grid"),
    )  # fmt: skip


def mode_collapse_specs(settings: Settings) -> tuple[Spec, ...]:
    """The mode-collapse page's controls (the same for every setting)."""
    return gmm_specs()


# ----------------------------------------------------------------------------- lessons


def lessons_specs(settings: Settings) -> tuple[Spec, ...]:
    """The lessons page's controls: the lesson shown and the glossary entry.

    Their choices are the content files' lesson ids and glossary terms; imported here, when
    asked, because the lesson loader itself checks its links through this module.
    """
    from ui.content import LESSON_INDEX
    from ui.glossary import SLUGS

    ids = tuple(LESSON_INDEX)
    return (
        Spec("lesson", "choice", ids[0] if ids else "", choices=ids, label="lesson"),
        Spec("glossary", "choice", "", choices=("", *SLUGS), label="glossary term"),
    )


def no_specs(settings: Settings) -> tuple[Spec, ...]:
    """A page without controls in its URL (the start page)."""
    return ()
