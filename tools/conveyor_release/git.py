"""The few git commands the release tooling runs, in the repository it is given."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path


def run(repo: Path, *arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=repo, check=True, capture_output=True, text=True).stdout


def head(repo: Path) -> str:
    return run(repo, "rev-parse", "HEAD").strip()


def changed_paths(repo: Path) -> list[str]:
    """Every path that differs from HEAD, untracked files included (a schema not yet added is a change)."""
    return [line[3:] for line in run(repo, "status", "--porcelain", "--untracked-files=all").splitlines()]


def tree_id(repo: Path, commit: str, path: str) -> str:
    return run(repo, "rev-parse", f"{commit}:{path}").strip()


def show(repo: Path, commit: str, path: str) -> str:
    return run(repo, "show", f"{commit}:{path}")


def extract(repo: Path, commit: str, path: str, into: Path) -> Path:
    """`path` as it was at `commit`, written under `into`."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, path], cwd=repo, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / path
