"""Figure builders of the explorer (and of the lessons' embedded explorer): the (θ, ψ) plane
with the data space and its replay, the distance to the equilibrium, the eigenvalues.

Pure functions, arrays in, ``go.Figure`` out. No Streamlit here.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray
from plotly.subplots import make_subplots

from ui.cache import bounded_cache
from ui.figures.common import (
    NEUTRAL,
    STREAMLINE_COLOR,
    FloatArray,
    decimate,
    f32,
    style_of,
    visible_prefix,
)
from ui.figures.spec import FONT_SIZE, SpecFigure, figure_from_spec, scatter_trace

if TYPE_CHECKING:
    from dynamics.equilibria import Equilibrium
    from dynamics.streamlines import Streamlines

#: The chart toolbar down the right edge: across the top it covered the legends above the
#: explorer's charts (on a phone, where the legend spans the width, most of it).
MODEBAR = {"orientation": "v"}


@dataclass(frozen=True)
class PathView:
    """One trajectory as the figure needs it."""

    method: str
    label: str
    points: FloatArray  # (n_valid, 2): the kept points, start first
    status: str
    diverged_at: int | None
    #: (n_valid − 1, 2): the state between the players' turns of each step, for a method
    #: whose players take turns (``dynamics.methods.half_steps``), else None
    half: FloatArray | None = None
    phases: tuple[str, ...] = ()


def _axis(title: str, view: float, **kw: object) -> dict:
    return dict(
        title=dict(text=title, font=dict(size=FONT_SIZE + 1)),
        range=[-view, view],
        zeroline=True,
        zerolinecolor="rgba(128,128,128,0.5)",
        gridcolor="rgba(128,128,128,0.18)",
        tickfont=dict(size=FONT_SIZE - 2),
        **kw,
    )


def explorer_figure(
    lines: Streamlines | None,
    paths: Sequence[PathView],
    *,
    view: float,
    psi_limit: float | None = None,
    speed: tuple[FloatArray, FloatArray, FloatArray] | None = None,
    n_frames: int = 40,
    height: int = 900,
    equilibria: Sequence[Equilibrium] | None = None,
    browser_replay: bool = False,
    side: bool = False,
) -> go.Figure:
    """The (θ, ψ) plane above, the data space below, animated over the training steps.

    ``lines`` is a ``dynamics.streamlines.Streamlines`` (or None); ``speed`` an optional
    ``(xs, ys, |v|)`` grid drawn as a background heat map. A click anywhere on the plane
    is reported by ``ui.live_chart``, so the figure needs no click targets. ``equilibria``
    (``dynamics.equilibria.Equilibrium``) are drawn with their type; without them only
    (0, 0) is marked.

    The replay is Plotly's own (``n_frames`` frames, Play/Pause buttons and a slider; what
    a standalone HTML file needs) unless ``browser_replay``: then the figure carries no
    frames, only ``layout.meta["replay"]`` naming the traces that move, and
    ``ui/live_chart.js`` steps through every training step in the browser from the path
    data already sent (its own transport bar). ``side`` puts the data space right of the
    plane instead of below it (a wide projector screen: the plane gets the full height).
    """
    before, after, layout = _explorer_skeleton(lines, view, psi_limit, speed, height)
    if side:
        _data_space_beside(layout)
    data = list(before)
    lines_at = []  # index of each path's line: the browser replay reads its points there
    for i, p in enumerate(paths):
        lines_at.append(len(data))
        data += _path_traces(p, view)
        layout["annotations"] += _diverged_note(p, view) or _leaves_view_note(p, view, i)
    if equilibria is not None:
        after = [tr for tr in after if not str(tr.get("name", "")).startswith("equilibrium (0")]
        after = equilibrium_traces(equilibria) + after
    data += after
    frames: list[dict] = []
    if paths:
        first = len(data)
        data += [tr for p in paths for tr in _animated(p, view)]
        if browser_replay:
            layout["margin"]["b"] = 55  # no Plotly buttons or slider below the data space
            layout["meta"] = {
                "replay": {
                    "view": view,
                    "steps": max(len(p.points) for p in paths) - 1,
                    "paths": [
                        {"line": line, "now": first + 3 * k, "gen": first + 3 * k + 1,
                         "disc": first + 3 * k + 2, **_half_steps(p, view)}
                        for k, (line, p) in enumerate(zip(lines_at, paths, strict=True))
                    ],
                    # see _replay: every static scatter joins each animation step unchanged
                    "static": [i for i, tr in enumerate(data[:first])
                               if tr.get("type") == "scatter"],
                }
            }  # fmt: skip
        else:
            frames, layout["updatemenus"], layout["sliders"] = _replay(
                data, first, paths, view, n_frames
            )
    return SpecFigure({"data": data, "layout": layout}, frames)


def _data_space_beside(layout: dict) -> None:
    """Move the data-space subplot from below the plane to its right (wide screens)."""
    layout["xaxis"]["domain"] = [0.0, 0.74]
    layout["yaxis"]["domain"] = [0.0, 1.0]
    layout["xaxis2"]["domain"] = [0.79, 1.0]
    layout["yaxis2"]["domain"] = [0.06, 0.42]
    layout["yaxis2"]["side"] = "right"  # its title clear of the plane
    # the legend one row above both (its title on the same row): the plane, limited by
    # its width here, keeps nearly the full height (in the narrow column beside it the
    # legend overlapped the plane or pushed the margin)
    layout["legend"].update(y=1.0)
    layout["legend"]["title"].update(text="Vector field v(θ, ψ) and training paths:", side="left")
    layout["margin"].update(t=40, r=80)  # room for the data space's ticks and title
    # in the narrow column the title goes above the panel, the axis keeps a short one
    layout["xaxis2"]["title"]["text"] = "x (data space)"
    layout["annotations"].append(
        dict(text="Data space<br>at this step", xref="x2 domain", yref="y2 domain", x=0.5,
             y=1.04, xanchor="center", yanchor="bottom", showarrow=False,
             font=dict(size=FONT_SIZE, color=NEUTRAL))
    )  # fmt: skip


#: Marker of each equilibrium type: filled = attracting, open = repelling, x = saddle.
EQUILIBRIUM_SYMBOL = {
    "stable spiral": "circle",
    "stable node": "circle",
    "unstable spiral": "circle-open",
    "unstable node": "circle-open",
    "saddle": "x-thin",
    "centre": "circle-open-dot",
    "degenerate": "diamond-open",
}


def equilibrium_traces(equilibria: Sequence[Equilibrium]) -> list[dict]:
    """Every equilibrium as a marker named by its type (legend and hover), a segment as a line."""
    out: list[dict] = []
    by_kind: dict[str, list[Equilibrium]] = {}
    for e in equilibria:
        seg = e.segment
        if seg is not None:
            (a, ya), (b, yb) = seg
            out.append(
                scatter_trace(
                    x=[a, b], y=[ya, yb], mode="lines+markers",
                    line=dict(color=NEUTRAL, width=6),
                    marker=dict(size=9, color=NEUTRAL),
                    name=f"equilibria: segment ψ = 0, |θ| ≤ {b:.3g}",
                    hovertemplate=(
                        f"every point of this segment is stationary (θ from {a:.3g} to "
                        f"{b:.3g}); the field pushes away from it on both sides<extra></extra>"
                    ),
                    xaxis="x", yaxis="y",
                )
            )  # fmt: skip
            continue
        by_kind.setdefault(str(e.kind), []).append(e)
    for kind, group in by_kind.items():
        pts = [e.point for e in group]
        texts = []
        for e in group:
            lam = e.eigenvalues
            eig = ", ".join(_fmt_c(z) for z in lam) if lam is not None else "—"
            texts.append(f"{kind} at ({e.point[0]:.4f}, {e.point[1]:.4f})<br>λ = {eig}")
        out.append(
            scatter_trace(
                x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers",
                marker=dict(
                    symbol=EQUILIBRIUM_SYMBOL.get(kind, "x-thin"), size=15,
                    color=NEUTRAL, line=dict(width=3, color=NEUTRAL),
                ),
                name=f"equilibrium: {kind}" + (f" ({len(pts)})" if len(pts) > 1 else ""),
                text=texts, hovertemplate="%{text}<extra></extra>",
                xaxis="x", yaxis="y",
            )
        )  # fmt: skip
    return out


def _fmt_c(z: complex) -> str:
    re, im = float(np.real(z)), float(np.imag(z))
    if abs(im) < 5e-5:
        return f"{re:.4f}"
    return f"{re:.4f} {'+' if im > 0 else '−'} {abs(im):.4f}i"


def _fingerprint(*arrays: object) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        if a is None:
            h.update(b"-")
            continue
        arr = np.ascontiguousarray(a, dtype=np.float64)
        h.update(repr(arr.shape).encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _explorer_skeleton(
    lines: Streamlines | None,
    view: float,
    psi_limit: float | None,
    speed: tuple[FloatArray, FloatArray, FloatArray] | None,
    height: int,
) -> tuple[list[dict], list[dict], dict]:
    """Static traces before and after the paths, and a fresh copy of the layout."""
    drawn = lines is not None and getattr(lines, "n_lines", 0) > 0
    arrays = (
        (lines.x, lines.y, lines.arrow_x, lines.arrow_y, lines.arrow_angle)
        if drawn and lines is not None
        else (None,)
    )
    before, after, layout = _SKELETONS(
        _fingerprint(*arrays, *(speed or (None,))), view, psi_limit, height,
        _lines=lines if drawn else None, _speed=speed,
    )  # fmt: skip
    # Trace dicts are never modified after this (building a figure copies them); the layout is.
    return before, after, copy.deepcopy(layout)


def _build_skeleton(
    fingerprint: str,
    view: float,
    psi_limit: float | None,
    height: int,
    _lines: Streamlines | None = None,
    _speed: tuple[FloatArray, FloatArray, FloatArray] | None = None,
) -> tuple[list[dict], list[dict], dict]:
    lines, speed = _lines, _speed
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.8, 0.2],
        vertical_spacing=0.16,  # the plane's θ title clear of the data space on a phone
    )
    # The plane's title heads its legend and the data space's is its x-axis title: as
    # subplot titles they collided with the legend and the θ axis title on small screens.
    if speed is not None:
        xs, ys, s = speed
        fig.add_trace(
            go.Heatmap(
                x=f32(xs),
                y=f32(ys),
                z=f32(np.log10(np.maximum(s, 1e-6))),
                colorscale="Blues",
                showscale=False,  # explained in the caption; a colour bar would shrink the plot
                opacity=0.5,
                hoverinfo="skip",
                name="speed ‖v‖",
            ),
            row=1,
            col=1,
        )
    if lines is not None:
        fig.add_trace(
            go.Scatter(
                x=f32(lines.x),
                y=f32(lines.y),
                mode="lines",
                line=dict(color=STREAMLINE_COLOR, width=1.1),
                hoverinfo="skip",
                name="streamlines",
                showlegend=False,
                connectgaps=False,
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=f32(lines.arrow_x),
                y=f32(lines.arrow_y),
                mode="markers",
                marker=dict(
                    symbol="arrow",
                    size=9,
                    angle=f32(lines.arrow_angle),
                    color=STREAMLINE_COLOR,
                ),
                hoverinfo="skip",
                showlegend=False,
                name="direction",
            ),
            row=1,
            col=1,
        )
    if psi_limit is not None and psi_limit < view:
        for y0, y1 in ((psi_limit, view), (-view, -psi_limit)):
            fig.add_shape(
                type="rect",
                x0=-view,
                x1=view,
                y0=y0,
                y1=y1,
                fillcolor="rgba(213, 94, 0, 0.13)",
                line=dict(width=0),
                layer="above",
                row=1,
                col=1,
            )
        fig.add_annotation(
            x=0,
            y=(psi_limit + view) / 2,
            text=f"|ψ| > c = {psi_limit:g}: clipped",
            showarrow=False,
            font=dict(size=FONT_SIZE - 2, color="#A04000"),
            row=1,
            col=1,
        )
    n_before = len(fig.data)
    fig.add_trace(
        go.Scatter(
            x=[0.0],
            y=[0.0],
            mode="markers",
            marker=dict(symbol="x-thin", size=16, line=dict(width=3, color=NEUTRAL)),
            name="equilibrium (0, 0)",
            hovertemplate="equilibrium (0, 0)<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[0.0, 0.0],
            y=[0.0, 1.0],
            mode="lines+markers",
            marker=dict(symbol="triangle-up", size=[0, 14], color=NEUTRAL),
            line=dict(color=NEUTRAL, width=4),
            name="data δ₀",
            showlegend=False,
            hovertemplate="data: a point mass at 0<extra></extra>",
        ),
        row=2,
        col=1,
    )
    # constrain="domain": keep the square by shrinking the plot area, not by widening the range.
    fig.update_xaxes(_axis("θ (generator)", view, constrain="domain"), row=1, col=1)
    fig.update_yaxes(
        _axis("ψ (discriminator)", view, scaleanchor="x", scaleratio=1, constrain="domain"),
        row=1,
        col=1,
    )
    fig.update_xaxes(_axis("x (data space at this step)", view), row=2, col=1)
    fig.update_yaxes(
        title=dict(text="D(x)", font=dict(size=FONT_SIZE)),
        range=[-1.3, 1.3],
        gridcolor="rgba(128,128,128,0.18)",
        tickfont=dict(size=FONT_SIZE - 2),
        row=2,
        col=1,
    )
    fig.update_annotations(font_size=FONT_SIZE)
    fig.update_layout(
        height=height,
        margin=dict(l=60, r=20, t=40, b=110),
        font=dict(size=FONT_SIZE),
        legend=dict(
            orientation="h",
            yanchor="bottom",
            y=1.02,
            xanchor="left",
            x=0,
            font=dict(size=FONT_SIZE - 1),
            title=dict(
                text="Vector field v(θ, ψ) and training paths",
                side="top",
                font=dict(size=FONT_SIZE - 1),
            ),
        ),
        hovermode="closest",
        dragmode="pan",
        uirevision="explorer",
        modebar=MODEBAR,
    )
    spec = fig.to_dict()
    spec["layout"].pop("template", None)  # see layout_without_template
    spec["layout"].setdefault("annotations", [])
    return spec["data"][:n_before], spec["data"][n_before:], spec["layout"]


# The part of the explorer figure that a slider move rarely changes (field, axes,
# layout) is built once per distinct input: Plotly's graph objects made it ~75 % of the
# figure's build time. Keyed on a fingerprint of the arrays' bytes (``_lines`` and ``_speed``
# are not part of the key), so the function stays pure.
_SKELETONS = bounded_cache(max_entries=32)(_build_skeleton)


def _kept(p: PathView, view: float) -> tuple[FloatArray, NDArray[np.int64]]:
    """The points of a path that are drawn (a diverged one up to where it leaves the view)
    and the steps of those its line keeps (``decimate``)."""
    pts = p.points
    if p.status == "diverged":
        pts = pts[: visible_prefix(pts, view)]
    return pts, decimate(pts)[1]


def _half_steps(p: PathView, view: float) -> dict:
    """The replay's half-steps of a path (``PathView.half``) at the steps its line keeps:
    row j is the state between the players' turns of the step of the line's point j."""
    if p.half is None:
        return {}
    pts, idx = _kept(p, view)
    idx = idx[idx < min(len(pts) - 1, len(p.half))]
    return {"half": f32(p.half[idx]), "phases": list(p.phases)}


def _path_traces(p: PathView, view: float) -> list[dict]:
    """A path in the (θ, ψ) plane: its line, its start and (when in view) its end."""
    st_ = style_of(p.method)
    pts, idx = _kept(p, view)
    shown = pts[idx]
    out = [
        scatter_trace(
            x=f32(shown[:, 0]),
            y=f32(shown[:, 1]),
            customdata=idx,
            mode="lines",
            line=dict(color=st_.color, dash=st_.dash, width=2.6),
            name=p.label,
            legendgroup=p.method,
            hovertemplate=f"{p.label}<br>step %{{customdata}}<br>θ = %{{x:.3f}}, ψ = %{{y:.3f}}<extra></extra>",
        ),
        scatter_trace(
            x=f32(pts[:1, 0]),
            y=f32(pts[:1, 1]),
            mode="markers",
            marker=dict(
                symbol=st_.symbol + "-open", size=13, color=st_.color, line=dict(width=2.5)
            ),
            name=f"{p.label} start",
            legendgroup=p.method,
            showlegend=False,
            hovertemplate=f"{p.label} start<br>θ = %{{x:.3f}}, ψ = %{{y:.3f}}<extra></extra>",
        ),
    ]
    last = pts[-1]
    if np.abs(last).max() <= view:
        out.append(
            scatter_trace(
                x=f32(last[:1]),
                y=f32(last[1:]),
                mode="markers",
                marker=dict(
                    symbol=st_.symbol, size=12, color=st_.color, line=dict(width=1, color="white")
                ),
                name=f"{p.label} end",
                legendgroup=p.method,
                showlegend=False,
                hovertemplate=f"{p.label} end ({p.status})<br>θ = %{{x:.3f}}, ψ = %{{y:.3f}}<extra></extra>",
            )
        )
    return [{**tr, "xaxis": "x", "yaxis": "y"} for tr in out]


def _path_note(p: PathView, at: FloatArray, text: str, **style: object) -> list[dict]:
    """One arrow to ``at`` (a point of the plane) in ``p``'s colour, saying ``text``."""
    color = style_of(p.method).color
    font: dict[str, object] = {"color": color, "size": FONT_SIZE}
    extra = style.pop("font", None)
    if isinstance(extra, dict):
        font.update(extra)
    return [
        dict(x=float(at[0]), y=float(at[1]), xref="x", yref="y", text=text,
             showarrow=True, arrowcolor=color, font=font, **style)
    ]  # fmt: skip


