"""Glossary links: each glossary term is linked where a page first uses it.

The definitions live in ``content/glossary.md`` (read by ``ui.content``); the lessons page
shows the entry a link names (``lessons?glossary=<slug>``). ``Linker`` remembers which terms a
page has linked already, so only the first use of each term on the page becomes a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ui.content import GLOSSARY, GLOSSARY_ALIASES
from ui.routes import LESSONS, page_url


def slug(term: str) -> str:
    """URL value of a glossary term: "Spectral radius ρ" → "spectral-radius"."""
    words = re.findall(r"[a-z0-9]+", term.lower())
    return "-".join(words)


SLUGS: tuple[str, ...] = tuple(slug(t) for t, _ in GLOSSARY)
TERM_BY_SLUG: dict[str, tuple[str, str]] = {slug(t): (t, d) for t, d in GLOSSARY}


def href(term: str) -> str:
    """Relative link to a term's entry on the lessons page."""
    return page_url(LESSONS, {"glossary": slug(term)})


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
        for term, _ in GLOSSARY:
            if term in self.seen:
                continue
            for phrase in _phrases(term):
                new = _link_first(md, phrase, term)
                if new is not None:
                    md = new
                    self.seen.add(term)
                    break
        return md


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
