"""Figure builders of the mode-collapse page (GMM-GAN after Li et al.): arrays in, figures out.

No Streamlit here and no numerics beyond layout: every number drawn comes from the core via
:mod:`ui.gmm_compute`. Styles are shared with :mod:`ui.figures.common` (streamline colour,
``Style``, ``decimate``); the two dynamics differ by colour *and* dash pattern *and* marker.
Arrays are sent as float32 and long paths are decimated, so each figure stays small.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray
from plotly.subplots import make_subplots

from ui.figures.common import (
    MAX_PATH_POINTS,
    NARROW_BELOW,
    NEUTRAL,
    STREAMLINE_COLOR,
    Style,
    decimate,
)
from ui.figures.spec import FONT_SIZE, figure_from_spec, layout_without_template, scatter_trace

if TYPE_CHECKING:
    from dynamics.streamlines import Streamlines

FloatArray = NDArray[np.float64]

#: Optimal vs first-order discriminator: Okabe–Ito blue / vermillion, solid / dashed,
#: circle / square.
DYN_STYLE: dict[str, Style] = {
    "optimal": Style("#0072B2", "solid", "circle"),
    "first-order": Style("#D55E00", "dash", "square"),
}
#: Outcome colours (converged, collapsed, stuck, other) and bar patterns: Okabe–Ito blue /
#: vermillion / reddish purple / grey differ in hue for every colour-vision type and in
#: lightness, and the bars add hatching. Names are the core's ``OUTCOMES``.
OUTCOME_COLOR = ("#0072B2", "#D55E00", "#CC79A7", "#C8C8C8")
OUTCOME_PATTERN = ("", "/", "x", ".")
OUTCOME_NAME = ("converged", "collapsed", "stuck", "other")
#: TV heat map: a pale sequential scale, so that paths and streamlines stay legible on it.
TV_SCALE = [[0.0, "#ffffff"], [0.35, "#efedf5"], [1.0, "#9e9ac8"]]
DATA_COLOR = NEUTRAL  # the data density's outline: must show on both chart themes
OPT_D_COLOR = "#009E73"
BAND_COLOR = "rgba(213, 94, 0, 0.16)"
#: Paper coordinates of the plane (left) and the data space (right, top part; the animation
#: controls and the legend sit below it).
PLANE_X = (0.0, 0.44)
SPACE_X = (0.62, 1.0)
SPACE_Y = (0.56, 1.0)


def _f32(a: object) -> NDArray[np.float32]:
    return np.asarray(a, dtype=np.float32)


@dataclass(frozen=True)
class PlanePath:
    """One path on the (mu1, mu2) plane."""

    key: str  # "optimal" or "first-order": picks the style
    label: str
    mu: FloatArray  # (T+1, 2)
    status: str


class SpaceFrames(Protocol):
    """What the data-space panel needs (``ui.gmm_compute.DataSpace`` provides it).

    Read-only members: a frozen dataclass provides them.
    """

    @property
    def steps(self) -> NDArray[np.int64]: ...
    @property
    def x(self) -> FloatArray: ...
    @property
    def g_star(self) -> FloatArray: ...
    @property
    def g_mu(self) -> FloatArray: ...
    @property
    def ell_opt(self) -> FloatArray: ...
    @property
    def ell(self) -> FloatArray | None: ...
    @property
    def mu(self) -> FloatArray: ...


def _axis_style(title: str, **kw: object) -> dict:
    return dict(
        title=dict(text=title, font=dict(size=FONT_SIZE)),
        gridcolor="rgba(128,128,128,0.18)",
        tickfont=dict(size=FONT_SIZE - 2),
        **kw,
    )


# ---------------------------------------------------------------------------- the plane


@functools.lru_cache(maxsize=2)
def _plane_grid(two: bool) -> str:
    """``make_subplots``' axes for the plane (and the data space with its second y axis), as
    JSON: built once, each figure parses a fresh copy."""
    fig = make_subplots(
        rows=1,
        cols=2 if two else 1,
        specs=[[{}, {"secondary_y": True}]] if two else [[{}]],
    )
    return json.dumps(layout_without_template(fig))


def _merge(dst: dict, src: dict) -> None:
    """``src`` into ``dst``, nested dicts merged (what Plotly's ``update_*`` does)."""
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v


def plane_figure(
    surface: tuple[FloatArray, FloatArray, FloatArray] | None,
    lines: Streamlines | None,
    paths: Sequence[PlanePath],
    target: tuple[float, float],
    *,
    view: tuple[float, float],
    space: SpaceFrames | None = None,
    focus: str = "first-order",
    height: int = 600,
) -> go.Figure:
    """The (mu1, mu2) plane (TV heat map, streamlines of -∇TV, optimum, mirror, collapse
    diagonal, both paths) beside the data space at the current step, animated together: the
    Plotly slider and ▶ move the current points on the plane and the densities and
    discriminators in the data space in the browser, without a script rerun.

    ``surface`` = (axis, axis, TV[i, j] at (axis[j], axis[i])); ``lines`` a
    ``dynamics.streamlines.Streamlines``; ``space`` the data-space frames of the ``focus``
    dynamics (``None``: the plane alone). A click anywhere on the plane is reported by
    ``ui.live_chart``. Built as plain dicts (graph objects cost most of a rerun).
    """
    two = space is not None
    layout = json.loads(_plane_grid(two))
    notes: list[dict] = []
    data: list[dict] = []
    plane = dict(xaxis="x", yaxis="y")
    lo, hi = view
    if surface is not None:
        xs, ys, tv = surface
        data.append(
            dict(
                type="heatmap",
                x=_f32(xs),
                y=_f32(ys),
                z=_f32(np.nan_to_num(tv, nan=0.0)),
                # colours and colour bar in the layout, which a phone's layout can move
                coloraxis="coloraxis",
                name="TV(G<sub>μ</sub>, G*)",
                hovertemplate="μ₁ = %{x:.2f}, μ₂ = %{y:.2f}<br>TV = %{z:.3f}<extra></extra>",
                **plane,
            )
        )
    if lines is not None and getattr(lines, "n_lines", 0) > 0:
        data.append(
            scatter_trace(
                x=_f32(lines.x), y=_f32(lines.y), mode="lines",
                line=dict(color=STREAMLINE_COLOR, width=1.0), hoverinfo="skip",
                name="−∇TV (optimal-discriminator flow)", showlegend=False, connectgaps=False,
                **plane,
            )
        )  # fmt: skip
        data.append(
            scatter_trace(
                x=_f32(lines.arrow_x), y=_f32(lines.arrow_y), mode="markers",
                # angles in [-180, 180), as Plotly's validator stores them
                marker=dict(symbol="arrow", size=8, angle=(_f32(lines.arrow_angle) + 180) % 360 - 180,
                            color=STREAMLINE_COLOR),
                hoverinfo="skip", showlegend=False, name="direction", **plane,
            )
        )  # fmt: skip
    data.append(
        scatter_trace(
            x=[lo, hi], y=[lo, hi], mode="lines",
            line=dict(color=NEUTRAL, width=1.6, dash="dot"),
            name="μ₁ = μ₂ (mode collapse)", hoverinfo="skip", showlegend=False, **plane,
        )
    )  # fmt: skip
    t1, t2 = float(target[0]), float(target[1])
    notes.append(
        dict(
            x=lo + 0.8 * (hi - lo), y=lo + 0.8 * (hi - lo), text="μ₁ = μ₂: mode collapse",
            textangle=-45, showarrow=False, yshift=12, font=dict(size=FONT_SIZE - 2, color="#333"),
            bgcolor="rgba(255,255,255,0.7)", xref="x", yref="y",
        )
    )  # fmt: skip
    data.append(
        scatter_trace(
            x=[t1], y=[t2], mode="markers+text", text=["μ*"], textposition="top left",
            textfont=dict(size=FONT_SIZE - 1, color="#111111"),
            marker=dict(symbol="star", size=17, color="#111111", line=dict(width=1, color="white")),
            name=f"optimum μ* = ({t1:g}, {t2:g})", showlegend=False,
            hovertemplate="optimum μ* = (%{x:.2f}, %{y:.2f})<extra></extra>", **plane,
        )
    )  # fmt: skip
    if t1 != t2:
        data.append(
            scatter_trace(
                x=[t2], y=[t1], mode="markers+text", text=["mirror"],
                textposition="bottom left", textfont=dict(size=FONT_SIZE - 2, color="#111111"),
                marker=dict(symbol="star-open", size=17, color="#111111", line=dict(width=2)),
                name="its mirror (same distribution)", showlegend=False,
                hovertemplate="mirror (μ*₂, μ*₁) = (%{x:.2f}, %{y:.2f}):"
                " the same distribution<extra></extra>", **plane,
            )
        )  # fmt: skip
    for p in paths:
        data += _path_traces(p)
    frames: list[dict] = []
    if space is not None:
        frames = _add_space(data, layout, paths, space, focus)
    _merge(layout["xaxis"], _axis_style("μ₁ (first generator mean)", range=[lo, hi],
                                        constrain="domain"))  # fmt: skip
    _merge(layout["yaxis"], _axis_style("μ₂ (second generator mean)", range=[lo, hi],
                                        scaleanchor="x", scaleratio=1, constrain="domain",
                                        constraintoward="top"))  # fmt: skip
    notes.append(
        dict(
            text="(μ₁, μ₂) plane: TV (shading), −∇TV (grey lines), paths",
            xref="paper", yref="paper", x=PLANE_X[0] if two else 0.0, y=1.0, xanchor="left",
            yanchor="bottom", yshift=8, showarrow=False, font=dict(size=FONT_SIZE),
        )
    )  # fmt: skip
    if two:
        layout["xaxis"]["domain"] = list(PLANE_X)
        layout["xaxis2"]["domain"] = list(SPACE_X)
        layout["yaxis2"]["domain"] = list(SPACE_Y)
        layout["yaxis3"]["domain"] = list(SPACE_Y)  # the D(x) axis overlays the density axis
        notes.append(
            dict(
                text=f"Data space at the current step, {_focus_label(focus)} run",
                xref="paper", yref="paper", x=SPACE_X[0], y=1.0, xanchor="left",
                yanchor="bottom", yshift=8, showarrow=False, font=dict(size=FONT_SIZE),
            )
        )  # fmt: skip
        legend = dict(
            orientation="v", yanchor="top", y=SPACE_Y[0] - 0.26, xanchor="left",
            x=SPACE_X[0] - 0.05, font=dict(size=FONT_SIZE - 2), tracegroupgap=0,
        )  # fmt: skip
    else:
        legend = dict(
            orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0,
            font=dict(size=FONT_SIZE - 2),
        )  # fmt: skip
    if surface is not None:
        tv = surface[2]
        layout["coloraxis"] = dict(
            cmin=0.0, cmax=max(float(np.nanmax(tv)) if np.size(tv) else 1.0, 1e-6),
            colorscale=TV_SCALE,
            colorbar=dict(
                title=dict(text="TV", side="right", font=dict(size=FONT_SIZE - 1)),
                thickness=10, len=0.55, y=1.0, yanchor="top",
                x=PLANE_X[1] + 0.01 if two else 1.02, xanchor="left",
                tickfont=dict(size=FONT_SIZE - 3),
            ),
        )  # fmt: skip
    layout.update(
        annotations=notes,
        height=height,
        # autoexpand off: every component is placed explicitly inside the figure (with it on,
        # Plotly 3 shifts a horizontal legend that reaches below the plot area sideways)
        margin=dict(l=60, r=50, t=40, b=75 if two else 90, autoexpand=False),
        font=dict(size=FONT_SIZE),
        legend=legend,
        hovermode="closest",
        dragmode="pan",
        uirevision="gmm-plane",
    )  # fmt: skip
    if two:
        layout["meta"] = {"narrow": {"below": NARROW_BELOW, "layout": _narrow_plane(layout)}}
    return figure_from_spec({"data": data, "layout": layout, "frames": frames})


#: The narrow layout, in paper fractions of a taller figure: the plane on top, the data space
#: under it, then its ▶ and step slider, then the legend.
_N_HEIGHT = 824
#: Top margin, px: the plane's two-line title sits in it (at 40 px its first line was cut off).
_N_TOP = 64
_N_PLANE_Y = (0.65, 1.0)
_N_SPACE_Y = (0.33, 0.535)
_N_REGION = _N_HEIGHT - _N_TOP - 20  # the plot region's height, px: margins t and b


def _below_space(px: float) -> float:
    """``px`` below the narrow data space's bottom, as a paper y."""
    return _N_SPACE_Y[0] - px / _N_REGION


def _narrow_plane(layout: dict) -> dict:
    """What changes in ``plane_figure``'s layout (with the data space) on a phone: the data
    space under the plane, each full width, and everything placed around them anew."""
    plane_title = "(μ₁, μ₂) plane: TV (shading),<br>−∇TV (grey lines), paths"  # two lines
    notes = [
        {"x": 0.0, "y": _N_PLANE_Y[1], "text": plane_title}
        if a.get("text", "").startswith("(μ₁, μ₂) plane")
        else {"x": 0.0, "y": _N_SPACE_Y[1]} if a.get("text", "").startswith("Data space")
        else {}
        for a in layout.get("annotations", [])
    ]  # fmt: skip
    # the same distances below the data space as in the wide layout, in px
    out: dict = {
        "height": _N_HEIGHT,
        "margin": {"t": _N_TOP, "b": 20, "r": 62},
        "annotations": notes,
        "xaxis": {"domain": [0.0, 1.0]},
        "yaxis": {"domain": list(_N_PLANE_Y)},
        "xaxis2": {"domain": [0.0, 1.0]},
        "yaxis2": {"domain": list(_N_SPACE_Y)},
        "yaxis3": {"domain": list(_N_SPACE_Y)},
        "legend": {"x": 0.0, "y": _below_space(126), "yanchor": "top"},
        "updatemenus": [{"x": 0.0, "y": _below_space(68)}],
        "sliders": [{"x": 0.32, "len": 0.68, "y": _below_space(53)}],
    }
    if "coloraxis" in layout:
        out["coloraxis"] = {"colorbar": {"x": 1.0, "len": _N_PLANE_Y[1] - _N_PLANE_Y[0]}}
    return out


def _focus_label(key: str) -> str:
    return "optimal" if key == "optimal" else "first-order"


def _path_traces(p: PlanePath) -> list[dict]:
    st_ = DYN_STYLE.get(p.key, DYN_STYLE["optimal"])
    shown, idx = decimate(p.mu, MAX_PATH_POINTS)
    plane = dict(xaxis="x", yaxis="y")
    return [
        scatter_trace(
            x=_f32(shown[:, 0]), y=_f32(shown[:, 1]), customdata=idx, mode="lines",
            line=dict(color=st_.color, dash=st_.dash, width=2.8),
            name=p.label, legendgroup=p.key,
            hovertemplate=f"{p.label}<br>step %{{customdata}}<br>μ = (%{{x:.3f}}, %{{y:.3f}})"
            "<extra></extra>", **plane,
        ),
        scatter_trace(
            x=_f32(p.mu[:1, 0]), y=_f32(p.mu[:1, 1]), mode="markers",
            marker=dict(symbol=st_.symbol + "-open", size=14, color=st_.color,
                        line=dict(width=2.5)),
            name=f"{p.label} start", legendgroup=p.key, showlegend=False,
            hovertemplate="start μ = (%{x:.3f}, %{y:.3f})<extra></extra>", **plane,
        ),
        scatter_trace(
            x=_f32(p.mu[-1:, 0]), y=_f32(p.mu[-1:, 1]), mode="markers",
            marker=dict(symbol=st_.symbol, size=12, color=st_.color,
                        line=dict(width=1, color="white")),
            name=f"{p.label} end", legendgroup=p.key, showlegend=False,
            hovertemplate=f"{p.label} end ({p.status})<br>μ = (%{{x:.3f}}, %{{y:.3f}})"
            "<extra></extra>", **plane,
        ),
    ]  # fmt: skip


def _step_path(ell: FloatArray, lo: float, hi: float) -> tuple[list[float], list[float]]:
    """Outline of the indicator of ``[l1, l2] ∪ [l3, l4]`` over ``[lo, hi]``; empty intervals
    are skipped (no zero-width spikes)."""
    xs, ys = [lo], [0.0]
    for a, b in ((ell[0], ell[1]), (ell[2], ell[3])):
        if b > a:
            xs += [float(a), float(a), float(b), float(b)]
            ys += [0.0, 1.0, 1.0, 0.0]
    xs.append(hi)
    ys.append(0.0)
    return xs, ys


def _r(v: float) -> float:
    """Four decimals: far below a pixel, and a short JSON number."""
    return round(float(v), 4)


def _band(a: float, b: float) -> tuple[list[float], list[float]]:
    return [a, a, b, b, a], [0.0, 1.0, 1.0, 0.0, 0.0]


def _frame_traces(paths: Sequence[PlanePath], space: SpaceFrames, i: int, focus: str) -> list[dict]:
    """The animated traces at frame ``i``, fully styled (the figure's initial state)."""
    data = _frame_data(paths, space, i)
    out: list[dict] = []
    for p, d in zip(paths, data, strict=False):
        st_ = DYN_STYLE.get(p.key, DYN_STYLE["optimal"])
        out.append(
            scatter_trace(
                **d, mode="markers",
                marker=dict(symbol=st_.symbol, size=16, color=st_.color,
                            line=dict(width=2, color="white")),
                name=f"{p.label} now", showlegend=False,
                hovertemplate=f"{p.label} at the current step<br>μ = (%{{x:.3f}}, %{{y:.3f}})"
                "<extra></extra>",
                xaxis="x", yaxis="y",
            )
        )  # fmt: skip
    n = len(paths)
    has_bands = space.ell is not None
    for j in (0, 1):
        out.append(
            scatter_trace(
                **data[n + j], mode="lines", fill="toself", fillcolor=BAND_COLOR,
                line=dict(width=0, color=BAND_COLOR),
                name="first-order D = 1 (bands)", legendgroup="fo-band",
                showlegend=j == 0 and has_bands, hoverinfo="skip",
                xaxis="x2", yaxis="y3",
            )
        )  # fmt: skip
    out.append(
        scatter_trace(
            **data[n + 2], mode="lines", line=dict(color=OPT_D_COLOR, dash="dash", width=2.4),
            name="optimal D* = 1 (dashed)", hoverinfo="skip", xaxis="x2", yaxis="y3",
        )
    )  # fmt: skip
    st_ = DYN_STYLE.get(focus, DYN_STYLE["optimal"])
    out.append(
        scatter_trace(
            x=_f32(space.x), **data[n + 3], mode="lines",
            line=dict(color=st_.color, width=3, dash=st_.dash),
            name="generator density g<sub>μ</sub>",
            hovertemplate="x = %{x:.2f}<br>g<sub>μ</sub> = %{y:.3f}<extra></extra>",
            xaxis="x2", yaxis="y2",
        )
    )  # fmt: skip
    return out


def _frame_data(paths: Sequence[PlanePath], space: SpaceFrames, i: int) -> list[dict]:
    """Only the changing data of the animated traces at frame ``i`` (frames merge into the
    traces, so styles are sent once): current points, two bands, D*, g_μ."""
    step = int(space.steps[i])
    lo, hi = float(space.x[0]), float(space.x[-1])
    out: list[dict] = []
    for p in paths:
        m = p.mu[min(step, len(p.mu) - 1)]
        out.append(dict(x=[_r(m[0])], y=[_r(m[1])]))
    ell = space.ell
    for j in (0, 1):
        a, b = (float(ell[i, 2 * j]), float(ell[i, 2 * j + 1])) if ell is not None else (lo, lo)
        bx, by = _band(a, b)
        out.append(dict(x=[_r(v) for v in bx], y=by))
    sx, sy = _step_path(space.ell_opt[i], lo, hi)
    out.append(dict(x=[_r(v) for v in sx], y=sy))
    out.append(dict(y=_f32(space.g_mu[i])))
    return out


def _add_space(
    data: list[dict], layout: dict, paths: Sequence[PlanePath], space: SpaceFrames, focus: str
) -> list[dict]:
    """Add the data-space panel's traces to ``data`` and its axes and replay controls to
    ``layout``; returns the animation frames."""
    lo, hi = float(space.x[0]), float(space.x[-1])
    data.append(
        scatter_trace(
            x=_f32(space.x), y=_f32(space.g_star), mode="lines", fill="tozeroy",
            fillcolor="rgba(136, 136, 136, 0.18)", line=dict(color=DATA_COLOR, width=2),
            name="data density g*",
            hovertemplate="x = %{x:.2f}<br>g* = %{y:.3f}<extra></extra>",
            xaxis="x2", yaxis="y2",
        )
    )  # fmt: skip
    first = len(data)
    # the panel opens at the last step, the state the outcome table reports (▶ from there
    # replays from step 0: Plotly ignores ``fromcurrent`` on the last frame)
    last = len(space.steps) - 1
    data += _frame_traces(paths, space, last, focus)
    animated = list(range(first, len(data)))
    # Every other scatter trace joins each frame with no change: Plotly.animate recomputes
    # the calcdata of all traces but re-attaches the drawn nodes of the listed ones only, and
    # a click (point selection) after an animation then fails on the unlisted traces
    # ("Cannot read properties of undefined (reading 'selectAll')") and selects nothing.
    static = [i for i, tr in enumerate(data) if tr["type"] == "scatter" and i not in animated]
    frames = [
        dict(
            name=str(int(s)),
            data=[dict(type="scatter", **d) for d in _frame_data(paths, space, i)]
            + [dict(type="scatter")] * len(static),
            traces=animated + static,
        )
        for i, s in enumerate(space.steps)
    ]
    top = float(max(np.max(space.g_star), np.max(space.g_mu))) * 1.12
    _merge(layout["xaxis2"], _axis_style("x (data space)", range=[lo, hi]))
    _merge(layout["yaxis2"], _axis_style("density", range=[0, top]))
    _merge(layout["yaxis3"], _axis_style("D(x)", range=[0, 1.3], tickvals=[0, 1], showgrid=False))
    play = dict(
        label="▶", method="animate",
        args=[None, dict(frame=dict(duration=90, redraw=False), fromcurrent=True,
                         transition=dict(duration=0))],
    )  # fmt: skip
    pause = dict(
        label="❚❚", method="animate",
        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                           transition=dict(duration=0))],
    )  # fmt: skip
    layout.update(
        updatemenus=[
            dict(
                type="buttons", direction="left", buttons=[play, pause], x=SPACE_X[0] - 0.05,
                y=SPACE_Y[0] - 0.14,
                xanchor="left", yanchor="top", pad=dict(t=0, r=10),
                font=dict(size=FONT_SIZE - 1), showactive=False,
            )
        ],
        sliders=[
            dict(
                active=last, x=SPACE_X[0] + 0.07, y=SPACE_Y[0] - 0.11, len=0.93 - SPACE_X[0],
                xanchor="left", yanchor="top",
                pad=dict(t=0, b=0),
                currentvalue=dict(prefix="generator step ", font=dict(size=FONT_SIZE - 1)),
                steps=[
                    dict(
                        label=str(int(s)), method="animate",
                        args=[[str(int(s))], dict(mode="immediate",
                                                  frame=dict(duration=0, redraw=False),
                                                  transition=dict(duration=0))],
                    )
                    for s in space.steps
                ],
            )
        ],
    )  # fmt: skip
    return frames


