"""Spectral radius over a grid of two parameters, and eigenvalue loci, fully vectorised.

The Jacobian formulas of the variants and the update operators of the methods broadcast
over stacks of 2 × 2 matrices, so a 200 × 200 map is one call each: closed-form eigenvalues
(trace/determinant for 2 × 2, quadratic roots in κ = eig(HJ) for the augmented methods), or
a batched ``numpy.linalg.eigvals`` for the one method without a closed form. There is no
Python loop over cells (only over the few distinct values of an integer axis).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dynamics.methods import HYPER_PARAMS, Hyper, Method, eig2, get_method
from dynamics.variants import Variant, get_variant

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]


@dataclass(frozen=True)
class Axis:
    """A parameter that can span an axis of the map."""

    name: str  # h, h_gen, h_disc, n_gen, n_disc, beta, or a variant parameter
    label: str
    lo: float
    hi: float
    log: bool = False
    integer: bool = False
    symbol: str = ""  # plain-text symbol for legends and colour bars ("γ", "h", "n_disc")

    def values(self, n: int) -> FloatArray:
        if self.integer:
            return np.arange(int(self.lo), int(self.hi) + 1, dtype=float)
        if self.log:
            return np.geomspace(self.lo, self.hi, n)
        return np.linspace(self.lo, self.hi, n)


#: Map axis -> the Hyper field it sets ("h" sets both learning rates).
_HYPER_USE = {"h": "lr_gen", "h_gen": "lr_gen", "h_disc": "lr_disc"}
_HYPER_USE |= {n: n for n in HYPER_PARAMS if n not in ("lr_gen", "lr_disc")}


def _hyper_axis(name: str) -> Axis:
    """The axis of a hyper-parameter: the range the app's controls offer (HYPER_PARAMS)."""
    p = HYPER_PARAMS[_HYPER_USE[name]]
    lo, hi = p.ui_range
    label, symbol = ("learning rate h (both players)", "h") if name == "h" else (p.title, p.symbol)
    return Axis(name, label, lo, hi, log=p.log_scale, integer=p.integer, symbol=symbol)


_HYPER_AXES = {name: _hyper_axis(name) for name in _HYPER_USE}

#: LaTeX symbols of the variant parameters as plain text (legends do not render LaTeX).
_PLAIN = {"\\gamma": "γ", "\\sigma": "σ", "\\lambda": "λ", "_0": "₀"}


def plain_symbol(latex: str) -> str:
    """A variant parameter's LaTeX symbol as unicode text: ``\\gamma`` → γ, ``g_0`` → g₀."""
    out = latex
    for tex, text in _PLAIN.items():
        out = out.replace(tex, text)
    return out


def _jacobian_params(variant: Variant) -> list[str]:
    """Parameters the Jacobian at the equilibrium depends on (clip and g0 do not)."""
    if variant.jacobian is None:
        return []
    base = {p.name: p.default for p in variant.params}
    J0 = variant.jacobian(base)
    out = []
    for p in variant.params:
        other = dict(base, **{p.name: p.lo if p.default != p.lo else p.hi})
        if not np.allclose(variant.jacobian(other), J0):
            out.append(p.name)
    return out


def available_axes(variant_name: str, method_name: str) -> dict[str, Axis]:
    """Axes that change the spectrum of this (variant, method)."""
    variant = get_variant(variant_name)
    method = get_method(method_name)
    axes: dict[str, Axis] = {}
    for name in _jacobian_params(variant):
        p = variant.param_index[name]
        axes[name] = Axis(name, p.label, p.lo, p.hi, symbol=plain_symbol(p.symbol))
    for name, ax in _HYPER_AXES.items():
        if _HYPER_USE[name] in method.uses:
            axes[name] = ax
    return axes


def _hyper_with(hp: Hyper, name: str, value: FloatArray | float | int) -> Hyper:
    # A rate may be an array: the operators broadcast over it (one map cell per element).
    v: Any = value
    if name == "h":
        return replace(hp, lr_gen=v, lr_disc=v)
    if HYPER_PARAMS[_HYPER_USE[name]].integer:  # n_gen, n_disc, lookahead_k: plain ints
        return replace(hp, **{name: int(value)})
    return replace(hp, **{_HYPER_USE[name]: v})


