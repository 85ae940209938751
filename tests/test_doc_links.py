"""The README and the docs/ pages link to files and headings that exist (the README was split
into docs/ pages; a moved section must not leave a dead link behind)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "deploy" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    for line in FENCE.sub("", path.read_text()).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return out


def dead_links(path: Path) -> list[str]:
    dead = []
    for target in LINK.findall(FENCE.sub("", path.read_text())):
        if re.match(r"[a-z]+:", target):  # http(s), mailto: not checked here
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        missing_heading = anchor and dest.suffix == ".md" and anchor not in anchors(dest)
        if not dest.exists() or missing_heading:
            dead.append(target)
    return dead


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    assert not dead_links(path), dead_links(path)


def test_the_link_check_can_fail(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n[ok](#title) [gone](missing.md) [no](#nowhere) [web](https://x.y)\n"
    )
    assert dead_links(page) == ["missing.md", "#nowhere"]


def test_the_readme_links_every_docs_page() -> None:
    readme = (ROOT / "README.md").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        assert f"(docs/{page.name})" in readme, page.name


def test_the_teaching_page_points_at_the_lesson_files() -> None:
    """docs/teaching.md names the lessons' folder rather than keeping a list of lessons that
    could drift from it: adding a lesson is adding one file. (Its example lesson file is
    loaded and its claims checked in tests/test_lessons.py.)"""
    text = (ROOT / "docs" / "teaching.md").read_text()
    assert "](../content/lessons/)" in text
    assert not re.findall(r"^\| (\d+) \| `([\w-]+)`", text, re.M)


def test_teaching_is_described_in_one_place() -> None:
    """The README summarises and links docs/teaching.md; it repeats none of its paragraphs."""
    readme = " ".join((ROOT / "README.md").read_text().split())
    paragraphs = (ROOT / "docs" / "teaching.md").read_text().split("\n\n")[1:]
    repeated = [p for p in paragraphs if len(p) > 80 and " ".join(p.split()) in readme]
    assert not repeated, repeated
