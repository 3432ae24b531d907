"""A service as it was released: its commit checked out (a detached git worktree) and its package installed in
an environment of its own, cached under .tools/releases/<commit>/ and reused while the commit is the same.

The checkout is what the local stack's CONVEYOR_API_CHECKOUT and CONVEYOR_WORKER_CHECKOUT name
(conveyor_local.config): that commit's infra/ templates and its <service>/.venv. The environment holds what
the release's Lambda package holds (its requirements.lock, its package with the contract copied in, as `make
contracts` and `make package` do) and PyJWT, which the local stack's API gateway emulator, run by that
interpreter, checks tokens with.

`python -m conveyor_release.checkout SERVICE [COMMIT]` makes one (COMMIT: the service's last release in
releases.json, if left out) and prints its folder.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conveyor_release import git, releases

CACHE = Path(".tools") / "releases"
INSTALLED_MARKER = ".release-installed"
# The local stack's own needs in a service's environment, at the versions of this checkout's root lock.
LOCAL_STACK_REQUIREMENTS = ("pyjwt[crypto]",)
ROOT_LOCK = "requirements-dev.lock"
JOB_TYPE_SCHEMA = Path("contracts") / "v1" / "job-type.schema.json"


@dataclass(frozen=True)
class Service:
    folder: str
    package: str


SERVICES = {
    "api": Service("api-service", "conveyor_api"),
    "worker": Service("worker-service", "conveyor_worker"),
}


def released_commit(repo: Path, service: str) -> str:
    """The commit of `service`'s last release in releases.json."""
    last = releases.latest(releases.load(repo)).get(service)
    if last is None:
        raise LookupError(f"{releases.RELEASES_FILE} records no release of {service}")
    return last.commit


def checkout(repo: Path, service: str, commit: str, *, uv: str, python: str = "python3") -> Path:
    """The folder of `commit`'s checkout with `service` installed in its <service>/.venv, made if missing."""
    full = git.run(repo, "rev-parse", "--verify", f"{commit}^{{commit}}").strip()
    cache = repo / CACHE
    cache.mkdir(parents=True, exist_ok=True)
    tree = cache / full
    # Both services of one commit share a checkout, and two runs may ask for it at once.
    with _locked(cache / f"{full}.lock"):
        if not _is_checkout_of(tree, full):
            shutil.rmtree(tree, ignore_errors=True)
            # --force: a checkout deleted by hand (make clean) is still registered, and would be refused.
            git.run(repo, "worktree", "add", "--detach", "--force", str(tree), full)
        _install(repo, tree, SERVICES[service], uv, python)
    return tree


def _is_checkout_of(tree: Path, commit: str) -> bool:
    if not (tree / ".git").is_file():
        return False
    found = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tree, capture_output=True, text=True, check=False
    )
    return found.returncode == 0 and found.stdout.strip() == commit


def _install(repo: Path, tree: Path, service: Service, uv: str, python: str) -> None:
    folder = tree / service.folder
    venv = folder / ".venv"
    marker = venv / INSTALLED_MARKER
    if marker.exists():
        return
    interpreter = str(venv / "bin" / "python")
    _uv(uv, "venv", "--quiet", "--allow-existing", "--python", python, str(venv))
    _uv(uv, "pip", "sync", "--quiet", "--python", interpreter, str(folder / "requirements.lock"))
    # The package's copy of the contract is made by its build, not committed (as `make contracts` copies it).
    schemas = folder / "src" / service.package / "contract" / "schemas"
    shutil.rmtree(schemas, ignore_errors=True)
    shutil.copytree(tree / "contracts" / "v1", schemas)
    _uv(uv, "pip", "install", "--quiet", "--python", interpreter, "--no-deps", str(folder))
    _uv(
        uv,
        "pip",
        "install",
        "--quiet",
        "--python",
        interpreter,
        "--constraints",
        str(repo / ROOT_LOCK),
        *LOCAL_STACK_REQUIREMENTS,
    )
    marker.touch()


def _uv(uv: str, *arguments: str) -> None:
    # Its messages to stderr: stdout carries the folder `main` prints.
    subprocess.run(
        [uv, *arguments], check=True, stdout=sys.stderr, env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def job_types(root: Path) -> frozenset[str]:
    """The job types the contract of the checkout at `root` defines (its job-type enum)."""
    document = json.loads((root / JOB_TYPE_SCHEMA).read_text())
    return frozenset(document["enum"])


def default_uv(repo: Path) -> str:
    """The Makefile's uv (it exports UV), else the one it installs into .tools/."""
    return os.environ.get("UV") or str(repo / ".tools" / "bin" / "uv")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conveyor_release.checkout", description=__doc__)
    parser.add_argument("service", choices=sorted(SERVICES))
    parser.add_argument("commit", nargs="?", help="a commit of this repository; default: the last release")
    arguments = parser.parse_args(argv)
    repo = Path(git.run(Path.cwd(), "rev-parse", "--show-toplevel").strip())
    try:
        commit = arguments.commit or released_commit(repo, arguments.service)
        print(checkout(repo, arguments.service, commit, uv=default_uv(repo)))
    except LookupError as missing:
        print(f"checkout: {missing}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as failed:
        print(
            f"checkout: {' '.join(map(str, failed.cmd))} failed: {failed.stderr or ''}".strip(),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
