"""The content files: lessons, glossary and references follow their formats, and a file that
does not is reported with its name and the problem (``ui.content``, ``dynamics.references``).

The claims a lesson states are checked against the core in ``tests/test_lessons.py``; here,
the loader itself, on the real files and on throwaway files in a temporary directory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dynamics.methods import METHODS
from dynamics.references import REFERENCES, REFERENCES_FILE, cite, load_references
from dynamics.variants import VARIANTS
from ui import content
from ui.content import (
    GLOSSARY,
    GLOSSARY_FILE,
    LESSON_DIR,
    LESSONS,
    ContentError,
    load_glossary,
    load_lessons,
    parse_lesson,
    settings_problems,
)
from ui.routes import EXPLORER

ROOT = Path(__file__).resolve().parents[1]

#: A minimal valid lesson; the malformed cases below change one thing in it.
GOOD = """+++
title = "A throwaway lesson"
references = ["mescheder2018"]
controls = ["h"]

[[links]]
page = "explorer"
label = "Open the explorer: SimGD"
query = { variant = "standard", methods = "simgd" }
claims = [
  ["verdict", "simgd", "diverges"],
  ["distance", ["simgd", "last"], [3.0, 3.2]],
]
+++

## Explanation

One line
and its continuation.

## Question

Predict, then run: does it converge?

## Choices

- [ ] Yes.
- [x] No: it spirals
  out.

## What to look for

It spirals out.
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- the real files


def test_every_content_file_follows_its_format() -> None:
    """A malformed lesson or glossary file fails here, with the file name and the problem
    (at run time the lessons page shows the same lines)."""
    assert content.content_problems() == (), "\n".join(content.content_problems())
    names = sorted(p.name for p in LESSON_DIR.iterdir())
    assert [f"{i + 1:02d}-{les.id}.md" for i, les in enumerate(LESSONS)] == names
    assert len(GLOSSARY) >= 20


def test_every_reference_key_used_exists_and_every_entry_is_used() -> None:
    used: dict[str, set[str]] = {}
    for v in VARIANTS.values():
        for k in v.references:
            used.setdefault(k, set()).add(f"variant {v.name}")
    for m in METHODS.values():
        for k in m.references:
            used.setdefault(k, set()).add(f"method {m.name}")
    for les in LESSONS:
        for k in les.references:
            used.setdefault(k, set()).add(f"lesson {les.id}")
    # pages and ui modules cite by literal keys: cite(("li2018",))
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), *ROOT.glob("dynamics/*.py")]:
        for args in re.findall(r"\bcite\(\(([^)]*)\)", path.read_text(encoding="utf-8")):
            for k in re.findall(r"\"([^\"]+)\"", args):
                used.setdefault(k, set()).add(str(path.relative_to(ROOT)))
    unknown = {k: sorted(w) for k, w in used.items() if k not in REFERENCES}
    assert not unknown, f"keys missing from {REFERENCES_FILE.name}: {unknown}"
    unused = set(REFERENCES) - set(used)
    assert not unused, f"entries of {REFERENCES_FILE.name} nobody cites: {sorted(unused)}"


def test_citations_render_from_the_table() -> None:
    ref = REFERENCES["mescheder2018"]
    assert cite(["mescheder2018"]) == (
        "L. Mescheder, A. Geiger, S. Nowozin, *Which Training Methods for GANs do actually "
        "Converge?*, ICML 2018"
    )
    assert cite(["goodfellow2014", "mescheder2018"], markdown=False) == (
        'I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, '
        f"https://arxiv.org/abs/1406.2661; {ref.plain()}"
    )
    assert ref.url.startswith("https://")
    with pytest.raises(KeyError):
        cite(["no-such-paper"])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[x]\nauthors = "A"\ntitle = "T"\n', "needs authors, title and venue"),
        ('[x]\nauthors = "A"\ntitle = "T"\nvenue = "V"\nyear = "2020"\n', "needs authors"),
        ('[x]\nauthors = ""\ntitle = "T"\nvenue = "V"\n', "empty or non-text"),
        ('x = "not a table"\n', "is not a table"),
    ],
)
def test_a_malformed_reference_entry_is_named(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, "refs.toml", text)
    with pytest.raises(ValueError, match=rf"refs\.toml: .*{re.escape(problem)}"):
        load_references(path)


# ------------------------------------------------------------------------ the lesson format


def test_a_lesson_file_reads_as_its_sections_and_front_matter(tmp_path: Path) -> None:
    les = parse_lesson(write(tmp_path, "07-throwaway.md", GOOD))
    assert les.id == "throwaway" and les.title == "A throwaway lesson"
    assert les.explanation == "One line and its continuation."
    assert les.question == "Predict, then run: does it converge?"
    assert les.try_it.choices == ("Yes.", "No: it spirals out.")
    assert les.try_it.correct == 1 and les.try_it.controls == ("h",)
    assert les.answer == "It spirals out."
    assert les.reference == cite(["mescheder2018"]) + "."
    (link,) = les.links
    assert link.page == EXPLORER and dict(link.query) == {"variant": "standard", "methods": "simgd"}
    assert link.claims == (
        ("verdict", "simgd", "diverges"),
        ("distance", ("simgd", None), (3.0, 3.2)),
    )


def test_lessons_are_ordered_by_their_number_not_their_name(tmp_path: Path) -> None:
    write(tmp_path, "10-zeta.md", GOOD)
    write(tmp_path, "02-omega.md", GOOD)
    write(tmp_path, "05-alpha.md", GOOD)
    lessons, problems = load_lessons(tmp_path)
    assert problems == () and [les.id for les in lessons] == ["omega", "alpha", "zeta"]


