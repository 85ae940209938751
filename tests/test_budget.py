"""The work budget per rerun (ui/budget.py) and stopping the work of a closed tab.

No timing: the budget is a model in units, checked for coverage (every method and variant),
for what must stay uncut (every preset, the compare page's defaults) and for what the pages
do with it; the calibration against CPU time is ``python bench/hostile.py --cost``.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dynamics.methods import HYPER_PARAMS, METHODS, Hyper, Method
from dynamics.presets import DEFAULT_SCHEMES, PRESETS, SCHEMES
from dynamics.variants import VARIANTS, Variant
from ui import budget, compat, compute
from ui.controls import N_SUBSTEPS_MAX, STEPS_MAX

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_method_on_every_variant_has_a_positive_cost(variant: str, method: str) -> None:
    one = budget.path_units(variant, method, 1, 1)
    most = budget.path_units(variant, method, N_SUBSTEPS_MAX, N_SUBSTEPS_MAX)
    assert 0 < one <= most
    if {"n_gen", "n_disc"} <= METHODS[method].uses:
        assert most > one, "sub-steps must cost"


@pytest.mark.parametrize("cls", [Method, Variant])
def test_a_method_or_variant_cannot_be_declared_without_its_price(cls: type) -> None:
    """No default price: a declaration that forgets it fails at import, instead of being
    priced as cheap as SimGD on the standard game (consensus-authors was, at 2.6 × to
    3.8 × its real cost, when the prices were a separate table in ui/budget.py)."""
    cost = {f.name: f for f in dataclasses.fields(cls)}["cost"]
    assert cost.default is dataclasses.MISSING
    assert cost.default_factory is dataclasses.MISSING


@pytest.mark.parametrize("method", list(METHODS))
def test_a_method_prices_only_counts_it_uses(method: str) -> None:
    m = METHODS[method]
    assert m.cost.base > 0 and all(w > 0 for w in m.cost.per.values())
    assert set(m.cost.per) <= m.uses, "a price per count of a hyper-parameter it does not read"
    assert all(HYPER_PARAMS[n].integer for n in m.cost.per), "work repeats a whole number of times"


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_budget_reads_the_declared_prices(variant: str, method: str) -> None:
    """ui/budget.py keeps no price of its own: a step costs the method's declared units
    times the game's factor (the solver's factor for the continuous flow)."""
    v, m = VARIANTS[variant], METHODS[method]
    assert v.cost > 0 and v.flow_cost > 0
    hp = Hyper(n_gen=3, n_disc=4, lookahead_k=6, unroll_k=2)
    factor = v.flow_cost if m.continuous else v.cost
    assert budget.hyper_units(variant, method, hp) == factor * m.cost.units(hp)


def test_lookahead_costs_its_k_steps() -> None:
    assert (
        budget.path_units("standard", "lookahead", lookahead_k=20)
        > 4 * budget.path_units("standard", "lookahead", lookahead_k=5) / 1.2
    )


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_runs_uncut(name: str) -> None:
    p = PRESETS[name]
    units = sum(budget.path_units(p.variant, m, p.n_gen, p.n_disc) for m in p.methods)
    assert budget.steps_within(p.steps, units) == p.steps


def test_the_compare_defaults_run_uncut() -> None:
    units = sum(
        budget.path_units(v, SCHEMES[s].method, SCHEMES[s].n_gen, SCHEMES[s].n_disc)
        for v in VARIANTS
        for s in DEFAULT_SCHEMES
    )
    assert budget.steps_within(500, units) == 500


@pytest.mark.parametrize(("steps", "units"), [(5000, 770.0), (5000, 30.0), (1, 1e9), (10, 0.0)])
def test_steps_within_fits_the_budget(steps: int, units: float) -> None:
    n = budget.steps_within(steps, units)
    assert 1 <= n <= steps
    assert n == 1 or n * units <= budget.WORK_BUDGET
    if n < steps:
        assert (n + 1) * units > budget.WORK_BUDGET  # the most that fits


def test_explorer_at_its_largest_settings_is_cut_with_a_note() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(
        variant="instance-noise", methods=",".join(METHODS), steps=str(STEPS_MAX),
        n_gen=str(N_SUBSTEPS_MAX), n_disc=str(N_SUBSTEPS_MAX),
    )  # fmt: skip
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    hp = Hyper(n_gen=N_SUBSTEPS_MAX, n_disc=N_SUBSTEPS_MAX)
    units = sum(budget.hyper_units("instance-noise", m, hp) for m in METHODS)
    n = budget.steps_within(STEPS_MAX, units)
    assert n < STEPS_MAX
    notes = [w.value for w in at.warning if "more work than one view may use" in w.value]
    assert len(notes) == 1 and f"stop at step {n:,}" in notes[0], notes


def test_compare_with_every_scheme_at_the_most_steps_is_cut_with_a_note() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(steps=str(STEPS_MAX), schemes=",".join(SCHEMES))
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    notes = [w.value for w in at.warning if "more work than one view may use" in w.value]
    assert len(notes) == 1, [w.value for w in at.warning]


# ------------------------------------------------------------------- a tab that has gone


def test_explorer_computes_nothing_for_a_closed_tab(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = compute.trajectory

    def counting(*args: object, **kw: object) -> object:
        calls.append(str(args[2]))
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(compute, "trajectory", counting)
    monkeypatch.setattr(compat, "session_connected", lambda: False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    assert calls == [], "paths were computed for a session that had gone"
    monkeypatch.setattr(compat, "session_connected", lambda: True)
    at.run()
    assert calls, "a connected session computes its paths"


def test_an_explorer_rerun_asks_whether_its_tab_is_open_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once before the paths is enough (the budget bounds all methods' paths together);
    the check was made once more per method, ~2 % of a rerun (docs/performance.md)."""
    asked: list[int] = []

    def connected() -> bool:
        asked.append(1)
        return True

    monkeypatch.setattr(compat, "session_connected", connected)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(methods="simgd,altgd,extragradient")
    at.switch_page("pages/explorer.py").run()
    assert not at.exception and not [w.value for w in at.warning if "methods" in w.value]
    assert len(asked) == 1


