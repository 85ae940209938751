"""What the pages show reads as typeset text: no TeX-style subscript ("δ_θ") outside maths.

Plotly's text is not TeX and Streamlit's Markdown only typesets inside ``$…$``, so "δ_θ" in a
chart title or a caption showed its underscore. Every page of app.py's navigation is checked
(tests/app_pages.py), its charts (titles, trace names, annotations, axis titles, hover text)
and its text elements; the explorer with every method (every trace kind) and every lesson.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dynamics.methods import METHODS
from tests.app_pages import APP, app_pages
from tests.charts import charts
from ui.content import LESSONS

#: A one-letter symbol, an underscore and a one-letter (or braced) subscript: "δ_θ", "z_k",
#: "z_{k−1}", "∇_μ". Names such as "h_gen" or "n_disc" are words, not subscripts.
TEX_SUBSCRIPT = re.compile(r"(?<!\w)(?:[^\W\d_]|∇)_(?:\{|[^\W_](?!\w))")
#: Where an underscore is meant: TeX maths ($…$, $$…$$) and code spans (`…`).
MATHS_OR_CODE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", re.S)

CASES: list[Any] = [(p.path, {}) for p in app_pages()]
CASES += [("pages/explorer.py", {"methods": ",".join(METHODS), "steps": "50"})]
CASES += [("pages/lessons.py", {"lesson": les.id}) for les in LESSONS]


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            if k not in ("bdata", "dtype", "shape"):
                yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def shown_texts(at: AppTest) -> Iterator[tuple[str, str]]:
    for ch in charts(at):
        for text in strings(ch.spec):
            yield f"chart {ch.key}", text
        yield f"chart {ch.key} alt", ch.data.get("alt", "")
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success"):  # fmt: skip
        for el in getattr(at, kind):
            yield kind, MATHS_OR_CODE.sub("", str(el.value))
    for kind in ("expander", "tabs"):
        for el in getattr(at, kind):
            yield kind, el.label


def case_id(case: Any) -> str:
    path, query = case.values if hasattr(case, "values") else case
    return "-".join([path.split("/")[-1][:-3], *query.values()])


@pytest.mark.parametrize(("path", "query"), CASES, ids=[case_id(c) for c in CASES])
def test_no_tex_subscript_is_shown_as_text(path: str, query: dict[str, str]) -> None:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.query_params.update(query)
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    bad = [(where, t) for where, t in shown_texts(at) if TEX_SUBSCRIPT.search(t)]
    assert not bad, bad
