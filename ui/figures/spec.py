"""The figure spec, its JSON encoding and the chart theme's sizes: what every page's builders share.

Builders assemble plain dicts (``scatter_trace``) and return a ``SpecFigure``, a ``go.Figure``
built from its spec only when something needs graph objects; ``figure_json`` writes what the
browser gets straight from the spec. No Streamlit here.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64, to_typed_array_spec

FONT_SIZE = 15  # readable on a projector


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
    _theme_sizes(spec, scale)
    if "height" in layout:
        layout["height"] = int(layout["height"] * 1.15)
    return figure_from_spec(spec)


#: Text sizes Streamlit's chart theme (ui/plotly_theme.json) sets wherever a figure does
#: not: the theme's sizes win over ``layout.font``, so a projector needs them explicit.
THEME_SIZES = {"tick": 12, "axis_title": 14, "legend": 12, "title": 16}


def _theme_sizes(spec: dict, scale: float) -> None:
    """Scaled explicit sizes for every text the theme would otherwise keep at its own size
    (tick labels, axis and legend titles, legends, colour bars)."""

    def size(node: dict, key: str, value: float) -> None:
        font = node.get(key)
        if font is None or isinstance(font, dict):
            node[key] = {**(font or {})}
            node[key].setdefault("size", value * scale)

    layout = spec["layout"]
    for name, axis in layout.items():
        if (name.startswith(("xaxis", "yaxis")) or name == "coloraxis") and isinstance(axis, dict):
            bars = [axis.get("colorbar")] if name == "coloraxis" else [axis]
            for node in filter(None, bars):
                size(node, "tickfont", THEME_SIZES["tick"])
                title = node.get("title")
                if isinstance(title, dict):
                    size(title, "font", THEME_SIZES["axis_title"])
    legend = layout.setdefault("legend", {})
    size(legend, "font", THEME_SIZES["legend"])
    if isinstance(legend.get("title"), dict):
        size(legend["title"], "font", THEME_SIZES["legend"])
    if isinstance(layout.get("title"), dict) and layout["title"].get("text"):
        size(layout["title"], "font", THEME_SIZES["title"])
    for trace in spec.get("data", []):
        bar = trace.get("colorbar") or (trace.get("marker") or {}).get("colorbar")
        if isinstance(bar, dict):
            size(bar, "tickfont", THEME_SIZES["tick"])
