"""Verdicts are local: the pages say where they apply, draw every equilibrium, and explain a
drawn path that disagrees with its verdict (AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dynamics.equilibria import find_equilibria
from dynamics.variants import make_game
from tests.app_pages import open_app
from tests.charts import charts
from ui.figures.explorer import equilibrium_traces

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [i.value for i in at.info]
    parts += [c.value for c in at.caption]
    return "\n".join(parts)


def field_traces(at: AppTest) -> list[dict]:
    (chart,) = [c for c in charts(at) if c.key == "field_chart"]
    return chart.spec["data"]


def test_explorer_draws_the_consensus_saddles_and_linearises_at_one() -> None:
    q = {"variant": "consensus", "methods": "altgd", "n_disc": "5", "view": "5", "steps": "2000"}
    at = open_app(q)
    names = [str(t.get("name", "")) for t in field_traces(at)]
    assert "equilibrium: saddle (2)" in names and "equilibrium: stable spiral" in names
    body = texts(at)
    assert "saddle at (0.3412, 2.1651)" in body
    # the verdict says where it applies, and the path that leaves although ρ < 1 is explained
    assert "near (0, 0): converges" in body
    assert "farther from (0, 0) than it started" in body
    sb = at.selectbox(key="eq_at")
    sb.select("saddle at (0.3412, 2.1651)").run()
    assert not at.exception
    body = texts(at)
    assert "Jacobian J of the vector field at (0.3412, 2.1651)" in body
    assert "near (0.3412, 2.1651): diverges" in body


def test_explorer_explains_ns_gan_paths_that_disagree_with_their_verdicts() -> None:
    at = open_app({"variant": "non-saturating", "methods": "simgd,altgd", "steps": "2000"})
    body = texts(at)
    assert "near (0, 0): diverges" in body and "near (0, 0): neutral" in body
    assert "SimGD: The path stays within distance" in body  # bounded although ρ > 1
    assert "AltGD: The path closes in on (0, 0)" in body  # spirals in although ρ = 1


def test_explorer_draws_the_wgan_gp_segment_and_runs_the_flow() -> None:
    at = open_app({"variant": "wgan-gp", "methods": "flow", "h": "2", "steps": "5000"})
    names = [str(t.get("name", "")) for t in field_traces(at)]
    assert any(n.startswith("equilibria: segment ψ = 0") for n in names)
    assert not [w for w in at.warning if "solver" in w.value]


def test_compare_explains_the_bounded_ns_gan_simgd_orbit() -> None:
    at = open_app(
        {"variants": "non-saturating", "schemes": "simgd", "steps": "2000"},
        "pages/compare.py",
    )
    body = texts(at)
    assert "Non-saturating GAN · SimGD" in body
    assert "stays within distance" in body


def test_equilibrium_traces_name_each_type() -> None:
    traces = equilibrium_traces(find_equilibria(make_game("wgan-gp"), 2.0))
    assert [t["name"] for t in traces] == ["equilibria: segment ψ = 0, |θ| ≤ 0.7"]
    assert traces[0]["x"] == [-0.7, 0.7] and traces[0]["y"] == [0.0, 0.0]
