"""No chart of any page offers to send itself to Plotly's cloud (issue: "Share chart…").

plotly.js 3 shows a send-to-cloud button unless ``showSendToCloud`` is false; every chart the
lab sends must carry ``ui.chart_config.PRIVATE``. The pages come from app.py's navigation
(tests/app_pages.py): a new page is checked without editing this file.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages import APP, AppPage, app_pages
from tests.charts import charts
from ui import live_chart
from ui.chart_config import PRIVATE


def open_page(page: AppPage) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    if page.slug:
        at.switch_page(page.path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_configs(at: AppTest) -> list[dict[str, Any]]:
    """The config of every ``st.plotly_chart`` element (the fallback, or a page's own)."""
    return [json.loads(el.proto.config or "{}") for el in at.get("plotly_chart")]


def assert_private(config: dict[str, Any], where: str) -> None:
    for key, value in PRIVATE.items():
        assert config.get(key) == value, (where, key, config)


@pytest.mark.parametrize("page", app_pages(), ids=lambda p: p.name)
def test_every_chart_of_every_page_is_sent_without_the_cloud_button(page: AppPage) -> None:
    at = open_page(page)
    for ch in charts(at):
        assert_private(ch.data["config"], f"{page.name}: {ch.key}")
    for i, cfg in enumerate(plotly_configs(at)):
        assert_private(cfg, f"{page.name}: st.plotly_chart #{i}")


@pytest.mark.parametrize(
    "page", [p for p in app_pages() if p.name == "explorer"], ids=lambda p: p.name
)
def test_the_fallback_chart_is_sent_without_the_cloud_button_too(
    page: AppPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Streamlit's Plotly bundle the charts are ``st.plotly_chart``: same config."""
    monkeypatch.setattr(live_chart, "PLOTLY_BUNDLE", None)
    at = open_page(page)
    configs = plotly_configs(at)
    assert configs and not charts(at)
    for i, cfg in enumerate(configs):
        assert_private(cfg, f"fallback chart #{i}")


def test_a_pages_own_options_are_kept() -> None:
    at = open_page(next(p for p in app_pages() if p.path == "pages/explorer.py"))
    field = next(ch for ch in charts(at) if ch.key == "field_chart")
    assert field.data["config"]["toImageButtonOptions"]["filename"] == "dirac-gan"
