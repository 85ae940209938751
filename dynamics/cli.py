"""``python -m dynamics``: the numerical core from the command line, JSON out.

Sub-commands: ``variants``, ``methods``, ``trajectory``, ``spectrum`` (the Dirac-GAN) and
``gmm-run``, ``gmm-batch`` (the mixture-of-Gaussians GAN). Bad input of any kind ends as one
line on stderr naming the parameter and its valid range, with exit code 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from dynamics.cliutil import CliError, OneLineParser, float_in, int_in, pair_of_floats, run_cli
from dynamics.equilibria import find_equilibria
from dynamics.methods import (
    CONVERGENCE_TOL,
    HYPER_PARAMS,
    METHODS,
    Hyper,
    get_method,
    simulate,
)
from dynamics.references import cite
from dynamics.spectrum import spectrum
from dynamics.variants import VARIANTS, get_variant, make_game

#: Longest trajectory the CLI computes (the output is one JSON list of points).
MAX_STEPS = 100_000
#: Largest |θ|, |ψ| accepted as a start.
START_LIMIT = 100.0
DEFAULT_LR = HYPER_PARAMS["lr_gen"].default
#: ``spectrum`` lists every equilibrium in [−w, w]² (the verdict is about (0, 0) only).
EQUILIBRIA_BOX = 10.0

_VARIANT_PARAMS = sorted({p.name for v in VARIANTS.values() for p in v.params})
#: Hyper field -> CLI flag, for the method hyper-parameters other than the learning rates
#: (those also have --lr, which sets both); names, types and ranges from HYPER_PARAMS.
_HYPER_FLAGS = {n: p.flag for n, p in HYPER_PARAMS.items() if n not in ("lr_gen", "lr_disc")}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_game_arguments(p: argparse.ArgumentParser, *, need_start: bool) -> None:
    p.add_argument("--variant", required=True, choices=list(VARIANTS), help="training game")
    p.add_argument("--method", required=True, choices=list(METHODS), help="training method")
    lr = HYPER_PARAMS["lr_gen"]
    p.add_argument(
        "--lr",
        type=float_in("--lr", lr.lo, lr.hi),
        help=f"learning rate of both players, in [{lr.lo:g}, {lr.hi:g}] ({DEFAULT_LR:g})",
    )
    for hp in HYPER_PARAMS.values():
        check = (
            int_in(hp.flag, int(hp.lo), int(hp.hi))
            if hp.integer
            else float_in(hp.flag, hp.lo, hp.hi)
        )
        p.add_argument(
            hp.flag,
            type=check,
            help=f"{hp.title}, in [{hp.lo:g}, {hp.hi:g}] ({hp.default:g}). {hp.help}",
        )
    for name in _VARIANT_PARAMS:
        # Ranges depend on the variant; checked after parsing.
        p.add_argument(
            _flag(name), type=float_in(_flag(name), -math.inf, math.inf), help="variant parameter"
        )
    p.add_argument(
        "--start",
        type=pair_of_floats("--start", -START_LIMIT, START_LIMIT),
        required=need_start,
        metavar="THETA,PSI",
        help="start point" + ("" if need_start else " (accepted for symmetry; not used)"),
    )
    p.add_argument(
        "--steps",
        type=int_in("--steps", 0, MAX_STEPS),
        required=need_start,
        help=f"number of steps, at most {MAX_STEPS}"
        + ("" if need_start else " (accepted for symmetry; not used)"),
    )


def _resolve(args: argparse.Namespace) -> tuple[Any, Any, Hyper]:
    """Validate the cross-argument rules and build (game, method, hyper-parameters)."""
    variant = get_variant(args.variant)
    method = get_method(args.method)
    given = {n: getattr(args, n) for n in _VARIANT_PARAMS if getattr(args, n) is not None}
    for name in given:
        if name not in variant.param_index:
            have = ", ".join(_flag(q.name) for q in variant.params) or "none"
            raise CliError(
                f"{_flag(name)} is not a parameter of variant '{variant.name}' (its parameters: {have})"
            )
    for name, value in given.items():
        prm = variant.param_index[name]
        if not prm.lo <= value <= prm.hi:
            raise CliError(
                f"{_flag(name)} must be in [{prm.lo:g}, {prm.hi:g}] for variant "
                f"'{variant.name}', got {value:g}"
            )
    if args.lr is not None and (args.lr_gen is not None or args.lr_disc is not None):
        raise CliError("--lr: give either --lr or --lr-gen/--lr-disc, not both")
    lr = DEFAULT_LR if args.lr is None else args.lr
    hyper: dict[str, Any] = {
        "lr_gen": lr if args.lr_gen is None else args.lr_gen,
        "lr_disc": lr if args.lr_disc is None else args.lr_disc,
    }
    for field, flag in _HYPER_FLAGS.items():
        value = getattr(args, field)
        if value is None:
            continue
        if field not in method.uses:
            uses = ", ".join(sorted(_flag(u) for u in method.uses | {"lr"}))
            raise CliError(f"{flag} is not used by method '{method.name}' (it uses: {uses})")
        hyper[field] = value
    return make_game(variant.name, given), method, Hyper(**hyper)


def _hyper_dict(method: Any, hp: Hyper) -> dict[str, Any]:
    return {k: getattr(hp, k) for k in sorted(method.uses)}


def _pairs(values: np.ndarray | None) -> list[list[float]] | None:
    if values is None:
        return None
    return [[float(z.real), float(z.imag)] for z in values]


def _matrix(m: np.ndarray | None) -> list[list[float]] | None:
    return None if m is None else np.asarray(m, dtype=float).tolist()


def cmd_variants(args: argparse.Namespace) -> list[dict[str, Any]]:
    return [
        {
            "name": v.name,
            "label": v.label,
            "params": [
                {
                    "name": p.name,
                    "label": p.label,
                    "default": p.default,
                    "min": p.lo,
                    "max": p.hi,
                    "help": p.help,
                }
                for p in v.params
            ],
            "methods": list(METHODS),
            "differentiable_at_equilibrium": v.differentiable,
            "eigenvalue_formula": v.eig_latex,
            "reason": v.no_jacobian_reason,
            "reference": cite(v.references, markdown=False),
        }
        for v in VARIANTS.values()
    ]


def cmd_methods(args: argparse.Namespace) -> list[dict[str, Any]]:
    defaults = Hyper()
    return [
        {
            "name": m.name,
            "label": m.label,
            "hyper_parameters": {
                u: {
                    "default": getattr(defaults, u),
                    "min": HYPER_PARAMS[u].lo,
                    "max": HYPER_PARAMS[u].hi,
                    "integer": HYPER_PARAMS[u].integer,
                    "label": HYPER_PARAMS[u].title,
                }
                for u in sorted(m.uses)
            },
            "update_eigenvalue_formula": m.formula,
            "reason": m.no_operator_reason,
            "reference": cite(m.references, markdown=False),
        }
        for m in METHODS.values()
    ]


def cmd_trajectory(args: argparse.Namespace) -> dict[str, Any] | str:
    game, method, hp = _resolve(args)
    traj = simulate(game, method, hp, [args.start], args.steps, tol=args.tol)
    pts = traj.path(0)
    if args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["step", "theta", "psi", "distance"])
        for k, (th, ps) in enumerate(pts):
            w.writerow([k, repr(float(th)), repr(float(ps)), repr(float(math.hypot(th, ps)))])
        return buf.getvalue()
    div = int(traj.diverged_at[0])
    return {
        "variant": game.name,
        "method": method.name,
        "params": dict(game.params),
        "hyper": _hyper_dict(method, hp),
        "start": list(args.start),
        "steps": args.steps,
        "status": traj.status[0],
        "diverged_at": None if div < 0 else div,
        "failed_at": traj.failed_at,
        "final_distance": float(traj.final_distance[0]),
        "tol": args.tol,
        "points": pts.tolist(),
    }


def cmd_spectrum(args: argparse.Namespace) -> dict[str, Any]:
    game, method, hp = _resolve(args)
    s = spectrum(game, method, hp)
    c, u = s.continuous, s.update
    return {
        "variant": game.name,
        "method": method.name,
        "params": dict(game.params),
        "hyper": _hyper_dict(method, hp),
        "continuous": {
            "numeric": _pairs(c.numeric),
            "analytic": _pairs(c.analytic),
            "formula": c.formula,
            "formula_values": c.formula_values,
            "jacobian_numeric": _matrix(c.jacobian_numeric),
            "jacobian_analytic": _matrix(c.jacobian_analytic),
            "reason": c.reason,
        },
        "update": {
            "numeric": _pairs(u.numeric),
            "analytic": _pairs(u.analytic),
            "analytic_is_closed_form": u.closed_form,
            "formula": u.formula,
            "spectral_radius": u.spectral_radius,
            "steps_per_decade": u.steps_per_decade,
            "operator_numeric": _matrix(u.operator_numeric),
            "operator_analytic": _matrix(u.operator_analytic),
            "reason": u.reason,
            "numeric_check": u.check_note,
        },
        "verdict": u.verdict,
        "verdict_at": list(u.at),
        "verdict_scope": "local: what paths do that start close enough to (0, 0)",
        "equilibria": [
            {"point": list(e.point), "kind": e.kind, "segment": e.segment}
            for e in find_equilibria(game, EQUILIBRIA_BOX)
        ],
        "reason": u.reason,
    }


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="python -m dynamics",
        description="GAN training dynamics: Dirac-GAN and mixture-of-Gaussians GAN, JSON out.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    sub.add_parser("variants", help="list the Dirac-GAN variants").set_defaults(
        handler=cmd_variants
    )
    sub.add_parser("methods", help="list the training methods").set_defaults(handler=cmd_methods)
    p = sub.add_parser("trajectory", help="run one Dirac-GAN trajectory")
    _add_game_arguments(p, need_start=True)
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument(
        "--tol",
        type=float_in("--tol", 0.0, 1.0, lo_open=True),
        default=CONVERGENCE_TOL,
        help="distance to the equilibrium that counts as converged",
    )
    p.set_defaults(handler=cmd_trajectory)
    p = sub.add_parser("spectrum", help="eigenvalues at the equilibrium and a verdict")
    _add_game_arguments(p, need_start=False)
    p.set_defaults(handler=cmd_spectrum)
    try:
        from dynamics import gmm_cli
    except ImportError:  # the GMM model is optional for the Dirac-GAN commands
        gmm_cli = None  # type: ignore[assignment]
    if gmm_cli is not None:
        gmm_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli(build_parser(), argv)
