"""Named settings: every panel of the authors' Dirac-GAN figures, and one per extra method.

Settings of the published figures (Mescheder, Geiger, Nowozin, ICML 2018, and their public
notebook): learning rate 0.2 for both players, start (1, 1), 500 steps, axes [−2, 2]², three
schemes per variant (SimGD, AltGD with n_disc = 1, AltGD with n_disc = 5). Presets are plain
data so that the pages, the lessons and the tests all read the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from dynamics.methods import HYPER_PARAMS, METHODS, Hyper
from dynamics.variants import VARIANTS


@dataclass(frozen=True)
class Preset:
    name: str
    variant: str
    methods: tuple[str, ...]
    params: Mapping[str, float] = field(default_factory=dict)
    lr: float = 0.2
    n_gen: int = 1
    n_disc: int = 1
    steps: int = 500
    start: tuple[float, float] = (1.0, 1.0)
    view: float = 2.0
    beta: float = 0.0
    note: str = ""


_SCHEMES = (
    ("SimGD", ("simgd",), 1),
    ("AltGD, n_disc = 1", ("altgd",), 1),
    ("AltGD, n_disc = 5", ("altgd",), 5),
)


def _figure_presets() -> list[Preset]:
    out = [
        Preset(
            name="Authors' Fig. 1: standard GAN, SimGD vs AltGD",
            variant="standard",
            methods=("simgd", "altgd"),
            note="SimGD spirals out, AltGD keeps circling.",
        )
    ]
    for v in VARIANTS.values():
        for scheme, methods, n_disc in _SCHEMES:
            out.append(
                Preset(name=f"{v.label} · {scheme}", variant=v.name, methods=methods, n_disc=n_disc)
            )
    for scheme, methods, n_disc in _SCHEMES:
        out.append(
            Preset(
                name=f"Gradient penalty, critical γ = 1 · {scheme}",
                variant="gradient-penalty",
                methods=methods,
                n_disc=n_disc,
                params={"gamma": 1.0},
                note="γ = 2f'(0) = 1: critical damping, a double real eigenvalue −1/2.",
            )
        )
    return out


def _method_presets() -> list[Preset]:
    return [
        Preset(
            name="Extragradient vs SimGD on the standard GAN",
            variant="standard",
            methods=("simgd", "extragradient"),
            note="The look-ahead step pulls the rotation inside the unit circle.",
        ),
        Preset(
            name="Optimistic GD vs SimGD on the standard GAN",
            variant="standard",
            methods=("simgd", "optimistic"),
        ),
        Preset(
            name="Negative momentum (β = −0.5), alternating, standard GAN",
            variant="standard",
            methods=("altgd", "momentum-alt"),
            beta=-0.5,
            note="Gidel et al. 2019: negative momentum makes alternating updates converge.",
        ),
        Preset(
            name="Positive momentum (β = 0.5), simultaneous, standard GAN",
            variant="standard",
            methods=("simgd", "momentum"),
            beta=0.5,
        ),
        Preset(
            name="Adam on the standard GAN (h = 0.01)",
            variant="standard",
            methods=("adam",),
            lr=0.01,
            steps=2000,
        ),
        Preset(
            name="Hamiltonian GD vs SimGD on the standard GAN",
            variant="standard",
            methods=("simgd", "hamiltonian"),
            start=(1.0, -1.0),
            note=(
                "Descent on ½‖v‖² converges where SimGD spirals out. From (1, 1) it slides "
                "into the saturated quadrant instead, where ‖v‖ also vanishes."
            ),
        ),
        Preset(
            name="Symplectic gradient adjustment vs SimGD on the standard GAN",
            variant="standard",
            methods=("simgd", "sga"),
            note="Adding λAᵀξ turns the outward spiral into an inward one.",
        ),
        Preset(
            name="Lookahead-minmax (k = 5, α = 0.5) vs SimGD on the standard GAN",
            variant="standard",
            methods=("simgd", "lookahead"),
            steps=1000,
            note="Moving only halfway towards where 5 SimGD steps end pulls the spiral inwards.",
        ),
        Preset(
            name="Competitive GD vs SimGD with a large step (h = 1), standard GAN",
            variant="standard",
            methods=("simgd", "cgd"),
            lr=1.0,
            steps=200,
            note="CGD's update is (I − hJ)⁻¹ on the rotation: it converges for every h.",
        ),
        Preset(
            name="Iterate averaging: AltGD circles, its running mean converges (standard GAN)",
            variant="standard",
            methods=("altgd", "average", "ema"),
            steps=5000,
            note=(
                "The uniform mean of the circling iterates tends to the equilibrium like 1/k; "
                "the exponential moving average (β = 0.01) settles on a circle a tenth the size."
            ),
        ),
        Preset(
            name="Implicit step vs SimGD on WGAN with a large step (h = 1)",
            variant="wgan",
            methods=("simgd", "implicit"),
            params={"clip": 3.0},
            lr=1.0,
            start=(1.0, 0.5),
            steps=100,
            note=(
                "z' = z + h v(z'): on the rotation μ = 1/(1 ∓ ih), |μ| = 1/√2, where SimGD's "
                "|1 ± ih| = √2 drives it to the clip."
            ),
        ),
        Preset(
            name="Unrolled GAN (k = 5) vs SimGD on the standard GAN",
            variant="standard",
            methods=("simgd", "unrolled"),
            note=(
                "Looking 5 discriminator steps ahead adds −2kh f'(0)² θ to the generator's "
                "field: the outward spiral becomes an inward one."
            ),
        ),
        Preset(
            name="Least-squares GAN: SimGD, AltGD and unrolled",
            variant="least-squares",
            methods=("simgd", "altgd", "unrolled"),
            steps=2000,
            note=(
                "A rotation with eigenvalues ±i√c at (0, 0), like the log loss, but the cubic "
                "terms damp: SimGD stays on a bounded orbit, AltGD creeps in."
            ),
        ),
        Preset(
            name="LeCam regulariser (λ = 1): SimGD and AltGD",
            variant="lecam",
            methods=("simgd", "altgd"),
            params={"lam": 1.0},
            steps=2000,
            note=(
                "The regulariser vanishes to second order at (0, 0): SimGD still leaves the "
                "equilibrium, but is held on an orbit of radius ≈ 0.3 (3.6 without it), and "
                "AltGD creeps in."
            ),
        ),
    ]


PRESETS: Mapping[str, Preset] = MappingProxyType(
    {p.name: p for p in (*_figure_presets(), *_method_presets())}
)

#: The view on first load: the authors' first figure.
DEFAULT_PRESET = PRESETS["Authors' Fig. 1: standard GAN, SimGD vs AltGD"]


@dataclass(frozen=True)
class Scheme:
    """A column of the compare page: a method with its sub-step counts and momentum (its other
    hyper-parameters at their ``HYPER_PARAMS`` defaults)."""

    name: str
    label: str
    method: str
    n_gen: int = 1
    n_disc: int = 1
    beta: float = 0.0

    def hyper(self, lr: float) -> Hyper:
        """The scheme's hyper-parameters with both learning rates ``lr``."""
        return Hyper(lr_gen=lr, lr_disc=lr, n_gen=self.n_gen, n_disc=self.n_disc, beta=self.beta)


