"""The one hyper-parameter schema (``dynamics.methods.HYPER_PARAMS``) and what derives from it:
``Hyper``'s defaults, the CLI flags, the URL specs, the stability-map axes; the preset box
forgetting a preset once a control departs from it; parameter symbols (not URL names) in the
legends; and two stability-map bugs (two integer axes, a critical value on a grid node)."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dynamics.cli import main
from dynamics.methods import HYPER_PARAMS, METHODS, Hyper
from dynamics.spectrum import spectrum
from dynamics.stability import (
    available_axes,
    continuous_locus,
    critical_values,
    plain_symbol,
    stability_map,
)
from dynamics.variants import VARIANTS, make_game
from tests.charts import chart_spec
from ui.controls import OTHER_HYPER, base_specs, hyper_spec

APP = str(Path(__file__).resolve().parents[1] / "app.py")

# ------------------------------------------------------------------------- the schema


def test_the_schema_declares_every_field_of_hyper_and_its_defaults() -> None:
    assert list(HYPER_PARAMS) == [f.name for f in fields(Hyper)]
    hp = Hyper()
    for name, p in HYPER_PARAMS.items():
        value = getattr(hp, name)
        assert value == p.default, name
        assert isinstance(value, int) is p.integer, name
        lo, hi = p.ui_range
        assert p.lo <= lo < hi <= p.hi, name
        assert lo <= p.default <= hi, name
        assert p.label and p.symbol and p.help, name
    for m in METHODS.values():
        assert m.uses <= set(HYPER_PARAMS), m.name


def _rc(argv: list[str]) -> int:
    """The CLI's exit code (argparse errors exit by SystemExit)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize("name", list(HYPER_PARAMS))
