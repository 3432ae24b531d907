"""Compiles a staged Lambda bundle with Lambda's Python: `python3 lambda_bytecode.py VERSION STAGING`.

Lambda's /var/task is read-only, so a bundle without bytecode compiles every module it imports on every cold
start (docs/benchmarks.md, Cold start: about 2.5 times the import). Bytecode counts only when the runtime's
own minor version wrote it, so this finds a Python VERSION on this machine, whatever Python runs the build.

The .pyc files are unchecked-hash (PEP 552): the runtime loads them without looking at their sources' mtimes,
which the zip fixes at 1980 anyway, and their bytes depend on the sources alone. Their recorded file names are
where Lambda unpacks the zip, so tracebacks name /var/task and the bytes do not depend on the build folder.
Standard library only, like lambda_zip.py: it runs before any environment exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

LAMBDA_TASK_ROOT = "/var/task"


class NoInterpreterError(Exception):
    """No Python of the runtime's version on this machine: the bundle cannot be compiled for it."""


def _candidates(version: str) -> Iterator[str]:
    """Where a Python `version` may be, most explicit first."""
    if chosen := os.environ.get("LAMBDA_PYTHON"):
        yield chosen
    if on_path := shutil.which(f"python{version}"):
        yield on_path
    # pyenv's shims are on PATH but answer only for the selected version; its installs are not.
    if shutil.which("pyenv"):
        prefix = subprocess.run(["pyenv", "prefix", version], capture_output=True, text=True, check=False)
        if prefix.returncode == 0:
            yield str(Path(prefix.stdout.strip()) / "bin" / f"python{version}")
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv:
        found = subprocess.run([uv, "python", "find", version], capture_output=True, text=True, check=False)
        if found.returncode == 0:
            yield found.stdout.strip()


def find_python(version: str) -> str:
    """The first candidate that runs and says it is Python `version`."""
    asked = "import sys; print('%d.%d' % sys.version_info[:2])"
    for candidate in _candidates(version):
        ran = subprocess.run([candidate, "-c", asked], capture_output=True, text=True, check=False)
        if ran.returncode == 0 and ran.stdout.strip() == version:
            return candidate
    raise NoInterpreterError(
        f"no Python {version} found (tried LAMBDA_PYTHON, python{version} on PATH, pyenv, uv): Lambda's "
        f"runtime is {version} and bytecode from any other version is ignored; set LAMBDA_PYTHON to one"
    )


def compile_bundle(python: str, staging: Path) -> None:
    """Writes `__pycache__/<module>.cpython-XY.pyc` beside every module in `staging`."""
    subprocess.run(
        [
            *(python, "-m", "compileall", "-q", "-j", "0"),
            *("--invalidation-mode", "unchecked-hash", "-s", str(staging), "-p", LAMBDA_TASK_ROOT),
            str(staging),
        ],
        check=True,
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python3 lambda_bytecode.py VERSION STAGING", file=sys.stderr)
        return 2
    version, staging = argv[0], Path(argv[1])
    try:
        python = find_python(version)
    except NoInterpreterError as error:
        print(f"lambda_bytecode.py: {error}", file=sys.stderr)
        return 1
    compile_bundle(python, staging)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
