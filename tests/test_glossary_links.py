"""Every page's introduction links the glossary terms it uses (issue: "each entry linked from
where the term first appears on a page"): the links name real entries, each term once."""

from __future__ import annotations

import re

import pytest

from tests.app_pages import open_app
from ui.glossary import SLUGS

#: Pages whose introduction (their first caption) goes through ui.glossary.Linker.
PAGES = ("pages/compare.py", "pages/stability.py", "pages/mode_collapse.py")
GLOSSARY_LINK = re.compile(r"\]\((?:[\w/]*)lessons\?glossary=([\w-]+)\)")


@pytest.mark.parametrize("page", PAGES)
def test_the_introduction_links_each_glossary_term_once(page: str) -> None:
    at = open_app(page=page)
    assert not at.exception
    intro = at.caption[0].value
    slugs = GLOSSARY_LINK.findall(intro)
    assert slugs, intro  # every one of these introductions uses some glossary term
    assert set(slugs) <= set(SLUGS)
    assert len(slugs) == len(set(slugs)), slugs
