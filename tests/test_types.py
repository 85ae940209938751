"""The type checker: mypy (pinned in requirements-dev.txt, configured in pyproject.toml) finds
no error in the app and its core, and every ``# type: ignore`` there says which error it
silences and why."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
#: ``# type: ignore[code]  # why``: an error code, then the reason on the same line.
EXPLAINED = re.compile(r"# type: ignore\[[a-z-]+(, *[a-z-]+)*\]  # \S")


def _checked_files() -> list[Path]:
    out: list[Path] = []
    for name in CONFIG["files"]:
        path = ROOT / name
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


@pytest.mark.slow
def test_mypy_finds_no_error() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=1200
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_type_check_covers_the_app_and_its_core() -> None:
    assert {"app.py", "serve.py", "pages", "ui", "dynamics"} <= set(CONFIG["files"])
    assert CONFIG.get("warn_unused_ignores") is True


@pytest.mark.parametrize("path", _checked_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_type_ignore_names_its_error_and_why(path: Path) -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{i}: {line.strip()}"
        for i, line in enumerate(path.read_text().splitlines(), start=1)
        if "# type: ignore" in line and not EXPLAINED.search(line)
    ]
    assert not bad, "write `# type: ignore[code]  # why`:\n" + "\n".join(bad)


def test_the_ignore_check_can_fail() -> None:
    assert not EXPLAINED.search("x = f()  # type: ignore")
    assert not EXPLAINED.search("x = f()  # type: ignore[arg-type]")
    assert EXPLAINED.search("x = f()  # type: ignore[arg-type]  # f is untyped")