# ---------------------------------------------------------------------------- time series


@dataclass(frozen=True)
class Series:
    """The time series of one run."""

    key: str
    label: str
    tv: FloatArray
    suboptimality: FloatArray
    gap: FloatArray
    grad_norm: FloatArray


#: Floor of the log-scale gradient panel: an exact 0 is drawn there, never as -inf or NaN.
GRAD_FLOOR = 1e-12


_SERIES_TITLES = (
    "TV(G<sub>μ</sub>, G*): distance to the data",
    "(1 + TV) − L: how far the discriminator is from optimal",
    "|μ₁ − μ₂|: 0 means both modes at one place",
    "‖∇<sub>μ</sub> L‖: the generator's training signal (log)",
)
#: (field of Series, subplot number: 1 2 on the top row, 3 4 below)
_SERIES_PANELS = (("tv", 1), ("suboptimality", 2), ("gap", 3), ("grad_norm", 4))


@functools.lru_cache(maxsize=1)
def _series_layout() -> str:
    """The time-series figure's layout (it does not depend on the data), as JSON: built once
    with ``make_subplots``, each figure parses a fresh copy."""
    fig = make_subplots(
        rows=2, cols=2, subplot_titles=_SERIES_TITLES, shared_xaxes=True,
        vertical_spacing=0.16, horizontal_spacing=0.09,
    )  # fmt: skip
    fig.update_yaxes(type="log", exponentformat="power", row=2, col=2)
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=1, col=2)
    fig.update_yaxes(rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title=dict(text="generator step", font=dict(size=FONT_SIZE - 1)), row=2)
    fig.update_xaxes(tickfont=dict(size=FONT_SIZE - 2), gridcolor="rgba(128,128,128,0.18)")
    fig.update_yaxes(tickfont=dict(size=FONT_SIZE - 2), gridcolor="rgba(128,128,128,0.18)")
    fig.update_annotations(font_size=FONT_SIZE - 1)
    fig.update_layout(
        margin=dict(l=55, r=20, t=60, b=50),
        font=dict(size=FONT_SIZE - 1),
        legend=dict(orientation="h", yanchor="bottom", y=1.08, x=0),
        hovermode="x unified",
    )
    return json.dumps(layout_without_template(fig))


