"""What each page's ``*_controls()`` returns: one frozen dataclass per page.

Declared here rather than in the page scripts because Streamlit executes a page's script anew
on every rerun, and creating a dataclass (``dataclasses`` generates and ``exec``s its
methods) cost ~1.3 ms of every explorer rerun's ~36 ms (bench/rerun_profile.py); a module is
imported once per process.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from dynamics import gmm
from dynamics.gmm import GMMSettings
from dynamics.methods import Hyper
from ui.compute import HyperExtra
from ui.gmm_compute import Pair


@dataclass(frozen=True)
class ExplorerControls:
    variant: str
    params: tuple[tuple[str, float], ...]
    methods: tuple[str, ...]
    hyper: Hyper
    split: bool
    steps: int
    start: Pair
    view: float
    density: float
    speed: bool


@dataclass(frozen=True)
class CompareControls:
    variants: tuple[str, ...]
    schemes: tuple[str, ...]
    lr: float
    steps: int
    start: Pair
    view: float


@dataclass(frozen=True)
class StabilityControls:
    variant: str
    method: str
    x: str
    y: str
    res: int
    params: tuple[tuple[str, float], ...]
    lr: float
    n_gen: int
    n_disc: int
    beta: float
    sweep: str
    extra: HyperExtra = ()


@dataclass(frozen=True)
class GMMControls:
    settings: GMMSettings  # the model's; steps: the single run's, within its work budget
    start: Pair
    steps_asked: int
    focus: gmm.Dynamics
    ell_mode: str

    def run(self, dynamics: gmm.Dynamics) -> GMMSettings:
        """The settings of the single run of ``dynamics``."""
        return dataclasses.replace(self.settings, dynamics=dynamics)


@dataclass(frozen=True)
class BatchControls:
    runs: int
    steps: int
    ks: tuple[int, ...]
    simultaneous: bool
    grid: int
