"""The app's pages as ``app.py`` declares them (from ``ui/routes.py``), and what a page
offers for download.

Tests that must cover every page read the list from here, so a page added to the app's
navigation is tested without editing any test.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"


@dataclass(frozen=True)
class AppPage:
    path: str  # "pages/compare.py"
    title: str  # the navigation title
    slug: str  # the URL path: "" for the landing page

    @property
    def name(self) -> str:
        return Path(self.path).stem


@cache
def app_pages() -> tuple[AppPage, ...]:
    """Every page of app.py's navigation (declared in ui/routes.py), in order."""
    from ui.routes import ROUTES

    src = APP.read_text(encoding="utf-8")
    assert "for r in ROUTES" in src, "app.py builds its navigation from ui.routes.ROUTES"
    out = tuple(AppPage(r.script, r.title, r.path) for r in ROUTES)
    assert out and all((ROOT / p.path).is_file() for p in out), out
    assert sum(p.slug == "" for p in out) == 1, "exactly one landing page"
    return out


class Downloads:
    """Records the media file managers AppTest creates, to read what a download serves."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.managers: list[MediaFileManager] = []
        outer = self

        class Recording(MediaFileManager):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                outer.managers.append(self)

        monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)

    def files(self, at: AppTest) -> dict[str, tuple[str, str, bytes]]:
        """Each download button of the last run → (file name, mime type, content), produced
        as Streamlit produces it when the user clicks (a deferred callable runs then)."""
        mgr = self.managers[-1]
        out = {}
        for el in at.get("download_button"):
            p = el.proto
            if p.HasField("deferred_file_id"):
                entry = mgr._deferred_callables[p.deferred_file_id]
                data = entry["callable"]()
                content = data.encode() if isinstance(data, str) else bytes(data)
                out[p.label] = (entry["filename"] or "", entry["mimetype"] or "", content)
            else:
                f = mgr._storage.get_file(p.url.rsplit("/", 1)[-1])
                out[p.label] = (f.filename or "", f.mimetype, f.content)
        return out

    def call(self, at: AppTest, label: str) -> bytes:
        """One more request for the download ``label`` (a second click)."""
        mgr = self.managers[-1]
        el = next(e for e in at.get("download_button") if e.proto.label == label)
        data = mgr._deferred_callables[el.proto.deferred_file_id]["callable"]()
        return data.encode() if isinstance(data, str) else bytes(data)


def open_app(
    query: dict[str, str] | None = None, page: str | None = None, timeout: float = 180
) -> AppTest:
    """The app run once under AppTest from a link (``query``) to ``page``; no exception."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if query:
        at.query_params.update(query)
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_parts(at: AppTest) -> list[str]:
    """Every Markdown element's text, the update-operator card split into its methods
    (``ui.panels.CARD_RULE``: one element holds all of them)."""
    from ui.panels import CARD_RULE

    return [part for m in at.markdown for part in m.value.split(CARD_RULE)]
