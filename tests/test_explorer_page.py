"""The explorer page under ``streamlit.testing.v1.AppTest``: every variant and method, widget
changes, URL seeding, bad URL values and a click on the field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dynamics.methods import METHODS, Hyper
from dynamics.spectrum import spectrum
from dynamics.variants import VARIANTS, make_game
from tests.app_pages import markdown_parts
from tests.charts import charts
from ui.panels import fmt_eigs

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    at.switch_page("pages/explorer.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown]
    parts += (
        [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    )
    parts += [c.value for c in at.caption]
    return "\n".join(parts)


def rho_line(at: AppTest, label: str) -> str:
    return next(m for m in markdown_parts(at) if m.startswith(f"**{label}** · ρ"))


def test_default_view_is_the_authors_first_figure() -> None:
    at = run()
    assert at.title[0].value == "Dirac-GAN explorer"
    assert at.selectbox(key="variant").value == "standard"
    assert at.multiselect(key="methods").value == ["simgd", "altgd"]
    assert at.select_slider(key="h").value == pytest.approx(0.2)
    assert (at.number_input(key="theta0").value, at.number_input(key="psi0").value) == (1.0, 1.0)
    assert at.slider(key="view").value == 2.0
    s = spectrum(make_game("standard"), "simgd", Hyper())
    assert f"ρ = `{s.update.spectral_radius:.6f}`" in rho_line(at, "SimGD")
    assert "diverges" in rho_line(at, "SimGD")
    assert "neutral" in rho_line(at, "AltGD")
    assert [c.key for c in charts(at)] == ["field_chart", "eigen_chart", "distance_chart"]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_variant_with_every_method(variant: str) -> None:
    at = run({"variant": variant, "methods": ",".join(METHODS), "steps": "300"})
    assert at.selectbox(key="variant").value == variant
    assert at.multiselect(key="methods").value == list(METHODS)
    body = texts(at)
    if VARIANTS[variant].differentiable:
        for m in METHODS.values():
            if m.operator is not None:
                assert rho_line(at, m.label)
    else:
        assert "not differentiable at the equilibrium" in body
        assert "ρ = `" not in body


@pytest.mark.parametrize("method", list(METHODS))
def test_each_method_alone(method: str) -> None:
    at = run({"methods": method, "variant": "gradient-penalty"})
    assert at.multiselect(key="methods").value == [method]


def test_learning_rate_slider_changes_the_displayed_eigenvalues_to_the_core_values() -> None:
    at = run()
    at.select_slider(key="h").set_value(0.5).run()
    assert not at.exception
    s = spectrum(make_game("standard"), "simgd", Hyper(lr_gen=0.5, lr_disc=0.5)).update
    line = rho_line(at, "SimGD")
    assert f"ρ = `{s.spectral_radius:.6f}`" in line
    assert f"numeric: `{fmt_eigs(s.numeric)}`" in texts(at)
    assert at.query_params["h"] == "0.5"


def test_gamma_slider_moves_the_continuous_eigenvalues() -> None:
    at = run({"variant": "gradient-penalty"})
    at.slider(key="gamma").set_value(1.0).run()
    c = spectrum(make_game("gradient-penalty", gamma=1.0), "simgd", Hyper()).continuous
    assert f"closed form: `{fmt_eigs(c.analytic)}`" in texts(at)
    assert np.allclose(c.analytic, [-0.5, -0.5])


def test_variant_change_resets_its_parameters_to_their_defaults() -> None:
    at = run({"variant": "gradient-penalty", "gamma": "2.5"})
    assert at.slider(key="gamma").value == 2.5
    at.selectbox(key="variant").set_value("consensus").run()
    assert at.slider(key="gamma").value == VARIANTS["consensus"].param_index["gamma"].default


def test_query_parameters_seed_every_control() -> None:
    q = {
        "variant": "instance-noise",
        "sigma": "1.2",
        "methods": "flow,altgd",
        "h": "0.05",
        "n_disc": "3",
        "steps": "800",
        "theta0": "-0.5",
        "psi0": "1.5",
        "view": "3",
        "density": "1.5",
        "speed": "1",
    }
    at = run(q)
    assert at.selectbox(key="variant").value == "instance-noise"
    assert at.slider(key="sigma").value == 1.2
    assert at.multiselect(key="methods").value == ["flow", "altgd"]
    assert at.select_slider(key="h").value == 0.05
    assert at.number_input(key="n_disc").value == 3
    assert at.slider(key="steps").value == 800
    assert (at.number_input(key="theta0").value, at.number_input(key="psi0").value) == (-0.5, 1.5)
    assert at.slider(key="view").value == 3.0
    assert at.checkbox(key="speed").value is True
    assert not at.warning
    # the URL written back reproduces the same view
    assert at.query_params["sigma"] == "1.2" and at.query_params["methods"] == "flow,altgd"


def test_an_off_grid_learning_rate_from_a_link_is_kept_exactly() -> None:
    at = run({"h": "0.137"})
    assert at.select_slider(key="h").value == 0.137


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("variant", "dcgan"),
        ("methods", "simgd,sgd"),
        ("h", "abc"),
        ("h", "500"),  # beyond the core's range (5 is moved to the slider's 2: test_url_bounds)
        ("h", "nan"),
        ("steps", "-5"),
        ("steps", "2.5"),
        ("steps", "99999999"),
        ("theta0", "1e400"),
        ("psi0", "inf"),
        ("view", "0"),
        ("speed", "maybe"),
        ("n_disc", "0"),
        ("density", ""),
    ],
)
def test_bad_query_values_fall_back_with_a_note(key: str, value: str) -> None:
    at = run({key: value})
    notes = [w.value for w in at.warning]
    assert any(f"**{key}" in n and "not valid" in n for n in notes), notes
    assert at.title[0].value == "Dirac-GAN explorer"


def test_bad_variant_parameter_and_unknown_keys_are_named() -> None:
    at = run({"variant": "gradient-penalty", "gamma": "-3", "foo": "1"})
    notes = "\n".join(w.value for w in at.warning)
    assert "**gamma" in notes and "**foo**" in notes
    assert at.slider(key="gamma").value == 0.3


def test_a_click_on_the_field_moves_the_start_there() -> None:
    at = run()
    assert charts(at)[0].data["clickable"]
    at.session_state["field_chart"] = {"click": {"x": -1.0312, "y": 0.6071}}
    at.run()
    assert not at.exception
    # rounded to view / 100 = 0.02 at the default view
    assert at.number_input(key="theta0").value == -1.04
    assert at.number_input(key="psi0").value == 0.6
    assert at.query_params["theta0"] == "-1.04"
    # the click is not applied again by a later rerun
    at.number_input(key="theta0").set_value(0.5).run()
    assert at.number_input(key="theta0").value == 0.5


def test_a_preset_applies_all_its_settings() -> None:
    at = run()
    at.selectbox(key="preset").set_value(
        "Gradient penalty, critical γ = 1 · AltGD, n_disc = 5"
    ).run()
    assert at.selectbox(key="variant").value == "gradient-penalty"
    assert at.slider(key="gamma").value == 1.0
    assert at.multiselect(key="methods").value == ["altgd"]
    assert at.number_input(key="n_disc").value == 5


def test_divergence_is_reported_with_its_step_and_no_nan() -> None:
    at = run({"variant": "wgan-gp", "methods": "simgd", "h": "2", "steps": "5000"})
    errors = [e.value for e in at.error]
    assert any("SimGD diverged at step" in e for e in errors), errors
    assert "nan" not in texts(at).lower()


def test_no_method_selected_is_explained() -> None:
    at = run()
    at.multiselect(key="methods").set_value([]).run()
    assert not at.exception
    assert any("at least one training method" in i.value for i in at.info)


def test_presenter_mode_keeps_the_view_and_offers_a_student_link() -> None:
    at = run({"present": "1", "variant": "consensus", "methods": "simgd"})
    assert at.selectbox(key="variant").value == "consensus"
    assert not at.warning  # "present" is the app's own flag, not an unknown parameter
    assert at.query_params["present"] == "1"  # survives the URL rewrite
    assert at.query_params["variant"] == "consensus"
    assert not at.get("download_button")  # no export section on the projector
    at.select_slider(key="h").set_value(0.5).run()
    assert at.query_params["present"] == "1" and at.query_params["h"] == "0.5"


def test_projector_scaling_enlarges_fonts_and_lines() -> None:
    from ui.figures.explorer import distance_figure
    from ui.figures.spec import for_projector

    fig = distance_figure([("simgd", "SimGD", np.linspace(1, 2, 50), 1.01)])
    big = for_projector(fig, 1.5)
    assert big.data[0].line.width == pytest.approx(1.5 * fig.data[0].line.width)
    assert big.layout.font.size == pytest.approx(1.5 * fig.layout.font.size)
    assert big.layout.height > fig.layout.height
    assert for_projector(fig, 1.0) is fig
