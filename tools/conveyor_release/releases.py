"""releases.json: the record of each component's releases, and `make release`, which appends to it."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from conveyor_release import git

RELEASES_FILE = "releases.json"
SCHEMA = Path(__file__).with_name("releases.schema.json")
# Where each component keeps its version: a service's in its package metadata, the contract's in a file.
VERSION_FILES = {
    "api": "api-service/pyproject.toml",
    "worker": "worker-service/pyproject.toml",
    "contract": "contracts/VERSION",
}
CHANGELOGS = {
    "api": "api-service/CHANGELOG.md",
    "worker": "worker-service/CHANGELOG.md",
    "contract": "contracts/CHANGELOG.md",
}


@dataclass(frozen=True)
class Release:
    component: str
    version: str
    commit: str
    date: str

    @property
    def version_key(self) -> tuple[int, ...]:
        return version_key(self.version)


def version_key(version: str) -> tuple[int, ...]:
    """MAJOR.MINOR.PATCH as numbers, so that 1.10.0 comes after 1.9.0."""
    return tuple(int(part) for part in version.split("."))


class ReleaseRefusedError(Exception):
    """The release was not recorded, and why."""


def validator() -> Draft202012Validator:
    return Draft202012Validator(
        json.loads(SCHEMA.read_text()), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def load(repo: Path) -> list[Release]:
    path = repo / RELEASES_FILE
    document: Any = json.loads(path.read_text()) if path.exists() else {"releases": []}
    errors = [f"{error.json_path}: {error.message}" for error in validator().iter_errors(document)]
    if errors:
        raise ValueError(f"{RELEASES_FILE}: " + "; ".join(errors))
    return [Release(**entry) for entry in document["releases"]]


def latest(releases: list[Release]) -> dict[str, Release]:
    """The last release recorded of each component."""
    return {release.component: release for release in releases}


def package_version(text: str, component: str) -> str:
    """The version a component's version file (as text) declares."""
    if component == "contract":
        return text.strip()
    version = tomllib.loads(text)["project"]["version"]
    assert isinstance(version, str)
    return version


def changelog_has(path: Path, version: str) -> bool:
    """A changelog's section of `version` is a level-2 heading starting with it (`## 1.0.0 (2026-12-07)`)."""
    text = path.read_text() if path.exists() else ""
    return re.search(rf"^## {re.escape(version)}\b", text, re.MULTILINE) is not None


def record(repo: Path, component: str, version: str, today: date, gate: Callable[[], bool]) -> Release:
    """Appends a release of `component` at HEAD to releases.json, unless a check refuses it; `gate` (the
    contract gate, which prints its own report) runs last, being the slowest. releases.json is the only
    change the tree may hold: the releases of one commit are recorded one after the other, then committed."""
    releases = load(repo)
    if dirty := [path for path in git.changed_paths(repo) if path != RELEASES_FILE]:
        raise ReleaseRefusedError(f"the working tree has uncommitted changes: {', '.join(dirty)}")
    if not re.fullmatch(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", version):
        raise ReleaseRefusedError(f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    declared = package_version((repo / VERSION_FILES[component]).read_text(), component)
    if declared != version:
        raise ReleaseRefusedError(
            f"{VERSION_FILES[component]} says {declared}, not {version}: bump it (and the changelog) first"
        )
    if not changelog_has(repo / CHANGELOGS[component], version):
        raise ReleaseRefusedError(f"{CHANGELOGS[component]} has no section '## {version}': say what changed")
    release = Release(component, version, git.head(repo), today.isoformat())
    previous = latest(releases).get(component)
    if previous is not None and previous.version_key >= release.version_key:
        raise ReleaseRefusedError(
            f"{component} {previous.version} is already recorded: {version} is not newer"
        )
    if not gate():
        raise ReleaseRefusedError("the contract gate fails (its report is above)")
    entries = [asdict(entry) for entry in [*releases, release]]
    (repo / RELEASES_FILE).write_text(_formatted(entries))
    return release


def _formatted(entries: list[dict[str, str]]) -> str:
    """One release a line: the file reads as a log, and each release is one line of a diff."""
    lines = ",\n".join(f"    {json.dumps(entry)}" for entry in entries)
    return '{\n  "releases": [\n' + lines + "\n  ]\n}\n" if entries else '{\n  "releases": []\n}\n'
