"""Cached calls into the numerical core, keyed on plain values (shared by all pages).

``st.cache_data`` hashes the arguments, so they are plain tuples of floats/ints/strings;
entries are bounded so a class of students cannot grow the server's memory without limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from dynamics.methods import Hyper, simulate
from dynamics.spectrum import Spectrum, spectrum
from dynamics.streamlines import Streamlines, speed_grid, trace_streamlines
from dynamics.variants import make_game

ParamsKey = tuple[tuple[str, float], ...]
HyperKey = tuple[tuple[str, float | int], ...]


def params_key(params: dict[str, float]) -> ParamsKey:
    return tuple(sorted((k, float(v)) for k, v in params.items()))


def hyper_key(hp: Hyper) -> HyperKey:
    return tuple(sorted(vars(hp).items()))


@dataclass(frozen=True)
class PathResult:
    points: np.ndarray  # (n_valid, 2), finite
    status: str
    diverged_at: int | None
    final_distance: float


@st.cache_data(max_entries=256, show_spinner=False)
def streamlines(variant: str, params: ParamsKey, view: float, density: float) -> Streamlines:
    game = make_game(variant, dict(params))
    return trace_streamlines(game.field, (-view, view), (-view, view), density)


@st.cache_data(max_entries=128, show_spinner=False)
def speed(variant: str, params: ParamsKey, view: float, n: int = 70) -> tuple[np.ndarray, ...]:
    game = make_game(variant, dict(params))
    return speed_grid(game.field, (-view, view), (-view, view), n)


@st.cache_data(max_entries=512, show_spinner=False)
def trajectory(
    variant: str,
    params: ParamsKey,
    method: str,
    hyper: HyperKey,
    start: tuple[float, float],
    steps: int,
) -> PathResult:
    game = make_game(variant, dict(params))
    traj = simulate(game, method, Hyper(**dict(hyper)), [start], steps)
    div = int(traj.diverged_at[0])
    return PathResult(
        points=traj.path(0).copy(),
        status=traj.status[0],
        diverged_at=None if div < 0 else div,
        final_distance=float(traj.final_distance[0]),
    )


@st.cache_data(max_entries=512, show_spinner=False)
def spectra(variant: str, params: ParamsKey, method: str, hyper: HyperKey) -> Spectrum:
    game = make_game(variant, dict(params))
    return spectrum(game, method, Hyper(**dict(hyper)))
