"""The sentences of the mode-collapse page that state numbers or shapes, built from the core.

Every number here comes from :mod:`dynamics.gmm` (through :mod:`ui.gmm_compute`), so what
the page says is what its figures show for the current settings; ``tests/test_gmm_page.py``
recomputes each sentence's numbers with the core. No Streamlit here.
"""

from __future__ import annotations

import math

import numpy as np

from dynamics import gmm

Pair = tuple[float, float]

#: Empty or merged intervals: ends closer than this count as met (the isotonic projection
#: pools crossing ends to the same float, so met ends are equal in practice).
MET = 1e-9
#: Final-state words of each outcome, as the batch table and the fractions sentence use them.
OUTCOME_WORDS = {
    "converged": "converged",
    "collapsed": "collapsed onto one mode",
    "stuck": "stuck with a collapsed discriminator",
    "other": "still oscillating or moving",
}


def _num(x: float, digits: int = 2) -> str:
    """A signed decimal with a real minus sign."""
    return f"{x:.{digits}f}".replace("-", "−")


def data_sentence(target: Pair) -> str:
    """What the data density looks like: two modes, or one bump and how close a collapsed
    generator (both means at the centre) is to it."""
    t1, t2 = float(target[0]), float(target[1])
    sep = abs(t2 - t1)
    head = f"The data are ½N({_num(t1, 1)}, 1) + ½N({_num(t2, 1)}, 1), means {sep:.1f} apart: "
    if gmm.data_modes(target) == 2:
        return head + "**two modes**, so one bump in the middle is a visibly wrong answer."
    centre = 0.5 * (t1 + t2)
    tv = float(gmm.tv_distance((centre, centre), target))
    return head + (
        "**one bump** (an equal mixture of unit Gaussians has two modes only when its means are "
        f"more than 2 apart), so a collapsed generator with both means at {_num(centre, 1)} "
        f"is only TV = {tv:.3f} from it. Move the means further apart to see two modes."
    )


#: Probability above which an interval set "covers" a distribution.
COVERS = 0.999


def discriminator_state(ell: np.ndarray, mu: np.ndarray, target: Pair) -> str:
    """Empty / merged intervals of a final discriminator, and what they cover, in words."""
    empty = [float(ell[2 * j + 1] - ell[2 * j]) < MET for j in (0, 1)]
    if all(empty):
        return "both of its intervals are empty (D = 0 everywhere)"
    cover_data = float(gmm.interval_mass(ell, np.asarray(target, dtype=float)))
    cover_gen = float(gmm.interval_mass(ell, np.asarray(mu, dtype=float)))
    merged = float(ell[2] - ell[1]) < MET and not any(empty)
    shape = (
        "its two intervals have merged into one"
        if merged
        else ("one of its intervals is empty" if any(empty) else "its intervals")
    )
    if cover_data > COVERS and cover_gen > COVERS:
        return f"{shape} that says 'real' on both distributions (D = 1 wherever there is mass)"
    return (
        f"{shape} hold {cover_data:.0%} of the data and {cover_gen:.0%} of the generator's samples"
    )


def _sci(x: float) -> str:
    return "0" if x == 0.0 else f"{x:.1e}"


def run_sentence(
    label: str,
    status: str,
    mu: np.ndarray,
    ell: np.ndarray,
    tv: np.ndarray,
    grad_norm: np.ndarray,
    target: Pair,
    tol: float,
) -> str:
    """One dynamics' outcome, as the plane, the data space and the time series show it.

    ``mu (T+1, 2)``, ``ell (T+1, 4)``, ``tv`` and ``grad_norm (T+1,)`` are the run's path.
    """
    m1, m2 = (float(v) for v in mu[-1])
    steps = len(tv) - 1
    tv_end = float(tv[-1])
    where = f"μ = ({_num(m1)}, {_num(m2)})"
    if status == "converged":
        swapped = abs(m1 - target[1]) < tol and abs(m2 - target[0]) < tol
        mirror = " (the swapped pair ☆, an equally good answer)" if swapped else ""
        return (
            f"**{label}**: converged to {where}{mirror}, each mean within {tol:g} of a data "
            f"mean; TV = {tv_end:.3f}."
        )
    if status == "collapsed":
        gap = abs(m1 - m2)
        modes = "two modes" if gmm.data_modes(target) == 2 else "one mode"
        return (
            f"**{label}**: collapsed: both generator means at {where}, |μ₁ − μ₂| = {gap:.3f}, "
            f"one bump where the data has {modes}; TV = {tv_end:.3f}."
        )
    if status == "stuck":
        return (
            f"**{label}**: stuck at {where}, TV = {tv_end:.3f}: "
            f"{discriminator_state(ell[-1], mu[-1], target)}, so the generator's gradient is "
            f"‖∇μ L‖ = {_sci(float(grad_norm[-1]))} and it no longer moves (discriminator "
            "collapse)."
        )
    if status == "oscillating":
        last = tv[min(steps, math.floor(0.75 * steps)) :]
        return (
            f"**{label}**: oscillating: over the last quarter of the {steps} steps TV swings "
            f"between {float(last.min()):.3f} and {float(last.max()):.3f} without settling; "
            f"now at {where}."
        )
    return f"**{label}**: still moving after {steps} steps, at {where}, TV = {tv_end:.3f}."


def fractions_sentence(result: gmm.BatchResult) -> str:
    """The first-order outcome fractions for the current settings (random starts)."""
    s = result.settings
    parts = [
        f"{OUTCOME_WORDS[name]} {getattr(result, name):.1%}"
        for name in gmm.OUTCOMES
        if result.counts[name] > 0
    ]
    how = "simultaneous updates" if s.simultaneous else f"k = {s.k}"
    return (
        f"With these settings ({how}, {s.steps} steps), {s.runs} random starts (means uniform "
        f"in [{s.mu_range[0]:g}, {s.mu_range[1]:g}]², intervals random, seed {s.seed}) end: "
        + ", ".join(parts)
        + "."
    )