def series_figure(series: Sequence[Series], *, height: int = 520) -> go.Figure:
    """TV, the discriminator's sub-optimality (1 + TV) − L, |μ₁ − μ₂| and ‖∇_μ L‖ per step."""
    layout = json.loads(_series_layout())
    layout["height"] = height
    # one column on a phone (ui/live_chart.js): side by side, the panels' titles overlapped
    layout["meta"] = {"grid": {"n": 4, "cols": 2, "min_panel": 260, "gap": 85, "aspect": 0.62}}
    layout["modebar"] = {"orientation": "v"}  # across the top it covered the legend on a phone
    data: list[dict] = []
    for s in series:
        st_ = DYN_STYLE.get(s.key, DYN_STYLE["optimal"])
        for j, (field, n) in enumerate(_SERIES_PANELS):
            y = np.asarray(getattr(s, field), dtype=float)
            if field == "grad_norm":
                y = np.maximum(y, GRAD_FLOOR)
            y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
            shown, idx = decimate(y[:, None], MAX_PATH_POINTS)
            data.append(
                scatter_trace(
                    x=idx, y=_f32(shown[:, 0]), mode="lines",
                    line=dict(color=st_.color, dash=st_.dash, width=2.4),
                    name=s.label, legendgroup=s.key, showlegend=j == 0,
                    hovertemplate=f"{s.label}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>",
                    xaxis="x" if n == 1 else f"x{n}", yaxis="y" if n == 1 else f"y{n}",
                )
            )  # fmt: skip
    return figure_from_spec({"data": data, "layout": layout})