def update_eigenvalues(J: FloatArray, method: Method, hp: Hyper) -> ComplexArray:
    """Eigenvalues of the update operator for a stack of Jacobians (..., 2, 2)."""
    if method.operator is None:
        raise ValueError(method.no_operator_reason or f"{method.name} has no linear operator")
    if method.closed_form is not None:
        closed = method.closed_form(J, hp)
        if closed is not None:
            return np.broadcast_to(closed, (*np.shape(J)[:-2], closed.shape[-1]))
    op = method.operator(J, hp)
    return eig2(op) if op.shape[-1] == 2 else np.linalg.eigvals(op)  # type: ignore[return-value]  # eigvals: real dtype when every eigenvalue is real


@dataclass(frozen=True)
class StabilityMap:
    x: FloatArray  # (nx,)
    y: FloatArray  # (ny,)
    rho: FloatArray  # (ny, nx), finite
    eigs: ComplexArray  # (ny, nx, k), the update eigenvalues sorted by modulus, largest first
    x_axis: Axis
    y_axis: Axis


def stability_map(
    variant_name: str,
    method_name: str,
    x_axis: Axis,
    y_axis: Axis,
    *,
    params: Mapping[str, float] | None = None,
    hyper: Hyper | None = None,
    n: int = 201,
) -> StabilityMap:
    """Spectral radius of the update operator over an (x, y) parameter grid."""
    variant = get_variant(variant_name)
    method = get_method(method_name)
    if variant.jacobian is None:
        raise ValueError(variant.no_jacobian_reason or "no Jacobian")
    if x_axis.name == y_axis.name:
        raise ValueError("the two axes must be different parameters")
    base = variant.resolve(params)
    hp = hyper or Hyper()
    xs, ys = x_axis.values(n), y_axis.values(n)
    rho = np.empty((len(ys), len(xs)))
    eigs: ComplexArray | None = None
    X, Y = np.meshgrid(xs, ys)
    # An integer axis (n_gen, n_disc) is a matrix power: loop over its few values (over pairs
    # of values when both axes are integers), never over the cells of a real axis.
    rows: list[int | slice] = list(range(len(ys))) if y_axis.integer else [slice(None)]
    cols: list[int | slice] = list(range(len(xs))) if x_axis.integer else [slice(None)]
    for iy, ix in itertools.product(rows, cols):
        sl = (iy, ix)
        p: dict[str, Any] = dict(base)  # a parameter may be an array (vectorised)
        h = hp
        for ax, vals, i, grid in ((x_axis, X[sl], ix, xs), (y_axis, Y[sl], iy, ys)):
            if ax.name in base:
                p[ax.name] = vals
            elif ax.integer:
                assert isinstance(i, int)
                h = _hyper_with(h, ax.name, int(grid[i]))
            else:
                h = _hyper_with(h, ax.name, vals)
        J = variant.jacobian(p)
        J = np.broadcast_to(J, (*np.shape(X[sl]), 2, 2))
        with np.errstate(all="ignore"):
            lam = update_eigenvalues(J, method, h)
        order = np.argsort(-np.abs(lam), axis=-1)
        lam = np.take_along_axis(lam, order, axis=-1)
        if eigs is None:
            eigs = np.empty((len(ys), len(xs), lam.shape[-1]), dtype=complex)
        eigs[sl] = lam
        rho[sl] = np.abs(lam[..., 0])
    assert eigs is not None
    rho = np.where(np.isfinite(rho), rho, np.finfo(float).max)
    return StabilityMap(xs, ys, rho, eigs, x_axis, y_axis)


