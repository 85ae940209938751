"""Figure builder of the compare page: small multiples of (variant, scheme) panels.

Pure functions, arrays in, ``go.Figure`` out. No Streamlit here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures.common import (
    STREAMLINE_COLOR,
    FloatArray,
    decimate,
    f32,
    style_of,
    visible_prefix,
)
from ui.figures.spec import FONT_SIZE, figure_from_spec, layout_without_template, scatter_trace

VERDICT_COLOR = {
    "converges": "#009E73",
    "neutral": "#E69F00",
    "grows linearly": "#CC79A7",
    "diverges": "#D55E00",
}


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
                        x=f32(ln.x),
                        y=f32(ln.y),
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
                    x=f32(shown[:, 0]),
                    y=f32(shown[:, 1]),
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
                    x=f32(pts[:1, 0]),
                    y=f32(pts[:1, 1]),
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
