"""Figure builders: arrays in, ``plotly.graph_objects.Figure`` out. No Streamlit here.

Every builder is a pure function so tests can call it without a running app. Styles are
colour-blind safe (Okabe–Ito / Tol colours) and never rely on colour alone: each method
also has its own dash pattern and marker symbol.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64, to_typed_array_spec
from numpy.typing import NDArray
from plotly.subplots import make_subplots

from ui.cache import bounded_cache

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Style:
    color: str
    dash: str
    symbol: str


#: One style per training method: colour + dash + marker, so print and colour-blind readers
#: can tell the paths apart.
METHOD_STYLE: dict[str, Style] = {
    "simgd": Style("#D55E00", "solid", "circle"),
    "altgd": Style("#0072B2", "dash", "square"),
    "flow": Style("#009E73", "dot", "diamond"),
    "extragradient": Style("#CC79A7", "dashdot", "triangle-up"),
    "optimistic": Style("#E69F00", "longdash", "triangle-down"),
    "momentum": Style("#56B4E9", "longdashdot", "star"),
    "momentum-alt": Style("#882255", "dash", "pentagon"),
    "adam": Style("#44AA99", "dot", "hexagon"),
}
_FALLBACK = Style("#777777", "solid", "circle")

STREAMLINE_COLOR = "rgba(120, 130, 140, 0.75)"
#: Grey for marks that must show on both chart themes (≥ 3:1 contrast on white and on the
#: dark theme's background, WCAG's bar for graphics); #444 all but vanished on dark.
NEUTRAL = "#888888"
VERDICT_COLOR = {
    "converges": "#009E73",
    "neutral": "#E69F00",
    "grows linearly": "#CC79A7",
    "diverges": "#D55E00",
}
FONT_SIZE = 15  # readable on a projector
#: Plotly.py's Viridis stops (the browser's built-in "Viridis" differs slightly).
VIRIDIS = [list(stop) for stop in go.scatter.Marker(colorscale="Viridis").colorscale]
MAX_PATH_POINTS = 1500  # decimate longer paths for the browser (the download keeps all)


class SpecFigure(go.Figure):
    """A ``go.Figure`` that is built from its plain spec only when something needs it built.

    Plotly's constructor turns every trace and the layout into graph objects and copies
    every array, ~10 % of the server's CPU per explorer rerun under load, yet a page only
    sends the figure's JSON, which ``figure_json`` writes straight from the spec. Anything
    else (``fig.data``, ``to_dict``, ``to_html``, an update) builds the figure first, so it
    behaves exactly like ``go.Figure(spec, _validate=False)``.

    Animation frames stay the plain dicts they were built as: Plotly would turn every
    frame's traces into graph objects (40 frames × 17 traces ≈ 700 of them) although they
    carry only coordinates. ``to_dict`` (what ``to_json`` and ``to_html`` go through) adds
    them back.
    """

    def __init__(self, spec: dict, frames: list[dict] | None = None) -> None:
        spec = dict(spec)
        frames = frames if frames is not None else spec.pop("frames", None)
        object.__setattr__(self, "_lab_spec", spec)
        object.__setattr__(self, "_plain_frames", frames or [])

    def __getattr__(self, name: str) -> object:
        # Reached only for attributes the instance does not have, i.e. all of Plotly's state
        # while the figure is unbuilt: build it, then look again.
        spec = self.__dict__.get("_lab_spec")
        if spec is None or name.startswith("__"):
            raise AttributeError(name)
        object.__setattr__(self, "_lab_spec", None)
        go.Figure.__init__(self, spec, _validate=False)
        return getattr(self, name)

    def to_dict(self) -> dict:
        out = super().to_dict()
        if self._plain_frames:
            frames = _copy_tree(self._plain_frames)
            convert_to_base64(frames)  # numpy arrays as compact typed arrays, as Plotly does
            out["frames"] = frames
        return out


def unbuilt_spec(fig: go.Figure) -> dict | None:
    """The plain spec of a ``SpecFigure`` that has not been built yet, else None."""
    return fig.__dict__.get("_lab_spec")


def figure_height(fig: go.Figure) -> int | None:
    """The layout's height, without building an unbuilt ``SpecFigure``."""
    spec = unbuilt_spec(fig)
    height = spec.get("layout", {}).get("height") if spec is not None else fig.layout.height
    return int(height) if height else None