def _diverged_note(p: PathView, view: float) -> list[dict]:
    """An arrow to where a diverged path leaves the view, saying at which step it diverged."""
    if p.status != "diverged" or p.diverged_at is None:
        return []
    pts = p.points[: visible_prefix(p.points, view)]
    inside = pts[np.abs(pts).max(axis=1) <= view]
    anchor = inside[-1] if len(inside) else np.clip(pts[0], -view, view)
    text = f"{p.label} diverged at step {p.diverged_at}"
    return _path_note(p, anchor, text, bgcolor="rgba(255,255,255,0.8)")


def _leaves_view_note(p: PathView, view: float, index: int = 0) -> list[dict]:
    """An arrow where a path that did not diverge first leaves the view: "zoom out"."""
    k = visible_prefix(p.points, view) - 1
    if k >= len(p.points) - 1 and np.abs(p.points[-1]).max() <= view:
        return []
    exit_ = np.clip(p.points[k], -view, view)
    spread = 1.0 + 0.7 * index  # two paths leaving at the same edge: notes one above another
    return _path_note(
        p, exit_, f"{p.label} leaves the view<br>at step {k} — zoom out",
        # the text on the inner side of the exit point, never beyond the plot's edge
        ax=-float(np.sign(exit_[0]) or 1.0) * 40,
        ay=float(np.sign(exit_[1]) or 1.0) * 30 * spread,
        xanchor="left" if exit_[0] < 0 else "right",
        font=dict(size=FONT_SIZE - 1),
        bgcolor="rgba(128,128,128,0.22)",  # light and dark theme alike
    )  # fmt: skip