# --------------------------------------------------------------------------------- batch


@dataclass(frozen=True)
class Fractions:
    """Outcome fractions of one configuration."""

    label: str
    converged: float
    collapsed: float
    stuck: float
    other: float


def fractions_figure(rows: Sequence[Fractions], *, height: int = 420) -> go.Figure:
    """Grouped bars: the fraction of runs per outcome (converged, collapsed, stuck, other)."""
    fig = go.Figure()
    labels = [r.label.replace(", ", ",<br>") for r in rows]
    for i, name in enumerate(OUTCOME_NAME):
        vals = np.array([getattr(r, name) for r in rows], dtype=float)
        fig.add_trace(
            go.Bar(
                x=labels, y=_f32(vals), name=name,
                marker=dict(color=OUTCOME_COLOR[i], line=dict(color="#333333", width=1),
                            pattern=dict(shape=OUTCOME_PATTERN[i], fgcolor="#222222",
                                         size=8, solidity=0.25, fillmode="overlay")),
                text=[f"{v:.1%}" for v in vals], textposition="outside",
                textfont=dict(size=FONT_SIZE - 2), cliponaxis=False,
                hovertemplate=f"%{{x}}<br>{name}: %{{y:.1%}}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_yaxes(
        title="fraction of runs", range=[0, 1.12], tickformat=".0%",
        gridcolor="rgba(128,128,128,0.18)", tickfont=dict(size=FONT_SIZE - 2),
    )  # fmt: skip
    fig.update_xaxes(tickfont=dict(size=FONT_SIZE - 1))
    fig.update_layout(
        barmode="group",
        height=height,
        margin=dict(l=60, r=20, t=40, b=70),
        font=dict(size=FONT_SIZE - 1),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        bargap=0.25,
    )
    return fig


def outcome_maps_figure(
    axis: FloatArray,
    maps: Sequence[tuple[str, NDArray[np.integer]]],
    target: tuple[float, float],
    *,
    height: int = 480,
) -> go.Figure:
    """Outcome (converged / collapsed / stuck / other) of each starting mean, one panel per
    dynamics.

    ``maps``: (title, codes[i, j] for the start (axis[j], axis[i])).
    """
    n = max(len(maps), 1)
    fig = make_subplots(
        rows=1, cols=n, subplot_titles=[t for t, _ in maps] or None, horizontal_spacing=0.1
    )
    c = OUTCOME_COLOR
    n_o = len(c)
    scale: list[list[object]] = []
    for o in range(n_o):
        scale += [[o / n_o, c[o]], [(o + 1) / n_o, c[o]]]
    lo, hi = float(axis[0]), float(axis[-1])
    t1, t2 = float(target[0]), float(target[1])
    for j, (title, codes) in enumerate(maps, start=1):
        fig.add_trace(
            go.Heatmap(
                x=_f32(axis), y=_f32(axis), z=np.asarray(codes, dtype=np.int8),
                zmin=-0.5, zmax=n_o - 0.5, colorscale=scale, showscale=j == n,
                colorbar=dict(
                    tickvals=list(range(n_o)), ticktext=list(OUTCOME_NAME), thickness=14,
                    tickfont=dict(size=FONT_SIZE - 2),
                ),
                name=title,
                hovertemplate="start μ = (%{x:.2f}, %{y:.2f})<br>outcome %{z}: "
                + ", ".join(f"{i} {name}" for i, name in enumerate(OUTCOME_NAME))
                + "<extra></extra>",
            ),
            row=1, col=j,
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=[lo, hi], y=[lo, hi], mode="lines",
                line=dict(color="#222222", width=1.4, dash="dot"),
                hoverinfo="skip", showlegend=False, name="μ₁ = μ₂",
            ),
            row=1, col=j,
        )  # fmt: skip
        for sym, x0, y0, what in (("star", t1, t2, "optimum μ*"), ("star-open", t2, t1, "mirror")):
            fig.add_trace(
                go.Scatter(
                    x=[x0], y=[y0], mode="markers",
                    marker=dict(symbol=sym, size=16, color="#111111",
                                line=dict(width=1.2 if sym == "star" else 2,
                                          color="white" if sym == "star" else "#111111")),
                    hovertemplate=f"{what} (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
                    showlegend=False, name=what,
                ),
                row=1, col=j,
            )  # fmt: skip
        fig.update_xaxes(_axis_style("start μ₁", range=[lo, hi], constrain="domain"), row=1, col=j)
        fig.update_yaxes(
            _axis_style("start μ₂", range=[lo, hi], constrain="domain",
                        scaleanchor="x" if j == 1 else f"x{j}", scaleratio=1),
            row=1, col=j,
        )  # fmt: skip
    fig.update_annotations(font_size=FONT_SIZE)
    fig.update_layout(
        height=height, margin=dict(l=60, r=20, t=50, b=50), font=dict(size=FONT_SIZE - 1)
    )
    return fig