def _copy_tree(node: object) -> object:
    """A copy of the dicts and lists of ``node``, sharing its leaves (numbers, arrays)."""
    if isinstance(node, dict):
        return {k: _copy_tree(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy_tree(v) for v in node]
    return node


#: numpy dtypes plotly.js reads as typed arrays, and their short names (Plotly's table).
_TYPED = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4",
          "uint32": "u4", "float32": "f4", "float64": "f8"}  # fmt: skip


def _typed_array(a: np.ndarray) -> object:
    """A numeric array as the typed-array spec Plotly sends (``to_typed_array_spec``'s
    result, without its dataframe detection, which cost ~3 % of a rerun under load)."""
    if a.size and a.dtype.kind in "iuf":
        if a.dtype == np.int64 or a.dtype == np.uint64:
            for small in (
                (np.int8, np.int16, np.int32)
                if a.dtype == np.int64
                else (np.uint8, np.uint16, np.uint32)
            ):
                info = np.iinfo(small)
                if a.min() >= info.min and a.max() <= info.max:
                    a = a.astype(small)
                    break
        name = _TYPED.get(str(a.dtype))
        if name is not None:
            spec = {"dtype": name, "bdata": base64.b64encode(np.ascontiguousarray(a)).decode()}
            if a.ndim > 1:
                spec["shape"] = str(a.shape)[1:-1]
            return spec
    spec = to_typed_array_spec(a)  # anything else exactly as Plotly does it
    return spec.tolist() if isinstance(spec, np.ndarray) else spec


def _json_default(obj: object) -> object:
    if isinstance(obj, np.ndarray):
        return _typed_array(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def figure_json(fig: go.Figure) -> str:
    """``fig`` as the browser gets it: ``pio.to_json(fig)`` less the layout's template.

    ``to_json`` deep-copies the whole figure twice and visits every leaf in Python, which
    was half of an explorer rerun; this encodes the figure's spec (or, once built, its own
    dicts) in one pass of the C encoder (tests/test_figures.py checks it gives the same
    JSON on every builder). The template is left out because ``ui.live_chart`` draws with
    Streamlit's theme.
    """
    unbuilt = unbuilt_spec(fig)
    if unbuilt is not None:
        data, layout = unbuilt.get("data", []), unbuilt.get("layout", {})
    else:
        data, layout = fig._data, fig._layout
    spec: dict[str, object] = {
        "data": data,
        "layout": {k: v for k, v in layout.items() if k != "template"},
    }
    frames = fig.__dict__.get("_plain_frames") or (
        [f._props for f in fig._frame_objs] if unbuilt is None else []
    )
    if frames:
        spec["frames"] = frames
    try:
        return json.dumps(spec, default=_json_default, separators=(",", ":"), allow_nan=False)
    except ValueError:  # NaN or ±inf in a list: Plotly's encoder writes null for them
        out = json.loads(pio.to_json(fig, validate=False))
        out["layout"].pop("template", None)
        return json.dumps(out, separators=(",", ":"))


def layout_without_template(fig: go.Figure) -> dict:
    """``fig``'s layout as a dict, less the template: the figure constructor adds the default
    one back (Streamlit's theme, which its frontend styles charts through), so cached layouts
    stay small."""
    layout = fig.to_dict()["layout"]
    layout.pop("template", None)
    return layout


def figure_from_spec(spec: dict) -> go.Figure:
    """A figure from a plain ``{"data", "layout", "frames"}`` spec, built when first needed."""
    return SpecFigure(spec)


def scatter_trace(**props: object) -> dict:
    """A scatter trace as a plain dict.

    Plotly's validating graph objects cost ~0.3 ms per trace, about a quarter of every
    explorer rerun; tests/test_figures.py validates every builder's output instead.
    """
    return {"type": "scatter", **props}


#: Parents whose ``size`` grows in presenter mode (text, tick labels, point labels, markers).
_SCALED_SIZES = ("font", "tickfont", "textfont", "marker", "currentvalue")


def for_projector(fig: go.Figure, scale: float) -> go.Figure:
    """The same figure with fonts, lines, markers and height scaled (presenter mode)."""
    if scale == 1.0:
        return fig
    spec = fig.to_dict()
    seen: set[int] = set()  # a dict shared by several traces or axes is scaled once

    def walk(node: object, parent: str = "") -> None:
        if isinstance(node, dict):
            if id(node) in seen:
                return
            seen.add(id(node))
            for key, value in node.items():
                if key == "size" and parent in _SCALED_SIZES:
                    if isinstance(value, int | float):
                        node[key] = value * scale
                    elif isinstance(value, list):
                        node[key] = [v * scale for v in value]
                elif key == "width" and parent == "line" and isinstance(value, int | float):
                    node[key] = value * scale
                else:
                    walk(value, key)
        elif isinstance(node, list):
            for item in node:
                walk(item, parent)

    walk(spec)
    layout = spec.setdefault("layout", {})
    layout.setdefault("font", {}).setdefault("size", FONT_SIZE * scale)
    if "height" in layout:
        layout["height"] = int(layout["height"] * 1.15)
    return figure_from_spec(spec)


def style_of(method: str) -> Style:
    return METHOD_STYLE.get(method, _FALLBACK)


@dataclass(frozen=True)
class PathView:
    """One trajectory as the figure needs it."""

    method: str
    label: str
    points: FloatArray  # (n_valid, 2): the kept points, start first
    status: str
    diverged_at: int | None


def _f32(a: ArrayLikeF) -> NDArray[np.float32]:
    # float32 halves the payload (Plotly sends numpy arrays as base64 typed arrays) and its
    # 7 significant digits are far below a pixel.
    return np.asarray(a, dtype=np.float32)


ArrayLikeF = FloatArray | Sequence[float]


def decimate(
    points: FloatArray, limit: int = MAX_PATH_POINTS
) -> tuple[FloatArray, NDArray[np.int64]]:
    """At most ``limit`` points, evenly spread over the steps, first and last kept."""
    n = len(points)
    if n <= limit:
        idx = np.arange(n)
    else:
        idx = np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))
    return points[idx], idx


