"""Glossary links: each glossary term is linked where a page first uses it.

The definitions live in ``content/glossary.md`` (read by ``ui.content``); the lessons page
shows the entry a link names (``lessons?glossary=<slug>``). ``Linker`` remembers which terms a
page has linked already, so only the first use of each term on the page becomes a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ui.cache import bounded_cache
from ui.content import GLOSSARY, GLOSSARY_ALIASES
from ui.routes import LESSONS, link


def slug(term: str) -> str:
    """URL value of a glossary term: "Spectral radius ρ" → "spectral-radius"."""
    words = re.findall(r"[a-z0-9]+", term.lower())
    return "-".join(words)


SLUGS: tuple[str, ...] = tuple(slug(t) for t, _ in GLOSSARY)
TERM_BY_SLUG: dict[str, tuple[str, str]] = {slug(t): (t, d) for t, d in GLOSSARY}


def href(term: str) -> str:
    """Relative link to a term's entry on the lessons page."""
    return link(LESSONS, glossary=slug(term))


def _phrases(term: str) -> list[str]:
    """Words that count as a use of ``term``: the term (without a trailing symbol or a
    parenthesised abbreviation), its comma-separated parts and its aliases; longest first."""
    base = re.sub(r"\s*(\(.*\)|ρ)$", "", term)
    out = [base, *(p.strip() for p in base.split(",") if "," in base)]
    out += GLOSSARY_ALIASES.get(term, ())
    return sorted(set(out), key=len, reverse=True)


def _pattern(phrase: str) -> re.Pattern[str]:
    # an abbreviation (GAN, SimGD) matches its case exactly, a word in any case
    flags = 0 if any(c.isupper() for c in phrase[1:]) else re.IGNORECASE
    return re.compile(r"(?<![\w\-/=\[])" + re.escape(phrase) + r"(?![\w\-\]])", flags)


#: Spans never linked: code, maths and existing links.
_PROTECTED = re.compile(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\[[^\]]*\]\([^)]*\)", re.S)


@dataclass
class Linker:
    """Links the first use of each glossary term in the texts of one page."""

    seen: set[str] = field(default_factory=set)

    def __call__(self, md: str) -> str:
        # the same text with the same terms already linked links the same way: pages pass
        # the same captions on every rerun, so the result is kept (ui/cache.py); a long text
        # (one that quotes user input at length) is linked afresh rather than kept
        if len(md) > CACHED_TEXT_CHARS:
            out, linked = _link_text(md, frozenset(self.seen))
        else:
            out, linked = _link_text_cached(md, frozenset(self.seen))
        self.seen |= linked
        return out


#: Texts up to this long have their linked form cached (the pages' texts are shorter).
CACHED_TEXT_CHARS = 4_000
#: Distinct (text, terms already linked) pairs kept (least recently used dropped): the pages'
#: texts, some with numbers that follow the settings; at most ~8 MB (text and linked text).
CACHED_TEXTS = 1_024


def _link_text(md: str, seen: frozenset[str]) -> tuple[str, frozenset[str]]:
    """``md`` with the first use of each term not in ``seen`` linked, and those terms."""
    linked: set[str] = set()
    for term, _ in GLOSSARY:
        if term in seen:
            continue
        for phrase in _phrases(term):
            new = _link_first(md, phrase, term)
            if new is not None:
                md = new
                linked.add(term)
                break
    return md, frozenset(linked)


_link_text_cached = bounded_cache(CACHED_TEXTS)(_link_text)


def _link_first(md: str, phrase: str, term: str) -> str | None:
    """``md`` with the first unprotected use of ``phrase`` linked to ``term``, or None."""
    pat = _pattern(phrase)
    pos = 0
    for m in _PROTECTED.finditer(md):
        hit = pat.search(md, pos, m.start())
        if hit:
            break
        pos = m.end()
    else:
        hit = pat.search(md, pos)
    if hit is None:
        return None
    return f"{md[: hit.start()]}[{hit.group(0)}]({href(term)}){md[hit.end() :]}"
