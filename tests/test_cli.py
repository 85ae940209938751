"""``python -m dynamics``: JSON shapes, the behaviours of docs/theory.md §1 and §2 through the CLI,
and one-line errors (exit 2, no traceback) for every kind of bad input.

Most cases call ``dynamics.cli.main`` in-process; a handful of real subprocesses, started in
parallel, check the module entry point, exit codes and streams end to end.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dynamics.cli import MAX_STEPS, START_LIMIT, main
from dynamics.methods import HYPER_PARAMS, HYPER_RANGES, METHODS, STATUSES, Hyper, simulate
from dynamics.spectrum import verdict
from dynamics.variants import VARIANTS, make_game

ROOT = Path(__file__).resolve().parents[1]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """main() in-process: (exit code, stdout, stderr); argparse errors raise SystemExit."""
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = exc.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    return int(rc or 0), out, err


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    rc, out, err = run(argv, capsys)
    assert rc == 0, err
    assert err == ""
    return json.loads(out)


def traj(*extra: str, variant: str = "standard", method: str = "simgd") -> list[str]:
    return ["trajectory", "--variant", variant, "--method", method, *extra]


# ------------------------------------------------------------------------ listings


def test_variants_listing(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(["variants"], capsys)
    assert [v["name"] for v in data] == list(VARIANTS)
    for v in data:
        reg = VARIANTS[v["name"]]
        assert v["label"] == reg.label
        assert [p["name"] for p in v["params"]] == [p.name for p in reg.params]
        for p, rp in zip(v["params"], reg.params, strict=True):
            assert (p["default"], p["min"], p["max"]) == (rp.default, rp.lo, rp.hi)
            assert p["label"] and p["help"]
        assert v["methods"] == list(METHODS)
        assert v["differentiable_at_equilibrium"] is reg.differentiable
        assert (v["eigenvalue_formula"] is None) is (not reg.differentiable)
        assert (v["reason"] is None) is reg.differentiable
    gp = next(v for v in data if v["name"] == "wgan-gp")
    assert "not differentiable at the equilibrium" in gp["reason"]


def test_methods_listing(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(["methods"], capsys)
    assert [m["name"] for m in data] == list(METHODS)
    defaults = Hyper()
    for m in data:
        reg = METHODS[m["name"]]
        assert set(m["hyper_parameters"]) == set(reg.uses)
        for name, spec in m["hyper_parameters"].items():
            assert spec["default"] == getattr(defaults, name)
            assert (spec["min"], spec["max"]) == HYPER_RANGES[name]
        assert m["update_eigenvalue_formula"] == reg.formula
        assert (m["reason"] is None) is (reg.operator is not None)
    adam = next(m for m in data if m["name"] == "adam")
    assert adam["reason"] and adam["update_eigenvalue_formula"] is None


# ---------------------------------------------------------------------- trajectory


def test_trajectory_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = traj("--start", "0.5,-0.25", "--steps", "40", "--n-disc", "3", method="altgd")
    argv[2] = "gradient-penalty"
    data = run_json(argv, capsys)
    assert data["variant"] == "gradient-penalty" and data["method"] == "altgd"
    assert data["params"] == {"gamma": 0.3}  # resolved default
    assert data["hyper"] == {"lr_gen": 0.2, "lr_disc": 0.2, "n_gen": 1, "n_disc": 3}
    assert data["start"] == [0.5, -0.25] and data["steps"] == 40
    assert data["status"] in STATUSES and data["diverged_at"] is None
    pts = np.array(data["points"])
    assert pts.shape == (41, 2)
    np.testing.assert_array_equal(pts[0], [0.5, -0.25])
    # The same run through the library.
    t = simulate(make_game("gradient-penalty"), "altgd", Hyper(n_disc=3), [[0.5, -0.25]], 40)
    np.testing.assert_array_equal(pts, t.path(0))
    assert data["status"] == t.status[0]
    assert data["final_distance"] == pytest.approx(math.hypot(*pts[-1]))


def test_trajectory_diverged(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        traj("--start", "1,1", "--steps", "500", "--lr", "50", variant="non-saturating"), capsys
    )
    assert data["status"] == "diverged"
    k = data["diverged_at"]
    assert isinstance(k, int) and 0 < k < 500
    assert len(data["points"]) == k  # only the kept prefix
    assert np.isfinite(np.array(data["points"])).all()


def test_trajectory_separate_rates_and_hyper(capsys: pytest.CaptureFixture[str]) -> None:
    flags = [
        "--start",
        "1,1",
        "--steps",
        "3",
        "--lr-gen",
        "0.1",
        "--lr-disc",
        "0.4",
        "--beta",
        "-0.3",
    ]
    data = run_json(traj(*flags, method="momentum-alt"), capsys)
    want = {"lr_gen": 0.1, "lr_disc": 0.4, "beta": -0.3, "n_gen": 1, "n_disc": 1}
    assert data["hyper"] == want


def test_trajectory_csv_matches_json(capsys: pytest.CaptureFixture[str]) -> None:
    base = traj("--start", "-1,1", "--steps", "25", method="extragradient")
    rows = list(csv.reader(io.StringIO(run([*base, "--format", "csv"], capsys)[1])))
    assert rows[0] == ["step", "theta", "psi", "distance"]
    body = np.array(rows[1:], dtype=float)
    assert body.shape == (26, 4)
    np.testing.assert_array_equal(body[:, 0], np.arange(26))
    pts = np.array(run_json(base, capsys)["points"])
    np.testing.assert_array_equal(body[:, 1:3], pts)  # repr() round-trips exactly
    np.testing.assert_allclose(body[:, 3], np.hypot(pts[:, 0], pts[:, 1]), rtol=1e-15)


@pytest.mark.parametrize("start", [["--start", "-1,1"], ["--start=-1,1"], ["--start", "-1,-0.5"]])
def test_negative_start(start: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(traj(*start, "--steps", "2"), capsys)
    want = [float(x) for x in start[-1].split("=")[-1].split(",")]
    assert data["start"] == want
    assert data["points"][0] == want


def test_trajectory_zero_steps_and_limits(capsys: pytest.CaptureFixture[str]) -> None:
    lim = f"{START_LIMIT:g}"
    data = run_json(traj("--start", f"{lim},-{lim}", "--steps", "0"), capsys)
    assert data["points"] == [[START_LIMIT, -START_LIMIT]]


# ------------------------------------------------------------------------ spectrum


def _is_sorted_pairs(pairs: list[list[float]]) -> bool:
    key = [(round(re, 12), im) for re, im in pairs]
    return key == sorted(key)


def test_spectrum_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        ["spectrum", "--variant", "consensus", "--method", "optimistic", "--gamma", "2"], capsys
    )
    c, u = data["continuous"], data["update"]
    assert data["params"] == {"gamma": 2.0}
    for pairs in (c["numeric"], c["analytic"], u["numeric"], u["analytic"]):
        assert all(len(p) == 2 for p in pairs)
        assert _is_sorted_pairs(pairs)
    assert len(u["analytic"]) == 4  # optimistic: augmented state (z, previous gradient)
    # consensus: −γ f'(0)² ± i f'(0)
    np.testing.assert_allclose(c["analytic"], [[-0.5, -0.5], [-0.5, 0.5]], atol=1e-12)
    assert u["spectral_radius"] == pytest.approx(max(math.hypot(*p) for p in u["analytic"]))
    assert data["verdict"] == verdict(u["spectral_radius"])
    assert data["reason"] is None


def test_spectrum_wgan_gp_has_null_numbers_and_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(["spectrum", "--variant", "wgan-gp", "--method", "simgd"], capsys)
    for part in (data["continuous"], data["update"]):
        assert part["numeric"] is None and part["analytic"] is None
        assert "not differentiable at the equilibrium" in part["reason"]
    assert data["verdict"] is None and data["update"]["spectral_radius"] is None
    assert "not differentiable at the equilibrium" in data["reason"]


def test_spectrum_adam_has_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(["spectrum", "--variant", "standard", "--method", "adam"], capsys)
    assert data["update"]["numeric"] is None and data["reason"]
    assert data["continuous"]["numeric"] is not None


# ------------------------------------------------------------------------ bad input

BASE = ["--start", "1,1", "--steps", "10"]


def _bad_cases() -> list[tuple[list[str], str]]:
    """(argv, the parameter the one-line error must name)."""
    cases: list[tuple[list[str], str]] = [
        (traj(*BASE, variant="nope"), "--variant"),
        (traj(*BASE, method="nope"), "--method"),
        (["spectrum", "--variant", "nope", "--method", "simgd"], "--variant"),
        (["spectrum", "--variant", "standard", "--method", "sgd"], "--method"),
        (traj("--steps", "10"), "--start"),
        (traj("--start", "1,1"), "--steps"),
    ]
    # Every hyper-parameter flag: out of range on both sides, NaN, ±inf, not a number.
    users = {
        "lr": "simgd",
        "lr_gen": "simgd",
        "lr_disc": "simgd",
        "n_gen": "altgd",
        "n_disc": "altgd",
        "beta": "momentum",
        "beta1": "adam",
        "beta2": "adam",
        "eps": "adam",
    }
    # The schema's other entries: a method that uses each (SGA λ, lookahead k and α, ...).
    users |= {
        n: next(m.name for m in METHODS.values() if n in m.uses)
        for n in HYPER_RANGES
        if n not in users
    }
    for field, method in users.items():
        lo, hi = HYPER_RANGES["lr_gen" if field == "lr" else field]
        flag = "--" + field.replace("_", "-")
        if field != "lr" and HYPER_PARAMS[field].integer:
            values = [str(int(lo) - 1), str(int(hi) + 1), "1.5", "two", "nan"]
        else:
            below = -1.0 if lo == 0 else (lo / 10 if lo > 0 else lo - 1)
            values = [repr(below), repr(hi * 1.5 + 1), "nan", "inf", "-inf", "abc", ""]
        for value in values:
            cases.append((traj(*BASE, flag, value, method=method), flag))
    # Every variant parameter: out of range for its variant, NaN, inf.
    for v in VARIANTS.values():
        for p in v.params:
            flag = "--" + p.name
            for value in (repr(p.lo - 1), repr(p.hi + 1), "nan", "inf", "x"):
                cases.append((traj(*BASE, flag, value, variant=v.name), flag))
                cases.append(
                    (["spectrum", "--variant", v.name, "--method", "simgd", flag, value], flag)
                )
    # --start: malformed, non-finite, out of range.
    for value in [
        "1",
        "1,2,3",
        "a,b",
        "",
        ",",
        "1,",
        "nan,1",
        "1,inf",
        "-inf,0",
        f"{START_LIMIT * 1.01:g},0",
        f"0,-{START_LIMIT * 1.01:g}",
        "-1",
    ]:
        cases.append((traj("--start", value, "--steps", "10"), "--start"))
    # --steps: beyond the maximum, negative, not an integer.
    for value in [str(MAX_STEPS + 1), "-1", "-100", "1.5", "1e3", "ten", ""]:
        cases.append((traj("--start", "1,1", "--steps", value), "--steps"))
    # --tol: (0, 1].
    for value in ["0", "-0.1", "1.5", "nan"]:
        cases.append((traj(*BASE, "--tol", value), "--tol"))
    cases += [
        # A parameter the variant does not have.
        (traj(*BASE, "--gamma", "0.5"), "--gamma"),
        (traj(*BASE, "--sigma", "0.5", variant="wgan"), "--sigma"),
        (traj(*BASE, "--clip", "0.5", variant="gradient-penalty"), "--clip"),
        (["spectrum", "--variant", "consensus", "--method", "simgd", "--g0", "1"], "--g0"),
        # A hyper-parameter the method does not use.
        (traj(*BASE, "--beta", "0.1"), "--beta"),
        (traj(*BASE, "--n-gen", "2"), "--n-gen"),
        (traj(*BASE, "--n-disc", "2", method="extragradient"), "--n-disc"),
        (traj(*BASE, "--eps", "1e-4", method="altgd"), "--eps"),
        (traj(*BASE, "--beta1", "0.5", method="momentum"), "--beta1"),
        (["spectrum", "--variant", "standard", "--method", "flow", "--beta2", "0.9"], "--beta2"),
        # --lr together with a per-player rate.
        (traj(*BASE, "--lr", "0.1", "--lr-gen", "0.2"), "--lr"),
        (traj(*BASE, "--lr", "0.1", "--lr-disc", "0.2"), "--lr"),
        # Unknown flag / format.
        (traj(*BASE, "--format", "xml"), "--format"),
    ]
    return cases


BAD = _bad_cases()


@pytest.mark.parametrize(("argv", "name"), BAD, ids=[" ".join(a[1:]) for a, _ in BAD])
def test_bad_input_is_one_line_naming_the_parameter(
    argv: list[str], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, err = run(argv, capsys)
    assert rc == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("error: ")
    assert name in err, err
    assert "Traceback" not in err


def test_bad_input_table_covers_every_numeric_flag() -> None:
    named = {name for _, name in BAD}
    flags = {"--" + f.replace("_", "-") for f in HYPER_RANGES} | {"--lr", "--start", "--steps"}
    flags |= {"--" + p.name for v in VARIANTS.values() for p in v.params}
    assert flags <= named


# ------------------------------------------------------------ real subprocesses

SUBPROCESS_RUNS: dict[str, list[str]] = {
    "variants": ["variants"],
    "methods": ["methods"],
    "simgd": traj("--start", "1,1", "--steps", "500"),
    "altgd": traj("--start", "1,1", "--steps", "500", method="altgd"),
    "penalty": traj("--start", "1,1", "--steps", "500", variant="gradient-penalty"),
    "noise": traj("--start", "1,1", "--steps", "500", variant="instance-noise", method="altgd"),
    "critical": ["spectrum", "--variant", "gradient-penalty", "--method", "simgd", "--gamma", "1"],
    "csv": traj("--start", "-1,1", "--steps", "3", "--format", "csv"),
    "bad": traj("--start", "1,1", "--steps", "10", "--lr", "nan"),
}


@pytest.fixture(scope="module")
def cli_runs() -> dict[str, subprocess.CompletedProcess[str]]:
    """All subprocess runs, started at once: (returncode, stdout, stderr) per name."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "dynamics", *argv],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, argv in SUBPROCESS_RUNS.items()
    }
    results = {}
    for name, p in procs.items():
        out, err = p.communicate(timeout=60)
        results[name] = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    return results


