"""The app's pages, declared once: script, title, icon and URL path.

``app.py`` builds its navigation from ``ROUTES``; links between pages (the lessons' links,
the start page's doors, "Back to lesson N", the tests' page list) derive their paths from
here. Plain data: no Streamlit import, so the lessons' content and the tests can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlencode


@dataclass(frozen=True)
class Route:
    script: str  # "pages/explorer.py"
    title: str  # the navigation title
    icon: str
    path: str  # the URL path: "" for the landing page

    @property
    def default(self) -> bool:
        return self.path == ""


START = "pages/start.py"
EXPLORER = "pages/explorer.py"
COMPARE = "pages/compare.py"
STABILITY = "pages/stability.py"
MODE_COLLAPSE = "pages/mode_collapse.py"
LESSONS = "pages/lessons.py"

ROUTES: tuple[Route, ...] = (
    Route(START, "Start here", ":material/home:", ""),
    Route(LESSONS, "Guided lessons", ":material/school:", "lessons"),
    Route(EXPLORER, "Dirac-GAN explorer", ":material/explore:", "explorer"),
    Route(COMPARE, "Compare variants", ":material/grid_view:", "compare"),
    Route(STABILITY, "Stability map", ":material/map:", "stability"),
    Route(MODE_COLLAPSE, "Mode collapse (GMM-GAN)", ":material/scatter_plot:", "mode_collapse"),
)
ROUTE: Mapping[str, Route] = MappingProxyType({r.script: r for r in ROUTES})
#: URL path and navigation title of each page, by script.
PAGE_URL: Mapping[str, str] = MappingProxyType({r.script: r.path for r in ROUTES})
PAGE_TITLE: Mapping[str, str] = MappingProxyType({r.script: r.title for r in ROUTES})


def page_url(script: str, query: Mapping[str, str] | None = None) -> str:
    """Path and query of a page, relative to the app's base URL, e.g. ``stability?variant=…``."""
    q = urlencode(dict(query or {}), safe=",")
    return PAGE_URL[script] + ("?" + q if q else "")