def test_cli_flag_accepts_exactly_the_schema_range(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each flag is named after the field, is an integer flag for an integer parameter and
    accepts [lo, hi], no more."""
    p = HYPER_PARAMS[name]
    method = next(m.name for m in METHODS.values() if name in m.uses and m.name != "flow")
    base = ["spectrum", "--variant", "gradient-penalty", "--method", method]
    for value in (p.lo, p.hi):
        text = str(int(value)) if p.integer else repr(float(value))
        assert _rc([*base, p.flag, text]) == 0, (p.flag, text, capsys.readouterr().err)
        got = json.loads(capsys.readouterr().out)["hyper"][name]
        assert got == value and isinstance(got, int) is p.integer
    step = 1 if p.integer else max(abs(p.hi), abs(p.lo)) * 1e-9
    beyond = [p.lo - step, p.hi + step] + ([p.lo + 0.5] if p.integer else [])
    for value in beyond:
        assert _rc([*base, p.flag, repr(value)]) == 2, (p.flag, value)
        assert p.flag in capsys.readouterr().err


def test_url_specs_carry_the_schema_ranges() -> None:
    specs = {s.key: s for s in base_specs()}
    for name in OTHER_HYPER:
        p, s = HYPER_PARAMS[name], specs[name]
        assert (s.lo, s.hi, s.ui_range) == (p.lo, p.hi, p.ui_range), name
        assert s.kind == ("int" if p.integer else "float")
    for key, name in (("h", "lr_gen"), ("h_gen", "lr_gen"), ("h_disc", "lr_disc")):
        p = HYPER_PARAMS[name]
        assert (specs[key].lo, specs[key].hi, specs[key].ui_range) == (p.lo, p.hi, p.ui_range)


def test_stability_axes_are_the_controls_ranges() -> None:
    axes = {}
    for m in METHODS.values():
        if m.operator is not None:
            axes |= available_axes("gradient-penalty", m.name)
    for name, field in {"h": "lr_gen", "h_gen": "lr_gen", "h_disc": "lr_disc"}.items():
        p = HYPER_PARAMS[field]
        assert (axes[name].lo, axes[name].hi) == p.ui_range and axes[name].log
    for name in ("n_gen", "n_disc", "beta"):
        p = HYPER_PARAMS[name]
        ax = axes[name]
        assert (ax.lo, ax.hi, ax.integer, ax.log) == (*p.ui_range, p.integer, p.log_scale)
        assert ax.symbol == p.symbol and ax.label == p.title


def test_a_value_beyond_the_controls_is_moved_to_the_nearest_offered_one() -> None:
    s = hyper_spec("beta")
    assert s.clamp(s.parse("0.995")) == s.ui_range[1] == 0.99
    assert s.clamp(s.parse("-1")) == -1.0
    with pytest.raises(ValueError):
        s.parse("1.0")  # beyond the core's range: not valid at all
    n = hyper_spec("n_disc")
    assert n.clamp(n.parse("50")) == 20 and isinstance(n.clamp(n.parse("50")), int)


# ----------------------------------------------------- stability-map bugs (issue 22, 4)


def test_two_integer_axes_each_set_their_own_count() -> None:
    """Each cell of an n_gen × n_disc map is the spectrum at its own (n_gen, n_disc); the
    map used to set both counts to the x value."""
    axes = available_axes("gradient-penalty", "altgd")
    hp = Hyper(lr_gen=0.3, lr_disc=0.3)
    m = stability_map(
        "gradient-penalty", "altgd", axes["n_gen"], axes["n_disc"], hyper=hp, params={"gamma": 0.5}
    )
    assert m.rho.shape == (len(m.y), len(m.x)) == (20, 20)
    game = make_game("gradient-penalty", gamma=0.5)
    for i, j in [(0, 4), (4, 0), (2, 9), (19, 0), (7, 7), (0, 19)]:
        want = spectrum(
            game, "altgd", Hyper(lr_gen=0.3, lr_disc=0.3, n_gen=int(m.x[j]), n_disc=int(m.y[i]))
        ).update.spectral_radius
        assert m.rho[i, j] == pytest.approx(want, rel=1e-9), (m.x[j], m.y[i])
    assert not np.allclose(m.rho, m.rho.T)  # the two counts really do differ in effect


@pytest.mark.parametrize(("lo", "hi", "n"), [(0, 5, 401), (0, 2, 201), (0.5, 1.5, 3), (0, 4, 5)])
def test_critical_value_on_a_grid_node_is_found(lo: float, hi: float, n: int) -> None:
    """γ = 1 (critical damping of the gradient penalty) is found when it is a node of the
    search grid (the discriminant is exactly 0 there and used to be skipped)."""
    assert np.linspace(lo, hi, n).tolist().count(1.0) == 1  # the case under test
    assert critical_values("gradient-penalty", "gamma", lo, hi, n=n) == [
        pytest.approx(1.0, abs=1e-12)
    ]


def test_critical_values_agree_off_and_on_the_grid() -> None:
    for n in range(3, 60):
        for lo, hi in ((0.0, 5.0), (0.25, 3.0)):
            assert critical_values("gradient-penalty", "gamma", lo, hi, n=n) == [
                pytest.approx(1.0, abs=1e-12)
            ], (lo, hi, n)


# -------------------------------------------------------- symbols in legends (issue 15, 6)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_variant_parameter_has_a_plain_symbol(variant: str) -> None:
    for p in VARIANTS[variant].params:
        sym = plain_symbol(p.symbol)
        assert sym and "\\" not in sym and "_" not in sym and "{" not in sym, (p.name, sym)
        assert sym != p.name or len(sym) == 1, (p.name, sym)  # "gamma" must become γ


def test_locus_legends_show_the_symbol_not_the_url_name() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"variant": "gradient-penalty", "sweep": "gamma"})
    at.switch_page("pages/stability.py").run()
    assert not at.exception, [e.value for e in at.exception]
    for key in ("locus_cont", "locus_update", "stability_chart"):
        spec = chart_spec(at, key)
        shown = json.dumps([t.get("name", "") for t in spec["data"]], ensure_ascii=False)
        shown += json.dumps(spec["layout"].get("xaxis", {}).get("title", {}), ensure_ascii=False)
        shown += json.dumps(spec["layout"].get("yaxis", {}).get("title", {}), ensure_ascii=False)
        bars = [t.get("marker", {}).get("colorbar", {}) for t in spec["data"]]
        shown += json.dumps(bars, ensure_ascii=False)
        assert "gamma" not in shown, (key, shown)
    names = [t.get("name", "") for t in chart_spec(at, "locus_cont")["data"]]
    assert any("γ = 1" in n for n in names), names  # the critical-damping mark
    assert any("current γ" in n for n in names), names


def test_continuous_locus_marks_sit_on_the_locus() -> None:
    """The critical value found on a grid node gives a double real eigenvalue."""
    (g,) = critical_values("gradient-penalty", "gamma", 0, 5)
    lam = continuous_locus("gradient-penalty", "gamma", np.array([g]))[0]
    assert abs(lam[0] - lam[1]) < 1e-6 and abs(lam.imag).max() < 1e-6


# --------------------------------------------------- the preset box (issue 15, item 6)

PRESET = "Gradient penalty, critical γ = 1 · AltGD, n_disc = 5"


def _with_preset() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/explorer.py").run()
    at.selectbox(key="preset").set_value(PRESET).run()
    assert not at.exception
    assert at.selectbox(key="preset").value == PRESET
    return at


def test_preset_name_stays_while_the_controls_match_it() -> None:
    at = _with_preset()
    at.checkbox(key="speed").check().run()  # not one of the preset's settings
    assert at.selectbox(key="preset").value == PRESET


@pytest.mark.parametrize(
    "change",
    ["gamma", "n_disc", "steps", "methods", "h", "theta0"],
)
def test_preset_box_goes_back_to_dash_when_a_control_departs(change: str) -> None:
    at = _with_preset()
    if change == "gamma":
        at.slider(key="gamma").set_value(0.5)
    elif change == "n_disc":
        at.number_input(key="n_disc").set_value(4)
    elif change == "steps":
        at.slider(key="steps").set_value(300)
    elif change == "methods":
        at.multiselect(key="methods").select("simgd")
    elif change == "h":
        at.select_slider(key="h").set_value(0.5)
    else:
        at.number_input(key="theta0").set_value(0.25)
    at.run()
    assert not at.exception
    assert at.selectbox(key="preset").value == "—"
    # and the departed value is kept (forgetting the name must not reapply the preset)
    if change == "gamma":
        assert at.slider(key="gamma").value == 0.5
