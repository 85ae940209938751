"""Every page's introduction links the glossary terms it uses (issue: "each entry linked from
where the term first appears on a page"): the links name real entries, each term once."""

from __future__ import annotations

import re

import pytest

from tests.app_pages import open_app
from ui import glossary
from ui.content import GLOSSARY, LESSONS
from ui.glossary import SLUGS, Linker

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


# ------------------------------------------------------------- the linked texts are cached


def _texts() -> list[str]:
    """Texts with glossary terms in them: every lesson's, then every definition."""
    out = [t for les in LESSONS for t in (les.explanation, les.question, les.answer)]
    return out + [d for _, d in GLOSSARY]


def test_a_cached_link_is_what_linking_afresh_gives() -> None:
    """One page's texts linked with the cache cleared before each text, then twice from the
    cache (in a different order too): the same texts, the same terms linked, each once."""

    def link_all(texts: list[str], clear: bool) -> tuple[list[str], set[str]]:
        linker = Linker()
        out = []
        for t in texts:
            if clear:
                glossary._link_text_cached.clear()
            out.append(linker(t))
        return out, linker.seen

    texts = _texts()
    fresh = link_all(texts, clear=True)
    assert GLOSSARY_LINK.findall("\n".join(fresh[0]))  # the texts do link terms
    glossary._link_text_cached.clear()
    assert link_all(texts, clear=False) == fresh
    misses = glossary._link_text_cached.misses
    assert link_all(texts, clear=False) == fresh
    assert glossary._link_text_cached.misses == misses  # the second page view: all cached
    backwards = link_all(texts[::-1], clear=False)
    assert backwards == link_all(texts[::-1], clear=True)


def test_a_long_text_is_linked_but_not_kept() -> None:
    long = "A generator and a discriminator. " * (glossary.CACHED_TEXT_CHARS // 30)
    glossary._link_text_cached.clear()
    linked = Linker()(long)
    assert len(GLOSSARY_LINK.findall(linked)) == 2  # GAN's two players, each linked once
    assert len(glossary._link_text_cached) == 0


def test_an_explorer_rerun_links_its_texts_from_the_cache() -> None:
    at = open_app(page="pages/explorer.py")
    misses = glossary._link_text_cached.misses
    at.run()
    assert not at.exception
    assert glossary._link_text_cached.misses == misses
