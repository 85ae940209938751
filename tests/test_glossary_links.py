"""Every page's introduction links the glossary terms it uses (issue: "each entry linked from
where the term first appears on a page"): the links name real entries, each term once."""

from __future__ import annotations

import re

import pytest

from tests.app_pages import open_app
from ui.glossary import SLUGS

#: Pages whose explanatory captions go through ui.glossary.Linker (the start and lessons
#: pages are checked in tests/test_teaching.py).
PAGES = ("pages/explorer.py", "pages/compare.py", "pages/stability.py", "pages/mode_collapse.py")
GLOSSARY_LINK = re.compile(r"\]\((?:[\w/]*)lessons\?glossary=([\w-]+)\)")


@pytest.mark.parametrize("page", PAGES)
def test_the_page_links_each_glossary_term_it_uses_once(page: str) -> None:
    at = open_app(page=page)
    text = "\n".join([c.value for c in at.caption] + [m.value for m in at.markdown])
    slugs = GLOSSARY_LINK.findall(text)
    assert slugs, text[:500]  # every one of these pages explains itself with glossary terms
    assert set(slugs) <= set(SLUGS)
    assert len(slugs) == len(set(slugs)), slugs  # the first use only
