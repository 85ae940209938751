"""The app's pages, declared once: script, title, icon, URL path, session-state prefix and
the page's URL-addressable controls; and ``link``, the one way to build a link to a page.

``app.py`` builds its navigation from ``ROUTES``; every link between pages (compare's panel
titles, the stability map's cells, the start page's doors, the lessons' links, "Back to
lesson N", the glossary's links) is built by ``link`` / ``link_query``, which validate and
encode the settings with the page's own specs (``ui.specs``), so a link says only what the
page will read back. The tests take the pages' prefixes and specs from here too. No
Streamlit import: the lessons' content and the tests use it without drawing a page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ui.specs import (
    GLOBAL_SPECS,
    Settings,
    compare_specs,
    explorer_specs,
    lessons_specs,
    mode_collapse_specs,
    no_specs,
    stability_specs,
)
from ui.urlspec import Spec

#: The controls of a page for the settings of a link (they may depend on its selectors).
SpecsOf = Callable[[Settings], tuple[Spec, ...]]


@dataclass(frozen=True)
class Route:
    script: str  # "pages/explorer.py"
    title: str  # the navigation title
    icon: str
    path: str  # the URL path: "" for the landing page
    name: str  # names the page's URL bookkeeping in the session state (``ui.state.UrlState``)
    prefix: str  # session-state key of a control = prefix + its URL key
    specs: SpecsOf  # the page's URL-addressable controls
    #: URL keys whose value decides which controls the page has (read first, e.g. the variant)
    selectors: tuple[str, ...] = ()

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
    Route(START, "Start here", ":material/home:", "", "start", "start_", no_specs),
    Route(LESSONS, "Guided lessons", ":material/school:", "lessons", "lessons", "les_",
          lessons_specs),
    Route(EXPLORER, "Dirac-GAN explorer", ":material/explore:", "explorer", "explorer", "",
          explorer_specs, ("variant",)),
    Route(COMPARE, "Compare variants", ":material/grid_view:", "compare", "compare", "cmp_",
          compare_specs),
    Route(STABILITY, "Stability map", ":material/map:", "stability", "stability", "stab_",
          stability_specs, ("variant", "method")),
    Route(MODE_COLLAPSE, "Mode collapse (GMM-GAN)", ":material/scatter_plot:", "mode_collapse",
          "gmm", "gmm_", mode_collapse_specs),
)  # fmt: skip
ROUTE: Mapping[str, Route] = MappingProxyType({r.script: r for r in ROUTES})
#: URL path and navigation title of each page, by script.
PAGE_URL: Mapping[str, str] = MappingProxyType({r.script: r.path for r in ROUTES})
PAGE_TITLE: Mapping[str, str] = MappingProxyType({r.script: r.title for r in ROUTES})
_GLOBAL = {s.key: s for s in GLOBAL_SPECS}


def page_url(script: str, query: Mapping[str, str] | None = None) -> str:
    """Path and query of a page, relative to the app's base URL, e.g. ``stability?variant=…``.

    ``query`` is sent as it is: build it with ``link_query`` (or use ``link``)."""
    q = urlencode(dict(query or {}), safe=",")
    return PAGE_URL[script] + ("?" + q if q else "")


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _encode(spec: Spec, value: Any) -> str:
    """The URL text of ``value`` for ``spec``, as the page will read it back exactly, or
    ``ValueError`` whose message says what the page expects.

    A text is taken as URL text (a lesson's query table, ``methods="simgd,altgd"``) and
    re-encoded in the page's own form; other values must have the control's type.
    """
    typed = {
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "int": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "choice": False,
        "multi": isinstance(value, list | tuple) and all(isinstance(v, str) for v in value),
    }[spec.kind]
    try:
        if isinstance(value, str):
            parsed = spec.parse(value)
        elif not typed or (spec.kind == "int" and not float(value).is_integer()):
            raise ValueError
        else:
            parsed = spec.parse(spec.encode(value))
    except (ValueError, OverflowError):  # OverflowError: int(inf)
        raise ValueError(spec.describe()) from None
    if spec.clamp(parsed) != parsed:  # the page would move it into its control's range
        lo, hi = spec.ui_range
        raise ValueError(f"a number in [{lo:g}, {hi:g}], the range the page's control offers")
    text = spec.encode(parsed)
    return text if isinstance(text, str) else ",".join(text)


def check(script: str, settings: Settings) -> tuple[dict[str, str], list[str]]:
    """The query a link to ``script`` with ``settings`` carries (``settings``' order), and a
    problem for each setting the page would not take as it is (unknown, or invalid for its
    control). Settings not given are left out: the page uses its defaults."""
    route = ROUTE[script]
    out: dict[str, str] = {}
    problems: list[str] = []

    def add(spec: Spec, key: str, value: Any) -> bool:
        try:
            out[key] = _encode(spec, value)
        except ValueError as e:
            problems.append(f"bad setting {key}={_shown(value)} (expected {e})")
            return False
        return True

    # the selectors decide the other controls: check them with the default controls first
    first = {s.key: s for s in route.specs({})}
    chosen = {}
    for key in route.selectors:
        if key in settings:
            if not add(first[key], key, settings[key]):
                return out, problems  # the rest depends on it
            chosen[key] = first[key].parse(out[key])
    specs = {s.key: s for s in route.specs(chosen)}
    for key, value in settings.items():
        if key in route.selectors:
            continue
        spec = specs.get(key) or _GLOBAL.get(key)
        if spec is None:
            problems.append(f"the {route.title} page has no setting {key!r}")
        elif spec.kind == "multi" and spec.default == [] and value in ([], ()):
            continue  # an empty default (no hidden controls) is the absence of the key
        else:
            add(spec, key, value)
    return {k: out[k] for k in settings if k in out}, problems


def link_query(script: str, /, **settings: Any) -> dict[str, str]:
    """The URL query of a link to ``script`` with ``settings`` (URL keys of the page's
    controls, or ``present`` / ``from_lesson``), encoded by the page's specs; an unknown key
    or a value the page would not take as it is raises ``ValueError`` naming it."""
    query, problems = check(script, settings)
    if problems:
        raise ValueError("; ".join(problems))
    return query


def link(script: str, /, **settings: Any) -> str:
    """Relative link to ``script`` with ``settings`` (see ``link_query``), e.g.
    ``link(EXPLORER, variant="wgan", methods=["simgd"])`` → ``explorer?variant=wgan&methods=simgd``."""
    return page_url(script, link_query(script, **settings))


def read_link(url: str) -> tuple[str, dict[str, Any]]:
    """The page and settings of a link (``link``'s inverse): the script its path names and
    each setting parsed by that page's spec. A path "/" with explorer settings is the
    explorer (the start page forwards such links). Raises ``ValueError`` naming an unknown
    page, an unknown key or an invalid value."""
    parts = urlsplit(url)
    path = parts.path.strip("/").rsplit("/", 1)[-1] if parts.path.strip("/") else ""
    raw = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    script = next((r.script for r in ROUTES if r.path == path), None)
    if script is None:
        raise ValueError(f"no page at the path {path!r}")
    if script == START and raw:
        script = EXPLORER
    query = link_query(script, **raw)
    route = ROUTE[script]
    chosen = {k: v for k, v in query.items() if k in route.selectors}
    specs = {s.key: s for s in (*route.specs(chosen), *GLOBAL_SPECS)}
    return script, {k: specs[k].parse(v) for k, v in query.items()}
