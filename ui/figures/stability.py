"""Figure builders of the stability-map page: the spectral-radius map and the eigenvalue locus.

Pure functions, arrays in, ``go.Figure`` out. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray

from ui.figures.common import FloatArray, f32
from ui.figures.spec import FONT_SIZE, figure_from_spec, scatter_trace

#: Plotly.py's Viridis stops (the browser's built-in "Viridis" differs slightly).
VIRIDIS = [list(stop) for stop in go.scatter.Marker(colorscale="Viridis").colorscale]


def stability_figure(
    x: FloatArray,
    y: FloatArray,
    rho: FloatArray,
    *,
    x_title: str,
    y_title: str,
    x_log: bool,
    y_log: bool,
    contour: tuple[FloatArray, FloatArray] | None = None,
    boundary: tuple[FloatArray, FloatArray, str] | None = None,
    hover: tuple[FloatArray, FloatArray, FloatArray] | None = None,
    current: tuple[float, float] | None = None,
    height: int = 620,
) -> go.Figure:
    """Heat map of the spectral radius ρ, centred on the stability boundary ρ = 1.

    ``hover`` = (x, y, customdata[n, 5] = ρ, Re μ₁, Im μ₁, Re μ₂, Im μ₂): an invisible, coarser
    grid of points that carries the hover read-out (``ui.live_chart`` reports clicks).
    """
    shown = np.clip(rho, 0.0, 2.0)  # colours saturate beyond ρ = 2; the hover has the value
    data: list[dict] = [
        dict(
            type="heatmap",
            x=f32(x),
            y=f32(y),
            z=f32(shown),
            zmin=0.0,
            zmax=2.0,
            zmid=1.0,
            colorscale=[
                [0.0, "#0b5394"],
                [0.45, "#cfe2f3"],
                [0.5, "#f7f7f7"],
                [0.55, "#f4cccc"],
                [1.0, "#990000"],
            ],
            colorbar=dict(
                title=dict(text="ρ", side="right"),
                tickvals=[0, 0.5, 1, 1.5, 2],
                ticktext=["0", "0.5", "1", "1.5", "≥ 2"],
                thickness=14,
            ),
            hoverinfo="skip",
            name="spectral radius",
        )
    ]
    if contour is not None and len(contour[0]):
        data.append(
            scatter_trace(
                x=f32(contour[0]),
                y=f32(contour[1]),
                mode="lines",
                line=dict(color="black", width=2),
                name="ρ = 1 (computed)",
                hoverinfo="skip",
            )
        )
    if boundary is not None:
        bx, by, formula = boundary
        data.append(
            scatter_trace(
                x=f32(bx),
                y=f32(by),
                mode="lines",
                line=dict(color="#E69F00", width=3, dash="dash"),
                name=f"analytic boundary: {formula}",
                hoverinfo="skip",
            )
        )
    if hover is not None:
        hx, hy, cd = hover
        data.append(
            scatter_trace(
                x=f32(hx),
                y=f32(hy),
                customdata=f32(cd),
                mode="markers",
                marker=dict(size=8, opacity=0),
                showlegend=False,
                name="cells",
                hovertemplate=(
                    f"{x_title} = %{{x:.4g}}<br>{y_title} = %{{y:.4g}}<br>ρ = %{{customdata[0]:.5f}}"
                    "<br>μ₁ = %{customdata[1]:.4f} %{customdata[2]:+.4f}i"
                    "<br>μ₂ = %{customdata[3]:.4f} %{customdata[4]:+.4f}i"
                    "<br><i>click: open in the explorer</i><extra></extra>"
                ),
            )
        )
    if current is not None:
        data.append(
            scatter_trace(
                x=[current[0]],
                y=[current[1]],
                mode="markers",
                marker=dict(
                    symbol="star", size=16, color="#FFD700", line=dict(width=1.5, color="black")
                ),
                name="current settings",
                hoverinfo="skip",
            )
        )

    def axis(title: str, v: FloatArray, log: bool) -> dict:
        lo, hi = float(v[0]), float(v[-1])
        return dict(
            title=dict(text=title),
            type="log" if log else "linear",
            showgrid=False,
            range=[float(np.log10(lo)), float(np.log10(hi))] if log else [lo, hi],
        )

    layout = dict(
        xaxis=axis(x_title, x, x_log),
        yaxis=axis(y_title, y, y_log),
        height=height,
        margin=dict(l=70, r=20, t=30, b=60),
        font=dict(size=FONT_SIZE - 1),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0),
        hovermode="closest",
        dragmode="zoom",
    )
    return figure_from_spec({"data": data, "layout": layout})


def locus_figure(
    values: FloatArray,
    eigs: NDArray[np.complex128],
    *,
    param_label: str,
    current: float | None = None,
    current_eigs: NDArray[np.complex128] | None = None,
    marks: Sequence[tuple[float, str]] = (),
    mark_eigs: Sequence[NDArray[np.complex128]] = (),
    unit_circle: bool = False,
    title: str = "",
    height: int = 420,
) -> go.Figure:
    """Eigenvalue locus in the complex plane as a parameter sweeps ``values``.

    ``eigs`` is (len(values), k); points are coloured by the parameter value. ``marks`` label
    special values (e.g. critical damping), drawn at ``mark_eigs``.
    """
    data: list[dict] = []
    if unit_circle:
        t = np.linspace(0, 2 * np.pi, 181)
        data.append(
            scatter_trace(
                x=np.cos(t), y=np.sin(t), mode="lines", line=dict(color="rgba(128,128,128,0.8)"),
                name="unit circle", hoverinfo="skip",
            )
        )  # fmt: skip
    eigs = np.asarray(eigs)
    finite = np.isfinite(eigs)
    for j in range(eigs.shape[1]):
        ok = finite[:, j]
        data.append(
            scatter_trace(
                x=f32(eigs[ok, j].real),
                y=f32(eigs[ok, j].imag),
                customdata=f32(values[ok]),
                mode="markers",
                marker=dict(
                    size=6,
                    color=f32(values[ok]),
                    colorscale=VIRIDIS,
                    showscale=j == 0,
                    colorbar=dict(title=dict(text=param_label, side="right"), thickness=12),
                ),
                name="eigenvalues" if j == 0 else "",
                showlegend=j == 0,
                hovertemplate=f"{param_label} = %{{customdata:.4g}}<br>%{{x:.4f}} %{{y:+.4f}}i<extra></extra>",
            )
        )
    for (val, text), e in zip(marks, mark_eigs, strict=True):
        e = np.asarray(e)
        data.append(
            scatter_trace(
                x=e.real, y=e.imag, mode="markers",
                marker=dict(symbol="diamond-open", size=16, color="#D55E00", line=dict(width=2.5)),
                name=f"{text} ({param_label} = {val:g})", hoverinfo="skip",
            )
        )  # fmt: skip
    if current is not None and current_eigs is not None:
        e = np.asarray(current_eigs)
        data.append(
            scatter_trace(
                x=e.real, y=e.imag, mode="markers",
                marker=dict(symbol="star", size=17, color="#FFD700", line=dict(width=1.5, color="black")),
                name=f"current {param_label} = {current:g}", hoverinfo="skip",
            )
        )  # fmt: skip
    zero = dict(zeroline=True, zerolinecolor="rgba(128,128,128,0.6)")
    layout = dict(
        xaxis=dict(title=dict(text="Re"), **zero),
        yaxis=dict(title=dict(text="Im"), **zero, scaleanchor="x", scaleratio=1),
        height=height,
        title=dict(text=title, font=dict(size=FONT_SIZE)) if title else {},
        margin=dict(l=60, r=20, t=50 if title else 20, b=50),
        font=dict(size=FONT_SIZE - 2),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
    )
    return figure_from_spec({"data": data, "layout": layout})
