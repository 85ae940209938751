"""Styles and path helpers shared by the figure builders of several pages. No Streamlit here.

Styles are colour-blind safe (Okabe–Ito / Tol colours) and never rely on colour alone: each
method also has its own dash pattern and marker symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

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
MAX_PATH_POINTS = 1500  # decimate longer paths for the browser (the download keeps all)


def style_of(method: str) -> Style:
    return METHOD_STYLE.get(method, _FALLBACK)


def f32(a: ArrayLikeF) -> NDArray[np.float32]:
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
