"""Hostile input that once broke a session or the CLI (issue 21, items 6-8).

* chart clicks far outside the chart or too big for a float (``ui.controls.snap``,
  ``ui.state.new_click``);
* URL text that Streamlit's Markdown turns into an icon even when escaped
  (``ui.state.md_literal``);
* the CLI writing to a full disk.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from ui.controls import snap
from ui.state import WORD_JOINER, md_literal

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------ chart clicks


@pytest.mark.parametrize("x", [1e307, -1e307, 1.7976931348623157e308, -1e308, 5e-324, 0.0])
@pytest.mark.parametrize(("step", "lo", "hi"), [(0.02, -20.0, 20.0), (0.1, -4.0, 4.0)])
def test_snap_takes_any_finite_click(x: float, step: float, lo: float, hi: float) -> None:
    v = snap(x, step, lo, hi)
    assert lo <= v <= hi and math.isfinite(v)


@given(
    x=st.floats(allow_nan=False, allow_infinity=False),
    step=st.sampled_from([0.005, 0.02, 0.05, 0.1, 0.2]),
)
def test_snap_stays_in_range_on_the_grid(x: float, step: float) -> None:
    lo, hi = -20.0, 20.0
    v = snap(x, step, lo, hi)
    assert lo <= v <= hi
    assert abs(v / step - round(v / step)) < 1e-6  # on the click grid
    if lo <= x <= hi:
        assert abs(v - x) <= step / 2 + 1e-9  # the nearest grid point


def _click_page(x: object, y: object) -> AppTest:
    """A page that reads a click with ``new_click`` and snaps it, as the explorer does."""

    def script() -> None:
        import streamlit as st

        from ui.controls import snap
        from ui.state import new_click

        xy = new_click("chart")
        if xy is None:
            st.write("no click")
        else:
            st.write(f"{snap(xy[0], 0.02, -20.0, 20.0)},{snap(xy[1], 0.02, -20.0, 20.0)}")

    at = AppTest.from_function(script)
    at.session_state["chart"] = {"click": {"x": x, "y": y, "n": 1}}
    return at.run()


@pytest.mark.parametrize(
    ("x", "y", "shown"),
    [
        (1e307, 0.5, "20.0,0.5"),
        (-1e308, 1e308, "-20.0,20.0"),
        (10**400, 1.0, "no click"),  # float() raises OverflowError
        (1.0, -(10**400), "no click"),
        ("1e999", 1.0, "no click"),  # parses to inf
        ("nan", 1.0, "no click"),
        ([1], 1.0, "no click"),
    ],
)
def test_hostile_click_never_crashes_the_run(x: object, y: object, shown: str) -> None:
    at = _click_page(x, y)
    assert not at.exception, at.exception
    assert at.markdown[0].value == shown


# ------------------------------------------------------------- Markdown icon short codes

#: What Streamlit 1.67's Markdown turns into an icon or the logo *after* resolving
#: backslash escapes (its frontend's patterns: ":material/NAME:", ":streamlit:", emoji
#: short codes such as ":smile:").
ICON = re.compile(r":(material/\w+|streamlit|[\w+-][\w+-]*):")


def _resolved(md: str) -> str:
    """The text after Markdown resolves its backslash escapes."""
    return re.sub(r"\\(.)", r"\1", md)


@pytest.mark.parametrize(
    "text",
    [":material/lock:", ":streamlit:", "x :smile: y", ":material/warning: log in again",
     "::material/lock::", ":material_lock:"],
)  # fmt: skip
def test_md_literal_renders_no_icon(text: str) -> None:
    out = md_literal(text)
    assert ICON.search(_resolved(out)) is None, out
    assert _resolved(out).replace(WORD_JOINER, "") == text, "the visible text changed"


def test_lessons_note_quoting_an_icon_code_shows_no_icon() -> None:
    """The issue's URL: ``/lessons?%3Amaterial%2Flock%3A=1``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params[":material/lock:"] = "1"
    at.switch_page("pages/lessons.py").run()
    assert not at.exception
    notes = [w.value for w in at.warning]
    assert notes, "the unknown key got no note"
    for n in notes:
        assert ICON.search(_resolved(n)) is None, n


# --------------------------------------------------------------------- the CLI, disk full


@pytest.mark.parametrize(
    "args",
    [
        ["variants"],
        ["trajectory", "--variant", "standard", "--method", "simgd", "--start", "1,1",
         "--steps", "3000"],
    ],
)  # fmt: skip
def test_cli_on_a_full_disk_says_so_in_one_line(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        p = subprocess.run(
            [sys.executable, "-m", "dynamics", *args],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr, p.stderr
    assert p.stderr.startswith("error: cannot write the output"), p.stderr