def _frame_steps(paths: Sequence[PathView], n_frames: int) -> NDArray[np.int64]:
    longest = max((len(p.points) for p in paths), default=1)
    n = max(1, min(n_frames, longest))
    return np.unique(np.linspace(0, longest - 1, n).round().astype(np.int64))


def _animated(p: PathView, view: float) -> list[dict]:
    """The three traces that move during the replay, drawn at step 0."""
    st_ = style_of(p.method)
    theta, psi = (float(v) for v in p.points[0])
    return [
        scatter_trace(
            # empty at step 0: the open start marker stays visible under it
            x=[],
            y=[],
            mode="markers",
            marker=dict(
                symbol=st_.symbol, size=16, color=st_.color, line=dict(width=2, color="white")
            ),
            showlegend=False,
            name=f"{p.label} now",
            hovertemplate=f"{p.label} at the current step<extra></extra>",
            xaxis="x",
            yaxis="y",
        ),
        scatter_trace(
            x=[theta, theta],
            y=[0.0, 1.0],
            mode="lines+markers",
            marker=dict(symbol="triangle-up", size=[0, 14], color=st_.color),
            line=dict(color=st_.color, width=3),
            showlegend=False,
            name=f"{p.label}: generator δ<sub>θ</sub>",
            hovertemplate=f"{p.label}: generator at θ = %{{x:.3f}}<extra></extra>",
            xaxis="x2",
            yaxis="y2",
        ),
        scatter_trace(
            x=[-view, view],
            y=[-view * psi, view * psi],
            mode="lines",
            line=dict(color=st_.color, width=2, dash=st_.dash),
            showlegend=False,
            name=f"{p.label}: discriminator D(x) = ψx",
            hovertemplate=f"{p.label}: discriminator D(x) = ψx<extra></extra>",
            xaxis="x2",
            yaxis="y2",
        ),
    ]