def analytic_boundary(
    variant_name: str,
    method_name: str,
    m: StabilityMap,
    *,
    params: Mapping[str, float] | None = None,
    hyper: Hyper | None = None,
) -> tuple[FloatArray, FloatArray, str] | None:
    """The ρ = 1 curve from a closed form, where one is known, as (x, y, formula in words).

    - AltGD on a pure rotation (standard, non-saturating, WGAN): α = √(n_g n_d h_g h_d)·ω = 2.
    - SimGD, learning rate h against a variant parameter: |1 + hλ| = 1 at h = −2 Re λ / |λ|²
      (the smallest over the eigenvalues with Re λ < 0).
    """
    variant = get_variant(variant_name)
    hp = hyper or Hyper()
    base = variant.resolve(params)
    names = {m.x_axis.name, m.y_axis.name}
    if variant.jacobian is None:
        return None
    if method_name == "altgd":
        J = variant.jacobian(base)
        if not (J[0, 0] == 0 and J[1, 1] == 0 and J[0, 1] == -J[1, 0]):
            return None
        omega2 = J[1, 0] ** 2
        if names == {"h", "n_disc"} or names == {"h", "n_gen"}:
            n_other = hp.n_gen if "n_disc" in names else hp.n_disc
            n_axis = m.x_axis if m.x_axis.integer else m.y_axis
            n = np.linspace(n_axis.lo, n_axis.hi, 400)
            h = 2.0 / np.sqrt(n * n_other * omega2)
            curve = (h, n) if m.x_axis.name == "h" else (n, h)
            return curve[0], curve[1], "α = √(n_g n_d)·h·f'(0) = 2"
        if names == {"h_gen", "h_disc"}:
            hg = np.geomspace(m.x_axis.lo, m.x_axis.hi, 400)
            hd = 4.0 / (hp.n_gen * hp.n_disc * omega2 * hg)
            return hg, hd, "α = √(n_g n_d h_g h_d)·f'(0) = 2"
        return None
    if method_name == "simgd" and "h" in names:
        other = (names - {"h"}).pop()
        if other not in base:
            return None
        ax = m.x_axis if m.x_axis.name == other else m.y_axis
        vals = np.linspace(ax.lo, ax.hi, 400)
        swept: dict[str, Any] = dict(base, **{other: vals})  # an array of values: vectorised
        lam = eig2(variant.jacobian(swept))
        with np.errstate(divide="ignore", invalid="ignore"):
            hstar = np.where(lam.real < 0, -2 * lam.real / np.abs(lam) ** 2, np.inf).min(axis=-1)
        ok = np.isfinite(hstar)
        curve = (hstar[ok], vals[ok]) if m.x_axis.name == "h" else (vals[ok], hstar[ok])
        return curve[0], curve[1], "|1 + hλ| = 1"
    return None


def continuous_locus(
    variant_name: str, sweep: str, values: FloatArray, params: Mapping[str, float] | None = None
) -> ComplexArray:
    """Eigenvalues of J as ``sweep`` runs over ``values``: (len(values), 2)."""
    variant = get_variant(variant_name)
    if variant.jacobian is None:
        raise ValueError(variant.no_jacobian_reason or "no Jacobian")
    base = variant.resolve(params)
    p: dict[str, Any] = dict(base)  # a parameter may be an array (vectorised)
    if sweep in base:
        p[sweep] = np.asarray(values, dtype=float)
    J = np.broadcast_to(variant.jacobian(p), (len(values), 2, 2))
    return _sorted_rows(eig2(J))


def _sorted_rows(lam: ComplexArray) -> ComplexArray:
    # Keep the two branches continuous along a sweep: order each row by imaginary part,
    # then by real part (a real pair is ordered by value).
    key = np.where(np.abs(lam.imag) > 1e-12, lam.imag, lam.real)
    return np.take_along_axis(lam, np.argsort(key, axis=-1), axis=-1)


def update_locus(
    variant_name: str,
    method_name: str,
    sweep: str,
    values: FloatArray,
    *,
    params: Mapping[str, float] | None = None,
    hyper: Hyper | None = None,
) -> ComplexArray:
    """Eigenvalues of the update operator as ``sweep`` runs over ``values``: (len, k)."""
    variant = get_variant(variant_name)
    method = get_method(method_name)
    if variant.jacobian is None:
        raise ValueError(variant.no_jacobian_reason or "no Jacobian")
    base = variant.resolve(params)
    hp = hyper or Hyper()
    vals = np.asarray(values, dtype=float)
    p: dict[str, Any] = dict(base)  # a parameter may be an array (vectorised)
    if sweep in base:
        p[sweep] = vals
    elif sweep in _HYPER_USE and HYPER_PARAMS[_HYPER_USE[sweep]].integer:
        return np.concatenate(
            [update_locus(variant_name, method_name, "h", np.array([hp.lr_gen]), params=params,
                          hyper=_hyper_with(hp, sweep, v)) for v in vals]
        )  # fmt: skip
    else:
        hp = _hyper_with(hp, sweep, vals)
    J = np.broadcast_to(variant.jacobian(p), (len(vals), 2, 2))
    with np.errstate(all="ignore"):
        return update_eigenvalues(J, method, hp)


