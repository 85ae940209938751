"""``gmm-run`` and ``gmm-batch``: the mixture-of-Gaussians GAN (after Li et al.) from the CLI.

Both handlers return a JSON-serialisable dict (the main CLI prints it). Bad input ends as one
line on stderr naming the parameter and its valid range, with exit code 2:

* the flags, their ranges, defaults and help derive from ``gmm.GMM_PARAMS`` (one declaration
  per setting; :func:`_flag`), as argparse ``type=`` functions;
* cross-argument checks raise :class:`~dynamics.cliutil.CliError`: ``--lr`` excludes
  ``--lr-gen``/``--lr-disc`` (as in the Dirac-GAN commands; an unset one defaults to 0.1);
  ``--simultaneous`` needs ``k = 1``; ``--k``, ``--simultaneous``, ``--ell`` and ``--lr-disc``
  only apply to ``--dynamics first-order``; ``gmm-batch`` is limited to
  ``runs × steps ≤ gmm.MAX_RUN_STEPS`` and (first-order) ``runs × steps × k ≤
  gmm.MAX_DISC_STEPS`` so that one call stays under about a minute.

Both handlers build one :class:`~dynamics.gmm.GMMSettings` from the flags (:func:`settings_from`).

Equal target means are allowed: G* is then a single Gaussian and the model is still well defined.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dynamics import gmm
from dynamics.cliutil import CliError, OneLineParser, float_in, int_in, pair_of_floats, run_cli

P = gmm.GMM_PARAMS
R = gmm.GMMSettings.RANGES
DEFAULTS = gmm.GMMSettings()
#: Flags named as in the Dirac-GAN commands; every other setting's flag is its field name.
FLAGS = {"eta_gen": "--lr-gen", "eta_disc": "--lr-disc"}


def _flag(
    p: argparse.ArgumentParser | argparse._MutuallyExclusiveGroup,
    name: str,
    extra: str = "",
    *,
    flag: str | None = None,
    label: str | None = None,
    **kwargs: Any,
) -> None:
    """Add the flag of setting ``name`` (or ``flag`` for it): type, range, default and help
    from its declaration in ``gmm.GMM_PARAMS``."""
    param = P[name]
    flag = flag or FLAGS.get(name, param.flag)
    lo, hi = param.lo, param.hi
    kind: Callable[[str], Any]
    if param.pair:
        kind = pair_of_floats(flag, lo, hi)
    elif param.integer:
        kind = int_in(flag, int(lo), int(hi))
    else:
        kind = float_in(flag, lo, hi, lo_open=param.lo_open)
    default = param.default  # what the setting is when the flag is not given
    shown = ",".join(f"{v:g}" for v in default) if param.pair else f"{default:g}"
    if param.integer:
        rng = f"{int(lo)}..{int(hi)}"
    else:
        rng = f"{'(' if param.lo_open else '['}{lo:g}, {hi:g}]"
    kwargs.setdefault("default", default)
    help_text = f"{label or param.label}{extra} (default {shown}; {rng})"
    p.add_argument(flag, type=kind, help=help_text, **kwargs)


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
    _flag(p, "k", ", first-order only", default=None)
    p.add_argument(
        "--simultaneous",
        action="store_true",
        help="first-order, k = 1: both players step from the same old state",
    )
    _flag(p, "eta_gen", flag="--lr", label="learning rate of both players", default=None)
    _flag(p, "eta_gen", " (instead of --lr)", default=None)
    _flag(p, "eta_disc", ", first-order only (instead of --lr)", default=None)
    _flag(p, "steps")
    _flag(p, "target", ": write --target=-2,2 for a negative first value")


def _add_outcome(p: argparse.ArgumentParser) -> None:
    _flag(p, "tol", ": converged if max|sort(mu) - sort(mu*)| < tol")
    _flag(p, "collapse", ": collapsed if not converged and |mu1 - mu2| < this")


def settings_from(args: argparse.Namespace) -> gmm.GMMSettings:
    """Cross-argument checks, then the one :class:`~dynamics.gmm.GMMSettings` of the flags.

    The optimal dynamics have no discriminator rate: theirs stays at the default (the JSON
    output says ``null``).
    """
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
    k = DEFAULTS.k if args.k is None else args.k
    if args.simultaneous and k != 1:
        raise CliError(f"--simultaneous requires --k 1, got --k {k}")
    eta = DEFAULTS.eta_gen if args.lr is None else args.lr
    eta_disc = eta if args.lr_disc is None else args.lr_disc
    seed = getattr(args, "seed", None)
    return gmm.GMMSettings(
        dynamics=args.dynamics,
        k=k,
        simultaneous=bool(args.simultaneous),
        eta_gen=eta if args.lr_gen is None else args.lr_gen,
        eta_disc=eta_disc if first_order else DEFAULTS.eta_disc,
        steps=args.steps,
        runs=getattr(args, "runs", DEFAULTS.runs),
        seed=DEFAULTS.seed if seed is None else seed,
        target=args.target,
        tol=args.tol,
        collapse=args.collapse,
    )


def _model_settings(s: gmm.GMMSettings) -> dict[str, Any]:
    """The settings of the output JSON; ``null`` for what the optimal dynamics do not have."""
    out = s.to_dict()
    if s.dynamics == "optimal":  # the optimal discriminator has no learning rate and no k
        out.update(eta_disc=None, k=None)
    return out


def _floats(a: np.ndarray) -> list[Any]:
    return np.asarray(a, dtype=float).tolist()


def gmm_run(args: argparse.Namespace) -> dict[str, Any]:
    """Handler of ``gmm-run``: one run, its full path and its status badge."""
    s = settings_from(args)
    rng = np.random.default_rng(s.seed)
    mu_draw, ell_draw = gmm.draw_starts(rng, 1, s.mu_range, s.ell_range)
    start = np.asarray(args.start if args.start is not None else mu_draw[0], dtype=float)
    if s.dynamics == "optimal":
        result = gmm.run_optimal(start, s.target, s.eta_gen, s.steps)
        ell0 = None
    else:
        ell0 = np.asarray(args.ell if args.ell is not None else ell_draw[0], dtype=float)
        result = gmm.run_first_order(
            start, ell0, s.target, s.eta_gen, s.eta_disc, s.steps, s.k, s.simultaneous
        )
    model = _model_settings(s)
    settings = {
        **{key: model[key] for key in RUN_SETTINGS},
        "start": _floats(start),
        "ell0": None if ell0 is None else _floats(ell0),
        "seed": s.seed,
        "start_from": "--start" if args.start is not None else "seed",
        "ell0_from": None if ell0 is None else ("--ell" if args.ell is not None else "seed"),
        "tol": s.tol,
        "collapse": s.collapse,
    }
    return {
        "command": "gmm-run",
        "model": "mixture-of-Gaussians GAN after Li, Madry, Peebles, Schmidt (ICML 2018)",
        "settings": settings,
        "status": gmm.run_status(result, 0, tol=s.tol, collapse=s.collapse),
        "outcome": str(gmm.classify(result.mu[-1, 0], s.target, s.tol, s.collapse)),
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


#: The model settings ``gmm-run`` reports (the rest of its settings say where the start came
#: from).
RUN_SETTINGS = ("dynamics", "k", "simultaneous", "eta_gen", "eta_disc", "steps", "target")


def gmm_batch(args: argparse.Namespace) -> dict[str, Any]:
    """Handler of ``gmm-batch``: outcome fractions over random starts."""
    s = settings_from(args)
    if s.runs * s.steps > gmm.MAX_RUN_STEPS:
        raise CliError(
            f"--runs × --steps must be <= {gmm.MAX_RUN_STEPS:,}, got {s.runs} × {s.steps}"
        )
    if s.dynamics == "first-order" and s.runs * s.steps * s.k > gmm.MAX_DISC_STEPS:
        raise CliError(
            f"--runs × --steps × --k must be <= {gmm.MAX_DISC_STEPS:,}, "
            f"got {s.runs} × {s.steps} × {s.k}"
        )
    out = gmm.batch_experiment(s).to_dict()
    out["settings"] = _model_settings(s)
    return {"command": "gmm-batch", **out}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``gmm-run`` and ``gmm-batch`` to the main ``python -m dynamics`` parser."""
    mu_lo, mu_hi = R["mu_range"]
    dynamics = P["dynamics"]

    run = subparsers.add_parser(
        "gmm-run", help="one run of the mixture-of-Gaussians GAN (after Li et al.) as JSON"
    )
    run.add_argument(
        "--dynamics",
        choices=dynamics.choices,
        default=dynamics.default,
        help=f"{dynamics.help} (default {dynamics.default})",
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
    _flag(group, "seed", " for the starts not given explicitly", default=None)
    _add_outcome(run)
    run.set_defaults(handler=gmm_run)

    batch = subparsers.add_parser(
        "gmm-batch", help="outcome fractions of the GMM-GAN (after Li et al.) over random starts"
    )
    batch.add_argument("--dynamics", choices=dynamics.choices, required=True, help=dynamics.help)
    _add_common(batch)
    _flag(batch, "runs", ": random starts")
    _flag(batch, "seed", " of the random starts")
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