def _frame_data(p: PathView, steps: NDArray[np.int64], view: float) -> list[list[dict]]:
    """Per frame, the three moving traces of one path at those steps (a path that ended
    early stays at its last point)."""
    # Plain dicts with only what moves: frames skip Plotly's validation (80 frames of
    # validated traces took ~250 ms per rerun) and keep the payload small. Rounded in one
    # numpy pass: one Python round() per number was most of the figure's build time.
    at = np.round(p.points[np.minimum(steps, len(p.points) - 1)], 5)
    line = np.round(view * at[:, 1], 5)
    return [
        [
            {"type": "scatter", "x": [theta] if k else [], "y": [psi] if k else []},
            {"type": "scatter", "x": [theta, theta], "y": [0.0, 1.0]},
            {"type": "scatter", "x": [-view, view], "y": [-d, d]},
        ]
        for (theta, psi), d, k in zip(at.tolist(), line.tolist(), steps.tolist(), strict=True)
    ]


def _replay(
    data: list[dict], first: int, paths: Sequence[PathView], view: float, n_frames: int
) -> tuple[list[dict], list[dict], list[dict]]:
    """Frames, play/pause buttons and step slider for the traces ``data[first:]``."""
    steps = _frame_steps(paths, n_frames)
    animated = list(range(first, len(data)))
    # Every other scatter trace joins each frame unchanged: Plotly.animate recomputes all
    # traces but re-attaches the drawn points of the listed ones only, so the others would
    # lose theirs after a replay (with st.plotly_chart's click selection a later click
    # failed with "reading 'selectAll'").
    static = [i for i, tr in enumerate(data[:first]) if tr.get("type") == "scatter"]
    per_path = [_frame_data(p, steps, view) for p in paths]
    frames = [
        {
            "name": str(k),
            "data": [d for moving in per_path for d in moving[i]]
            + [{"type": "scatter"}] * len(static),
            "traces": animated + static,
        }
        for i, k in enumerate(steps.tolist())
    ]
    play = dict(
        label="▶ Play",
        method="animate",
        args=[
            None,
            dict(
                frame=dict(duration=90, redraw=False), fromcurrent=True, transition=dict(duration=0)
            ),
        ],
    )
    pause = dict(
        label="❚❚ Pause",
        method="animate",
        args=[
            [None],
            dict(
                frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0)
            ),
        ],
    )
    updatemenus = [
        dict(
            type="buttons",
            direction="left",
            buttons=[play, pause],
            x=0.0,
            y=-0.1,
            xanchor="left",
            yanchor="top",
            pad=dict(t=0, r=10),
            font=dict(size=FONT_SIZE - 1),
            showactive=False,
        )
    ]
    step_args = dict(
        mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0)
    )
    sliders = [
        dict(
            active=0,
            x=0.2,
            y=-0.08,
            len=0.8,
            xanchor="left",
            yanchor="top",
            pad=dict(t=0, b=0),
            currentvalue=dict(prefix="step ", font=dict(size=FONT_SIZE - 1)),
            steps=[
                dict(label=str(int(k)), method="animate", args=[[str(int(k))], step_args])
                for k in steps
            ],
        )
    ]
    return frames, updatemenus, sliders


