"""Reusable page panels (Streamlit): the live spectrum beside its formulas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import streamlit as st

from dynamics.methods import METHODS
from dynamics.spectrum import Spectrum
from dynamics.variants import Variant
from ui import presenter
from ui.figures.explorer import eigen_figure
from ui.figures.spec import for_projector
from ui.live_chart import live_chart

#: Between two methods in the update-operator card (one Markdown element for all of them).
CARD_RULE = "\n\n---\n\n"
#: Numeric and analytic eigenvalues "agree" below this. Finite differences are accurate to
#: ~1e-10 in J; a double eigenvalue (critical damping) turns that into ~1e-5.
AGREE_TOL = 1e-4


def fmt_complex(z: complex, digits: int = 6) -> str:
    re, im = float(np.real(z)), float(np.imag(z))
    re = 0.0 if abs(re) < 0.5 * 10**-digits else re  # no "-0.000000"
    if abs(im) < 0.5 * 10**-digits:
        return f"{re:.{digits}f}"
    sign = "+" if im > 0 else "−"
    return f"{re:.{digits}f} {sign} {abs(im):.{digits}f}i"


def fmt_eigs(values: np.ndarray | None) -> str:
    if values is None:
        return "—"
    return ", ".join(fmt_complex(z) for z in values)


def latex_eigs(values: np.ndarray, digits: int = 4) -> str:
    """Compact LaTeX for eigenvalues: a conjugate pair as a ± b i."""
    v = np.asarray(values)
    if len(v) == 2 and abs(v[0] - np.conj(v[1])) < 1e-12 and abs(v[0].imag) > 1e-12:
        re, im = float(v[0].real), abs(float(v[0].imag))
        head = "" if abs(re) < 0.5 * 10**-digits else f"{re:.{digits}f} "
        return head + rf"\pm {im:.{digits}f}\,i"
    return r",\; ".join(fmt_complex(z, digits).replace("i", r"\,i") for z in v)


def _display(tex: str) -> str:
    """Display math inside Markdown, as ``st.latex`` writes it."""
    return f"$$\n{tex}\n$$"


def _bmatrix(m: np.ndarray | None) -> str:
    assert m is not None  # numeric eigenvalues come with the numeric Jacobian
    rows = r" \\ ".join(" & ".join(f"{float(x):.4f}" for x in row) for row in m)
    return r"\begin{bmatrix}" + rows + r"\end{bmatrix}"


def verdict_text(verdict: str | None, rho: float | None, at: str = "(0, 0)") -> str:
    """The verdict as what it is, a local prediction: "near (0, 0): diverges (ρ = 1.0050)"."""
    if verdict is None or rho is None:
        return "no verdict"
    near = f"near {at}: "
    if verdict == "converges":
        return near + f"converges, error × {rho:.4f} per step"
    if verdict == "neutral":
        return near + "neutral (ρ = 1): the linear terms neither shrink nor grow the error"
    if verdict == "grows linearly":
        return near + (
            "grows linearly (defective eigenvalue on the unit circle: ρ = 1, but a Jordan "
            "block makes the error grow in proportion to the number of steps)"
        )
    return near + f"diverges, error × {rho:.4f} per step"


def _agreement(a: np.ndarray, b: np.ndarray, rho: float = 1.0) -> str:
    # relative to ρ: the finite differences of a map with ρ ≫ 1 are that much less accurate
    diff = float(np.max(np.abs(a - b))) / max(1.0, rho)
    mark = "✓" if diff < AGREE_TOL else "✗"
    rel = " (relative to ρ)" if rho > 1.0 else ""
    return f"{mark} numeric and analytic agree to {diff:.1e}{rel}"


def spectrum_panel(
    variant: Variant,
    methods: Sequence[str],
    spectra: Mapping[str, Spectrum],
    at: str = "(0, 0)",
    notes: Mapping[str, str] | None = None,
    chart: bool = True,
) -> None:
    """Continuous-time eigenvalues beside their formula, then each method's update operator.

    ``at`` names the equilibrium linearised at; ``notes`` maps a method to one line on why
    its drawn path disagrees with the local verdict. ``chart=False`` leaves out the
    eigenvalue chart (a page that shows ``spectrum_summary`` has it there).
    """
    first = next(iter(spectra.values()), None)
    cont = first.continuous if first is not None else None
    # Each block is one Markdown element with its formulas as $$ display math $$: every
    # element is a message and a React node per rerun (the browser spends ~1 ms on each),
    # and this panel had 15 of them; the heading and the operators' title go into the
    # continuous-time block, the methods share one card.
    title = "### Eigenvalues at the equilibrium"
    head = title + f"\n\n**Continuous time**: Jacobian J of the vector field at {at}"
    update_title = "**Update operator of each method** (one training step, linearised)"
    after = [update_title] if methods else []
    titled = False  # whether a block above ends with update_title
    if cont is not None and cont.reason is not None:
        st.markdown(head)
        st.info(
            f"No Jacobian, no eigenvalues: {cont.reason}. The linear theory "
            "says nothing here; watch the paths instead.",
            icon="ℹ️",
        )
    elif cont is not None and cont.numeric is not None and cont.analytic is not None:
        titled = True
        # two aligned lines, the formula with values then its value: one line overflows
        values = (cont.formula_values or "").replace(" = ", r" &= ", 1)
        st.markdown(
            "\n\n".join(
                [
                    head,
                    _display(cont.formula or ""),
                    _display(
                        r"\begin{aligned}" + values + r" \\ &= " + latex_eigs(cont.analytic)
                        + r"\end{aligned}"
                    ),
                    _display(r"J_{\text{numeric}} = " + _bmatrix(cont.jacobian_numeric)),
                    f"numeric eigenvalues of J: `{fmt_eigs(cont.numeric)}`  \n"
                    f"closed form: `{fmt_eigs(cont.analytic)}`  \n"
                    + _agreement(cont.numeric, cont.analytic),
                    *after,
                ]
            )
        )  # fmt: skip
    elif cont is not None and cont.numeric is not None:
        titled = True
        st.markdown(
            "\n\n".join(
                [
                    head,
                    _display(r"J_{\text{numeric}} = " + _bmatrix(cont.jacobian_numeric)),
                    f"eigenvalues of J: `{fmt_eigs(cont.numeric)}` (central differences; no "
                    "closed form away from (0, 0))",
                    *after,
                ]
            )
        )
    else:
        st.markdown(head)
        st.caption("Select a training method to compute the spectrum.")
    if not methods:
        return
    if not titled:
        st.markdown(update_title)  # below the note on the missing Jacobian
    groups = []
    cards = []
    for m in methods:
        u = spectra[m].update
        meth = METHODS[m]
        if u.reason is not None:
            cards.append(
                f"**{meth.label}**: no linear update operator.\n\n:small[:gray[{u.reason}]]"
            )
            continue
        rho = u.spectral_radius
        assert u.analytic is not None and rho is not None
        rho_s = f"{rho:.6f}" if rho < 1e6 else f"{rho:.6g}"
        parts = [
            f"**{meth.label}** · ρ = `{rho_s}` · "
            f":{_badge(u.verdict)}[{verdict_text(u.verdict, rho, at)}]"
        ]
        if u.formula and u.closed_form:
            parts.append(_display(u.formula))
        check = (
            _agreement(u.numeric, u.analytic, rho)
            if u.numeric is not None
            else f":gray[{u.check_note}]"
        )
        parts.append(
            f"numeric: `{fmt_eigs(u.numeric)}`  \n"
            f"{'closed form' if u.closed_form else 'analytic operator'}: "
            f"`{fmt_eigs(u.analytic)}`  \n{check}"
        )
        if notes and notes.get(m):
            parts.append(f":orange[**The drawn path disagrees.** {notes[m]}]")
        if u.steps_per_decade is not None:
            parts.append(
                f":small[:gray[≈ {u.steps_per_decade:.0f} steps per tenfold error reduction.]]"
            )
        cards.append("\n\n".join(parts))
        groups.append((m, meth.label, u.numeric if u.numeric is not None else u.analytic))
    # one card, one Markdown element for all methods (a rule between them): a block or an
    # element per method cost a message each per rerun
    if cards:
        st.container(border=True).markdown(CARD_RULE.join(cards))
    if groups and chart:
        live_chart(
            for_projector(
                eigen_figure(groups, title="Update eigenvalues μ and the unit circle"),
                presenter.scale(),
            ),
            key="eigen_chart",
            alt="Eigenvalues of each method's update operator in the complex plane, with the "
            "unit circle.",
        )
        st.caption(
            "Inside the circle: near the equilibrium the error shrinks every step (converges). "
            "On it: the linear terms keep its size. Outside: it grows (diverges). These are "
            "local predictions, for paths that start close enough to the equilibrium."
        )


def _groups(
    methods: Sequence[str], spectra: Mapping[str, Spectrum]
) -> list[tuple[str, str, np.ndarray]]:
    out = []
    for m in methods:
        u = spectra[m].update
        eig = u.numeric if u.numeric is not None else u.analytic
        if u.reason is None and eig is not None:
            out.append((m, METHODS[m].label, eig))
    return out


def spectrum_summary(
    methods: Sequence[str],
    spectra: Mapping[str, Spectrum],
    at: str = "(0, 0)",
) -> None:
    """One line per method (ρ and its local verdict) and the eigenvalue chart: the compact
    view that stays beside the field; the formulas follow in ``spectrum_panel``."""
    lines = []
    for m in methods:
        u = spectra[m].update
        label = METHODS[m].label
        if u.reason is not None or u.spectral_radius is None:
            lines.append(f"**{label}**: no linear update operator (see below)")
            continue
        rho = u.spectral_radius
        rho_s = f"{rho:.6f}" if rho < 1e6 else f"{rho:.6g}"
        lines.append(
            f"**{label}** · ρ = `{rho_s}` · :{_badge(u.verdict)}[{verdict_text(u.verdict, rho, at)}]"
        )
    # one Markdown element for all methods: every element is a message per rerun
    st.markdown(
        "**Update eigenvalues μ** (one training step, linearised)\n\n"
        + ("\n\n".join(lines) if lines else ":gray[Choose a training method.]")
    )
    groups = _groups(methods, spectra)
    if groups:
        live_chart(
            for_projector(eigen_figure(groups, height=300), presenter.scale()),
            key="eigen_chart",
            alt="Eigenvalues of each method's update operator: in the complex plane with the "
            "unit circle, and their distance from the circle |μ| − 1 against their angle.",
        )
        st.caption(
            "Left: the complex plane and the unit circle. Right: the same eigenvalues as "
            "|μ| − 1 against their angle, zoomed to the data: above 0 (outside the circle) the "
            "error grows near the equilibrium, below 0 it shrinks, on 0 the linear terms keep "
            "its size. Local predictions, for paths that start close enough."
        )


def _badge(verdict: str | None) -> str:
    return {
        "converges": "green",
        "neutral": "orange",
        "grows linearly": "violet",
        "diverges": "red",
    }.get(verdict or "", "gray")
