"""The lab's downloadable files: plain data in, text out. No Streamlit here.

Every number is written from a Python ``float``/``int`` (``plain``): ``repr`` of a numpy
scalar is ``np.float64(-1.0)`` since NumPy 2, which no CSV or JSON reader parses, so nothing
here formats a value it has not converted first. Floats are written with Python's shortest
round-trip ``repr``: parsing the file gives back exactly the core's numbers.

The interactive-HTML export is a few MB of text and 45–75 ms to write; ``figure_html_once``
builds it once per figure (keyed on the settings that define the figure, in the project's
bounded cache) instead of once per download request.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Protocol

import numpy as np
import plotly.graph_objects as go

from ui.cache import bounded_cache
from ui.chart_config import chart_config


class PathLike(Protocol):
    """What a trajectory export needs of a path (``ui.compute.PathResult`` has it).

    Read-only members: a frozen dataclass provides them.
    """

    @property
    def points(self) -> np.ndarray: ...  # (n, 2): θ, ψ per step
    @property
    def status(self) -> str: ...
    @property
    def diverged_at(self) -> int | None: ...


def plain(value: Any) -> Any:
    """``value`` with every numpy scalar/array and dataclass turned into plain Python
    (float, int, bool, str, None, list, dict); a non-finite float becomes None (JSON has
    no NaN)."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot export a {type(value).__name__}")


def number(x: Any) -> str:
    """One number as CSV text: shortest round-trip repr of a float, digits of an int."""
    v = x.item() if isinstance(x, np.generic) else x
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TypeError(f"not a number: {type(x).__name__}")
    return str(int(v)) if isinstance(v, int) else repr(float(v))


TRAJECTORY_COLUMNS = ("method", "step", "theta", "psi")


def trajectories_csv(paths: Mapping[str, PathLike]) -> str:
    """One row per method and step: ``method,step,theta,psi`` (every step, not decimated)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(TRAJECTORY_COLUMNS)
    for method, r in paths.items():
        pts = np.asarray(r.points, dtype=np.float64).reshape(-1, 2)
        for k, (theta, psi) in enumerate(pts.tolist()):
            out.writerow((str(method), k, number(theta), number(psi)))
    return buf.getvalue()


def trajectories_json(
    *,
    variant: str,
    params: Mapping[str, float],
    hyper: object,
    start: tuple[float, float],
    steps: int,
    paths: Mapping[str, PathLike],
) -> str:
    """The settings and every path (status, divergence step, all points) as one document."""
    doc = {
        "variant": variant,
        "params": dict(params),
        "hyper": hyper,
        "start": list(start),
        "steps": steps,
        "paths": {
            m: {"status": r.status, "diverged_at": r.diverged_at, "points": r.points}
            for m, r in paths.items()
        },
    }
    return json.dumps(plain(doc), allow_nan=False)


def figure_html(fig: go.Figure) -> str:
    """A standalone HTML page with the figure (Plotly's library inlined: opens offline),
    sent with the same privacy-safe config as the charts on the pages."""
    return fig.to_html(include_plotlyjs=True, full_html=True, config=chart_config())


def settings_key(*parts: Any) -> str:
    """A cache key made of the values of ``parts`` (dataclasses by their fields): a page
    script defines its settings class anew on every run, so two equal settings objects of
    two runs do not compare equal, while their values do."""
    return json.dumps(plain(parts), sort_keys=True)


@bounded_cache(max_entries=4)  # a few MB each: the figures being downloaded right now
def figure_html_once(key: Hashable, _build: Callable[[], go.Figure]) -> str:
    """``figure_html(_build())``, built once per ``key`` (the settings that determine the
    figure); ``_build`` is not part of the key and runs only on a miss."""
    return figure_html(_build())
