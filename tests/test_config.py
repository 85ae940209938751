"""Local runs vs production: which Streamlit settings apply where (README, "Local runs and
production").

``.streamlit/config.toml`` applies to every ``streamlit run`` from the repository root and
holds development values; the Docker image switches them to production values with
``STREAMLIT_*`` environment variables in its ``ENV`` block (they take precedence).
"""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest
from streamlit import config as st_config

from tests.appserver import free_port

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())

#: option -> (its value for a local run, its value in the image)
DEV_VS_PRODUCTION = {
    "server.runOnSave": (True, "false"),
    "client.showErrorDetails": ("full", "none"),
    "client.toolbarMode": ("developer", "viewer"),
    "logger.hideWelcomeMessage": (False, "true"),
}


def _image_env() -> dict[str, str]:
    """``STREAMLIT_*`` variables of the Dockerfile's ``ENV`` instructions."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(re.findall(r"(STREAMLIT_[A-Z_]+)=(\S+)", line))
    return env


def _env_name(option: str) -> str:
    """``server.runOnSave`` -> ``STREAMLIT_SERVER_RUN_ON_SAVE`` (Streamlit's own rule)."""
    section, name = option.split(".")
    return "STREAMLIT_" + section.upper() + "_" + re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def test_every_option_in_the_config_file_exists() -> None:
    known = set(st_config._config_options_template)  # what Streamlit 1.67 reads
    names = [f"{sec}.{opt}" for sec, opts in CONFIG.items() for opt in opts]
    assert names and not [n for n in names if n not in known]


def test_every_production_variable_of_the_image_names_an_option() -> None:
    env = _image_env()
    by_env = {_env_name(o): o for o in st_config._config_options_template if o.count(".") == 1}
    assert env, "the Dockerfile sets no STREAMLIT_* variable"
    assert not [k for k in env if k not in by_env], sorted(env)


@pytest.mark.parametrize("option", list(DEV_VS_PRODUCTION))
def test_local_runs_get_development_values_and_the_image_production_ones(option: str) -> None:
    local, production = DEV_VS_PRODUCTION[option]
    section, name = option.split(".")
    assert CONFIG[section][name] == local
    assert _image_env().get(_env_name(option)) == production


def test_the_image_turns_the_file_watcher_off() -> None:
    assert "fileWatcherType" not in CONFIG["server"]  # Streamlit's default ("auto") locally
    assert _image_env()["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] == "none"


@pytest.mark.slow
def test_a_local_run_prints_the_address_to_open() -> None:
    """``streamlit run app.py`` as the README's first command ends, on a free port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", f"--server.port={port}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:  # readline blocks while the server prints nothing: read elsewhere
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    printed = ""
    try:
        deadline = time.monotonic() + 90
        while "URL:" not in printed and time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                printed += lines.get(timeout=0.5)
            if proc.poll() is not None:
                break
        time.sleep(0.5)  # the rest of the banner
        while not lines.empty():
            printed += lines.get()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert f"http://localhost:{port}" in printed, printed
    assert "External URL" not in printed  # no look-up of the machine's external address
