"""Package size: each service's Lambda zip (`make package`: build/api.zip, build/worker.zip), zipped and not.

Read from the zips themselves, which `make bench` builds first. Lambda's limits: 50 MB for a zip uploaded
directly (sam deploy uploads through S3, where the limit is the unzipped one), 250 MB unzipped.
"""

from __future__ import annotations

import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import BUILD_DIR, Section, table

ZIPS = {"api": BUILD_DIR / "api.zip", "worker": BUILD_DIR / "worker.zip"}
UNZIPPED_LIMIT = 250 * 1024 * 1024
TOP = 6


def measure(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        entries = [entry for entry in archive.infolist() if not entry.is_dir()]
    by_top: Counter[str] = Counter()
    for entry in entries:
        by_top[_distribution(entry.filename)] += entry.file_size
    unzipped = sum(entry.file_size for entry in entries)
    return {
        "zip_bytes": path.stat().st_size,
        "unzipped_bytes": unzipped,
        "files": len(entries),
        "bytecode_files": sum(1 for entry in entries if entry.filename.endswith(".pyc")),
        "largest": by_top.most_common(TOP),
        "built": time.strftime("%Y-%m-%d %H:%M", time.gmtime(path.stat().st_mtime)),
    }


def _distribution(name: str) -> str:
    top = name.split("/", 1)[0]
    if top.endswith(".dist-info"):
        return "(package metadata)"
    return top.removesuffix(".py")


def run() -> Section:
    figures: dict[str, Any] = {}
    rows = []
    missing = [str(path.relative_to(BUILD_DIR.parent)) for path in ZIPS.values() if not path.is_file()]
    if missing:
        body = [
            f"Not measured: {', '.join(missing)} missing (run `make package`, which `make bench` does first)."
        ]
        return Section("Package size", body, {"missing": missing})
    for service, path in ZIPS.items():
        figure = measure(path)
        figures[service] = figure
        rows.append(
            [
                f"`{path.relative_to(BUILD_DIR.parent)}`",
                _mib(figure["zip_bytes"]),
                _mib(figure["unzipped_bytes"]),
                f"{figure['unzipped_bytes'] / UNZIPPED_LIMIT:.0%}",
                str(figure["files"]),
                str(figure["bytecode_files"]),
                ", ".join(f"{name} {_mib(size)}" for name, size in figure["largest"]),
            ]
        )
    body = table(
        ["zip", "zipped", "unzipped", "of Lambda's 250 MB", "files", ".pyc files", "largest, unzipped"], rows
    )
    body += [
        "",
        "boto3 and botocore are bundled rather than taken from the runtime (the function runs the SDK the "
        "tests ran); botocore's service models are most of each zip. Every module ships its bytecode, "
        "compiled by Python 3.12 at package time (see Cold start for what compiling at every cold start "
        "would cost).",
    ]
    headline = "; ".join(
        f"{service}.zip {_mib(figure['zip_bytes'])} ({_mib(figure['unzipped_bytes'])} unzipped, "
        f"{figure['bytecode_files']} .pyc files)"
        for service, figure in figures.items()
    )
    return Section("Package size", body, figures, headline=headline + ".")


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"
