"""``python -m dynamics``: the numerical core from the command line, JSON out.

Sub-commands: ``variants``, ``methods``, ``trajectory``, ``spectrum`` (the Dirac-GAN) and
``gmm-run``, ``gmm-batch`` (the mixture-of-Gaussians GAN). Bad input of any kind ends as one
line on stderr naming the parameter and its valid range, with exit code 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from dynamics.cliutil import CliError, OneLineParser, float_in, int_in, pair_of_floats
from dynamics.methods import (
    CONVERGENCE_TOL,
    HYPER_RANGES,
    METHODS,
    Hyper,
    get_method,
    simulate,
)
from dynamics.spectrum import spectrum
from dynamics.variants import VARIANTS, get_variant, make_game

#: Longest trajectory the CLI computes (the output is one JSON list of points).
MAX_STEPS = 100_000
#: Largest |θ|, |ψ| accepted as a start.
START_LIMIT = 100.0
DEFAULT_LR = 0.2

_VARIANT_PARAMS = sorted({p.name for v in VARIANTS.values() for p in v.params})
# CLI flag -> Hyper field, for the method hyper-parameters other than the learning rates.
_HYPER_FLAGS = {
    "n_gen": "--n-gen",
    "n_disc": "--n-disc",
    "beta": "--beta",
    "beta1": "--beta1",
    "beta2": "--beta2",
    "eps": "--eps",
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_game_arguments(p: argparse.ArgumentParser, *, need_start: bool) -> None:
    p.add_argument("--variant", required=True, choices=list(VARIANTS), help="training game")
    p.add_argument("--method", required=True, choices=list(METHODS), help="training method")
    lo, hi = HYPER_RANGES["lr_gen"]
    p.add_argument(
        "--lr", type=float_in("--lr", lo, hi), help=f"learning rate of both players ({DEFAULT_LR})"
    )
    p.add_argument("--lr-gen", type=float_in("--lr-gen", lo, hi), help="generator learning rate")
    p.add_argument(
        "--lr-disc", type=float_in("--lr-disc", lo, hi), help="discriminator learning rate"
    )
    for field, flag in _HYPER_FLAGS.items():
        lo, hi = HYPER_RANGES[field]
        if field in ("n_gen", "n_disc"):
            p.add_argument(flag, type=int_in(flag, int(lo), int(hi)), help=f"[{lo}, {hi}], 1")
        else:
            p.add_argument(flag, type=float_in(flag, lo, hi), help=f"[{lo:g}, {hi:g}]")
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
            "reference": v.reference,
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
                    "min": HYPER_RANGES[u][0],
                    "max": HYPER_RANGES[u][1],
                }
                for u in sorted(m.uses)
            },
            "update_eigenvalue_formula": m.formula,
            "reason": m.no_operator_reason,
            "reference": m.reference,
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
        },
        "verdict": u.verdict,
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


_NEGATIVE_VALUE = re.compile(r"^-[\d.]")


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--start -1,1`` → ``--start=-1,1``: argparse would take ``-1,1`` for an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        if (
            tok.startswith("--")
            and "=" not in tok
            and nxt is not None
            and _NEGATIVE_VALUE.match(nxt)
        ):
            out.append(f"{tok}={nxt}")
            i += 2
        else:
            out.append(tok)
            i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = _join_negative_values(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 with one line on bad input
    try:
        result = args.handler(args)
    except (CliError, ValueError, KeyError) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        sys.stderr.write(f"error: {msg}\n")
        return 2
    except Exception as exc:  # never a traceback for users
        sys.stderr.write(f"internal error: {type(exc).__name__}: {exc}\n")
        return 1
    try:
        # allow_nan=False: a non-finite number in the output would be a bug; fail loudly.
        text = result if isinstance(result, str) else json.dumps(result, allow_nan=False) + "\n"
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except OSError as exc:  # e.g. a full disk (`> /dev/full`): one line, not a traceback
        # Point stdout at /dev/null, or the interpreter's final flush of what is still
        # buffered fails again and prints "Exception ignored ..." on its way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.stderr.write(f"error: cannot write the output: {exc.strerror or exc}\n")
        return 2
    except ValueError as exc:
        sys.stderr.write(f"internal error: non-finite number in the output ({exc})\n")
        return 1
    return 0
