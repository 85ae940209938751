"""Generic test set-up shared by the whole suite (nothing page- or model-specific here)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator: reproducible random points for non-hypothesis tests."""
    return np.random.default_rng(20180710)


# The browser fixtures (one Chromium and one app server for the whole session) live in
# tests/browser.py; registering them here keeps them session-wide across test modules.
pytest_plugins = ["tests.browser"]
