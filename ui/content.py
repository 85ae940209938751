"""The teaching content: lessons and glossary, read from ``content/`` (no Streamlit, no Plotly).

A lesson is one file ``content/lessons/NN-<id>.md``: TOML front matter between two ``+++``
lines (title, cited references, the try-it figure's controls, and the links with their
settings and claims), then a Markdown body with the sections ``## Explanation``,
``## Question``, ``## Choices`` (a list; the right answer is marked ``[x]``, the others
``[ ]``) and ``## What to look for``. ``NN`` orders the lessons, ``<id>`` is the lesson's URL
value (``/lessons?lesson=<id>``). The format is described for teachers in docs/teaching.md.

Every link carries ``claims``: small machine-checkable facts that the tests recompute with the
numerical core (``tests/test_lessons.py``) and find again in the rendered page. A claim is
``[kind, subject, value]``; the kinds, by page (settings not in the link's query are the
page's defaults; for the explorer h = 0.2, start (1, 1), 500 steps):

Explorer (``page = "explorer"``), ``subject`` is a training method unless stated:

- ``["rho", m, x]``: spectral radius of m's update operator, ``x`` to 6 decimals (as shown).
- ``["verdict", m, v]``: ``"converges"`` (ρ < 1), ``"neutral"`` (ρ = 1) or ``"diverges"``.
- ``["status", m, s]``: the simulated path's status, ``"converged"`` (final distance below
  1e-3), ``"not converged"`` or ``"diverged"`` (left ±10⁶).
- ``["distance", [m, step], [lo, hi]]``: distance ‖(θ, ψ)‖ to the equilibrium after ``step``
  steps (``"last"``: the last step) lies in [lo, hi].
- ``["peak", m, [lo, hi]]``: the largest distance along the path lies in [lo, hi].
- ``["range", m, [lo, hi]]``: every distance along the path lies in [lo, hi].
- ``["drift", m, tol]``: the distance never moves more than ``tol`` away from its start.
- ``["psi_max", m, c]``: the largest |ψ| along the path is c (the clip bound, reached).
- ``["eigs", "J", [[re, im], ...]]``: the Jacobian's eigenvalues, to 6 decimals.
- ``["speed_ratio", [[θ₁, ψ₁], [θ₂, ψ₂]], [lo, hi]]``: ‖v(θ₁, ψ₁)‖ / ‖v(θ₂, ψ₂)‖ in [lo, hi].

Compare (``page = "compare"``): ``["verdict", "variant/scheme", v]`` for one panel.

Stability map (``page = "stability"``):

- ``["critical", param, x]``: J's eigenvalues meet on the real axis at param = x (critical
  damping, marked on the locus).
- ``["boundary", "", formula]``: the analytic ρ = 1 boundary drawn on the map.
- ``["verdict_at", [[axis, value], ...], v]``: the verdict of the map's cell at those values.
- ``["fastest_at", [[axis, value]], [other_axis, x]]``: with the first axis fixed at that
  value, the smallest ρ on the map lies at other_axis = x.

Mode collapse (``page = "mode_collapse"``), ``subject`` is ``"optimal"`` or ``"first-order"``:

- ``["status", d, s]``: the run's status badge (converged, collapsed, oscillating, stuck, moving).
- ``["gap", d, [lo, hi]]``: the final |μ₁ − μ₂| lies in [lo, hi].
- ``["subopt", d, [lo, hi]]``: the final (1 + TV) − L (the discriminator's shortfall) lies in
  [lo, hi].
- ``["mu", d, [[lo₁, hi₁], [lo₂, hi₂]]]``: the final means lie in these ranges.
- ``["tv", d, [lo, hi]]``: the final TV between generator and data lies in [lo, hi].
- ``["grad", d, [lo, hi]]``: the final generator gradient ‖∇μ L‖ lies in [lo, hi].
- ``["modes", "data", n]``: the data density G* has ``n`` modes.
- ``["fraction", outcome, [lo, hi]]``: the fraction of the page's seeded random starts (first
  order, the single run's settings) ending with this outcome (``"a+b"`` adds outcomes) lies in
  [lo, hi].

The loaded lessons hold the claims as tuples (``"last"`` becomes ``None``). A file that does
not follow the format is left out and reported in ``LESSON_PROBLEMS`` ("<file>: <problem>");
the lessons page shows those, and a test fails on them.

The glossary is ``content/glossary.md``: each entry is a ``## Term`` heading, an optional
``Also: word, word`` line (other words that mean the term, so that ``ui.glossary.Linker``
finds its first use) and the definition (Markdown).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from dynamics.references import REFERENCES, cite
from ui.routes import COMPARE, EXPLORER, MODE_COLLAPSE, ROUTES, STABILITY

#: One checkable fact: (kind, subject, value); see the module docstring for the vocabulary.
Claim = tuple[str, Any, Any]

CONTENT = Path(__file__).resolve().parents[1] / "content"
LESSON_DIR = CONTENT / "lessons"
GLOSSARY_FILE = CONTENT / "glossary.md"

#: The claim kinds each page a lesson may link to understands (the tests check each kind).
CLAIM_KINDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        EXPLORER: frozenset(
            {
                "rho",
                "verdict",
                "status",
                "distance",
                "peak",
                "range",
                "drift",
                "psi_max",
                "eigs",
                "speed_ratio",
            }
        ),
        COMPARE: frozenset({"verdict"}),
        STABILITY: frozenset({"critical", "boundary", "verdict_at", "fastest_at"}),
        MODE_COLLAPSE: frozenset(
            {"status", "gap", "subopt", "mu", "tv", "grad", "modes", "fraction"}
        ),
    }
)
#: A link's ``page`` names the page by its URL path (``ui/routes.py``).
_PAGE_BY_PATH = {r.path: r.script for r in ROUTES if r.script in CLAIM_KINDS}
#: The controls a mode-collapse figure can offer (its number of discriminator steps).
GMM_CONTROLS = ("k",)

_FILE_NAME = re.compile(r"(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md")
_SECTIONS = {
    "Explanation": "explanation",
    "Question": "question",
    "Choices": "choices",
    "What to look for": "answer",
}
_TOP_KEYS = {"title", "references", "reference_note", "controls", "links"}
_LINK_KEYS = {"page", "label", "query", "claims"}


class ContentError(ValueError):
    """A content file that does not follow its format; the message names the file."""


#: Raises ``ContentError`` with the file's name and the problem.
Fail = Callable[[str], NoReturn]


@dataclass(frozen=True)
class Link:
    """A page of the app opened with exactly these URL settings."""

    page: str  # the page's script, e.g. "pages/explorer.py"
    query: Mapping[str, str]  # URL query parameters, in the pages' own encoding
    label: str  # what the button says
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True)
class TryIt:
    """What the lessons page adds to a lesson: the student's prediction, then its figure.

    ``choices`` are the answers offered (``correct`` is the index of the right one); the
    figure is the lesson's explorer links (else its mode-collapse links) drawn on the lesson
    page, one at a time when there are several, with ``controls`` (the linked page's URL
    keys) as the only controls the student can move there.
    """

    choices: tuple[str, ...]
    correct: int
    controls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lesson:
    id: str  # URL value: /lessons?lesson=<id>
    title: str
    explanation: str  # a few sentences, Markdown
    question: str  # "Predict, then run: …"
    answer: str  # what to look for, revealed after
    links: tuple[Link, ...]  # the first is the main one
    references: tuple[str, ...]  # keys of content/references.toml
    reference_note: str  # appended to the last citation ("", ", Section 2", " (…)")
    try_it: TryIt  # the prediction the student commits to, and the lesson's own figure
    source: str = ""  # the file it was read from, "NN-<id>.md", to name it in a problem

    @property
    def reference(self) -> str:
        """The citations, rendered from the references table."""
        return cite(self.references) + self.reference_note + "."

    @property
    def claims(self) -> tuple[Claim, ...]:
        return tuple(c for link in self.links for c in link.claims)


# ------------------------------------------------------------------------------ lessons


def _paragraphs(lines: list[str]) -> str:
    """Markdown lines as the text the page renders: a paragraph's lines joined by one space,
    paragraphs by a blank line."""
    paras, cur = [], []
    for line in [*lines, ""]:
        if line.strip():
            cur.append(line.strip())
        elif cur:
            paras.append(" ".join(cur))
            cur = []
    return "\n\n".join(paras)


def _sections(body: str, fail: Fail) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body.splitlines():
        if line.startswith("## "):
            name = line[3:].strip()
            if name not in _SECTIONS:
                fail(f"unknown section '## {name}' (sections: {', '.join(_SECTIONS)})")
            if _SECTIONS[name] in out:
                fail(f"section '## {name}' appears twice")
            current = out[_SECTIONS[name]] = []
        elif current is not None:
            current.append(line)
        elif line.strip():
            fail(f"text before the first section: {line.strip()[:40]!r}")
    for name, field in _SECTIONS.items():
        if not _paragraphs(out.get(field, [])):
            fail(f"missing or empty section '## {name}'")
    return out


def _choices(lines: list[str], fail: Fail) -> tuple[tuple[str, ...], int]:
    items: list[list[str]] = []
    right: list[int] = []
    for line in lines:
        m = re.match(r"- \[([ xX])\] (.*)", line)
        if m:
            if m.group(1) != " ":
                right.append(len(items))
            items.append([m.group(2)])
        elif line.strip() and items and line.startswith("  "):
            items[-1].append(line.strip())
        elif line.strip():
            fail(f"'## Choices' holds a line that is not a '- [ ] …' item: {line.strip()[:40]!r}")
    if len(items) < 2 or len(right) != 1:
        fail("'## Choices' needs at least two '- [ ] …' items, exactly one marked '- [x]'")
    return tuple(" ".join(parts) for parts in items), right[0]


def _tuple(x: Any) -> Any:
    """TOML arrays as tuples, all the way down (claims compare and hash like literals)."""
    return tuple(_tuple(v) for v in x) if isinstance(x, list) else x


def _claim(raw: Any, page: str, fail: Fail) -> Claim:
    if not (isinstance(raw, list) and len(raw) == 3 and isinstance(raw[0], str)):
        fail(f"a claim must be [kind, subject, value], got {raw!r}")
    kind, subject, value = raw
    if kind not in CLAIM_KINDS[page]:
        fail(
            f"unknown claim kind {kind!r} for the {page} page "
            f"(kinds: {', '.join(sorted(CLAIM_KINDS[page]))})"
        )
    subject = _tuple(subject)
    if kind == "distance":
        if not (isinstance(subject, tuple) and len(subject) == 2):
            fail(f'a distance claim\'s subject is [method, step or "last"], got {raw[1]!r}')
        if subject[1] == "last":
            subject = (subject[0], None)
    return (kind, subject, _tuple(value))


def _link(raw: Any, n: int, fail: Fail) -> Link:
    where = f"link {n}"
    if not isinstance(raw, dict):
        fail(f"{where} is not a table")
    missing = _LINK_KEYS - set(raw)
    if missing:
        fail(f"{where} lacks {', '.join(sorted(missing))}")
    unknown = set(raw) - _LINK_KEYS
    if unknown:
        fail(f"{where} has unknown field(s) {', '.join(sorted(unknown))}")
    if raw["page"] not in _PAGE_BY_PATH:
        fail(f"{where}: unknown page {raw['page']!r} (pages: {', '.join(_PAGE_BY_PATH)})")
    page = _PAGE_BY_PATH[raw["page"]]
    query = raw["query"]
    if not (isinstance(query, dict) and all(isinstance(v, str) for v in query.values())):
        fail(f'{where}: query must be a table of texts, e.g. {{ variant = "standard" }}')
    if not isinstance(raw["label"], str) or not raw["label"].strip():
        fail(f"{where}: empty label")
    if not isinstance(raw["claims"], list) or not raw["claims"]:
        fail(f"{where}: no claims (each link states at least one fact the tests check)")
    claims = tuple(_claim(c, page, fail) for c in raw["claims"])
    return Link(page, MappingProxyType(dict(query)), raw["label"], claims)


def parse_lesson(path: Path) -> Lesson:
    """The lesson in ``path``; a file off the format raises ``ContentError`` naming it."""

    def fail(problem: str) -> NoReturn:
        raise ContentError(f"{path.name}: {problem}")

    m = _FILE_NAME.fullmatch(path.name)
    if m is None:
        fail("the file name must be NN-<id>.md (two digits, lower-case words joined by '-')")
    lesson_id = m.group(2) if m else ""
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"^\+\+\+[ \t]*$", text, maxsplit=2, flags=re.M)
    if len(parts) != 3 or parts[0].strip():
        fail("the file must start with front matter between two '+++' lines")
    try:
        front = tomllib.loads(parts[1])
    except tomllib.TOMLDecodeError as e:
        fail(f"front matter is not valid TOML: {e}")
    missing = {"title", "references", "links"} - set(front)
    if missing:
        fail(f"front matter lacks {', '.join(sorted(missing))}")
    unknown = set(front) - _TOP_KEYS
    if unknown:
        fail(f"front matter has unknown field(s) {', '.join(sorted(unknown))}")
    refs = front["references"]
    if not (isinstance(refs, list) and refs and all(isinstance(r, str) for r in refs)):
        fail("references must be a non-empty list of keys of content/references.toml")
    bad = [r for r in refs if r not in REFERENCES]
    if bad:
        fail(f"unknown reference key(s) {', '.join(bad)} (see content/references.toml)")
    note = front.get("reference_note", "")
    controls = front.get("controls", [])
    if not isinstance(note, str) or not (
        isinstance(controls, list) and all(isinstance(c, str) for c in controls)
    ):
        fail("reference_note must be a text and controls a list of URL keys")
    if not isinstance(front["links"], list) or not front["links"]:
        fail("no [[links]]: a lesson opens at least one view")
    links = tuple(_link(x, i + 1, fail) for i, x in enumerate(front["links"]))
    drawn = [x for x in links if x.page == EXPLORER] or [
        x for x in links if x.page == MODE_COLLAPSE
    ]
    if controls and not drawn:
        fail("controls need an explorer or mode-collapse link to draw the figure")
    if drawn and drawn[0].page == MODE_COLLAPSE and not set(controls) <= set(GMM_CONTROLS):
        fail(f"a mode-collapse figure offers only the control(s) {', '.join(GMM_CONTROLS)}")
    sec = _sections(parts[2], fail)
    choices, correct = _choices(sec["choices"], fail)
    return Lesson(
        id=lesson_id,
        title=front["title"],
        explanation=_paragraphs(sec["explanation"]),
        question=_paragraphs(sec["question"]),
        answer=_paragraphs(sec["answer"]),
        links=links,
        references=tuple(refs),
        reference_note=note,
        try_it=TryIt(choices, correct, tuple(controls)),
        source=path.name,
    )


def load_lessons(directory: Path = LESSON_DIR) -> tuple[tuple[Lesson, ...], tuple[str, ...]]:
    """The lessons of ``directory`` in the order of their file names' ``NN``, and one
    "<file>: <problem>" line per file left out (off the format, or a repeated NN or id)."""
    lessons: list[tuple[int, Lesson]] = []
    problems: list[str] = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            lesson = parse_lesson(path)
        except ContentError as e:
            problems.append(str(e))
            continue
        nn = int(path.name[:2])
        taken = [other.source for k, other in lessons if nn == k or lesson.id == other.id]
        if taken:
            problems.append(f"{path.name}: its number or id is taken by {taken[0]}")
            continue
        lessons.append((nn, lesson))
    return tuple(les for _, les in sorted(lessons, key=lambda t: t[0])), tuple(problems)


def settings_problems(lessons: tuple[Lesson, ...]) -> tuple[str, ...]:
    """Explorer links whose settings the explorer would not accept, and figure controls it
    does not have, as "<file>: <problem>" lines. (Reads the explorer's URL specs, which
    import Streamlit: kept out of the loader so that it stays free of it.)"""
    from ui.controls import base_specs, param_specs

    out = []
    for les in lessons:
        for link in les.links:
            if link.page != EXPLORER:
                continue
            variant = link.query.get("variant", "standard")
            try:
                specs = {s.key: s for s in base_specs() + param_specs(variant)}
            except (KeyError, ValueError):
                out.append(f"{les.source}: unknown variant {variant!r} in {link.label!r}")
                continue
            for key, raw in link.query.items():
                if key not in specs:
                    out.append(
                        f"{les.source}: the explorer has no setting {key!r} ({link.label!r})"
                    )
                    continue
                try:
                    specs[key].parse(raw)
                except ValueError as e:
                    out.append(f"{les.source}: bad setting {key}={raw!r} ({link.label!r}): {e}")
            if link is next(x for x in les.links if x.page == EXPLORER):
                for key in les.try_it.controls:
                    if key not in specs:
                        out.append(f"{les.source}: the explorer has no control {key!r} to offer")
    return tuple(out)


LESSONS, LESSON_PROBLEMS = load_lessons()
LESSON_INDEX: Mapping[str, Lesson] = MappingProxyType({les.id: les for les in LESSONS})
#: Each lesson's prediction and figure, by lesson id (derived from the lessons).
TRY_IT: Mapping[str, TryIt] = MappingProxyType({les.id: les.try_it for les in LESSONS})


def get_lesson(lesson_id: str) -> Lesson:
    try:
        return LESSON_INDEX[lesson_id]
    except KeyError:
        raise ValueError(
            f"unknown lesson {lesson_id!r}; one of {', '.join(LESSON_INDEX)}"
        ) from None


# ----------------------------------------------------------------------------- glossary


def load_glossary(
    path: Path = GLOSSARY_FILE,
) -> tuple[tuple[tuple[str, str], ...], Mapping[str, tuple[str, ...]]]:
    """The glossary's (term, definition) pairs in file order and each term's other words;
    a file off the format raises ``ContentError`` naming it."""
    entries: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            entries.append((line[3:].strip(), []))
        elif entries:
            entries[-1][1].append(line)
    terms: list[tuple[str, str]] = []
    aliases: dict[str, tuple[str, ...]] = {}
    for term, lines in entries:
        text = _paragraphs(lines)
        if text.startswith("Also: "):
            also, _, text = text.partition("\n\n")
            aliases[term] = tuple(w.strip() for w in also[6:].split(",") if w.strip())
        if not term or not text:
            raise ContentError(f"{path.name}: the entry '## {term}' has no definition")
        if term in dict(terms):
            raise ContentError(f"{path.name}: the term {term!r} is defined twice")
        terms.append((term, text))
    if not terms:
        raise ContentError(f"{path.name}: no '## Term' entries")
    return tuple(terms), MappingProxyType(aliases)


def _glossary() -> tuple[
    tuple[tuple[str, str], ...], Mapping[str, tuple[str, ...]], tuple[str, ...]
]:
    """The glossary, or none and the problem (every page links terms: a bad glossary file
    must not stop them; the lessons page shows the problem)."""
    try:
        return (*load_glossary(), ())
    except ContentError as e:
        return (), MappingProxyType({}), (str(e),)


#: Short definitions, in the order a student meets them (Markdown), each term's other words,
#: and the glossary file's problem if it does not follow its format.
GLOSSARY, GLOSSARY_ALIASES, GLOSSARY_PROBLEMS = _glossary()


def definitions(*terms: str) -> str:
    """``**Term**: definition`` of each of ``terms`` (glossary terms), one paragraph each;
    for pages that restate a few entries next to their figures."""
    text = dict(GLOSSARY)
    return "  \n".join(f"**{t}**: {text[t]}" for t in terms)


@cache
def content_problems() -> tuple[str, ...]:
    """Every problem of the content files, each naming its file or lesson: lesson files left
    out, the glossary's, and lesson settings the explorer would not accept. (Once per process:
    the files are read once, at import.)"""
    return LESSON_PROBLEMS + GLOSSARY_PROBLEMS + settings_problems(LESSONS)
