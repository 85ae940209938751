"""The stability map's colours and the eigenvalue locus' view (ui/figures/stability.py).

The map must tell "converges slowly" (ρ = 0.97–0.999) from "neutral" (ρ = 1) at a glance,
and the locus of the update's eigenvalues must not collapse into one dot at (1, 0) at the
page's default settings. Colours are read off the figure's own colour scale, the way the
browser maps a cell's value to a colour.
"""

from __future__ import annotations

import base64
import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamics.methods import NEUTRAL_TOL
from ui import compute
from ui.figures.spec import figure_json
from ui.figures.stability import locus_figure, rho_band, stability_figure, unit_circle_view


def _numbers(spec: dict | list) -> np.ndarray:
    """An array as ``figure_json`` sends it: a list, or Plotly's typed-array spec."""
    if isinstance(spec, list):
        return np.asarray(spec, dtype=float)
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=spec["dtype"]).astype(float)


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _colour(trace: dict, z: float) -> np.ndarray:
    """The colour Plotly gives a heat-map cell of value z (linear between the scale's stops)."""
    t = (z - trace["zmin"]) / (trace["zmax"] - trace["zmin"])
    stops = trace["colorscale"]
    for (t0, c0), (t1, c1) in itertools.pairwise(stops):
        if t0 <= t <= t1:
            w = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            return (1 - w) * _rgb(c0) + w * _rgb(c1)
    raise AssertionError(f"{z} is off the scale")


def _map(rho: np.ndarray) -> dict:
    x = np.linspace(0.01, 1.0, rho.shape[1])
    y = np.linspace(0.0, 1.0, rho.shape[0])
    fig = stability_figure(x, y, rho, x_title="h", y_title="γ", x_log=False, y_log=False)
    spec = json.loads(figure_json(fig))
    heat, scale = spec["data"][0], spec["layout"][spec["data"][0]["coloraxis"]]
    # the heat map's cells coloured by the colour axis the trace names
    return {"z": heat["z"], "zmin": scale["cmin"], "zmax": scale["cmax"],
            "colorscale": scale["colorscale"], "colorbar": scale["colorbar"]}  # fmt: skip


def test_slow_convergence_is_a_clear_blue_never_the_neutral_grey() -> None:
    rho = np.array([[0.5, 0.9, 0.97, 0.98, 0.99, 0.995, 0.999, 0.9999, 1.0]])
    heat = _map(rho)
    z = _numbers(heat["z"]).reshape(rho.shape)
    neutral = _colour(heat, float(z[0, -1]))
    for r, v in zip(rho[0, :-1], z[0, :-1], strict=True):
        c = _colour(heat, float(v))
        # far apart in RGB (white vs light grey is ~70): a slow convergence is seen at once
        assert np.linalg.norm(c - neutral) > 60, (r, c, neutral)
        assert c[2] > c[0], (r, c)  # blue, the colour of "converges"
    # ρ = 1 within the core's tolerance is the neutral colour, whichever side it rounds to
    for r in (1.0 - NEUTRAL_TOL / 2, 1.0 + NEUTRAL_TOL / 2):
        assert _colour(heat, float(rho_band(np.array(r)))) == pytest.approx(neutral)


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(0.0, 5.0, allow_nan=False),
    b=st.floats(0.0, 5.0, allow_nan=False),
)
def test_the_band_grows_with_rho_and_keeps_its_side_of_one(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    za, zb = rho_band(np.array([lo, hi]))
    assert za <= zb
    for r, z in ((lo, za), (hi, zb)):
        if abs(r - 1.0) <= NEUTRAL_TOL:
            assert z == 0.0
        else:
            assert np.sign(z) == np.sign(r - 1.0) and 1.0 <= abs(z) <= 4.0


def test_the_colour_bar_labels_the_bands_with_the_rho_they_stand_for() -> None:
    heat = _map(np.ones((2, 2)))
    for tick, text in zip(heat["colorbar"]["tickvals"], heat["colorbar"]["ticktext"], strict=True):
        rho = 2.0 if text.startswith("≥") else float(text.split()[0])
        assert rho_band(np.array(rho)) == pytest.approx(tick), text


def test_the_update_locus_at_the_default_settings_is_zoomed_to_its_eigenvalues() -> None:
    # the stability page's defaults: gradient penalty, SimGD, h = 0.2, γ swept over [0, 1.5]
    loc = compute.locus(
        "gradient-penalty", "simgd", "gamma", 0.0, 1.5, (("gamma", 0.3),), 0.2, 1, 1, 0.0
    )
    fig = json.loads(
        figure_json(
            locus_figure(loc.values, loc.update, param_label="γ", current=0.3,
                         current_eigs=loc.update_now, unit_circle=True)
        )
    )  # fmt: skip
    x_range, y_range = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
    mu = loc.update[np.isfinite(loc.update)]
    # every eigenvalue in view, and the view no wider than a few times their spread (the
    # whole circle, 2.4 wide, made them one dot)
    assert x_range[0] <= mu.real.min() and mu.real.max() <= x_range[1]
    assert y_range[0] <= mu.imag.min() and mu.imag.max() <= y_range[1]
    spread = max(np.ptp(mu.real), np.ptp(mu.imag))
    assert max(x_range[1] - x_range[0], y_range[1] - y_range[0]) < 2 * spread
    # the unit circle is drawn in view, finely enough to be a smooth arc there
    circle = next(t for t in fig["data"] if t["name"] == "unit circle")
    cx, cy = _numbers(circle["x"]), _numbers(circle["y"])
    inside = (cx >= x_range[0]) & (cx <= x_range[1]) & (cy >= y_range[0]) & (cy <= y_range[1])
    assert inside.sum() > 100
    np.testing.assert_allclose(np.hypot(cx, cy), 1.0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    re=st.lists(st.floats(-3, 3), min_size=1, max_size=6),
    im=st.lists(st.floats(-3, 3), min_size=1, max_size=6),
)
def test_the_view_frames_the_values_and_a_point_of_the_unit_circle(
    re: list[float], im: list[float]
) -> None:
    n = min(len(re), len(im))
    v = np.array(re[:n]) + 1j * np.array(im[:n])
    (x0, x1), (y0, y1) = unit_circle_view(v)
    assert (x0 <= v.real).all() and (v.real <= x1).all()
    assert (y0 <= v.imag).all() and (v.imag <= y1).all()
    t = np.linspace(0, 2 * np.pi, 20001)
    on_circle = (np.cos(t) >= x0) & (np.cos(t) <= x1) & (np.sin(t) >= y0) & (np.sin(t) <= y1)
    assert on_circle.any()


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_map_legend_lines_read_on_the_light_and_the_dark_theme() -> None:
    """Each line in the legend stands out from both page backgrounds: contrast ratio >= 2
    (the computed contour was black: 1.1 against the dark theme, invisible in its legend;
    the Okabe-Ito orange of the analytic boundary is 2.1 against white)."""
    x = np.linspace(0.01, 1.0, 5)
    heat_and_lines = stability_figure(
        x, x, np.full((5, 5), 0.9), x_title="h", y_title="γ", x_log=False, y_log=False,
        contour=(x, x), boundary=(x, x, "|1 + hλ| = 1"),
    )  # fmt: skip
    spec = json.loads(figure_json(heat_and_lines))
    lines = [t for t in spec["data"] if t.get("mode") == "lines" and t.get("showlegend", True)]
    assert lines
    for t in lines:
        colour = t["line"]["color"]
        for background in ("#ffffff", "#0e1117"):  # Streamlit's light and dark backgrounds
            assert _contrast(colour, background) >= 2, (t["name"], colour, background)
