"""Styles and path helpers shared by the figure builders of several pages. No Streamlit here.

Styles are colour-blind safe (Okabe–Ito / Tol colours) and never rely on colour alone: each
method also has its own dash pattern and marker symbol. They are derived from the methods'
registry, so a new method needs no entry here.
"""

from __future__ import annotations

import colorsys
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from dynamics.methods import METHODS

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Style:
    color: str
    dash: str
    symbol: str


#: The styles the methods were drawn with before styles were derived, kept so that their
#: charts do not change; a method not listed here gets a derived style (``_derived_styles``).
#: Colour + dash + marker, so print and colour-blind readers can tell the paths apart.
_STYLE_OVERRIDES: dict[str, Style] = {
    "simgd": Style("#D55E00", "solid", "circle"),
    "altgd": Style("#0072B2", "dash", "square"),
    "flow": Style("#009E73", "dot", "diamond"),
    "extragradient": Style("#CC79A7", "dashdot", "triangle-up"),
    "optimistic": Style("#E69F00", "longdash", "triangle-down"),
    "momentum": Style("#56B4E9", "longdashdot", "star"),
    "momentum-alt": Style("#882255", "dash", "pentagon"),
    "adam": Style("#44AA99", "dot", "hexagon"),
    # Paul Tol's colours of mid luminance: visible on the light and on the dark chart theme
    "hamiltonian": Style("#117733", "longdash", "cross"),
    "sga": Style("#AA4499", "solid", "x"),
    "cgd": Style("#999933", "dashdot", "triangle-left"),
    "lookahead": Style("#6699CC", "dash", "triangle-right"),
    "ema": Style("#EE7733", "dot", "star-diamond"),
    "average": Style("#CC3311", "longdashdot", "hourglass"),
    "implicit": Style("#009988", "solid", "bowtie"),
    "unrolled": Style("#EE3377", "longdash", "diamond-wide"),
}
#: Colours, dashes and markers a new method's style is drawn from, in this order: more of
#: Paul Tol's colour-blind safe colours of mid luminance (bright and muted schemes), then,
#: past them, evenly turned hues (``_hue``).
_PALETTE = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#CC6677",
            "#DDCC77", "#88CCEE")  # fmt: skip
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
#: Base marker symbols: the builders add "-open" for a path's start marker, so a symbol
#: here must have an open form (``tests/test_styles.py`` validates both with Plotly).
_SYMBOLS = ("triangle-ne", "triangle-se", "triangle-sw", "triangle-nw", "hexagon2", "octagon",
            "hexagram", "star-triangle-up", "star-triangle-down", "star-square", "diamond-tall",
            "circle-cross", "circle-x", "square-cross", "square-x", "diamond-cross",
            "diamond-x")  # fmt: skip


def _hue(i: int) -> str:
    """The ``i``-th of endless distinct mid-luminance colours (golden-angle hue steps)."""
    r, g, b = colorsys.hls_to_rgb((0.618033988749895 * i) % 1.0, 0.5, 0.55)
    return f"#{round(255 * r):02X}{round(255 * g):02X}{round(255 * b):02X}"


def _derived_styles(names: Sequence[str], overrides: Mapping[str, Style]) -> dict[str, Style]:
    """One style per name, in registry order: an override where there is one, else the next
    colour and marker no other method has, and the dash that cycles with the position.

    Deterministic, and a new method changes no other method's style (it takes only what is
    still free); no two methods share a colour.
    """
    used_colors = {s.color for s in overrides.values()}
    used_symbols = {s.symbol for s in overrides.values()}
    hues = (_hue(i) for i in itertools.count())
    colors = (c for c in itertools.chain(_PALETTE, hues) if c not in used_colors)
    symbols = itertools.cycle([s for s in _SYMBOLS if s not in used_symbols])
    out: dict[str, Style] = {}
    for i, name in enumerate(names):
        if name in overrides:
            out[name] = overrides[name]
        else:
            color = next(colors)
            used_colors.add(color)
            out[name] = Style(color, _DASHES[i % len(_DASHES)], next(symbols))
    return out


#: One style per training method (``dynamics.methods.METHODS``), derived: adding a method
#: needs no entry here.
METHOD_STYLE: Mapping[str, Style] = MappingProxyType(
    _derived_styles(list(METHODS), _STYLE_OVERRIDES)
)
_FALLBACK = Style("#777777", "solid", "circle")

STREAMLINE_COLOR = "rgba(120, 130, 140, 0.75)"
#: Grey for marks that must show on both chart themes (≥ 3:1 contrast on white and on the
#: dark theme's background, WCAG's bar for graphics); #444 all but vanished on dark.
NEUTRAL = "#888888"
MAX_PATH_POINTS = 1500  # decimate longer paths for the browser (the download keeps all)
#: Below this chart width (px) a figure's own phone layout (``layout.meta.narrow``) applies
#: (ui/live_chart.js): the GMM plane's data space under it, the stability map's bar flat.
NARROW_BELOW = 640


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
