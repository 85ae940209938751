"""``gmm-run`` and ``gmm-batch``: the mixture-of-Gaussians GAN (after Li et al.) from the CLI.

Both handlers return a JSON-serialisable dict (the main CLI prints it). Bad input ends as one
line on stderr naming the parameter and its valid range, with exit code 2:

* per-argument checks are argparse ``type=`` functions (ranges from ``GMMSettings.RANGES``);
* cross-argument checks raise :class:`~dynamics.cliutil.CliError`: ``--lr`` excludes
  ``--lr-gen``/``--lr-disc`` (as in the Dirac-GAN commands; an unset one defaults to 0.1);
  ``--simultaneous`` needs ``k = 1``; ``--k``, ``--simultaneous``, ``--ell`` and ``--lr-disc``
  only apply to ``--dynamics first-order``; ``gmm-batch`` is limited to
  ``runs × steps ≤ MAX_RUN_STEPS`` and (first-order) ``runs × steps × k ≤ MAX_DISC_STEPS`` so
  that one call stays under about a minute.

Equal target means are allowed: G* is then a single Gaussian and the model is still well defined.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from dynamics import gmm
from dynamics.cliutil import CliError, OneLineParser, float_in, int_in, pair_of_floats, run_cli

R = gmm.GMMSettings.RANGES
DEFAULTS = gmm.GMMSettings()
MAX_RUN_STEPS = 30_000_000
"""gmm-batch: maximum runs × steps (1000 × 1500 optimal-dynamics run-steps take about 3 s)."""
MAX_DISC_STEPS = 100_000_000
"""gmm-batch, first-order: maximum runs × steps × k (1000 × 1500 × 25 take about 4 s)."""


def _ell_quad(text: str) -> tuple[float, float, float, float]:
    """Argparse ``type=`` for ``--ell``: four ordered finite numbers in the ``ell_range`` range."""
    lo, hi = R["ell_range"]
    rng = f"[{lo:g}, {hi:g}]"
    parts = text.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be four numbers L1,L2,L3,L4 in {rng}, got {text!r}"
        ) from None
    if not all(math.isfinite(v) and lo <= v <= hi for v in values):
        raise argparse.ArgumentTypeError(f"all values must be finite and in {rng}, got {text!r}")
    if any(b < a for a, b in itertools.pairwise(values)):
        raise argparse.ArgumentTypeError(f"must satisfy L1 <= L2 <= L3 <= L4, got {text!r}")
    return values  # type: ignore[return-value]  # four values: checked above


def _add_common(p: argparse.ArgumentParser) -> None:
    k_lo, k_hi = R["k"]
    e_lo, e_hi = R["eta_gen"]
    s_lo, s_hi = R["steps"]
    t_lo, t_hi = R["target"]
    p.add_argument(
        "--k",
        type=int_in("--k", int(k_lo), int(k_hi)),
        default=None,
        help=f"discriminator steps per generator step, first-order (default 1, {k_lo}..{k_hi})",
    )
    p.add_argument(
        "--simultaneous",
        action="store_true",
        help="first-order, k = 1: both players step from the same old state",
    )
    p.add_argument(
        "--lr",
        type=float_in("--lr", e_lo, e_hi, lo_open=True),
        default=None,
        help=f"learning rate of both players (default {DEFAULTS.eta_gen:g}, ({e_lo:g}, {e_hi:g}])",
    )
    p.add_argument(
        "--lr-gen",
        type=float_in("--lr-gen", e_lo, e_hi, lo_open=True),
        default=None,
        help="generator learning rate (instead of --lr)",
    )
    p.add_argument(
        "--lr-disc",
        type=float_in("--lr-disc", e_lo, e_hi, lo_open=True),
        default=None,
        help="discriminator learning rate, first-order only (instead of --lr)",
    )
    p.add_argument(
        "--steps",
        type=int_in("--steps", int(s_lo), int(s_hi)),
        default=DEFAULTS.steps,
        help=f"generator steps (default {DEFAULTS.steps}, {s_lo}..{s_hi})",
    )
    p.add_argument(
        "--target",
        type=pair_of_floats("--target", t_lo, t_hi),
        default=DEFAULTS.target,
        help=f"true means A,B (default {DEFAULTS.target[0]:g},{DEFAULTS.target[1]:g}; write "
        "--target=-2,2 for a negative first value)",
    )


def _add_outcome(p: argparse.ArgumentParser) -> None:
    tol_lo, tol_hi = R["tol"]
    c_lo, c_hi = R["collapse"]
    p.add_argument(
        "--tol",
        type=float_in("--tol", tol_lo, tol_hi, lo_open=True),
        default=DEFAULTS.tol,
        help=f"converged if max|sort(mu) - sort(mu*)| < tol (default {DEFAULTS.tol:g})",
    )
    p.add_argument(
        "--collapse",
        type=float_in("--collapse", c_lo, c_hi),
        default=DEFAULTS.collapse,
        help=f"collapsed if not converged and |mu1 - mu2| < this (default {DEFAULTS.collapse:g})",
    )


def _resolve(args: argparse.Namespace) -> dict[str, Any]:
    """Cross-argument checks; returns the keyword settings shared by both commands."""
    first_order = args.dynamics == "first-order"
    if not first_order:
        for flag, given in (
            ("--k", args.k is not None),
            ("--simultaneous", args.simultaneous),
            ("--lr-disc", args.lr_disc is not None),
            ("--ell", getattr(args, "ell", None) is not None),
        ):
            if given:
                raise CliError(f"{flag} applies only to --dynamics first-order")
    if args.lr is not None and (args.lr_gen is not None or args.lr_disc is not None):
        raise CliError("--lr: give either --lr or --lr-gen/--lr-disc, not both")
    k = 1 if args.k is None else args.k
    if args.simultaneous and k != 1:
        raise CliError(f"--simultaneous requires --k 1, got --k {k}")
    eta = DEFAULTS.eta_gen if args.lr is None else args.lr
    eta_gen = eta if args.lr_gen is None else args.lr_gen
    eta_disc = (eta if args.lr_disc is None else args.lr_disc) if first_order else 0.0
    return {
        "dynamics": args.dynamics,
        "k": k,
        "simultaneous": bool(args.simultaneous),
        "eta_gen": float(eta_gen),
        "eta_disc": float(eta_disc),
        "steps": args.steps,
        "target": (float(args.target[0]), float(args.target[1])),
    }


def _floats(a: np.ndarray) -> list[Any]:
    return np.asarray(a, dtype=float).tolist()


def gmm_run(args: argparse.Namespace) -> dict[str, Any]:
    """Handler of ``gmm-run``: one run, its full path and its status badge."""
    s = _resolve(args)
    seed = DEFAULTS.seed if args.seed is None else args.seed
    rng = np.random.default_rng(seed)
    mu_draw, ell_draw = gmm.draw_starts(rng, 1, DEFAULTS.mu_range, DEFAULTS.ell_range)
    start = np.asarray(args.start if args.start is not None else mu_draw[0], dtype=float)
    if s["dynamics"] == "optimal":
        result = gmm.run_optimal(start, s["target"], s["eta_gen"], s["steps"])
        ell0 = None
    else:
        ell0 = np.asarray(args.ell if args.ell is not None else ell_draw[0], dtype=float)
        result = gmm.run_first_order(
            start, ell0, s["target"], s["eta_gen"], s["eta_disc"], s["steps"], s["k"],
            s["simultaneous"],
        )  # fmt: skip
    settings = {
        **{key: list(v) if isinstance(v, tuple) else v for key, v in s.items()},
        **({"k": None, "eta_disc": None} if s["dynamics"] == "optimal" else {}),
        "start": _floats(start),
        "ell0": None if ell0 is None else _floats(ell0),
        "seed": seed,
        "start_from": "--start" if args.start is not None else "seed",
        "ell0_from": None if ell0 is None else ("--ell" if args.ell is not None else "seed"),
        "tol": args.tol,
        "collapse": args.collapse,
    }
    return {
        "command": "gmm-run",
        "model": "mixture-of-Gaussians GAN after Li, Madry, Peebles, Schmidt (ICML 2018)",
        "settings": settings,
        "status": gmm.run_status(result, 0, tol=args.tol, collapse=args.collapse),
        "outcome": str(gmm.classify(result.mu[-1, 0], s["target"], args.tol, args.collapse)),
        "final": {
            "mu": _floats(result.mu[-1, 0]),
            "ell": _floats(result.ell[-1, 0]),
            "tv": float(result.tv[-1, 0]),
        },
        "path": {
            "mu": _floats(result.mu[:, 0]),
            "ell": _floats(result.ell[:, 0]),
            "tv": _floats(result.tv[:, 0]),
            "objective": _floats(result.objective[:, 0]),
            "suboptimality": _floats(result.suboptimality[:, 0]),
            "gap": _floats(result.gap[:, 0]),
            "grad_norm": _floats(result.grad_norm[:, 0]),
        },
    }


def gmm_batch(args: argparse.Namespace) -> dict[str, Any]:
    """Handler of ``gmm-batch``: outcome fractions over random starts."""
    s = _resolve(args)
    if args.runs * s["steps"] > MAX_RUN_STEPS:
        raise CliError(
            f"--runs × --steps must be <= {MAX_RUN_STEPS:,}, got {args.runs} × {s['steps']}"
        )
    if s["dynamics"] == "first-order" and args.runs * s["steps"] * s["k"] > MAX_DISC_STEPS:
        raise CliError(
            f"--runs × --steps × --k must be <= {MAX_DISC_STEPS:,}, "
            f"got {args.runs} × {s['steps']} × {s['k']}"
        )
    result = gmm.batch_experiment(
        dynamics=s["dynamics"],
        k=s["k"],
        simultaneous=s["simultaneous"],
        runs=args.runs,
        seed=args.seed,
        steps=s["steps"],
        target=s["target"],
        tol=args.tol,
        collapse=args.collapse,
        eta_gen=s["eta_gen"],
        eta_disc=s["eta_disc"] if s["dynamics"] == "first-order" else DEFAULTS.eta_disc,
    )
    out = result.to_dict()
    if s["dynamics"] == "optimal":  # the optimal discriminator has no learning rate and no k
        out["settings"].update(eta_disc=None, k=None)
    return {"command": "gmm-batch", **out}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``gmm-run`` and ``gmm-batch`` to the main ``python -m dynamics`` parser."""
    r_lo, r_hi = R["runs"]
    seed_lo, seed_hi = R["seed"]
    mu_lo, mu_hi = R["mu_range"]

    run = subparsers.add_parser(
        "gmm-run", help="one run of the mixture-of-Gaussians GAN (after Li et al.) as JSON"
    )
    run.add_argument(
        "--dynamics",
        choices=("optimal", "first-order"),
        default="optimal",
        help="optimal discriminator each step, or k projected gradient steps (default optimal)",
    )
    _add_common(run)
    run.add_argument(
        "--start",
        type=pair_of_floats("--start", mu_lo, mu_hi),
        default=None,
        help="starting generator means M1,M2 (default: drawn from --seed)",
    )
    group = run.add_mutually_exclusive_group()
    group.add_argument(
        "--ell",
        type=_ell_quad,
        default=None,
        help="first-order: starting interval ends L1<=L2<=L3<=L4 (default: drawn from --seed)",
    )
    group.add_argument(
        "--seed",
        type=int_in("--seed", int(seed_lo), int(seed_hi)),
        default=None,
        help="seed for the starts not given explicitly (default 0)",
    )
    _add_outcome(run)
    run.set_defaults(handler=gmm_run)

    batch = subparsers.add_parser(
        "gmm-batch", help="outcome fractions of the GMM-GAN (after Li et al.) over random starts"
    )
    batch.add_argument(
        "--dynamics",
        choices=("optimal", "first-order"),
        required=True,
        help="optimal discriminator each step, or k projected gradient steps",
    )
    _add_common(batch)
    batch.add_argument(
        "--runs",
        type=int_in("--runs", int(r_lo), int(r_hi)),
        default=DEFAULTS.runs,
        help=f"number of random starts (default {DEFAULTS.runs}, {r_lo}..{r_hi})",
    )
    batch.add_argument(
        "--seed",
        type=int_in("--seed", int(seed_lo), int(seed_hi)),
        default=DEFAULTS.seed,
        help="seed of the random starts (default 0)",
    )
    _add_outcome(batch)
    batch.set_defaults(handler=gmm_batch)


#: The sub-commands of this module (``python -m dynamics`` runs them through :func:`main`).
COMMANDS = ("gmm-run", "gmm-batch")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dynamics gmm-run|gmm-batch ...`` without loading the Dirac-GAN commands.

    Same parser, messages and exit codes as :func:`dynamics.cli.main`; it only skips importing
    what the GMM commands do not use (SciPy's ODE solvers and the Dirac-GAN registries take
    about half a second to import, longer than a default batch).
    """
    parser = OneLineParser(
        prog="python -m dynamics",
        description="GAN training dynamics: the mixture-of-Gaussians GAN commands, JSON out.",
    )
    register(parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser))
    return run_cli(parser, argv)