def level_curve(
    x: FloatArray, y: FloatArray, z: FloatArray, level: float = 1.0
) -> tuple[FloatArray, FloatArray]:
    """Segments of the curve z = level on a grid (marching squares, vectorised).

    Returns x and y of the segments, each followed by NaN (a gap for Plotly). Coordinates
    are interpolated linearly between grid nodes, so a log-spaced axis works too.
    """
    f = np.asarray(z, dtype=float) - level
    a, b, c, d = f[:-1, :-1], f[:-1, 1:], f[1:, 1:], f[1:, :-1]  # corners, counter-clockwise
    ny, nx = a.shape
    iy, ix = np.mgrid[0:ny, 0:nx].astype(float)

    def cross(f0: FloatArray, f1: FloatArray) -> tuple[FloatArray, FloatArray]:
        with np.errstate(divide="ignore", invalid="ignore"):
            t = f0 / (f0 - f1)
        return (f0 < 0) != (f1 < 0), np.clip(np.nan_to_num(t), 0.0, 1.0)

    edges = [cross(a, b), cross(b, c), cross(d, c), cross(a, d)]  # bottom, right, top, left
    px = [ix + edges[0][1], ix + 1.0, ix + edges[2][1], ix]
    py = [iy, iy + edges[1][1], iy + 1.0, iy + edges[3][1]]
    hit = np.stack([e[0] for e in edges], axis=-1)  # (ny, nx, 4)
    count = hit.sum(axis=-1)
    # Cells with 2 crossings give one segment; saddles (4) give two: pair edges (0,1), (2,3).
    segs = []
    for pair in ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)):
        m = (count == 2) & hit[..., pair[0]] & hit[..., pair[1]]
        segs.append((m, pair))
    saddle = count == 4
    segs += [(saddle, (0, 1)), (saddle, (2, 3))]
    xs_i, ys_i = [], []
    for m, (e0, e1) in segs:
        if not m.any():
            continue
        xs_i.append(np.stack([px[e0][m], px[e1][m], np.full(m.sum(), np.nan)], axis=-1).ravel())
        ys_i.append(np.stack([py[e0][m], py[e1][m], np.full(m.sum(), np.nan)], axis=-1).ravel())
    if not xs_i:
        return np.empty(0), np.empty(0)
    gx, gy = np.concatenate(xs_i), np.concatenate(ys_i)
    # index space -> data space (piecewise linear between nodes)
    ok = np.isfinite(gx)
    outx, outy = np.full_like(gx, np.nan), np.full_like(gy, np.nan)
    outx[ok] = np.interp(gx[ok], np.arange(len(x)), x)
    outy[ok] = np.interp(gy[ok], np.arange(len(y)), y)
    return outx, outy


def critical_values(
    variant_name: str,
    sweep: str,
    lo: float,
    hi: float,
    params: Mapping[str, float] | None = None,
    n: int = 401,
) -> list[float]:
    """Parameter values in [lo, hi] where J's eigenvalues turn from complex to real (or back):
    the discriminant (tr J / 2)² − det J changes sign. Critical damping of the gradient
    penalty sits at γ = 2 f'(0) = 1."""
    from scipy.optimize import brentq

    variant = get_variant(variant_name)
    if variant.jacobian is None:
        return []
    jac = variant.jacobian
    base = variant.resolve(params)

    def disc(v: FloatArray | float) -> FloatArray:
        J = np.asarray(jac(dict(base, **{sweep: v})))
        return (0.5 * (J[..., 0, 0] + J[..., 1, 1])) ** 2 - (
            J[..., 0, 0] * J[..., 1, 1] - J[..., 0, 1] * J[..., 1, 0]
        )

    vals = np.linspace(lo, hi, n)
    sign = np.sign(np.broadcast_to(disc(vals), vals.shape))
    # A sign change between two neighbouring nodes is solved for; a change across nodes where
    # the discriminant is exactly 0 (γ = 1 on a grid node) is those nodes themselves.
    out: list[float] = []
    nonzero = np.flatnonzero(sign)
    for a, b in itertools.pairwise(nonzero):
        if sign[a] == sign[b]:
            continue
        if b == a + 1:
            out.append(float(brentq(lambda v: float(disc(v)), vals[a], vals[b], xtol=1e-14)))
        else:
            out.extend(float(v) for v in vals[a + 1 : b])
    return out
