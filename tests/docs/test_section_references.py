"""Every reference to a section of a page (docs/design.md, The sweeper; docs/api.md#errors) names one it has.

How references are found, and what counts as a section: tests/docs/section_references.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.docs.section_references import (
    Reference,
    broken_references,
    github_anchor,
    references_in,
    text_files,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# Except these files, whose references are made-up examples about made-up pages.
FILES = [
    file
    for file in text_files(REPO_ROOT)
    if file not in {HERE / "section_references.py", HERE / "test_section_references.py"}
]
REFERENCES = [reference for file in FILES for reference in references_in(REPO_ROOT, file)]
PAGES = sorted({reference.page for reference in REFERENCES})
BROKEN = broken_references(REPO_ROOT, FILES)

DESIGN = """# Design

## The sweeper: every accepted job ends

**Submitting a job.** The API sends the job's message, then stores the job.

- **The lease invariant**: the lease never outlasts the function.

## Retries: backoff, jitter, a bound
"""
# The same page with every section renamed.
RENAMED_DESIGN = (
    DESIGN.replace("The sweeper", "The reaper")
    .replace("Submitting", "Sending")
    .replace("The lease invariant", "The claim invariant")
    .replace("Retries", "Redeliveries")
)


def _write(root: Path, files: dict[str, str]) -> list[Path]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return [root / name for name in files]


def _broken(root: Path, files: dict[str, str]) -> list[str]:
    return [reference.describe(root) for reference in broken_references(root, _write(root, files))]


def _page_id(page: Path) -> str:
    return str(page.relative_to(REPO_ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_reference_to_the_page_names_one_of_its_sections(page: Path) -> None:
    broken = [reference.describe(REPO_ROOT) for reference in BROKEN if reference.page == page]

    assert not broken, "\n".join(broken)


def test_the_repository_is_read_in_every_style_it_writes_references_in() -> None:
    styles = Counter(reference.style for reference in REFERENCES)

    assert set(styles) == {"comma", "parentheses", "anchor", "in-page anchor"}, styles
    assert {"docs/design.md", "contracts/README.md", "docs/deploy.md"} <= {_page_id(page) for page in PAGES}


def test_a_renamed_section_fails_naming_the_file_the_line_and_the_section(tmp_path: Path) -> None:
    files = {
        "docs/design.md": DESIGN,
        "src/sweeper.py": "# Ends what lost its message (docs/design.md, The\n# sweeper).\n",
        "docs/api.md": "# API\n\nSee [the sweeper](design.md#the-sweeper-every-accepted-job-ends).\n",
    }
    assert _broken(tmp_path, files) == []

    files["docs/design.md"] = DESIGN.replace("## The sweeper:", "## The reaper:")

    assert _broken(tmp_path, files) == [
        "src/sweeper.py:1: docs/design.md has no section 'The sweeper'",
        "docs/api.md:3: docs/design.md has no heading with anchor #the-sweeper-every-accepted-job-ends",
    ]


@pytest.mark.parametrize(
    ("file", "text", "style"),
    [
        ("a.py", "# (docs/design.md, The sweeper); then", "comma"),
        ("a.py", '"""Claims a job (docs/design.md, Submitting a job)."""', "comma"),
        ("a.py", "# docs/design.md, Retries: backoff, jitter.", "comma"),
        ("a.py", "# The lease is the timeout (docs/design.md, lease invariant).", "comma"),
        ("a.py", '"""Wrapped (docs/design.md, Submitting a\n    job): as docstrings are."""', "comma"),
        ("a.yaml", "# Wrapped after the comma (docs/design.md,\n# The sweeper).", "comma"),
        ("a.py", '"""The conditional writes of docs/design.md (Submitting a job)."""', "parentheses"),
        ("a.py", "# docs/design.md#retries-backoff-jitter-a-bound", "anchor"),
        ("docs/a.md", "[Retries](design.md#retries-backoff-jitter-a-bound)", "anchor"),
        ("docs/a.md", "# A\n\n## Here\n\n[Here](#here)", "in-page anchor"),
    ],
)
def test_each_style_of_reference_is_found_and_checked(
    tmp_path: Path, file: str, text: str, style: str
) -> None:
    files = {"docs/design.md": DESIGN, file: text}
    _write(tmp_path, files)
    (reference,) = references_in(tmp_path, tmp_path / file)
    assert reference.style == style
    assert _broken(tmp_path, files) == []

    renamed = {"docs/design.md": RENAMED_DESIGN, file: text.replace("## Here", "## There")}

    assert [line.split(": ", 1)[0] for line in _broken(tmp_path, renamed)] == [f"{file}:{reference.line}"]


@pytest.mark.parametrize(
    "text",
    [
        "# The picture at the top of the README, drawn from infra/'s templates.",
        "# measured into docs/benchmarks.md (not part of make test)",
        "# The body limit docs/design.md fixes, measured after decoding.",
        "# Served beside it: ../../README.md is refused.",
    ],
)
def test_prose_that_only_mentions_a_page_is_no_reference(tmp_path: Path, text: str) -> None:
    _write(tmp_path, {"a.py": text})

    assert list(references_in(tmp_path, tmp_path / "a.py")) == []


def test_a_bare_readme_is_the_repositorys_and_a_missing_page_fails(tmp_path: Path) -> None:
    files = {
        "README.md": "# Conveyor\n\n## Try it\n",
        "cli/README.md": "# cli\n",
        "cli/a.py": "# (README, Try it) (docs/gone.md, Anything)",
    }

    assert _broken(tmp_path, files) == ["cli/a.py:1: docs/gone.md does not exist"]


def test_a_repeated_heading_gets_githubs_numbered_anchor(tmp_path: Path) -> None:
    files = {
        "docs/a.md": "# A\n\n## Notes\n\n## Notes\n\n[first](#notes), [second](#notes-1), [none](#notes-2)\n"
    }

    assert _broken(tmp_path, files) == ["docs/a.md:7: docs/a.md has no heading with anchor #notes-2"]


def test_anchors_are_githubs() -> None:
    assert (
        github_anchor("Configuration (read once; no defaults but one)")
        == "configuration-read-once-no-defaults-but-one"
    )
    assert github_anchor("The functions' code") == "the-functions-code"
    assert github_anchor("`conveyor dlq` commands") == "conveyor-dlq-commands"


def test_a_reference_names_its_line(tmp_path: Path) -> None:
    _write(tmp_path, {"docs/design.md": DESIGN, "a.py": "x = 1\n\n# (docs/design.md, The sweeper)\n"})

    assert list(references_in(tmp_path, tmp_path / "a.py")) == [
        Reference(tmp_path / "a.py", 3, tmp_path / "docs/design.md", "comma", name="The sweeper")
    ]
