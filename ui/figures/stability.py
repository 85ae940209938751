"""Figure builders of the stability-map page: the spectral-radius map and the eigenvalue locus.

Pure functions, arrays in, ``go.Figure`` out. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray

from dynamics.methods import NEUTRAL_TOL
from ui.figures.common import NARROW_BELOW, FloatArray, f32
from ui.figures.spec import FONT_SIZE, figure_from_spec, scatter_trace

#: Plotly.py's Viridis stops (the browser's built-in "Viridis" differs slightly).
VIRIDIS = [list(stop) for stop in go.scatter.Marker(colorscale="Viridis").colorscale]

#: The map's colour scale, in "bands" (``rho_band``): 0 is ρ = 1 (within the core's
#: NEUTRAL_TOL: "neutral", grey), ±1 … ±4 are |ρ − 1| = 10⁻³, 10⁻², 10⁻¹, 1 on a log scale,
#: blue below 1 and red above. Every ρ ≠ 1 is at least one band away from the grey, so a
#: slow convergence (ρ = 0.97–0.999) reads as blue at a glance, not as the white of ρ = 1.
BAND_MAX = 4.0
NEUTRAL_COLOR = "#e3e3e3"
CONTOUR_COLOR = "#808080"
RHO_COLORSCALE = [
    [0.0, "#08306b"],  # ρ = 0
    [0.125, "#2171b5"],  # ρ = 0.9
    [0.25, "#6baed6"],  # ρ = 0.99
    [0.375, "#9ecae1"],  # ρ = 0.999 (and closer to 1)
    [0.49, "#9ecae1"],
    [0.49, NEUTRAL_COLOR],  # ρ = 1: only the band value 0 falls in here
    [0.51, NEUTRAL_COLOR],
    [0.51, "#fc9272"],
    [0.625, "#fc9272"],  # ρ = 1.001 (and closer to 1)
    [0.75, "#fb6a4a"],  # ρ = 1.01
    [0.875, "#cb181d"],  # ρ = 1.1
    [1.0, "#67000d"],  # ρ ≥ 2
]
#: Colour-bar ticks: band value → ρ.
RHO_TICKS = {-4: "0", -3: "0.9", -2: "0.99", -1: "0.999", 0: "1 (neutral)", 1: "1.001",
             2: "1.01", 3: "1.1", 4: "≥ 2"}  # fmt: skip


def rho_band(rho: FloatArray) -> FloatArray:
    """ρ on the map's colour scale: 0 where |ρ − 1| ≤ NEUTRAL_TOL, else ±(1 + log₁₀ of
    |ρ − 1| / 10⁻³, clipped to [0, 3]), + above 1; NaN stays NaN."""
    rho = np.asarray(rho, dtype=float)
    d = np.abs(rho - 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = 1.0 + np.clip(np.log10(np.maximum(d, 1e-300)) + 3.0, 0.0, BAND_MAX - 1.0)
        return np.where(d <= NEUTRAL_TOL, 0.0, np.sign(rho - 1.0) * mag)


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
    data: list[dict] = [
        dict(
            type="heatmap",
            x=f32(x),
            y=f32(y),
            z=f32(rho_band(rho)),  # the hover has the value of ρ itself
            # the scale lives in the layout, where a phone's layout can lay the bar flat
            coloraxis="coloraxis",
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
                # mid grey: its legend swatch must read on the light and the dark theme (black
                # vanished on the dark one) and the line on blue and red cells alike
                line=dict(color=CONTOUR_COLOR, width=2),
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
                # an invisible line through the cells, not invisible markers: hover finds the
                # nearest cell either way, and one path is cheap to draw where ~4,500 marker
                # paths took ~130-350 ms of every draw of the map (bench/first_visit_profile.py)
                mode="lines",
                line=dict(width=0, color="rgba(0,0,0,0)"),
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
        coloraxis=dict(
            cmin=-BAND_MAX,
            cmax=BAND_MAX,
            colorscale=RHO_COLORSCALE,
            colorbar=dict(
                title=dict(text=BAR_TITLE, side="right"),
                tickvals=list(RHO_TICKS),
                ticktext=list(RHO_TICKS.values()),
                thickness=14,
            ),
        ),
    )
    layout["meta"] = {"narrow": {"below": NARROW_BELOW, "layout": _narrow_map(height)}}
    return figure_from_spec({"data": data, "layout": layout})


#: The colour bar's title (upright beside the map, or flat under it on a phone: on a phone
#: (400 px) the upright bar and its title left the map 160 px of 370).
BAR_TITLE = "spectral radius ρ (log scale of |ρ − 1|)"
#: Room (px) under the map's axis title for the flat bar, its tilted tick labels and title.
_NARROW_BAR = 150


def _narrow_map(height: int) -> dict:
    """What changes in ``stability_figure``'s layout on a narrow screen: the colour bar lies
    flat below the x axis title (tick labels tilted), and the figure grows by that much."""
    region = height + _NARROW_BAR - 30 - (60 + _NARROW_BAR)  # plot region: less margins
    return {
        "height": height + _NARROW_BAR,
        "margin": {"l": 56, "r": 12, "b": 60 + _NARROW_BAR},
        "modebar": {"orientation": "v"},  # across the top it covered the legend
        "coloraxis": {
            "colorbar": {
                "orientation": "h",
                "x": 0.0,
                "xanchor": "left",
                "len": 1.0,
                "y": -70 / region,  # below the x axis title (px → paper fraction)
                "yanchor": "top",
                "thickness": 12,
                "tickangle": -45,
                "title": {"text": BAR_TITLE, "side": "top"},
            }
        },
    }


def unit_circle_view(values: NDArray[np.complex128]) -> tuple[list[float], list[float]]:
    """x and y ranges that frame the finite ``values`` and the point of the unit circle
    nearest to them (so that inside and outside can be told), with a margin; a view of the
    whole circle when there is nothing to frame."""
    v = values[np.isfinite(values)]
    if not len(v):
        return [-1.2, 1.2], [-1.2, 1.2]
    centre = complex(v.real.mean(), v.imag.mean())
    near = centre / abs(centre) if abs(centre) > 1e-12 else 1.0 + 0j
    pts = np.append(v, near)
    lo = complex(pts.real.min(), pts.imag.min())
    hi = complex(pts.real.max(), pts.imag.max())
    pad = max(0.12 * max(hi.real - lo.real, hi.imag - lo.imag), 0.005)
    return [lo.real - pad, hi.real + pad], [lo.imag - pad, hi.imag + pad]


def _arc(box: tuple[list[float], list[float]], n: int = 720) -> FloatArray:
    """Angles of the unit circle's points drawn for the view ``box``: ``n`` of them on the
    arc that the box's corners span (the whole circle when the box holds the origin)."""
    (x0, x1), (y0, y1) = box
    if x0 <= 0 <= x1 and y0 <= 0 <= y1:
        return np.linspace(0, 2 * np.pi, n)
    corners = np.angle(np.array([x0 + 1j * y0, x0 + 1j * y1, x1 + 1j * y0, x1 + 1j * y1]))
    mid = np.angle(complex((x0 + x1) / 2, (y0 + y1) / 2))
    off = np.angle(np.exp(1j * (corners - mid)))  # each corner's angle from the box's centre
    return np.linspace(mid + off.min(), mid + off.max(), n)


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
    eigs = np.asarray(eigs)
    box = None
    if unit_circle:
        # zoomed to the eigenvalues (at the defaults they all lie within 0.1 of 1, one dot
        # on a view of the whole circle), with the part of the circle in view drawn finely
        shown = [eigs.ravel(), np.ravel(current_eigs if current_eigs is not None else [])]
        shown += [np.ravel(e) for e in mark_eigs]
        box = unit_circle_view(np.concatenate(shown))
        t = _arc(box)
        data.append(
            scatter_trace(
                x=np.cos(t), y=np.sin(t), mode="lines", line=dict(color="rgba(128,128,128,0.8)"),
                name="unit circle", hoverinfo="skip",
            )
        )  # fmt: skip
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
    ranges = ({}, {}) if box is None else ({"range": box[0]}, {"range": box[1]})
    layout = dict(
        xaxis=dict(title=dict(text="Re"), **zero, **ranges[0]),
        yaxis=dict(title=dict(text="Im"), **zero, scaleanchor="x", scaleratio=1, **ranges[1]),
        height=height,
        title=dict(text=title, font=dict(size=FONT_SIZE)) if title else {},
        margin=dict(l=60, r=20, t=50 if title else 20, b=50),
        font=dict(size=FONT_SIZE - 2),
        # below the x axis title, in px (at y = −0.18 of the region its top row touched it)
        legend=dict(
            orientation="h", yanchor="top", y=-80 / (height - (50 if title else 20) - 50), x=0
        ),
    )
    return figure_from_spec({"data": data, "layout": layout})
