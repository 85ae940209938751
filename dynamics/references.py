"""The papers the app cites, read from ``content/references.toml`` (data only, no prose here).

Variants, methods and lessons name a paper by its key; :func:`cite` renders the citations
from the one table, in Markdown for the pages and as plain text (with the URL) for the CLI.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

#: The references table (a content file next to the lessons and the glossary).
REFERENCES_FILE = Path(__file__).resolve().parents[1] / "content" / "references.toml"
_FIELDS = {"authors", "title", "venue", "url"}


@dataclass(frozen=True)
class Reference:
    """One paper: ``authors`` as cited ("L. Mescheder, A. Geiger, S. Nowozin" or "… et al."),
    its ``title``, the ``venue`` with the year, and a ``url`` ("" when there is none)."""

    key: str
    authors: str
    title: str
    venue: str
    url: str = ""

    def markdown(self) -> str:
        return f"{self.authors}, *{self.title}*, {self.venue}"

    def plain(self) -> str:
        text = f'{self.authors}, "{self.title}", {self.venue}'
        return f"{text}, {self.url}" if self.url else text


def load_references(path: Path = REFERENCES_FILE) -> Mapping[str, Reference]:
    """The table in ``path``, by key; a malformed entry raises ``ValueError`` naming it."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    out: dict[str, Reference] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise ValueError(f"{path.name}: {key!r} is not a table")
        fields = set(entry)
        if not {"authors", "title", "venue"} <= fields <= _FIELDS:
            raise ValueError(
                f"{path.name}: [{key}] needs authors, title and venue (url optional), "
                f"has {', '.join(sorted(fields)) or 'nothing'}"
            )
        if not all(isinstance(v, str) and v.strip() for v in entry.values()):
            raise ValueError(f"{path.name}: [{key}] has an empty or non-text field")
        out[key] = Reference(key=key, **entry)
    return MappingProxyType(out)


REFERENCES: Mapping[str, Reference] = load_references()


def cite(keys: Iterable[str], *, markdown: bool = True) -> str:
    """The citations of ``keys`` joined by "; " (an unknown key raises ``KeyError``)."""
    refs = [REFERENCES[k] for k in keys]
    return "; ".join(r.markdown() if markdown else r.plain() for r in refs)