def visible_prefix(points: FloatArray, view: float) -> int:
    """Number of points up to and including the first one outside the view box."""
    outside = np.abs(points).max(axis=1) > view
    if not outside.any():
        return len(points)
    return int(np.argmax(outside)) + 1


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
    lines: object | None,
    paths: Sequence[PathView],
    *,
    view: float,
    psi_limit: float | None = None,
    speed: tuple[FloatArray, FloatArray, FloatArray] | None = None,
    n_frames: int = 40,
    height: int = 900,
    equilibria: Sequence[Any] | None = None,
) -> go.Figure:
    """The (θ, ψ) plane above, the data space below, animated over the training steps.

    ``lines`` is a ``dynamics.streamlines.Streamlines`` (or None); ``speed`` an optional
    ``(xs, ys, |v|)`` grid drawn as a background heat map. A click anywhere on the plane
    is reported by ``ui.live_chart``, so the figure needs no click targets. ``equilibria``
    (``dynamics.equilibria.Equilibrium``) are drawn with their type; without them only
    (0, 0) is marked.
    """
    before, after, layout = _explorer_skeleton(lines, view, psi_limit, speed, height)
    data = list(before)
    for p in paths:
        data += _path_traces(p, view)
        layout["annotations"] += _diverged_note(p, view)
    if equilibria is not None:
        after = [tr for tr in after if not str(tr.get("name", "")).startswith("equilibrium (0")]
        after = equilibrium_traces(equilibria) + after
    data += after
    frames: list[dict] = []
    if paths:
        first = len(data)
        data += [tr for p in paths for tr in _animated(p, view)]
        frames, layout["updatemenus"], layout["sliders"] = _replay(
            data, first, paths, view, n_frames
        )
    return SpecFigure({"data": data, "layout": layout}, frames)


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


