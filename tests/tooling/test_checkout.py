"""conveyor_release.checkout, what `make rehearse` and `make dev WORKER_AT=` run a released service from: the
commit each service is rehearsed at, and a commit's checkout cached with the service installed, reused while
the commit is the same, and made again when it was deleted."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conveyor_release import git
from conveyor_release.checkout import CACHE, checkout, default_uv, job_types, released_commit

from tests.support import contract
from tests.support.contract import REPO_ROOT


def _releases(folder: Path, *entries: tuple[str, str, str]) -> Path:
    document = {
        "releases": [
            {"component": component, "version": version, "commit": commit, "date": "2026-12-07"}
            for component, version, commit in entries
        ]
    }
    (folder / "releases.json").write_text(json.dumps(document))
    return folder


def test_a_service_is_rehearsed_at_the_commit_of_its_last_recorded_release(tmp_path: Path) -> None:
    first, second, api = "1" * 40, "2" * 40, "3" * 40
    repo = _releases(tmp_path, ("worker", "1.0.0", first), ("api", "1.0.0", api), ("worker", "1.1.0", second))

    assert (released_commit(repo, "worker"), released_commit(repo, "api")) == (second, api)


def test_a_service_never_released_has_no_commit_to_rehearse(tmp_path: Path) -> None:
    repo = _releases(tmp_path, ("contract", "1.0.0", "1" * 40))

    with pytest.raises(LookupError, match="no release of worker"):
        released_commit(repo, "worker")


def test_the_job_types_of_a_checkout_are_its_contracts_catalogue() -> None:
    assert job_types(REPO_ROOT) == frozenset(contract.job_types())


def _python(tree: Path) -> str:
    return str(tree / "worker-service" / ".venv" / "bin" / "python")


def test_a_commit_is_checked_out_once_with_the_service_installed_and_made_again_once_deleted(
    tmp_path: Path,
) -> None:
    # A clone, as a clean checkout of the repository is: it has every commit, and a cache of its own.
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--shared", str(REPO_ROOT), str(clone)], check=True)
    commit = released_commit(REPO_ROOT, "worker")
    uv = default_uv(REPO_ROOT)

    tree = checkout(clone, "worker", commit[:12], uv=uv)

    assert tree == clone / CACHE / commit
    assert git.head(tree) == commit
    # The released package, its contract copied in as its build copies it, and the local stack's PyJWT.
    probe = (
        "import importlib.resources, conveyor_worker, jwt; "
        "print(conveyor_worker.__file__); "
        "print(importlib.resources.files('conveyor_worker').joinpath('contract/schemas/job-type.schema.json')"
        ".read_text())"
    )
    shown = subprocess.run([_python(tree), "-c", probe], check=True, capture_output=True, text=True).stdout
    installed, catalogue = shown.split("\n", 1)
    assert Path(installed).is_relative_to(tree / "worker-service" / ".venv")
    assert json.loads(catalogue)["enum"] == sorted(job_types(tree))

    # Reused: nothing is installed again (this uv does not exist).
    assert checkout(clone, "worker", commit, uv=str(tmp_path / "no-uv")) == tree

    # Deleted by hand (make clean): git still has it registered, and it is made again.
    shutil.rmtree(tree)
    assert checkout(clone, "worker", commit, uv=uv) == tree
    assert subprocess.run([_python(tree), "-c", "import conveyor_worker"], check=False).returncode == 0
