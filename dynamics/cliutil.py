"""Argument parsing helpers shared by every ``python -m dynamics`` sub-command.

Every bad input ends as one line on stderr naming the parameter and its valid range, and
exit code 2 (argparse's own convention); never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn


class CliError(Exception):
    """A user error: the message is printed as one line and the process exits with 2."""


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are a single line without the usage block."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {message.splitlines()[0] if message else 'bad arguments'}\n")
        raise SystemExit(2)


def _fmt(x: float) -> str:
    return f"{x:g}"


def float_in(name: str, lo: float, hi: float, *, lo_open: bool = False) -> Callable[[str], float]:
    """Argparse ``type=``: a finite float in [lo, hi] (or (lo, hi] with ``lo_open``)."""
    left = "(" if lo_open else "["
    rng = f" in {left}{_fmt(lo)}, {_fmt(hi)}]" if math.isfinite(lo) or math.isfinite(hi) else ""

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number{rng}, got {text!r}") from None
        if not math.isfinite(x):
            raise argparse.ArgumentTypeError(f"must be a finite number{rng}, got {text!r}")
        if x > hi or x < lo or (lo_open and x == lo):
            raise argparse.ArgumentTypeError(f"must be{rng}, got {text!r}")
        return x

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def int_in(name: str, lo: int, hi: int) -> Callable[[str], int]:
    """Argparse ``type=``: an integer in [lo, hi]."""

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be an integer in [{lo}, {hi}], got {text!r}"
            ) from None
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"must be in [{lo}, {hi}], got {text!r}")
        return n

    parse.__name__ = name
    return parse


def pair_of_floats(name: str, lo: float, hi: float) -> Callable[[str], tuple[float, float]]:
    """Argparse ``type=``: ``A,B`` with both finite and in [lo, hi]."""
    rng = f"[{_fmt(lo)}, {_fmt(hi)}]"

    def parse(text: str) -> tuple[float, float]:
        parts = text.split(",")
        try:
            if len(parts) != 2:
                raise ValueError
            a, b = float(parts[0]), float(parts[1])
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be two numbers A,B in {rng}, got {text!r}"
            ) from None
        if not all(math.isfinite(v) and lo <= v <= hi for v in (a, b)):
            raise argparse.ArgumentTypeError(
                f"both values must be finite and in {rng}, got {text!r}"
            )
        return a, b

    parse.__name__ = name
    return parse


_NEGATIVE_VALUE = re.compile(r"^-[\d.]")


def join_negative_values(argv: Sequence[str]) -> list[str]:
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


def run_cli(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the chosen handler and print its result as JSON (or text).

    User errors end as one line on stderr with exit code 2, never a traceback.
    """
    argv = join_negative_values(sys.argv[1:] if argv is None else argv)
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