def distance_figure(
    series: Sequence[tuple[str, str, FloatArray, float | None]],
    *,
    height: int = 340,
) -> go.Figure:
    """Distance to the equilibrium against step, log scale, with the predicted ρᵏ lines.

    ``series``: (method, label, distances over the kept steps, spectral radius or None).
    """
    floor = 1e-300  # log axis: an exact 0 is drawn at the floor, never as NaN
    data: list[dict] = []
    for method, label, d, rho in series:
        st_ = style_of(method)
        d = np.maximum(np.asarray(d, dtype=float), floor)
        shown, idx = decimate(d[:, None], 2000)
        data.append(
            scatter_trace(
                x=idx,
                y=shown[:, 0],
                mode="lines",
                line=dict(color=st_.color, dash=st_.dash, width=2.4),
                name=f"{label}: simulated",
                legendgroup=method,
                hovertemplate=f"{label}<br>step %{{x}}<br>distance %{{y:.3e}}<extra></extra>",
            )
        )
        if rho is not None and rho > 0:
            k = np.linspace(0, len(d) - 1, 200)
            with np.errstate(over="ignore", under="ignore"):
                pred = d[0] * np.exp(k * np.log(rho))
            ok = np.isfinite(pred) & (pred > floor)
            data.append(
                scatter_trace(
                    x=k[ok],
                    y=pred[ok],
                    mode="lines",
                    line=dict(color=st_.color, dash="dot", width=1.6),
                    opacity=0.8,
                    name=f"{label}: predicted ρᵏ (ρ = {rho:.4f})",
                    legendgroup=method,
                    hovertemplate=f"{label} prediction<br>step %{{x:.0f}}<br>%{{y:.3e}}<extra></extra>",
                )
            )
    yaxis: dict = dict(type="log", title=dict(text="distance to (0, 0)"), exponentformat="power")
    ds = np.concatenate([np.asarray(d, dtype=float) for _, _, d, _ in series]) if series else None
    if ds is not None and ds.size and ds.min() > 0 and ds.max() / ds.min() < 1.01:
        # a conserved distance (the flow): auto-scaling would magnify solver round-off
        yaxis["range"] = [float(np.log10(ds.min() / 1.5)), float(np.log10(ds.max() * 1.5))]
    layout = dict(
        xaxis=dict(title=dict(text="step")),
        yaxis=yaxis,
        height=height,
        margin=dict(l=60, r=20, t=30, b=50),
        font=dict(size=FONT_SIZE - 1),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        modebar=MODEBAR,
    )
    return figure_from_spec({"data": data, "layout": layout})


