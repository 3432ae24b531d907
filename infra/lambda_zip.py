"""Zips a staged Lambda bundle deterministically and prints its sizes: `python3 lambda_zip.py STAGING ZIP`.

Each service's `make package` installs its code and dependencies into STAGING, then calls this. The same
staged files always give the same bytes: `sam deploy` names an uploaded artifact by its MD5, so a rebuild
with nothing changed uploads nothing and leaves the function and its versions alone, and anyone can check
that a zip came from a given commit. Standard library only: it runs before any environment exists.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

# A fixed time (zip's earliest) instead of each file's mtime, so that only content decides the bytes.
_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# Lambda runs the code as a user that owns none of it: files must be world-readable, and none is run directly.
_FILE_MODE = 0o100644
_UNIX = 3

# What an install leaves in STAGING that the function never uses:
_SKIPPED_AT_TOP = {
    # console scripts, whose shebang names this machine's interpreter (Lambda only calls the handler);
    "bin",
    # uv's lock on the target folder;
    ".lock",
}


def bundled_files(staging: Path) -> list[tuple[str, Path]]:
    """The (name in the zip, file) pairs to bundle, sorted by name so that the order is fixed too."""
    chosen = []
    for path in staging.rglob("*"):
        parts = path.relative_to(staging).parts
        if parts[0] in _SKIPPED_AT_TOP:
            continue
        if path.is_file():
            chosen.append(("/".join(parts), path))
    return sorted(chosen)


def write_zip(staging: Path, target: Path) -> tuple[int, int]:
    """Writes `target` from `staging`; returns its size and the total size of the files it holds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    unzipped = 0
    with zipfile.ZipFile(target, "w") as archive:
        for name, path in bundled_files(staging):
            entry = zipfile.ZipInfo(name, date_time=_TIMESTAMP)
            entry.create_system = _UNIX
            entry.external_attr = _FILE_MODE << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            archive.writestr(entry, data)
            unzipped += len(data)
    return target.stat().st_size, unzipped


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python3 lambda_zip.py STAGING ZIP", file=sys.stderr)
        return 2
    staging, target = Path(argv[0]), Path(argv[1])
    if not staging.is_dir():
        print(f"lambda_zip.py: {staging} is not a folder: install the bundle into it first", file=sys.stderr)
        return 2
    zipped, unzipped = write_zip(staging, target)
    shown, root = target.resolve(), Path(__file__).resolve().parents[1]
    print(f"{shown.relative_to(root) if shown.is_relative_to(root) else shown} ", end="")
    print(f"{_mib(zipped)} (unzipped {_mib(unzipped)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