def equilibrium_traces(equilibria: Sequence[Any]) -> list[dict]:
    """Every equilibrium as a marker named by its type (legend and hover), a segment as a line."""
    out: list[dict] = []
    by_kind: dict[str, list[object]] = {}
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
    lines: object | None,
    view: float,
    psi_limit: float | None,
    speed: tuple[FloatArray, FloatArray, FloatArray] | None,
    height: int,
) -> tuple[list[dict], list[dict], dict]:
    """Static traces before and after the paths, and a fresh copy of the layout."""
    drawn = lines is not None and getattr(lines, "n_lines", 0) > 0
    arrays = (
        (lines.x, lines.y, lines.arrow_x, lines.arrow_y, lines.arrow_angle) if drawn else (None,)
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
    _lines: object | None = None,
    _speed: tuple[FloatArray, FloatArray, FloatArray] | None = None,
) -> tuple[list[dict], list[dict], dict]:
    lines, speed = _lines, _speed
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.78, 0.22],
        vertical_spacing=0.13,
        subplot_titles=(
            "Vector field v(θ, ψ) and training paths",
            # Plotly's <sub> tag: "δ_θ" showed its underscore (Plotly text is not TeX)
            "Data space at the current step: data δ₀ (grey), generator δ<sub>θ</sub>, "
            "discriminator D(x) = ψx",
        ),
    )
    if speed is not None:
        xs, ys, s = speed
        fig.add_trace(
            go.Heatmap(
                x=_f32(xs),
                y=_f32(ys),
                z=_f32(np.log10(np.maximum(s, 1e-6))),
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
                x=_f32(lines.x),
                y=_f32(lines.y),
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
                x=_f32(lines.arrow_x),
                y=_f32(lines.arrow_y),
                mode="markers",
                marker=dict(
                    symbol="arrow",
                    size=9,
                    angle=_f32(lines.arrow_angle),
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
    fig.update_xaxes(_axis("x (data space)", view), row=2, col=1)
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
            y=1.04,
            xanchor="left",
            x=0,
            font=dict(size=FONT_SIZE - 1),
        ),
        hovermode="closest",
        dragmode="pan",
        uirevision="explorer",
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


def _path_traces(p: PathView, view: float) -> list[dict]:
    """A path in the (θ, ψ) plane: its line, its start and (when in view) its end."""
    st_ = style_of(p.method)
    pts = p.points
    if p.status == "diverged":
        pts = pts[: visible_prefix(pts, view)]
    shown, idx = decimate(pts)
    out = [
        scatter_trace(
            x=_f32(shown[:, 0]),
            y=_f32(shown[:, 1]),
            customdata=idx,
            mode="lines",
            line=dict(color=st_.color, dash=st_.dash, width=2.6),
            name=p.label,
            legendgroup=p.method,
            hovertemplate=f"{p.label}<br>step %{{customdata}}<br>θ = %{{x:.3f}}, ψ = %{{y:.3f}}<extra></extra>",
        ),
        scatter_trace(
            x=_f32(pts[:1, 0]),
            y=_f32(pts[:1, 1]),
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
                x=_f32(last[:1]),
                y=_f32(last[1:]),
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


def _diverged_note(p: PathView, view: float) -> list[dict]:
    """An arrow to where a diverged path leaves the view, saying at which step it diverged."""
    if p.status != "diverged" or p.diverged_at is None:
        return []
    pts = p.points[: visible_prefix(p.points, view)]
    inside = pts[np.abs(pts).max(axis=1) <= view]
    anchor = inside[-1] if len(inside) else np.clip(pts[0], -view, view)
    st_ = style_of(p.method)
    return [
        dict(
            x=float(anchor[0]),
            y=float(anchor[1]),
            xref="x",
            yref="y",
            text=f"{p.label} diverged at step {p.diverged_at}",
            showarrow=True,
            arrowcolor=st_.color,
            font=dict(color=st_.color, size=FONT_SIZE),
            bgcolor="rgba(255,255,255,0.8)",
        )
    ]


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
            x=[theta],
            y=[psi],
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
            {"type": "scatter", "x": [theta], "y": [psi]},
            {"type": "scatter", "x": [theta, theta], "y": [0.0, 1.0]},
            {"type": "scatter", "x": [-view, view], "y": [-d, d]},
        ]
        for (theta, psi), d in zip(at.tolist(), line.tolist(), strict=True)
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
    )
    return figure_from_spec({"data": data, "layout": layout})


def eigen_figure(
    groups: Sequence[tuple[str, str, NDArray[np.complex128]]],
    *,
    unit_circle: bool = True,
    height: int = 320,
    title: str = "",
) -> go.Figure:
    """Eigenvalues in the complex plane, with the unit circle (the stability boundary of a
    one-step map). ``groups``: (method, label, eigenvalues)."""
    data: list[dict] = []
    extent = 1.25
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
            )
        )
    for method, label, eig in groups:
        st_ = style_of(method)
        eig = np.asarray(eig)
        extent = max(extent, float(np.abs(eig).max(initial=0.0)) * 1.15)
        data.append(
            scatter_trace(
                x=eig.real,
                y=eig.imag,
                mode="markers",
                marker=dict(
                    symbol=st_.symbol, size=12, color=st_.color, line=dict(width=1, color="white")
                ),
                name=label,
                hovertemplate=f"{label}<br>%{{x:.4f}} %{{y:+.4f}}i<br>|μ| = %{{customdata:.4f}}<extra></extra>",
                customdata=np.abs(eig),
            )
        )
    layout = dict(
        xaxis=dict(title=dict(text="Re"), range=[-extent, extent], zeroline=True),
        yaxis=dict(
            title=dict(text="Im"),
            range=[-extent, extent],
            scaleanchor="x",
            scaleratio=1,
            zeroline=True,
        ),
        height=height,
        margin=dict(l=50, r=10, t=40 if title else 10, b=40),
        title=dict(text=title) if title else {},
        font=dict(size=FONT_SIZE - 2),
        legend=dict(orientation="h", yanchor="top", y=-0.25, x=0),
        showlegend=True,
    )
    return figure_from_spec({"data": data, "layout": layout})