def test_compare_grid_stops_between_panels_and_caches_nothing() -> None:
    class Gone(Exception):
        pass

    seen = 0

    def gone_after_two() -> None:
        nonlocal seen
        seen += 1
        if seen > 2:
            raise Gone

    args = (("standard", "wgan"), ("simgd", "altgd1"), 0.2, 37, (1.0, 1.0), 2.0, 0.6)
    with pytest.raises(Gone):
        compute.compare_grid(*args, _before_each=gone_after_two)
    assert seen == 3, "it went on after the session had gone"
    before = compute.compare_grid.misses
    grid, _ = compute.compare_grid(*args)  # nothing of the stopped run was cached
    assert compute.compare_grid.misses == before + 1
    assert len(grid) == 2 and all(len(row) == 2 for row in grid)


# ------------------------------------------------------------------ a fair share of a core


def test_no_wait_within_the_fair_share() -> None:
    now = 100.0
    within = [(now - 1.0, budget.FAIR_SHARE * budget.FAIR_WINDOW)]
    assert budget.wait_for(within, now) == 0.0
    assert budget.wait_for([], now) == 0.0


def test_the_wait_is_the_excess_over_the_share_and_bounded() -> None:
    now = 100.0
    allowed = budget.FAIR_SHARE * budget.FAIR_WINDOW
    hist = [(now - 2.0, allowed), (now - 1.0, 0.6)]
    assert budget.wait_for(hist, now) == pytest.approx(0.6 / budget.FAIR_SHARE)
    assert budget.wait_for([(now - 1.0, 100.0)], now) == budget.MAX_WAIT
    # what is older than the window no longer counts
    old = [(now - budget.FAIR_WINDOW - 0.1, 100.0)]
    assert budget.wait_for(old, now) == 0.0


def test_hold_back_sleeps_and_account_records_the_cpu() -> None:
    state: dict[str, object] = {}
    slept: list[float] = []
    clock = [1000.0]
    waited, mark = budget.hold_back(state, clock=lambda: clock[0], sleep=slept.append)
    assert waited == 0.0 and not slept
    sum(i * i for i in range(200_000))  # some CPU in this thread
    budget.account(state, mark, clock=lambda: clock[0])
    (entry,) = state["_fair_share_history"]
    assert entry[0] == 1000.0 and entry[1] > 0
    # a session that used far more than its share waits, at most MAX_WAIT
    state["_fair_share_history"] = [(999.0, 50.0)]
    waited, _ = budget.hold_back(state, clock=lambda: clock[0], sleep=slept.append)
    assert waited == budget.MAX_WAIT and slept == [budget.MAX_WAIT]


@pytest.mark.parametrize("page", ["pages/explorer.py", "pages/compare.py"])
def test_a_session_over_its_share_waits_and_is_told(page: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page).run()
    assert not at.exception
    # This session "used" just over its share a moment ago: its next computation waits.
    excess = 0.03  # CPU seconds over the share: a wait of 0.1 s
    used = budget.FAIR_SHARE * budget.FAIR_WINDOW + excess
    at.session_state["_fair_share_history"] = [(time.monotonic(), used)]
    at.run()
    assert not at.exception
    notes = [i.value for i in at.info if "more than its share of the server" in i.value]
    assert len(notes) == 1, [i.value for i in at.info]
