"""References to a section of a markdown page, found in the repository's text, and the sections pages have.

The styles the repository writes them in (collected with grep over code, docs and tests):

- a page's path, a comma and the section's name: `(docs/design.md, The sweeper)`,
  `contracts/README.md, Files`; in comments and docstrings often wrapped, the name going on at the start of
  the next line;
- the name in parentheses: `docs/design.md (Job lifecycle)`;
- GitHub's anchor of a heading: `docs/design.md#retention`, in a markdown link
  `[Retention](docs/design.md#retention)` or, from a page to its own heading, `[The DLQ](#the-dlq)`.

A path is the repository's (`docs/design.md`) or, in a markdown file, relative to that file (`design.md`,
`../contracts/README.md`); a bare `README` is the repository's README.md. A name is a heading of the page
or the bold label that opens one of its paragraphs or list items (`**Submitting a job.**`,
`- **The lease invariant**:`), both compared without case or a leading "the", whole or up to the first
colon or parenthesis: "The sweeper" names "The sweeper: every accepted job ends". After a bare README's
comma a name starts with a capital letter ("the README, drawn from infra/'s templates" is prose); after a
page's path anything is a name ("docs/design.md, moto under a backlog"), so prose there reads "the picture
docs/x.md shows".
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PATH = r"(?<![\w/.-])(?P<path>(?:[\w.-]+/)*[\w.-]+\.md|README)"
# A name runs to the first closing bracket, semicolon, comma, colon, quote or sentence end.
_NAME_END = r"(?=\.(?:\s|$|\")|[);,:\"`*\]]|$)"
_BY_NAME = re.compile(
    _PATH
    + r"(?:, (?P<name>[A-Za-z][^);,:\"`*\]\n]*?)"
    + _NAME_END
    + r"|\s\((?P<parenthesised>[A-Z][^)\n]*)\))"
)
_BY_ANCHOR = re.compile(_PATH + r"#(?P<anchor>[\w-]+)")
_IN_PAGE_ANCHOR = re.compile(r"\]\(#(?P<anchor>[\w-]+)\)")
# A line that ends in a path and its comma names the section at the start of the next one.
_CUT_AFTER_PATH = re.compile(_PATH + r",$")
# What opens a continuation line of a comment or docstring: indentation and a comment marker.
_CONTINUATION = re.compile(r"^\s*(?:#+|//+|\*|--|;+)?\s*")
_BOLD_LABEL_END = re.compile(r"[.:]+$")


@dataclass(frozen=True)
class Reference:
    file: Path
    line: int
    page: Path
    style: str  # "comma", "parentheses", "anchor" or "in-page anchor"
    name: str | None = None
    anchor: str | None = None

    def describe(self, root: Path) -> str:
        where = f"{self.file.relative_to(root)}:{self.line}"
        page = self.page.relative_to(root) if self.page.is_relative_to(root) else self.page
        if not self.page.is_file():
            return f"{where}: {page} does not exist"
        wanted = (
            f"no section {self.name!r}" if self.name is not None else f"no heading with anchor #{self.anchor}"
        )
        return f"{where}: {page} has {wanted}"


@dataclass(frozen=True)
class Sections:
    names: frozenset[str]
    anchors: frozenset[str]

    def has(self, reference: Reference) -> bool:
        if reference.anchor is not None:
            return reference.anchor in self.anchors
        return reference.name is not None and _comparable(reference.name) in self.names


def _comparable(name: str) -> str:
    name = " ".join(name.split()).lower()
    return name.removeprefix("the ")


def _names_of(title: str) -> set[str]:
    """A section's whole title, and its short title before a colon or a parenthesis."""
    short = re.split(r":|\s\(", title, maxsplit=1)[0]
    return {_comparable(title), _comparable(short)}


def _plain_text(inline: Token) -> str:
    return "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))


def _bold_label(inline: Token) -> str | None:
    children = [child for child in inline.children or () if child.type != "text" or child.content]
    if not children or children[0].type != "strong_open":
        return None
    label: list[str] = []
    for child in children[1:]:
        if child.type == "strong_close":
            return _BOLD_LABEL_END.sub("", "".join(label).strip())
        label.append(child.content)
    return None


def github_anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def sections_of(markdown: str) -> Sections:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    names: set[str] = set()
    anchors: set[str] = set()
    for previous, token in itertools.pairwise(tokens):
        if token.type != "inline":
            continue
        if previous.type == "heading_open":
            title = _plain_text(token)
            names |= _names_of(title)
            anchor = base = github_anchor(title)
            repeat = 0
            while anchor in anchors:  # GitHub numbers a repeated heading's anchor
                repeat += 1
                anchor = f"{base}-{repeat}"
            anchors.add(anchor)
        elif previous.type == "paragraph_open" and (label := _bold_label(token)):
            names |= _names_of(label)
    return Sections(frozenset(names), frozenset(anchors))


def _page(root: Path, file: Path, path: str) -> Path:
    """The page a path names: a bare README is the repository's; a markdown file's own links are relative."""
    if path == "README":
        return root / "README.md"
    relative, from_root = Path(os.path.normpath(file.parent / path)), Path(os.path.normpath(root / path))
    if file.suffix == ".md":
        return relative if relative.exists() else from_root
    return from_root if from_root.exists() or not relative.exists() else relative


def _references_in_line(root: Path, file: Path, number: int, line: str, text: str) -> Iterator[Reference]:
    """The references that start in `line`; `text` is the line with, maybe, the next one joined to it."""
    for match in _BY_NAME.finditer(text):
        name = match.group("name") or match.group("parenthesised")
        if match.start() < len(line) and not (match.group("path") == "README" and name[0].islower()):
            style = "comma" if match.group("name") else "parentheses"
            yield Reference(file, number, _page(root, file, match.group("path")), style, name=name.strip())
    for match in _BY_ANCHOR.finditer(line):
        page = _page(root, file, match.group("path"))
        yield Reference(file, number, page, "anchor", anchor=match.group("anchor"))
    if file.suffix == ".md":
        for match in _IN_PAGE_ANCHOR.finditer(line):
            yield Reference(file, number, file, "in-page anchor", anchor=match.group("anchor"))


def references_in(root: Path, file: Path) -> Iterator[Reference]:
    lines = file.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        text = line
        # A name cut by the end of a comment's line goes on at the start of the next one.
        cut = _CUT_AFTER_PATH.search(line) or any(m.end() == len(line) for m in _BY_NAME.finditer(line))
        if index + 1 < len(lines) and cut:
            text = f"{line} {_CONTINUATION.sub('', lines[index + 1])}"
        yield from _references_in_line(root, file, index + 1, line, text)


def broken_references(root: Path, files: Iterable[Path]) -> list[Reference]:
    """Every reference among `files` whose page is missing or has no such section, in file order."""
    pages: dict[Path, Sections | None] = {}
    broken = []
    for file in files:
        for reference in references_in(root, file):
            if reference.page not in pages:
                exists = reference.page.is_file()
                pages[reference.page] = (
                    sections_of(reference.page.read_text(encoding="utf-8")) if exists else None
                )
            sections = pages[reference.page]
            if sections is None or not sections.has(reference):
                broken.append(reference)
    return broken


def text_files(root: Path) -> list[Path]:
    """The repository's text files, tracked or new but not ignored; vendored code is not ours to check."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    files = []
    for name in sorted(set(filter(None, listed.split("\0")))):
        path = root / name
        if "/vendor/" in f"/{name}" or name.endswith(".lock") or not path.is_file():
            continue
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        files.append(path)
    return files
