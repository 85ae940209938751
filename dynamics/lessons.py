"""Guided lessons and the glossary, as plain data (no Streamlit, no Plotly).

Each lesson is a few sentences of explanation, a "predict, then run" question, what to look
for (revealed after), the paper it comes from, and one or more links that open a page of the
app with exactly the settings the lesson talks about. Texts are Markdown (Streamlit's).

Every number a lesson states is something its linked view shows, and each link carries
``claims``: small machine-checkable facts that the tests recompute with the numerical core
(``tests/test_lessons.py``) and find again in the rendered page. The vocabulary, by page
(settings not in the link's query are the page's defaults; for the explorer h = 0.2, start
(1, 1), 500 steps):

Explorer (``pages/explorer.py``), ``subject`` is a training method unless stated:

- ``("rho", m, x)``: spectral radius of m's update operator, ``x`` to 6 decimals (as shown).
- ``("verdict", m, v)``: ``"converges"`` (ρ < 1), ``"neutral"`` (ρ = 1) or ``"diverges"``.
- ``("status", m, s)``: the simulated path's status, ``"converged"`` (final distance below
  1e-3), ``"not converged"`` or ``"diverged"`` (left ±10⁶).
- ``("distance", (m, step), (lo, hi))``: distance ‖(θ, ψ)‖ to the equilibrium after ``step``
  steps (``None``: the last step) lies in [lo, hi].
- ``("peak", m, (lo, hi))``: the largest distance along the path lies in [lo, hi].
- ``("range", m, (lo, hi))``: every distance along the path lies in [lo, hi].
- ``("drift", m, tol)``: the distance never moves more than ``tol`` away from its start.
- ``("psi_max", m, c)``: the largest |ψ| along the path is c (the clip bound, reached).
- ``("eigs", "J", ((re, im), ...))``: the Jacobian's eigenvalues, to 6 decimals.
- ``("speed_ratio", ((θ₁, ψ₁), (θ₂, ψ₂)), (lo, hi))``: ‖v(θ₁, ψ₁)‖ / ‖v(θ₂, ψ₂)‖ in [lo, hi].

Compare (``pages/compare.py``): ``("verdict", "variant/scheme", v)`` for one panel.

Stability map (``pages/stability.py``):

- ``("critical", param, x)``: J's eigenvalues meet on the real axis at param = x (critical
  damping, marked on the locus).
- ``("boundary", "", formula)``: the analytic ρ = 1 boundary drawn on the map.
- ``("verdict_at", ((axis, value), ...), v)``: the verdict of the map's cell at those values.
- ``("fastest_at", ((axis, value),), (other_axis, x))``: with the first axis fixed at that
  value, the smallest ρ on the map lies at other_axis = x.

Mode collapse (``pages/mode_collapse.py``), ``subject`` is ``"optimal"`` or ``"first-order"``:

- ``("status", d, s)``: the run's status badge (converged, collapsed, oscillating, stuck, moving).
- ``("gap", d, (lo, hi))``: the final |μ₁ − μ₂| lies in [lo, hi].
- ``("subopt", d, (lo, hi))``: the final (1 + TV) − L (the discriminator's shortfall) lies in
  [lo, hi].
- ``("mu", d, ((lo₁, hi₁), (lo₂, hi₂)))``: the final means lie in these ranges.
- ``("tv", d, (lo, hi))``: the final TV between generator and data lies in [lo, hi].
- ``("grad", d, (lo, hi))``: the final generator gradient ‖∇μ L‖ lies in [lo, hi].
- ``("modes", "data", n)``: the data density G* has ``n`` modes.
- ``("fraction", outcome, (lo, hi))``: the fraction of the page's seeded random starts (first
  order, the single run's settings) ending with this outcome (``"a+b"`` adds outcomes) lies in
  [lo, hi].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

#: One checkable fact: (kind, subject, value); see the module docstring for the vocabulary.
Claim = tuple[str, Any, Any]

#: The pages a link opens, by script (their URL paths and titles are in ``ui/routes.py``).
EXPLORER = "pages/explorer.py"
COMPARE = "pages/compare.py"
STABILITY = "pages/stability.py"
MODE_COLLAPSE = "pages/mode_collapse.py"

# References, cited by the lessons.
MESCHEDER_2018 = (
    "L. Mescheder, A. Geiger, S. Nowozin, *Which Training Methods for GANs do actually "
    "Converge?*, ICML 2018"
)
GOODFELLOW_2014 = "I. Goodfellow et al., *Generative Adversarial Nets*, NeurIPS 2014"
ARJOVSKY_2017 = (
    "M. Arjovsky, S. Chintala, L. Bottou, *Wasserstein Generative Adversarial Networks*, ICML 2017"
)
SONDERBY_2017 = (
    "C. K. Sønderby et al., *Amortised MAP Inference for Image Super-resolution*, ICLR 2017"
)
ARJOVSKY_BOTTOU_2017 = (
    "M. Arjovsky, L. Bottou, *Towards Principled Methods for Training Generative Adversarial "
    "Networks*, ICLR 2017"
)
ROTH_2017 = (
    "K. Roth et al., *Stabilizing Training of Generative Adversarial Networks through "
    "Regularization*, NeurIPS 2017"
)
NUMERICS_2017 = "L. Mescheder, S. Nowozin, A. Geiger, *The Numerics of GANs*, NeurIPS 2017"
GIDEL_VI_2019 = (
    "G. Gidel et al., *A Variational Inequality Perspective on Generative Adversarial Networks*, "
    "ICLR 2019"
)
DASKALAKIS_2018 = "C. Daskalakis et al., *Training GANs with Optimism*, ICLR 2018"
GIDEL_MOMENTUM_2019 = (
    "G. Gidel et al., *Negative Momentum for Improved Game Dynamics*, AISTATS 2019"
)
LI_2018 = (
    "J. Li, A. Madry, J. Peebles, L. Schmidt, *On the Limitations of First-Order Approximation in "
    "GAN Dynamics*, ICML 2018"
)


@dataclass(frozen=True)
class Link:
    """A page of the app opened with exactly these URL settings."""

    page: str  # the page's script, e.g. "pages/explorer.py"
    query: Mapping[str, str]  # URL query parameters, in the pages' own encoding
    label: str  # what the button says
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True)
class TryIt:
    """What the lessons page adds to a lesson: the student's prediction, then its figure.

    ``choices`` are the answers offered (``correct`` is the index of the right one); the
    figure is the lesson's explorer links (else its mode-collapse links) drawn on the lesson
    page, one at a time when there are several, with ``controls`` (the linked page's URL
    keys) as the only controls the student can move there.
    """

    choices: tuple[str, ...]
    correct: int
    controls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lesson:
    id: str  # URL value: /lessons?lesson=<id>
    title: str
    explanation: str  # a few sentences, Markdown
    question: str  # "Predict, then run: …"
    answer: str  # what to look for, revealed after
    links: tuple[Link, ...]  # the first is the main one
    reference: str
    try_it: TryIt  # the prediction the student commits to, and the lesson's own figure

    @property
    def claims(self) -> tuple[Claim, ...]:
        return tuple(c for link in self.links for c in link.claims)


def _q(**kw: str) -> Mapping[str, str]:
    return MappingProxyType(dict(kw))


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="continuous-flow",
        title="Unregularised training circles: the continuous flow",
        explanation=(
            "In the Dirac-GAN the data is a point mass at 0, the generator a point mass at θ and "
            "the discriminator the line D(x) = ψx. Training moves (θ, ψ) along the vector field "
            "v(θ, ψ) = (−ψ f′(θψ), θ f′(θψ)) of the standard GAN, with f′(t) = 1/(1 + eᵗ). Take "
            "infinitely small steps, the *continuous flow* ż = v(z): then d/dt (θ² + ψ²) = 2θ·(−ψ "
            "f′) + 2ψ·(θ f′) = 0, so the distance to the equilibrium (0, 0) never changes. At the "
            "equilibrium the Jacobian J has the purely imaginary eigenvalues ±i f′(0) = ±0.5i: a "
            "rotation without any damping."
        ),
        question=(
            "Predict, then run: starting at (θ, ψ) = (1, 1), does the continuous flow reach the "
            "equilibrium, spiral away from it, or neither?"
        ),
        answer=(
            "Neither. The path is a circle of radius √2 ≈ 1.414 around (0, 0), traced again and "
            "again. The eigenvalue panel shows J's eigenvalues ±0.5i (real part 0), and the "
            "flow's update over one sampling interval has ρ = 1.000000, *near (0, 0): neutral*; "
            "here, exactly, the circle is kept forever. The distance stays at 1.414214 (in the distance plot, read the y axis: any "
            "wiggle is below 10⁻⁹, the ODE solver's round-off). The generator never reaches the "
            "data, although the data point is the only equilibrium."
        ),
        links=(
            Link(
                EXPLORER,
                _q(variant="standard", methods="flow"),
                "Open the explorer: standard GAN, continuous flow",
                (
                    ("eigs", "J", ((0.0, -0.5), (0.0, 0.5))),
                    ("rho", "flow", 1.0),
                    ("verdict", "flow", "neutral"),
                    ("status", "flow", "not converged"),
                    ("drift", "flow", 1e-6),
                    ("distance", ("flow", None), (1.414, 1.4143)),
                ),
            ),
        ),
        reference=MESCHEDER_2018 + ", Section 2 (the Dirac-GAN).",
        try_it=TryIt(
            (
                "It reaches the equilibrium (0, 0).",
                "It spirals away from the equilibrium.",
                "Neither: it circles at the same distance forever.",
            ),
            2,
            ("steps",),
        ),
    ),
    Lesson(
        id="simgd-vs-altgd",
        title="SimGD spirals out, AltGD circles",
        explanation=(
            "Real training takes steps of size h. *Simultaneous* gradient descent (SimGD) moves "
            "both players at once, z ← z + h v(z). Near the equilibrium one step multiplies the "
            "error by the update operator I + hJ, whose eigenvalues 1 ± i h f′(0) have modulus "
            "√(1 + h²/4) > 1 for every h > 0: each step pushes the path outwards a little. "
            "*Alternating* gradient descent (AltGD) first moves the generator, then lets the "
            "discriminator respond to the generator's new position. With one step each its update "
            "eigenvalues lie exactly on the unit circle as long as α = h f′(0) ≤ 2."
        ),
        question=(
            "Predict, then run: both methods start at (1, 1) with h = 0.2 for 500 steps (the "
            "authors' Figure 1). Which one ends farther from the equilibrium, and does either "
            "converge?"
        ),
        answer=(
            "SimGD spirals outwards: ρ = 1.004988 (*diverges*), and its distance to (0, 0) grows "
            "from 1.41 to 3.10 in 500 steps. AltGD keeps circling: ρ = 1.000000 (*neutral*), its "
            "distance only oscillates between 1.34 and 1.43. Neither converges. In the distance "
            "plot SimGD's distance grows in bursts and falls far behind the dotted prediction "
            "ρᵏ·d₀ (about 17 after 500 steps): away from the equilibrium the saturating nonlinear "
            "terms slow it down, which the linearisation ignores."
        ),
        links=(
            Link(
                EXPLORER,
                _q(variant="standard", methods="simgd,altgd"),
                "Open the explorer: standard GAN, SimGD vs AltGD",
                (
                    ("rho", "simgd", 1.004988),
                    ("verdict", "simgd", "diverges"),
                    ("distance", ("simgd", None), (3.0, 3.2)),
                    ("status", "simgd", "not converged"),
                    ("rho", "altgd", 1.0),
                    ("verdict", "altgd", "neutral"),
                    ("range", "altgd", (1.34, 1.43)),
                    ("status", "altgd", "not converged"),
                ),
            ),
        ),
        reference=MESCHEDER_2018 + ", Section 2 and Figure 1.",
        try_it=TryIt(
            (
                "SimGD ends farther away; neither converges.",
                "AltGD ends farther away; neither converges.",
                "Both converge to the equilibrium.",
                "SimGD converges; AltGD spirals out.",
            ),
            0,
            ("h",),
        ),
    ),
    Lesson(
        id="saturation",
        title="Saturated quadrants and the non-saturating loss",
        explanation=(
            "The generator's gradient in the standard GAN is −ψ f′(θψ), and f′(t) = 1/(1 + eᵗ) is "
            "nearly 0 for large t. Where θψ > 0 the discriminator correctly scores the generated "
            "sample as fake, and the more confidently it does so, the less gradient the generator "
            "gets: the loss *saturates*. The *non-saturating* loss (Goodfellow et al.) gives the "
            "generator −ψ f′(−θψ) instead, which is strong exactly there. Both losses have the "
            "same Jacobian at the equilibrium (eigenvalues ±0.5i), so the linear analysis cannot "
            "tell them apart."
        ),
        question=(
            "Predict, then run: with the background coloured by speed ‖v‖, which quadrants are "
            "pale for the standard GAN? Then open the non-saturating GAN: are they still pale, "
            "and does AltGD now reach the equilibrium, and how fast?"
        ),
        answer=(
            "Standard GAN: away from the centre, the top-right and bottom-left quadrants (θψ > 0) "
            "are pale: at (1.5, 1.5) the field is about ten times slower than at (1.5, −1.5). "
            "AltGD circles at a distance of about 1.42 with ρ = 1.000000. Non-saturating GAN: no "
            "pale quadrant (the speed at the two points is the same), and AltGD creeps towards "
            "the equilibrium although ρ is still exactly 1: its distance is 0.28 after 500 steps "
            "and 0.14 after 2000. Four times the steps only halve the distance, slower than any "
            "geometric rate ρᵏ: the convergence is *sublinear*, and it comes from the nonlinear "
            "terms, not from the eigenvalues. The compare page puts both losses side by side: the "
            "same ρ and verdict in every column, different paths."
        ),
        links=(
            Link(
                EXPLORER,
                _q(variant="standard", methods="altgd", speed="1"),
                "Open the explorer: standard GAN, coloured by speed",
                (
                    ("speed_ratio", ((1.5, 1.5), (1.5, -1.5)), (0.1, 0.11)),
                    ("rho", "altgd", 1.0),
                    ("distance", ("altgd", None), (1.40, 1.43)),
                ),
            ),
            Link(
                EXPLORER,
                _q(variant="non-saturating", methods="altgd", steps="2000", speed="1"),
                "Open the explorer: non-saturating GAN, AltGD for 2000 steps",
                (
                    ("speed_ratio", ((1.5, 1.5), (1.5, -1.5)), (0.99, 1.01)),
                    ("eigs", "J", ((0.0, -0.5), (0.0, 0.5))),
                    ("rho", "altgd", 1.0),
                    ("verdict", "altgd", "neutral"),
                    ("distance", ("altgd", 500), (0.275, 0.29)),
                    ("distance", ("altgd", None), (0.135, 0.145)),
                    ("status", "altgd", "not converged"),
                ),
            ),
            Link(
                COMPARE,
                _q(variants="standard,non-saturating", schemes="simgd,altgd1"),
                "Compare both losses under SimGD and AltGD",
                (
                    ("verdict", "standard/simgd", "diverges"),
                    ("verdict", "standard/altgd1", "neutral"),
                    ("verdict", "non-saturating/simgd", "diverges"),
                    ("verdict", "non-saturating/altgd1", "neutral"),
                ),
            ),
        ),
        reference=GOODFELLOW_2014 + "; " + MESCHEDER_2018 + ".",
        try_it=TryIt(
            (
                "The quadrants where θψ > 0 are pale; the non-saturating loss removes them, "
                "and AltGD then creeps slowly towards the equilibrium.",
                "The quadrants where θψ < 0 are pale; the non-saturating loss changes nothing.",
                "No quadrant is pale, and both losses behave the same.",
            ),
            0,
            ("steps",),
        ),
    ),
    Lesson(
        id="wgan-clipping",
        title="WGAN and weight clipping",
        explanation=(
            "The Wasserstein GAN uses a linear loss, f(t) = t, so the Dirac-GAN's field is the "
            "exact rotation v = (−ψ, θ) with Jacobian eigenvalues ±i. To keep the critic "
            "Lipschitz, WGAN clips its weights after every update: here ψ ← clip(ψ, −c, c). "
            "Clipping bounds the discriminator; it does not add any damping."
        ),
        question=(
            "Predict, then run: with c = 1, SimGD's update has ρ = √(1 + h²) > 1 near the "
            "equilibrium. Does SimGD run off to infinity, converge, or neither? And AltGD?"
        ),
        answer=(
            "Neither converges and neither runs away. J's eigenvalues are ±i; SimGD has ρ = "
            "1.019804 (*diverges*), AltGD ρ = 1.000000 (*neutral*). Both paths run into |ψ| = 1, "
            "the edge of the shaded clipped band, and slide along it instead of crossing it; "
            "after that they keep circling at a distance of about 1 from the equilibrium (1.00 "
            "for SimGD, 1.02 for AltGD after 500 steps). In the distance plot SimGD's predicted "
            "ρᵏ·d₀ grows beyond 10⁴ while the clipped path stays near 1. Weight clipping does not "
            "make the WGAN converge."
        ),
        links=(
            Link(
                EXPLORER,
                _q(variant="wgan", clip="1", methods="simgd,altgd"),
                "Open the explorer: WGAN, clipping at c = 1",
                (
                    ("eigs", "J", ((0.0, -1.0), (0.0, 1.0))),
                    ("rho", "simgd", 1.019804),
                    ("verdict", "simgd", "diverges"),
                    ("rho", "altgd", 1.0),
                    ("psi_max", "simgd", 1.0),
                    ("psi_max", "altgd", 1.0),
                    ("distance", ("simgd", None), (0.99, 1.01)),
                    ("distance", ("altgd", None), (1.01, 1.03)),
                    ("status", "simgd", "not converged"),
                    ("status", "altgd", "not converged"),
                ),
            ),
        ),
        reference=ARJOVSKY_2017 + "; " + MESCHEDER_2018 + ", Section 3.",
        try_it=TryIt(
            (
                "SimGD runs off to infinity; AltGD circles.",
                "Both converge: clipping stabilises the WGAN.",
                "Neither converges nor runs away: both slide along |ψ| = c and keep circling.",
            ),
            2,
            ("clip",),
        ),
    ),
    Lesson(
        id="instance-noise",
        title="Instance noise makes training converge",
        explanation=(
            "Instance noise adds Gaussian noise ε ~ N(0, σ²) to real and generated samples before "
            "the discriminator sees them. The discriminator can no longer separate two points "
            "perfectly, and the field gains a restoring term: J's eigenvalues become f″(0)σ² ± "
            "√(f″(0)²σ⁴ − f′(0)²), with negative real parts for every σ > 0 (−σ²/4 while they are "
            "complex). Whether a *discrete* method converges also depends on h: SimGD needs |1 + "
            "hλ| < 1, which here means h < 2σ²."
        ),
        question=(
            "Predict, then run: at the authors' σ = 0.7, do SimGD and AltGD converge? Then open σ "
            "= 0.2 with the same h = 0.2: does SimGD still converge?"
        ),
        answer=(
            "σ = 0.7: J's eigenvalues are −0.1225 ± 0.484762i; SimGD (ρ = 0.980306) and AltGD (ρ "
            "= 0.975192) both spiral in and are *converged* within 500 steps. σ = 0.2: the "
            "damping −σ²/4 = −0.01 is too weak for SimGD's step (h = 0.2 > 2σ² = 0.08): ρ = "
            "1.002996, it still spirals out (distance 1.41 → 2.49), while AltGD converges slowly "
            "(ρ = 0.997998; distance 0.50 after 500 steps). The stability map over h × σ shows "
            "the whole picture: the lower dashed boundary |1 + hλ| = 1 is the curve h = 2σ², so "
            "at h = 0.2 SimGD converges only for σ above about 0.32 (the ★ at σ = 0.2 lies on the "
            "red side)."
        ),
        links=(
            Link(
                EXPLORER,
                _q(variant="instance-noise", sigma="0.7", methods="simgd,altgd"),
                "Open the explorer: instance noise σ = 0.7",
                (
                    ("eigs", "J", ((-0.1225, -0.484762), (-0.1225, 0.484762))),
                    ("rho", "simgd", 0.980306),
                    ("rho", "altgd", 0.975192),
                    ("status", "simgd", "converged"),
                    ("status", "altgd", "converged"),
                ),
            ),
            Link(
                EXPLORER,
                _q(variant="instance-noise", sigma="0.2", methods="simgd,altgd"),
                "Open the explorer: instance noise σ = 0.2",
                (
                    ("rho", "simgd", 1.002996),
                    ("verdict", "simgd", "diverges"),
                    ("distance", ("simgd", None), (2.4, 2.6)),
                    ("rho", "altgd", 0.997998),
                    ("verdict", "altgd", "converges"),
                    ("distance", ("altgd", None), (0.49, 0.51)),
                ),
            ),
            Link(
                STABILITY,
                _q(variant="instance-noise", method="simgd", axes="h,sigma", sigma="0.2"),
                "Open the stability map: SimGD on instance noise, h × σ",
                (
                    ("boundary", "", "|1 + hλ| = 1"),
                    ("verdict_at", (("h", 0.2), ("sigma", 0.3)), "diverges"),
                    ("verdict_at", (("h", 0.2), ("sigma", 0.35)), "converges"),
                    ("verdict_at", (("h", 0.1), ("sigma", 0.25)), "converges"),
                ),
            ),
        ),
        reference=(
            SONDERBY_2017 + "; " + ARJOVSKY_BOTTOU_2017 + "; " + MESCHEDER_2018 + ", Section 3."
        ),
        try_it=TryIt(
            (
                "Both converge at σ = 0.7; at σ = 0.2 SimGD spirals out while AltGD converges.",
                "Both converge at σ = 0.7 and at σ = 0.2.",
                "Neither converges: noise does not damp the rotation.",
            ),
            0,
            ("sigma",),
        ),
    ),
    Lesson(
        id="gradient-penalty",
        title="The gradient penalty and critical damping",
        explanation=(
            "A zero-centred gradient penalty punishes the discriminator for a steep slope ∇ₓD = "
            "ψ. On real data (R1) and on generated data (R2) it is the same term (γ/2)ψ² in the "
            "Dirac-GAN. The field becomes (−ψ f′(θψ), θ f′(θψ) − γψ) and J's eigenvalues −γ/2 ± "
            "√(γ²/4 − f′(0)²). For γ < 1 they are complex: a damped spiral. At γ = 2f′(0) = 1 "
            "they meet at −1/2: *critical damping*. For γ > 1 they are real, and one of them "
            "moves towards 0, which makes convergence slow again."
        ),
        question=(
            "Predict, then run: at the authors' γ = 0.3 the paths spiral in. At γ = 1, do they "
            "still turn around the equilibrium, and is SimGD faster or slower than at γ = 0.3?"
        ),
        answer=(
            "At γ = 1, J has the double eigenvalue −0.5 and SimGD's update the double eigenvalue "
            "0.9 (ρ = 0.900000): the paths head into (0, 0) without circling it, and SimGD "
            "converges much faster than at γ = 0.3 (ρ = 0.974679, a slow spiral; AltGD 0.969536). "
            "The stability page's eigenvalue locus shows the two eigenvalues travelling towards "
            "each other as γ grows and meeting on the real axis at γ = 1 (the ◇ marks critical "
            "damping; the ★, the current γ = 1, sits on it), then splitting along the real axis. "
            "On the map above it (learning rate h × γ), the darkest blue, the fastest "
            "convergence, lies along γ = 1: at h = 0.2 no other γ gives a smaller ρ."
        ),
        links=(
            Link(
                EXPLORER,
                _q(variant="gradient-penalty", gamma="1", methods="simgd,altgd"),
                "Open the explorer: gradient penalty, γ = 1",
                (
                    ("eigs", "J", ((-0.5, 0.0), (-0.5, 0.0))),
                    ("rho", "simgd", 0.9),
                    ("status", "simgd", "converged"),
                    ("status", "altgd", "converged"),
                ),
            ),
            Link(
                EXPLORER,
                _q(variant="gradient-penalty", gamma="0.3", methods="simgd,altgd"),
                "Open the explorer: gradient penalty, γ = 0.3 (the authors' setting)",
                (
                    ("eigs", "J", ((-0.15, -0.47697), (-0.15, 0.47697))),
                    ("rho", "simgd", 0.974679),
                    ("rho", "altgd", 0.969536),
                    ("status", "simgd", "converged"),
                ),
            ),
            Link(
                STABILITY,
                _q(variant="gradient-penalty", method="simgd", sweep="gamma", gamma="1"),
                "Open the stability page: eigenvalues as γ runs from 0 to 1.5",
                (
                    ("critical", "gamma", 1.0),
                    ("fastest_at", (("h", 0.2),), ("gamma", 1.0)),
                ),
            ),
        ),
        reference=ROTH_2017 + "; " + MESCHEDER_2018 + ", Sections 3 and 4.",
        try_it=TryIt(
            (
                "They still spiral, and SimGD is slower than at γ = 0.3.",
                "They head into (0, 0) without circling, and SimGD is faster than at γ = 0.3.",
                "SimGD diverges at γ = 1: the penalty is too strong.",
            ),
            1,
            ("gamma",),
        ),
    ),
    Lesson(
        id="consensus",
        title="Consensus optimisation",
        explanation=(
            "Consensus optimisation lets both players also descend γ·½‖v‖², the squared length of "
            "the field. Descending it moves the players towards where the field is small, such as "
            "the equilibrium. Near the equilibrium it changes J into J − γJᵀJ, with eigenvalues "
            "−γ f′(0)² ± i f′(0) = −0.25 ± 0.5i at γ = 1: the rotation remains, but now it is "
            "damped."
        ),
        question=(
            "Predict, then run: same start and the same h = 0.2 as the SimGD run that spiralled "
            "out in lesson 2. Does SimGD now converge?"
        ),
        answer=(
            "Yes. J's eigenvalues are −0.25 ± 0.5i; SimGD has ρ = 0.955249 and AltGD ρ = "
            "0.950000, and both are *converged* within 500 steps. Far from the equilibrium the "
            "consensus term is not linear: both paths first swing out a little (to a distance of "
            "about 1.5) before they spiral in. The app uses the exact gradient of ½‖v‖²; the "
            "authors' plotting code halves its cubic part, which changes this far field but not "
            "the eigenvalues."
        ),
        links=(
            Link(
                EXPLORER,
                _q(variant="consensus", gamma="1", methods="simgd,altgd"),
                "Open the explorer: consensus optimisation, γ = 1",
                (
                    ("eigs", "J", ((-0.25, -0.5), (-0.25, 0.5))),
                    ("rho", "simgd", 0.955249),
                    ("rho", "altgd", 0.95),
                    ("status", "simgd", "converged"),
                    ("status", "altgd", "converged"),
                    ("peak", "simgd", (1.45, 1.55)),
                    ("peak", "altgd", (1.45, 1.55)),
                ),
            ),
        ),
        reference=NUMERICS_2017 + "; " + MESCHEDER_2018 + ", Section 3.",
        try_it=TryIt(
            (
                "Yes: SimGD and AltGD both converge.",
                "No: SimGD still spirals out.",
                "Only AltGD converges.",
            ),
            0,
            ("gamma",),
        ),
    ),
    Lesson(
        id="optimisers",
        title="Optimisers beyond gradient descent",
        explanation=(
            "Some optimisers tame the rotation without changing the game. *Extragradient* takes a "
            "trial step and then steps with the gradient found there. *Optimistic* gradient "
            "descent adds the difference between the current and the previous gradient, which "
            "extrapolates in the same way with one gradient per step. *Heavy-ball momentum* adds "
            "β times the previous step; Gidel et al. found that a negative β helps when the "
            "players alternate."
        ),
        question=(
            "Predict, then run: on the standard GAN, where SimGD spirals out, do extragradient "
            "and optimistic GD converge? Then, with β = −0.5: which of plain AltGD, simultaneous "
            "momentum and alternating momentum converges?"
        ),
        answer=(
            "Extragradient (ρ = 0.995038) and optimistic GD (ρ = 0.994936) both converge, slowly: "
            "their distance falls from 1.41 to about 0.12 in 500 steps, while SimGD (ρ = "
            "1.004988) spirals out. With β = −0.5 over 2000 steps: alternating momentum converges "
            "(ρ = 0.998518, distance down to 0.076), simultaneous momentum still diverges (ρ = "
            "1.000743, distance up to 2.85), and plain AltGD keeps circling (ρ = 1.000000). "
            "Negative momentum works together with alternating updates."
        ),
        links=(
            Link(
                EXPLORER,
                _q(variant="standard", methods="simgd,extragradient,optimistic"),
                "Open the explorer: SimGD, extragradient and optimistic GD",
                (
                    ("rho", "simgd", 1.004988),
                    ("rho", "extragradient", 0.995038),
                    ("verdict", "extragradient", "converges"),
                    ("rho", "optimistic", 0.994936),
                    ("verdict", "optimistic", "converges"),
                    ("distance", ("extragradient", None), (0.11, 0.13)),
                    ("distance", ("optimistic", None), (0.11, 0.13)),
                ),
            ),
            Link(
                EXPLORER,
                _q(
                    variant="standard",
                    methods="altgd,momentum,momentum-alt",
                    beta="-0.5",
                    steps="2000",
                ),
                "Open the explorer: negative momentum β = −0.5, simultaneous and alternating",
                (
                    ("rho", "altgd", 1.0),
                    ("rho", "momentum", 1.000743),
                    ("verdict", "momentum", "diverges"),
                    ("distance", ("momentum", None), (2.8, 2.9)),
                    ("rho", "momentum-alt", 0.998518),
                    ("verdict", "momentum-alt", "converges"),
                    ("distance", ("momentum-alt", None), (0.07, 0.08)),
                ),
            ),
        ),
        reference=GIDEL_VI_2019 + "; " + DASKALAKIS_2018 + "; " + GIDEL_MOMENTUM_2019 + ".",
        try_it=TryIt(
            (
                "Extragradient and optimistic GD converge; with β = −0.5 only alternating "
                "momentum converges.",
                "Neither converges; with β = −0.5 all three converge.",
                "Both converge; with β = −0.5 simultaneous momentum converges too.",
            ),
            0,
            ("beta",),
        ),
    ),
    Lesson(
        id="stability-map",
        title="Where AltGD stays stable: the α = 2 boundary",
        explanation=(
            "AltGD circles instead of spiralling out only for small enough steps. With n_gen "
            "generator and n_disc discriminator steps per round, its update eigenvalues are 1 − "
            "α²/2 ± √((1 − α²/2)² − 1) with α = √(n_gen·n_disc)·h·f′(0): both on the unit circle "
            "while α ≤ 2, one of them outside once α > 2. The stability map colours every pair "
            "(h, n_disc) by the spectral radius ρ at the equilibrium: near it, blue converges, "
            "white circles, red diverges."
        ),
        question=(
            "Predict, then run: where on the h × n_disc map does the white region end? Is the ★ "
            "at h = 1.3, n_disc = 12 inside it? Then open that setting in the explorer, starting "
            "right next to the equilibrium."
        ),
        answer=(
            "The white region (ρ = 1) ends at the dashed analytic boundary α = 2, that is h = "
            "4/√n_disc (h = 2 at n_disc = 4, h ≈ 1.15 at n_disc = 12); beyond it the map is red. "
            "The ★ has α ≈ 2.25 > 2 and ρ = 2.699571. In the explorer the path leaves its start "
            "(0.1, 0.1) at once: its distance goes 0.14 → 0.38 → 1.20 → 2.09 in the first three "
            "rounds, in the first two by about the factor ρ ≈ 2.7 each. Then it jumps about "
            "erratically but never gets farther than 2.2 from the equilibrium: far from (0, 0) "
            "the loss saturates. The eigenvalues only describe the neighbourhood of the "
            "equilibrium."
        ),
        links=(
            Link(
                STABILITY,
                _q(
                    variant="standard",
                    method="altgd",
                    axes="h,n_disc",
                    h="1.3",
                    n_disc="12",
                ),
                "Open the stability map: AltGD on the standard GAN, h × n_disc",
                (
                    ("boundary", "", "α = √(n_g n_d)·h·f'(0) = 2"),
                    ("verdict_at", (("h", 0.2), ("n_disc", 1)), "neutral"),
                    ("verdict_at", (("h", 1.1), ("n_disc", 12)), "neutral"),
                    ("verdict_at", (("h", 1.3), ("n_disc", 12)), "diverges"),
                    ("verdict_at", (("h", 1.9), ("n_disc", 4)), "neutral"),
                ),
            ),
            Link(
                EXPLORER,
                _q(
                    variant="standard",
                    methods="altgd",
                    h="1.3",
                    n_disc="12",
                    steps="30",
                    theta0="0.1",
                    psi0="0.1",
                    view="3",
                ),
                "Open the explorer: AltGD with h = 1.3, n_disc = 12, from (0.1, 0.1)",
                (
                    ("rho", "altgd", 2.699571),
                    ("verdict", "altgd", "diverges"),
                    ("distance", ("altgd", 1), (0.375, 0.377)),
                    ("distance", ("altgd", 2), (1.19, 1.2)),
                    ("distance", ("altgd", 3), (2.08, 2.1)),
                    ("peak", "altgd", (2.1, 2.2)),
                    ("status", "altgd", "not converged"),
                ),
            ),
        ),
        reference=MESCHEDER_2018 + ", Section 2.",
        try_it=TryIt(
            (
                "The white region ends at α = 2 (h = 4/√n_disc); the ★ lies beyond it, and the "
                "path leaves its start at once.",
                "The whole map is white: AltGD never diverges.",
                "The ★ is inside the white region: the path keeps circling near its start.",
            ),
            0,
            ("h", "n_disc"),
        ),
    ),
    Lesson(
        id="mode-collapse",
        title="Mode collapse and discriminator collapse with a first-order discriminator",
        explanation=(
            "Now the data is a mixture of two unit Gaussians at μ\\*₁ = −2 and μ\\*₂ = 2: two "
            "clear modes. The generator is a mixture at μ₁ and μ₂, and the discriminator says "
            "'real' on two intervals (a model after Li et al.). If the discriminator is optimal at "
            "every step, training is gradient descent on the total variation distance (TV). In "
            "practice the discriminator only takes k gradient steps per generator step "
            "(*first-order* dynamics): it lags behind, and the generator follows its signal."
        ),
        question=(
            "Predict, then run: from μ = (1.5, −1.0), with k = 1 discriminator step per generator "
            "step, does the first-order run reach the data's two modes? Does k = 25 help?"
        ),
        answer=(
            "With k = 1 the optimal-discriminator run is *converged* after 300 steps (to the "
            "swapped pair μ ≈ (2.0, −2.0), the ☆, an equally good answer). The first-order run "
            "overshoots: its means pass the data's and it ends *stuck* at μ ≈ (3.2, −3.0) with "
            "TV ≈ 0.42. Its two intervals have merged into one that says 'real' wherever there "
            "is mass, so the generator's gradient is exactly 0: a *discriminator collapse*. Its "
            "means stay far apart (|μ₁ − μ₂| ≈ 6.2): this is not mode collapse. With k = 25 the "
            "discriminator keeps up longer, but the run still ends stuck, at TV ≈ 0.14. Over 200 "
            "random starts (the sentence under the table) only about 6 % of the k = 1 runs end "
            "collapsed onto one mode; most are still oscillating or stuck. Mode collapse proper "
            "dominates when the data's means are close, as the batch tab's separation × k map "
            "shows: with μ\\* = (−0.5, 0.5) over 80 % of the runs collapse, but there the data "
            "is itself one bump, and the collapsed generator is only TV ≈ 0.06 from it."
        ),
        links=(
            Link(
                MODE_COLLAPSE,
                _q(mu1="1.5", mu2="-1", k="1", steps="300", ell="optimal"),
                "Open the mode-collapse page: k = 1",
                (
                    ("modes", "data", 2),
                    ("status", "optimal", "converged"),
                    ("mu", "optimal", ((1.95, 2.05), (-2.05, -1.95))),
                    ("status", "first-order", "stuck"),
                    ("mu", "first-order", ((3.15, 3.25), (-3.05, -2.95))),
                    ("tv", "first-order", (0.415, 0.425)),
                    ("grad", "first-order", (0.0, 0.0)),
                    ("gap", "first-order", (6.15, 6.25)),
                    ("fraction", "collapsed", (0.055, 0.065)),
                    ("fraction", "stuck+other", (0.85, 0.95)),
                ),
            ),
            Link(
                MODE_COLLAPSE,
                _q(mu1="1.5", mu2="-1", k="25", steps="300", ell="optimal"),
                "Open the mode-collapse page: k = 25",
                (
                    ("status", "optimal", "converged"),
                    ("status", "first-order", "stuck"),
                    ("tv", "first-order", (0.135, 0.145)),
                ),
            ),
            Link(
                MODE_COLLAPSE,
                _q(target1="-0.5", target2="0.5", mu1="1.5", mu2="-1", k="1", steps="300"),
                "Open the mode-collapse page: data means 1 apart",
                (
                    ("modes", "data", 1),
                    ("status", "first-order", "collapsed"),
                    ("tv", "first-order", (0.055, 0.065)),
                    ("fraction", "collapsed", (0.8, 0.9)),
                ),
            ),
        ),
        reference=LI_2018
        + " (the model here is after their paper; we take only its qualitative dichotomy, "
        "optimal discriminator converges, first-order steps can fail: its numbers were not "
        "available to us).",
        try_it=TryIt(
            (
                "No: with k = 1 it overshoots the data and gets stuck (its discriminator "
                "collapses); k = 25 keeps up longer but still ends stuck.",
                "Yes: with k = 1 it already reaches both modes.",
                "Not with k = 1, but with k = 25 it reaches both modes.",
                "No: both generator means end on one mode (mode collapse).",
            ),
            0,
            ("k",),
        ),
    ),
)

LESSON_INDEX: Mapping[str, Lesson] = MappingProxyType({les.id: les for les in LESSONS})
#: Each lesson's prediction and figure, by lesson id (derived from the lessons).
TRY_IT: Mapping[str, TryIt] = MappingProxyType({les.id: les.try_it for les in LESSONS})


def get_lesson(lesson_id: str) -> Lesson:
    try:
        return LESSON_INDEX[lesson_id]
    except KeyError:
        raise ValueError(
            f"unknown lesson {lesson_id!r}; one of {', '.join(LESSON_INDEX)}"
        ) from None


#: Short definitions, in the order a student meets them. Markdown.
GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        "GAN",
        "Generative adversarial network: two models trained against each other. The generator "
        "makes samples, the discriminator tries to tell them from real data, and each one's "
        "update follows the gradient of its own loss.",
    ),
    (
        "Generator",
        "The player that produces samples. In the Dirac-GAN it puts all its mass at one point "
        "θ; training should move θ to the data at 0.",
    ),
    (
        "Discriminator",
        "The player that scores samples as real or generated. In the Dirac-GAN it is the line "
        "D(x) = ψx; ψ = 0 means it can no longer tell data from generated samples.",
    ),
    (
        "Loss",
        "The number a player's training lowers. In the Dirac-GAN both losses are built from one "
        "function f of D's output (standard, non-saturating or linear for WGAN), and the "
        "players' gradients form the vector field v.",
    ),
    (
        "Dirac-GAN",
        "The smallest GAN that shows the training dynamics (Mescheder et al.): data at 0, "
        "generator at θ, discriminator D(x) = ψx. Training is a path in the (θ, ψ) plane.",
    ),
    (
        "Vector field",
        "The direction and speed v(θ, ψ) in which gradient training moves the two parameters; "
        "the grey streamlines follow it.",
    ),
    (
        "Learning rate",
        "The step size h of a training step. Larger steps move faster but follow the field less "
        "faithfully; h_gen and h_disc give the two players their own step sizes.",
    ),
    (
        "Equilibrium",
        "A point where the training dynamics stand still: the vector field v is zero there. In "
        "the Dirac-GAN it is (θ, ψ) = (0, 0), where the generator sits on the data and the "
        "discriminator is flat (consensus optimisation adds two saddles, WGAN-GP a segment on "
        "ψ = 0). In the GMM-GAN it is where the generator's means equal the data's "
        "(in either order).",
    ),
    (
        "Jacobian",
        "The matrix J of first derivatives of the vector field, here taken at the equilibrium. "
        "Near the equilibrium v(z) ≈ J·z, so J decides how training behaves there.",
    ),
    (
        "Eigenvalue",
        "A number λ with J·u = λ·u for some non-zero vector u. For the continuous flow, Re λ < 0 "
        "means that direction decays, Re λ > 0 that it grows, and Im λ ≠ 0 that it rotates. A "
        "pair ±iω with zero real part is an undamped rotation.",
    ),
    (
        "Update operator",
        "The linearised one-step map T of a training method at the equilibrium: zₖ₊₁ ≈ T·zₖ. For "
        "SimGD, T = I + hJ. Methods with memory (momentum, optimistic GD) act on a longer state, "
        "and T is larger.",
    ),
    (
        "Spectral radius ρ",
        "The largest modulus |μ| of the update operator's eigenvalues μ. Near the equilibrium the "
        "error is multiplied by about ρ per step: ρ < 1 converges at the linear rate ρᵏ, ρ > 1 "
        "diverges, and at ρ = 1 the linear terms neither shrink nor grow it, so the nonlinear "
        "ones decide.",
    ),
    (
        "SimGD",
        "Simultaneous gradient descent: both players step at once from the same point, z ← z + "
        "h·v(z).",
    ),
    (
        "AltGD",
        "Alternating gradient descent: the generator takes n_gen steps, then the discriminator "
        "n_disc steps, each computed at the newest point, so each player reacts to the other's "
        "latest move.",
    ),
    (
        "Continuous flow",
        "The limit of infinitely small steps: the differential equation ż = v(z). The app solves "
        "it accurately and samples it every h time units.",
    ),
    (
        "Saturation",
        "A loss saturates where its derivative is nearly zero: the gradient vanishes although the "
        "player is far from its goal. The standard GAN's generator gradient −ψ f′(θψ) vanishes "
        "where θψ ≫ 0; the non-saturating loss avoids that.",
    ),
    (
        "Regularisation, gradient penalty",
        "Extra terms in the objective that change the dynamics. A zero-centred gradient penalty "
        "(γ/2)‖∇ₓD‖² punishes a steep discriminator: R1 on real data, R2 on generated data, both "
        "(γ/2)ψ² in the Dirac-GAN. It damps the rotation.",
    ),
    (
        "Critical damping",
        "The damping strength at which the two complex eigenvalues meet on the real axis: γ = "
        "2f′(0) = 1 for the gradient penalty. Below it paths spiral in; above it they come in "
        "without turning, but one eigenvalue moves towards 0 and convergence slows down.",
    ),
    (
        "Mode collapse",
        "The generator covers fewer modes than the data. In the GMM-GAN both generator means end "
        "up in one place (μ₁ ≈ μ₂); that is visibly wrong when the data has two modes (its means "
        "more than 2 apart).",
    ),
    (
        "Discriminator collapse",
        "In the GMM-GAN, the first-order discriminator's intervals shrink to nothing or merge, so "
        "it no longer tells the generator where the data is and the generator gets stuck.",
    ),
    (
        "Extragradient",
        "An optimiser that first takes a trial step and then steps from the current point with "
        "the gradient found at the trial point; it damps the rotation of a game.",
    ),
    (
        "Optimistic GD",
        "Optimistic gradient descent: each step adds the difference between the current and "
        "the previous gradient, an extrapolation like extragradient's with one gradient per "
        "step.",
    ),
    (
        "Momentum",
        "Heavy-ball momentum: each step adds β times the previous step. A negative β, with "
        "alternating updates, can make a rotating game converge.",
    ),
    (
        "Adam",
        "An adaptive optimiser: each parameter's step is its gradient's running mean divided "
        "by the square root of its running mean square (rates β₁, β₂, offset ε).",
    ),
    (
        "Non-saturating loss",
        "The generator loss −log D(G(z)) proposed by Goodfellow et al. instead of log(1 − "
        "D(G(z))): strong gradients where the standard loss saturates.",
    ),
    (
        "WGAN, weight clipping",
        "The Wasserstein GAN uses a linear loss; to keep its critic (discriminator) Lipschitz, "
        "weight clipping cuts its weights back into [−c, c] after every update.",
    ),
    (
        "Instance noise",
        "Gaussian noise of standard deviation σ added to real and generated samples before the "
        "discriminator sees them; it damps the rotation.",
    ),
    (
        "Consensus optimisation",
        "Both players also descend γ·½‖v‖², the squared length of the field, which pulls them "
        "towards points where the field is small.",
    ),
    (
        "Stability map",
        "A picture of ρ over two hyper-parameters: blue converges, white circles, red diverges "
        "near the equilibrium.",
    ),
    (
        "Total variation (TV)",
        "TV(P, Q) = the largest difference |P(A) − Q(A)| over all sets A, which equals ½∫|p − q|. "
        "It is 0 only if P = Q and at most 1. In the GMM-GAN the optimal discriminator achieves L "
        "= 1 + TV.",
    ),
)

#: Other words that mean a glossary term, to find where a page first uses it.
GLOSSARY_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "GAN": ("GANs",),
        "Generator": ("generators",),
        "Discriminator": ("discriminators", "critic"),
        "Loss": ("losses",),
        "Vector field": ("field",),
        "Learning rate": ("learning rates", "step size"),
        "Equilibrium": ("equilibria",),
        "Jacobian": (),
        "Eigenvalue": ("eigenvalues",),
        "Spectral radius ρ": ("spectral radius",),
        "SimGD": ("simultaneous gradient descent",),
        "AltGD": ("alternating gradient descent",),
        "Saturation": ("saturates", "saturating"),
        "Regularisation, gradient penalty": ("gradient penalty", "regularisation", "regulariser"),
        "Optimistic GD": ("optimistic gradient descent", "optimistic"),
        "Momentum": ("heavy-ball momentum", "negative momentum"),
        "Non-saturating loss": ("non-saturating",),
        "WGAN, weight clipping": ("WGAN", "weight clipping", "Wasserstein GAN"),
        "Consensus optimisation": ("consensus",),
        "Total variation (TV)": ("total variation",),
    }
)