# ------------------------------------------------------------------------ compare page


@dataclass(frozen=True)
class Panel:
    """One small multiple: a (variant, scheme) pair."""

    title: str  # e.g. "Standard GAN · SimGD"
    method: str
    points: FloatArray  # kept trajectory points
    status: str
    diverged_at: int | None
    rho: float | None
    verdict: str | None  # converges / neutral / diverges / None (no linearisation)
    link: str  # relative URL of the explorer with the same settings


def _verdict_line(p: Panel) -> str:
    if p.verdict is None or p.rho is None:
        return "no linearisation at (0, 0)"
    return f"near (0, 0): {p.verdict} (ρ = {p.rho:.4f})"


@functools.lru_cache(maxsize=16)
def _subplot_grid(rows: int, cols: int, titled: bool) -> str:
    """The axes and title positions ``make_subplots`` gives a rows × cols grid, as JSON.

    Built once per grid shape: ``make_subplots`` and per-panel graph-object updates took
    ~220 ms of every compare-page rerun. Returned as a string so the cached value cannot be
    changed by a caller (each call parses a fresh copy).
    """
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"{i}" for i in range(rows * cols)] if titled else None,
        horizontal_spacing=0.06,
        vertical_spacing=0.3 / rows,
    )
    return json.dumps(layout_without_template(fig))