BAD = [
    ("01-x.md", GOOD.replace('title = "A throwaway lesson"\n', ""), "front matter lacks title"),
    ("01-x.md", GOOD.replace('page = "explorer"', 'page = "nowhere"'), "unknown page 'nowhere'"),
    ("01-x.md", GOOD.replace('["verdict", "simgd"', '["colour", "simgd"'),
     "unknown claim kind 'colour' for the pages/explorer.py page"),
    ("01-x.md", GOOD.replace('"mescheder2018"', '"nobody2099"'), "unknown reference key(s) nobody2099"),
    ("01-x.md", GOOD.replace("claims = [", "claimz = [", 1), "link 1 lacks claims"),
    ("01-x.md", GOOD.replace("title =", "titel = 1\ntitle =", 1), "unknown field(s) titel"),
    ("01-x.md", GOOD.replace("- [x] No", "- [ ] No"), "exactly one marked '- [x]'"),
    ("01-x.md", GOOD.replace("## Question", "## Questions"), "unknown section '## Questions'"),
    ("01-x.md", GOOD.replace("## What to look for\n\nIt spirals out.\n", ""),
     "missing or empty section '## What to look for'"),
    ("01-x.md", GOOD.replace('query = { variant = "standard", methods = "simgd" }',
                             'query = { variant = "standard", h = 0.5 }'), "query must be a table of texts"),
    ("01-x.md", GOOD.replace("+++\n", "", 1), "front matter between two '+++' lines"),
    ("01-x.md", GOOD.replace('title = "A', 'title = A'), "front matter is not valid TOML"),
    ("1-x.md", GOOD, "the file name must be NN-<id>.md"),
    ("01-X_y.md", GOOD, "the file name must be NN-<id>.md"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "problem"), BAD, ids=[b[2][:30] for b in BAD])
def test_a_malformed_lesson_file_is_named_with_its_problem(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    write(tmp_path, "01-good.md" if name != "01-good.md" else "02-good.md", GOOD)
    write(tmp_path, name, text)
    with pytest.raises(ContentError, match=rf"^{re.escape(name)}: .*{re.escape(problem)}"):
        parse_lesson(tmp_path / name)
    # the directory still loads: the other lesson, and the problem named
    if name.startswith("01-"):
        (tmp_path / "01-good.md").rename(tmp_path / "02-good.md")
    lessons, problems = load_lessons(tmp_path)
    assert [les.id for les in lessons] == ["good"]
    assert len(problems) == 1 and problems[0].startswith(f"{name}: ") and problem in problems[0]


def test_a_repeated_number_or_id_is_named(tmp_path: Path) -> None:
    write(tmp_path, "01-first.md", GOOD)
    write(tmp_path, "01-second.md", GOOD)
    write(tmp_path, "02-first.md", GOOD)
    lessons, problems = load_lessons(tmp_path)
    assert [les.id for les in lessons] == ["first"]
    assert problems == (
        "01-second.md: its number or id is taken by 01-first.md",
        "02-first.md: its number or id is taken by 01-first.md",
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('methods = "simgd"', 'methods = "simgd", h = "fast"', "bad setting h='fast'"),
        ('methods = "simgd"', 'methods = "simgd", colour = "red"', "has no setting 'colour'"),
        ('variant = "standard"', 'variant = "nope"', "variant"),
        ('controls = ["h"]', 'controls = ["speed_of_light"]', "no control 'speed_of_light'"),
    ],
)
def test_a_bad_explorer_setting_is_named(tmp_path: Path, old: str, new: str, problem: str) -> None:
    les = parse_lesson(write(tmp_path, "01-x.md", GOOD.replace(old, new)))
    problems = settings_problems((les,))
    assert len(problems) == 1 and problems[0].startswith("01-x.md: ") and problem in problems[0]
    assert settings_problems((parse_lesson(write(tmp_path, "02-y.md", GOOD)),)) == ()


# ------------------------------------------------------------------------------ the glossary


def test_the_glossary_file_reads_terms_aliases_and_definitions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "glossary.md",
        "# Glossary\n\nIntro, ignored.\n\n## GAN\n\nAlso: GANs, networks\n\nTwo models\n"
        "trained against each other.\n\n## Loss\n\nWhat training lowers.\n",
    )
    terms, aliases = load_glossary(path)
    assert terms == (("GAN", "Two models trained against each other."),
                     ("Loss", "What training lowers."))  # fmt: skip
    assert dict(aliases) == {"GAN": ("GANs", "networks")}
    terms, _ = load_glossary(GLOSSARY_FILE)
    assert terms == GLOSSARY


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("## GAN\n\nOne.\n\n## GAN\n\nTwo.\n", "the term 'GAN' is defined twice"),
        ("## GAN\n\nAlso: GANs\n", "the entry '## GAN' has no definition"),
        ("# Glossary\n\nNothing here.\n", "no '## Term' entries"),
    ],
)
def test_a_malformed_glossary_is_named(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ContentError, match=rf"^glossary\.md: {re.escape(problem)}"):
        load_glossary(write(tmp_path, "glossary.md", text))


def test_the_cli_prints_the_citations_from_the_table() -> None:
    import argparse

    from dynamics.cli import cmd_methods, cmd_variants

    for rows, registry in ((cmd_variants(argparse.Namespace()), VARIANTS),
                           (cmd_methods(argparse.Namespace()), METHODS)):  # fmt: skip
        for row in rows:
            keys = registry[row["name"]].references
            assert row["reference"] == cite(keys, markdown=False)
            assert all(REFERENCES[k].authors in row["reference"] for k in keys)