def eigen_figure(
    groups: Sequence[tuple[str, str, NDArray[np.complex128]]],
    *,
    unit_circle: bool = True,
    height: int = 320,
    title: str = "",
    zoom: bool = True,
) -> go.Figure:
    """Eigenvalues in the complex plane, with the unit circle (the stability boundary of a
    one-step map). ``groups``: (method, label, eigenvalues).

    With ``zoom``, a second panel plots |μ| − 1 against the angle arg μ on axes fitted to
    the data: at h = 0.2 SimGD's |μ| = 1.005 and AltGD's |μ| = 1 sit on top of each other in
    the plane, and 0.005 outside the circle cannot be told from on it. Markers shrink from
    the first method to the last and are labelled, so coinciding eigenvalues stay visible.
    """
    data: list[dict] = []
    extent = 1.25
    two = zoom and bool(groups)
    if unit_circle:
        t = np.linspace(0, 2 * np.pi, 181)
        data.append(
            scatter_trace(
                x=np.cos(t),
                y=np.sin(t),
                mode="lines",
                line=dict(color="rgba(128,128,128,0.8)", width=1.5),
                name="unit circle |μ| = 1",
                hoverinfo="skip",
                showlegend=not two,
            )
        )
    gap = 0.0
    angles = []
    for _, _, eig in groups:
        eig = np.asarray(eig)
        extent = max(extent, float(np.abs(eig).max(initial=0.0)) * 1.15)
        gap = max(gap, float(np.abs(np.abs(eig) - 1.0).max(initial=0.0)))
        angles.append(np.degrees(np.angle(eig)))
    n = len(groups)
    for i, (method, label, eig) in enumerate(groups):
        st_ = style_of(method)
        eig = np.asarray(eig)
        size = 15 - 6 * i / max(1, n - 1) if n > 1 else 12  # later methods smaller, on top
        marker = dict(
            symbol=st_.symbol, size=size, color=st_.color, line=dict(width=1, color="white")
        )
        hover = f"{label}<br>%{{x:.4f}} %{{y:+.4f}}i<br>|μ| = %{{customdata:.6f}}<extra></extra>"
        data.append(
            scatter_trace(
                x=eig.real, y=eig.imag, mode="markers", marker=marker, name=label,
                legendgroup=method, hovertemplate=hover, customdata=np.abs(eig),
            )
        )  # fmt: skip
        if two:
            upper = eig.imag >= -1e-12  # label one of a conjugate pair
            data.append(
                scatter_trace(
                    x=np.degrees(np.angle(eig)), y=np.abs(eig) - 1.0,
                    mode="markers+text", marker=marker, name=label, legendgroup=method,
                    showlegend=False,
                    text=[label if u else "" for u in upper],
                    textposition="top center" if i % 2 == 0 else "bottom center",
                    textfont=dict(color=st_.color, size=FONT_SIZE - 3),
                    customdata=np.abs(eig),
                    hovertemplate=f"{label}<br>arg μ = %{{x:.2f}}°<br>|μ| − 1 = %{{y:+.6f}}"
                    "<extra></extra>",
                    xaxis="x2", yaxis="y2",
                )
            )  # fmt: skip
    layout: dict = dict(
        xaxis=dict(title=dict(text="Re μ"), range=[-extent, extent], zeroline=True),
        yaxis=dict(
            title=dict(text="Im μ"),
            range=[-extent, extent],
            scaleanchor="x",
            scaleratio=1,
            zeroline=True,
            constrain="domain",
        ),
        height=height,
        margin=dict(l=50, r=10, t=40 if title else 10, b=40),
        title=dict(text=title) if title else {},
        font=dict(size=FONT_SIZE - 2),
        legend=dict(orientation="h", yanchor="top", y=-0.25, x=0),
        showlegend=True,
    )
    if two:
        # |μ| − 1 from its largest size, at least ±0.01: 0.005 is then a quarter of the axis
        r = max(gap * 1.4, 0.01)
        lo = -min(r, 1.05)
        ang = float(np.abs(np.concatenate(angles)).max(initial=0.0))
        a = min(max(ang * 1.5, 10.0), 190.0)
        layout["xaxis"]["domain"] = [0.0, 0.38]
        layout["xaxis2"] = dict(
            domain=[0.47, 1.0], range=[-a, a], title=dict(text="angle arg μ (°)"), anchor="y2",
            zeroline=False,
        )  # fmt: skip
        layout["yaxis2"] = dict(
            range=[lo, r], anchor="x2", title=dict(text="|μ| − 1"), zeroline=False,
            exponentformat="none", side="right",
        )  # fmt: skip
        layout["shapes"] = [
            dict(type="rect", xref="x2", yref="y2", x0=-a, x1=a, y0=0, y1=r, line=dict(width=0),
                 fillcolor="rgba(213, 94, 0, 0.10)", layer="below"),
            dict(type="rect", xref="x2", yref="y2", x0=-a, x1=a, y0=lo, y1=0, line=dict(width=0),
                 fillcolor="rgba(0, 158, 115, 0.10)", layer="below"),
            dict(type="line", xref="x2", yref="y2", x0=-a, x1=a, y0=0, y1=0,
                 line=dict(color="rgba(128,128,128,0.9)", width=1.5)),
        ]  # fmt: skip
        note = dict(xref="x2 domain", yref="y2 domain", x=0.01, showarrow=False,
                    xanchor="left", font=dict(size=FONT_SIZE - 4, color=NEUTRAL))  # fmt: skip
        layout["annotations"] = [
            {**note, "y": 0.99, "yanchor": "top", "text": "outside the circle: grows"},
            {**note, "y": 0.01, "yanchor": "bottom", "text": "inside: shrinks"},
        ]
        layout["legend"] = dict(orientation="h", yanchor="bottom", y=1.02, x=0)
        layout["modebar"] = MODEBAR
        layout["margin"] = dict(l=45, r=65, t=30, b=45)
    return figure_from_spec({"data": data, "layout": layout})