def separation_figure(
    separations: FloatArray,
    ks: Sequence[int],
    fractions: FloatArray,
    *,
    current: float | None = None,
    height: int = 620,
) -> go.Figure:
    """One heat map per outcome over separation (x) × k (y): where each outcome dominates.

    ``fractions[i, j, o]`` for ``ks[i]``, ``separations[j]`` and ``OUTCOME_NAME[o]``; each cell
    shows its percentage. ``current`` (the sidebar's separation) is marked by a dashed box.
    """
    # 2 × 2 panels: wide enough for a percentage in each cell at every separation
    fig = make_subplots(
        rows=2, cols=2, subplot_titles=list(OUTCOME_NAME), horizontal_spacing=0.08,
        vertical_spacing=0.2,
    )  # fmt: skip
    xs = [f"{float(v):g}" for v in separations]
    ys = [f"k = {int(k)}" for k in ks]
    for o, name in enumerate(OUTCOME_NAME):
        row, col = o // 2 + 1, o % 2 + 1
        z = np.asarray(fractions[:, :, o], dtype=float)
        fig.add_trace(
            go.Heatmap(
                x=xs, y=ys, z=_f32(z), zmin=0.0, zmax=1.0,
                colorscale=[[0.0, "#ffffff"], [1.0, OUTCOME_COLOR[o]]], showscale=False,
                text=[[f"{v:.0%}" for v in row] for row in z], texttemplate="%{text}",
                textfont=dict(size=FONT_SIZE - 3), xgap=1, ygap=1, name=name,
                hovertemplate=f"separation %{{x}}, %{{y}}<br>{name}: %{{text}}<extra></extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
        fig.update_xaxes(_axis_style("separation μ*₂ − μ*₁", type="category"), row=row, col=col)
        fig.update_yaxes(_axis_style("", type="category"), row=row, col=col)
        if current is not None:
            sep = [float(v) for v in separations]
            pos = float(np.interp(current, sep, np.arange(len(sep)))) if len(sep) > 1 else 0.0
            if sep[0] <= current <= sep[-1]:
                # a box around the column, not a line through its percentages
                fig.add_vrect(
                    x0=pos - 0.5, x1=pos + 0.5, line=dict(color="#222222", dash="dash", width=1.5),
                    fillcolor="rgba(0,0,0,0)", row=row, col=col,
                )  # fmt: skip
    fig.update_annotations(font_size=FONT_SIZE)
    fig.update_layout(
        height=height, margin=dict(l=70, r=20, t=40, b=50), font=dict(size=FONT_SIZE - 1)
    )
    return fig
