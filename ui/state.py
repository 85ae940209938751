"""Controls ↔ session state ↔ URL query parameters.

Every control of a page is described by a ``Spec`` (its URL key, type, default and valid
range). Widgets are created with ``key=spec.key`` and no ``value=``: their value lives in
``st.session_state``, which this module seeds from the URL when a page is opened with query
parameters, and mirrors back into the URL (non-default values only) after every run, so a
copied link reproduces the view. A malformed or out-of-range URL value falls back to its
default with a visible note naming the parameter; a value the core accepts but the control
does not offer (outside ``ui_lo``/``ui_hi``) is moved to the nearest value it offers, with
a note too.

We do this by hand rather than with ``bind="query-params"`` because the built-in binding
drops invalid values silently, and the lab must say which parameter it ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ui.routes import ROUTE
from ui.specs import GLOBAL_SPECS
from ui.urlspec import MAX_RAW as MAX_RAW  # re-exported: the spec lives in ui.urlspec
from ui.urlspec import Spec as Spec

#: Query parameters that belong to the whole app, not to a page: presenter mode and the
#: lesson a view was opened from (``ui.presenter`` validates both).
GLOBAL_KEYS = tuple(s.key for s in GLOBAL_SPECS)


@dataclass
class UrlState:
    """URL sync for one page; ``page`` namespaces the bookkeeping in the session state.

    ``prefix`` is prepended to every spec key to form its session-state (widget) key, so two
    pages can use the same URL names ("h", "steps") without sharing widget state.
    """

    page: str
    prefix: str = ""

    @classmethod
    def of(cls, script: str) -> UrlState:
        """The URL sync of a page, named and prefixed as its route declares (``ui.routes``)."""
        route = ROUTE[script]
        return cls(route.name, route.prefix)

    def sk(self, key: str) -> str:
        """Session-state key of the control with URL key ``key``."""
        return self.prefix + key

    @property
    def _written_key(self) -> str:
        return f"_{self.page}_url_written"

    @property
    def _notes_key(self) -> str:
        return f"_{self.page}_url_notes"

    def should_load(self) -> bool:
        """True when the URL carries settings this session has not seen: a new link."""
        qp = st.query_params.to_dict()
        return bool(qp) and qp != st.session_state.get(self._written_key)

    def begin(
        self,
        specs: Sequence[Spec],
        *,
        then: Callable[[], Sequence[Spec]] | None = None,
        also_known: Iterable[str] = (),
    ) -> bool:
        """Seed ``specs`` from a new link (with notes for bad or unknown values) or keep the
        session's values; returns whether the URL was read.

        ``then`` gives the specs that depend on the values just seeded (the explorer's
        variant parameters depend on its variant); they are seeded the same way next.
        """
        from_url = self.should_load()
        if from_url:
            self.clear_notes()
        self.load(specs, from_url=from_url)
        more = list(then()) if then is not None else []
        self.load(more, from_url=from_url)
        if from_url:
            self.unknown_keys([s.key for s in [*specs, *more]] + list(also_known))
        return from_url

    def load(self, specs: Sequence[Spec], *, from_url: bool, overwrite: bool = False) -> None:
        """Seed session state for ``specs``: URL values if ``from_url``, else defaults for keys
        not set yet (or for all of them with ``overwrite``)."""
        notes: list[str] = st.session_state.setdefault(self._notes_key, [])
        for spec in specs:
            if from_url and spec.key in st.query_params:
                raw: str | list[str] = st.query_params.get_all(spec.key)
                shown = ",".join(raw) if isinstance(raw, list) else str(raw)
                name = f"{spec.key} ({spec.label})" if spec.label else spec.key
                try:
                    value = spec.parse(raw)
                except (ValueError, OverflowError):
                    notes.append(
                        f"URL parameter **{name}** = “{md_literal(shown)}” is not valid "
                        f"(expected {spec.describe()}); using the default {_show(spec.default)}."
                    )
                    st.session_state[self.sk(spec.key)] = _fresh(spec.default)
                    continue
                fitted = spec.clamp(value)
                if fitted != value:
                    lo, hi = spec.ui_range
                    notes.append(
                        f"URL parameter **{name}** = “{md_literal(shown)}” is outside the range "
                        f"this page's control offers ([{lo:g}, {hi:g}]); using the nearest "
                        f"value it offers, {_show(fitted)}."
                    )
                st.session_state[self.sk(spec.key)] = fitted
                continue
            if overwrite or self.sk(spec.key) not in st.session_state:
                st.session_state[self.sk(spec.key)] = _fresh(spec.default)

    def unknown_keys(self, known: Iterable[str]) -> None:
        """Note URL parameters this page does not know (they are dropped from the URL)."""
        notes: list[str] = st.session_state.setdefault(self._notes_key, [])
        for key in st.query_params:
            if key not in set(known) and key not in GLOBAL_KEYS:
                notes.append(
                    f"URL parameter **{md_literal(key)}** is not used by this page; ignored."
                )

    def notes(self) -> list[str]:
        return list(st.session_state.get(self._notes_key, []))

    def clear_notes(self) -> None:
        st.session_state[self._notes_key] = []

    def values(self, specs: Sequence[Spec]) -> dict[str, Any]:
        """Current values of ``specs`` by URL key."""
        return {s.key: st.session_state.get(self.sk(s.key)) for s in specs}

    def publish(self, values: Mapping[str, Any], specs: Sequence[Spec]) -> None:
        """Mirror non-default values into the URL (and remember what we wrote)."""
        out: dict[str, str | list[str]] = {}
        for spec in specs:
            v = values.get(spec.key)
            if v is not None and not spec.is_default(v):
                out[spec.key] = spec.encode(v)
        for key in GLOBAL_KEYS:  # presenter mode and the way back survive every rerun
            if key in st.query_params:
                out[key] = st.query_params[key]
        if out != st.query_params.to_dict():
            st.query_params.from_dict(out)
        st.session_state[self._written_key] = st.query_params.to_dict()


def new_click(chart_key: str) -> tuple[float, float] | None:
    """The point just clicked on a ``ui.live_chart(clickable=True)`` chart, or None.

    The click (``{"click": {"x": .., "y": .., "n": its number}}``) arrives in the session
    state with the rerun it triggers; reading it at the top of a page, before the widgets,
    lets the page move its controls to it (and lets tests inject a click the same way).
    Each click is reported once.
    """
    event = st.session_state.get(chart_key) or {}
    click = event.get("click") if isinstance(event, Mapping) else None
    if not isinstance(click, Mapping) or click.get("x") is None:
        return None
    xy: tuple[Any, Any] = (click["x"], click.get("y"))  # anything a client sent
    # The trigger value can outlive its rerun; the chart numbers its clicks ("n"), so one
    # seen before is ignored and a new click on the very same point is not.
    memo = f"_{chart_key}_last_click"
    seen = (*xy, click.get("n"))
    if seen == st.session_state.get(memo):
        return None
    st.session_state[memo] = seen
    try:
        x, y = float(xy[0]), float(xy[1])
    except (TypeError, ValueError, OverflowError):  # OverflowError: a 400-digit integer
        return None
    return (x, y) if math.isfinite(x) and math.isfinite(y) else None


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:])")
# GitHub-flavoured Markdown links bare "scheme://", "www." and e-mail addresses even when
# their punctuation is escaped, and Streamlit's Markdown turns ":material/NAME:",
# ":streamlit:" and emoji short codes (":smile:") into icons after resolving escapes; a word
# joiner (U+2060, invisible) after the colon or before the dot breaks each pattern.
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=[/\w+-])|(?<=www)(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def md_literal(text: str, limit: int = 40) -> str:
    """Untrusted text as literal Markdown: one line, every Markdown/LaTeX character escaped.

    URL keys and values go into the notes through this, so a crafted link cannot put a
    link (not even a bare address), a heading or a formula into the page.
    """
    one_line = " ".join(str(text)[:limit].split())
    printable = "".join(ch if ch.isprintable() else "\ufffd" for ch in one_line)
    unlinked = _AUTOLINK.sub(WORD_JOINER, printable)
    return _MD_SPECIAL.sub(r"\\\1", unlinked)


def _fresh(default: Any) -> Any:
    """A control's default for one session: a list is copied (the specs are shared by every
    session, and a session must not change another's default)."""
    return list(default) if isinstance(default, list) else default


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