@pytest.mark.parametrize("name", [n for n in SUBPROCESS_RUNS if n != "bad"])
def test_subprocess_succeeds_cleanly(
    name: str, cli_runs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    r = cli_runs[name]
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert "Traceback" not in r.stdout
    if name != "csv":
        json.loads(r.stdout)


def test_subprocess_listings(cli_runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    assert [v["name"] for v in json.loads(cli_runs["variants"].stdout)] == list(VARIANTS)
    assert [m["name"] for m in json.loads(cli_runs["methods"].stdout)] == list(METHODS)


def _distances(r: subprocess.CompletedProcess[str]) -> np.ndarray:
    pts = np.array(json.loads(r.stdout)["points"])
    return np.hypot(pts[:, 0], pts[:, 1])


def test_subprocess_simgd_spirals_out(
    cli_runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    d = _distances(cli_runs["simgd"])
    assert len(d) == 501
    assert d[-1] > d[0]
    assert (np.diff(d) >= -1e-15).all()  # every step moves outwards


def test_subprocess_altgd_circles(cli_runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    data = json.loads(cli_runs["altgd"].stdout)
    d = _distances(cli_runs["altgd"])
    assert data["status"] == "not converged"
    assert 0.9 * d[0] <= d.min() and d.max() <= 1.1 * d[0]


@pytest.mark.parametrize("name", ["penalty", "noise"])
def test_subprocess_regularised_games_converge(
    name: str, cli_runs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    data = json.loads(cli_runs[name].stdout)
    assert data["status"] == "converged"
    assert data["final_distance"] < data["tol"]


def test_subprocess_critical_damping(cli_runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    data = json.loads(cli_runs["critical"].stdout)
    lam = np.array(data["continuous"]["analytic"])
    np.testing.assert_allclose(lam, [[-0.5, 0.0], [-0.5, 0.0]], atol=1e-7)  # double real root
    assert data["verdict"] == "converges"


def test_subprocess_csv(cli_runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    lines = cli_runs["csv"].stdout.splitlines()
    assert lines[0] == "step,theta,psi,distance"
    assert len(lines) == 5
    assert lines[1].split(",")[:3] == ["0", "-1.0", "1.0"]


def test_subprocess_bad_input(cli_runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    r = cli_runs["bad"]
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and "--lr" in r.stderr
    assert "Traceback" not in r.stderr