def compare_figure(
    panels: Sequence[Sequence[Panel]],
    lines: Sequence[object | None],
    *,
    view: float,
    panel_px: int = 340,
) -> go.Figure:
    """Small multiples: rows = variants (``lines[r]`` their streamlines), columns = schemes.

    Each title names the panel, its spectral radius and verdict (in words and colour) and
    links to the explorer with the same settings.
    """
    rows, cols = len(panels), len(panels[0]) if panels else 0
    titles = []
    for row in panels:
        for p in row:
            color = VERDICT_COLOR.get(p.verdict or "", "#777777")
            titles.append(
                f'<a href="{p.link}" target="_self"><span style="color:{color}">{p.title} ↗</span></a>'
                f'<br><span style="color:{color}">{_verdict_line(p)}</span>'
            )
    layout = json.loads(_subplot_grid(max(rows, 1), max(cols, 1), bool(titles)))
    notes = layout.setdefault("annotations", [])
    for note, text in zip(notes, titles, strict=True):
        note["text"] = text
    shapes = layout.setdefault("shapes", [])
    data: list[dict] = []
    for r, row in enumerate(panels, start=1):
        ln = lines[r - 1]
        for c, p in enumerate(row, start=1):
            i = (r - 1) * cols + c
            xa, ya = ("x", "y") if i == 1 else (f"x{i}", f"y{i}")
            if ln is not None and getattr(ln, "n_lines", 0) > 0:
                data.append(
                    scatter_trace(
                        x=_f32(ln.x),
                        y=_f32(ln.y),
                        mode="lines",
                        line=dict(color=STREAMLINE_COLOR, width=0.8),
                        hoverinfo="skip",
                        showlegend=False,
                        xaxis=xa,
                        yaxis=ya,
                    )
                )
            st_ = style_of(p.method)
            pts = p.points[: visible_prefix(p.points, view)] if p.status == "diverged" else p.points
            shown, idx = decimate(pts, 800)
            data.append(
                scatter_trace(
                    x=_f32(shown[:, 0]),
                    y=_f32(shown[:, 1]),
                    customdata=idx,
                    mode="lines",
                    line=dict(color=st_.color, dash=st_.dash, width=2),
                    showlegend=False,
                    name=p.title,
                    hovertemplate=f"{p.title}<br>step %{{customdata}}<extra></extra>",
                    xaxis=xa,
                    yaxis=ya,
                )
            )
            data.append(
                scatter_trace(
                    x=_f32(pts[:1, 0]),
                    y=_f32(pts[:1, 1]),
                    mode="markers",
                    marker=dict(symbol="circle-open", size=9, color=st_.color, line=dict(width=2)),
                    showlegend=False,
                    hoverinfo="skip",
                    xaxis=xa,
                    yaxis=ya,
                )
            )
            color = VERDICT_COLOR.get(p.verdict or "", "#999999")
            shapes.append(
                dict(
                    type="rect",
                    xref=f"{xa} domain",
                    yref=f"{ya} domain",
                    x0=0,
                    x1=1,
                    y0=0,
                    y1=1,
                    line=dict(color=color, width=2.5),
                    fillcolor=color,
                    opacity=0.07,
                    layer="below",
                )
            )
            if p.status == "diverged" and p.diverged_at is not None:
                notes.append(
                    dict(
                        text=f"diverged at step {p.diverged_at}",
                        xref=f"{xa} domain",
                        yref=f"{ya} domain",
                        x=0.5,
                        y=0.04,
                        showarrow=False,
                        font=dict(color=VERDICT_COLOR["diverges"]),
                        bgcolor="rgba(255,255,255,0.75)",
                    )
                )
    for note in notes:
        note.setdefault("font", {})["size"] = FONT_SIZE - 2
    for key, axis in layout.items():
        if key.startswith("xaxis"):
            axis.update(
                range=[-view, view], showticklabels=True, tickfont=dict(size=11), constrain="domain"
            )
    for i in range(1, rows * cols + 1):
        layout["yaxis" if i == 1 else f"yaxis{i}"].update(
            range=[-view, view],
            scaleanchor="x" if i == 1 else f"x{i}",
            scaleratio=1,
            constrain="domain",
            tickfont=dict(size=11),
        )
    # Axis titles on the outer panels only (bottom row θ, left column ψ): every panel shares
    # the same axes, and titles inside the grid would crowd the panels' own titles.
    axis_title = dict(font=dict(size=FONT_SIZE - 2), standoff=4)
    for i in range(1, rows * cols + 1):
        suffix = "" if i == 1 else str(i)
        if i > (rows - 1) * cols:
            layout[f"xaxis{suffix}"]["title"] = dict(text="θ (generator)", **axis_title)
        if (i - 1) % cols == 0:
            layout[f"yaxis{suffix}"]["title"] = dict(text="ψ (discriminator)", **axis_title)
    if not shapes:
        del layout["shapes"]
    if not notes:
        del layout["annotations"]
    layout.update(
        height=max(1, rows) * panel_px + 90,
        margin=dict(l=60, r=10, t=70, b=50),
        showlegend=False,
        dragmode=False,
    )
    return figure_from_spec({"data": data, "layout": layout})


# ---------------------------------------------------------------------- stability page


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
            x=_f32(x),
            y=_f32(y),
            z=_f32(shown),
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
                x=_f32(contour[0]),
                y=_f32(contour[1]),
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
                x=_f32(bx),
                y=_f32(by),
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
                x=_f32(hx),
                y=_f32(hy),
                customdata=_f32(cd),
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
                x=_f32(eigs[ok, j].real),
                y=_f32(eigs[ok, j].imag),
                customdata=_f32(values[ok]),
                mode="markers",
                marker=dict(
                    size=6,
                    color=_f32(values[ok]),
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
