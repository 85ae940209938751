"""Project-level checks: the README's commands, lint, pins, layering, and no raw HTML."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in setup.splitlines() if line.startswith("    ")]


def test_readme_has_exactly_two_setup_commands() -> None:
    cmds = _readme_commands()
    assert len(cmds) == 2, cmds
    assert cmds[0].endswith("streamlit run app.py")
    assert "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci.splitlines()
    assert ci.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in ci


def test_requirements_are_exact_pins() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-r "):
                continue
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.+\-]*", line), line


def test_runtime_requirements_are_the_stack() -> None:
    direct = (ROOT / "requirements.txt").read_text().split("# Their dependencies", 1)[0]
    names = {ln.split("==")[0].lower() for ln in direct.splitlines() if "==" in ln}
    assert names == {"streamlit", "numpy", "scipy", "plotly"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "dynamics").glob("*.py")), ids=lambda p: p.name)
def test_the_core_never_imports_streamlit_or_plotly(path: Path) -> None:
    assert not _imports(path) & {"streamlit", "plotly", "matplotlib"}


@pytest.mark.parametrize("path", sorted((ROOT / "tests").glob("*.py")), ids=lambda p: p.name)
def test_tests_never_import_bench(path: Path) -> None:
    # The benchmarks may use the tests' helpers (the app server, the WebSocket client), not
    # the other way round: a benchmark script is free to change what it measures.
    assert "bench" not in _imports(path)


#: Framework packages whose modules are internal (not Streamlit's or Plotly's public API).
INTERNAL_MODULES = ("_plotly_utils", "streamlit.runtime", "streamlit.web", "plotly.basedatatypes")
APP_CODE = sorted(
    p
    for p in [ROOT / "app.py", ROOT / "serve.py", *(ROOT / "pages").glob("*.py"),
              *(ROOT / "ui").rglob("*.py")]
    if p != ROOT / "ui" / "compat.py"
)  # fmt: skip


def _internals(tree: ast.Module) -> list[str]:
    """Imports of framework-internal modules and private attributes of other objects."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in [*names, getattr(node, "module", None) or ""]:
                if name.startswith(INTERNAL_MODULES):
                    out.append(f"{node.lineno}: import {name}")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            out.append(f"{node.lineno}: {ast.unparse(node)}")
    return out


@pytest.mark.parametrize("path", APP_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_framework_internals_are_reached_only_through_ui_compat(path: Path) -> None:
    # Each internal the lab relies on has a test in tests/test_compat.py that names it when a
    # Streamlit or Plotly upgrade breaks it; that only holds if nothing else reaches for one.
    assert not _internals(ast.parse(path.read_text())), "use a function of ui/compat.py"


def test_the_internals_check_can_fail() -> None:
    bad = "from streamlit.runtime.pages_manager import PagesManager\nx = fig._data\n"
    assert len(_internals(ast.parse(bad))) == 2
    ok = "import streamlit as st\nself._x = type(v).__name__\n"
    assert not _internals(ast.parse(ok))


def _raw_html_calls(tree: ast.Module) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        unsafe = any(
            k.arg == "unsafe_allow_html"
            and not (isinstance(k.value, ast.Constant) and not k.value.value)
            for k in node.keywords
        )
        if unsafe or name.endswith(("st.html", "components.html")) or name == "html":
            calls.append(node)
    return calls


def _module_constants(tree: ast.Module) -> dict[str, object]:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = node.value.value
    return out


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "app.py"]),
    ids=lambda p: p.name,
)
def test_no_page_renders_raw_html_from_input(path: Path) -> None:
    # Text derived from user input (URL values, widget state) reaches the page only through
    # Markdown/LaTeX/Plotly. The one raw-HTML call allowed is a constant style sheet
    # (presenter mode), passed by the name of a module-level string literal.
    tree = ast.parse(path.read_text())
    consts = _module_constants(tree)
    for call in _raw_html_calls(tree):
        arg = call.args[0] if call.args else None
        assert isinstance(arg, ast.Name) and isinstance(consts.get(arg.id), str), (
            f"{path.name}:{call.lineno}: raw HTML from a non-constant: {ast.unparse(call)}"
        )
        assert "<script" not in consts[arg.id].lower()


def test_the_raw_html_check_can_fail() -> None:
    bad = ast.parse("import streamlit as st\nst.markdown(user_text, unsafe_allow_html=True)\n")
    assert _raw_html_calls(bad)
    ok = ast.parse("X = '<style>a{}</style>'\nst.html(X)\n")
    assert _raw_html_calls(ok) and isinstance(_module_constants(ok)["X"], str)


def test_ruff_check_and_format() -> None:
    ruff = [sys.executable, "-m", "ruff"]
    check = subprocess.run([*ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run(
        [*ruff, "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
