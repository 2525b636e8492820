"""Every relative link in README.md and docs/*.md resolves inside the repository."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and [text]: target, skipping images' data and code spans.
INLINE = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
EXTERNAL = ("http://", "https://", "mailto:")


def _links(text: str) -> list[str]:
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)
    return INLINE.findall(text) + REFERENCE.findall(text)


def _headings(path: Path) -> set[str]:
    anchors = set()
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            title = re.sub(r"[^\w\- ]", "", title)
            anchors.add(title.replace(" ", "-"))
    return anchors


def test_the_documentation_exists():
    names = {path.name for path in DOCUMENTS}
    assert {"README.md", "servicing-rules.md", "api.md", "operations.md"} <= names


def _resolves(document: Path, link: str) -> bool:
    target, _, anchor = link.partition("#")
    path = (document.parent / target).resolve() if target else document
    if not path.is_relative_to(ROOT) or not path.exists():
        return False
    return not (anchor and path.suffix == ".md") or anchor in _headings(path)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve_inside_the_repository(document):
    links = [link for link in _links(document.read_text()) if not link.startswith(EXTERNAL)]
    broken = [link for link in links if not _resolves(document, link)]
    assert not broken, f"{document.name}: links that do not resolve: {broken}"


def test_the_readme_and_docs_name_nothing_outside_the_repository():
    for document in DOCUMENTS:
        text = document.read_text()
        # No path that climbs out of the checkout, and no file a clone does not have.
        for climb in re.findall(r"(?:\.\./)+[\w.-]+", text):
            target = (document.parent / climb).resolve()
            assert target.is_relative_to(ROOT) and target.exists(), (document.name, climb)
        for outside in ("SPEC.md", "API.md"):
            assert outside not in text, document.name
    text = (ROOT / "README.md").read_text()
    for document in ("docs/servicing-rules.md", "docs/api.md", "docs/operations.md"):
        assert f"({document})" in text