#: The compare page's named schemes (their URL names predate the per-method columns).
_NAMED_SCHEMES = (
    Scheme("simgd", "SimGD", "simgd"),
    Scheme("altgd1", "AltGD, n_disc = 1", "altgd"),
    Scheme("altgd5", "AltGD, n_disc = 5", "altgd", n_disc=5),
    Scheme("flow", "Continuous flow", "flow"),
    Scheme("extragradient", "Extragradient", "extragradient"),
    Scheme("optimistic", "Optimistic GD", "optimistic"),
    Scheme("negmom", "Alt. momentum β = −0.5", "momentum-alt", beta=-0.5),
    Scheme("adam", "Adam", "adam"),
)
#: Hyper-parameters a per-method column keeps at its default without naming it: the page's
#: own learning rate, and the sub-step counts (1, 1) that leave an alternating method plain.
_UNNAMED = frozenset({"lr_gen", "lr_disc", "n_gen", "n_disc"})


def _method_scheme(method: str) -> Scheme:
    """A column for ``method`` at its defaults; the label names the defaults that shape it."""
    m = METHODS[method]
    shown = [p for n, p in HYPER_PARAMS.items() if n in m.uses and n not in _UNNAMED]
    values = ", ".join(f"{p.symbol} = {p.default:g}" for p in shown)
    return Scheme(method, f"{m.label}, {values}" if values else m.label, method)


def _schemes() -> dict[str, Scheme]:
    """The named schemes, then one column per registry method at its defaults, unless a named
    scheme already is that (AltGD's is "altgd1"): any set of methods can be compared."""
    out = {s.name: s for s in _NAMED_SCHEMES}
    plain = {(s.method, s.n_gen, s.n_disc, s.beta) for s in _NAMED_SCHEMES}
    for method in METHODS:
        sc = _method_scheme(method)
        if method not in out and (method, 1, 1, 0.0) not in plain:
            out[method] = sc
    return out


SCHEMES: Mapping[str, Scheme] = MappingProxyType(_schemes())
#: The authors' comparison figure: SimGD, AltGD n_disc = 1, AltGD n_disc = 5.
DEFAULT_SCHEMES = ("simgd", "altgd1", "altgd5")
#: The rows of that figure: consensus optimisation with the field of the authors' code (the
#: exact consensus gradient differs far from (0, 0): from (1, 1) AltGD n_disc = 5 does not
#: converge on it), every other variant as it is.
FIGURE_VARIANTS = tuple(v for v in VARIANTS if v != "consensus")
