"""The root Makefile's targets, as make itself reads them."""

import re
import subprocess

from tests.support.contract import REPO_ROOT


def make_targets() -> set[str]:
    """Every target a person can name: the rules of make's database, less the files it makes or reads (paths,
    lock files) and the names that only appear as prerequisites. A phony target may share a folder's name."""
    database = subprocess.run(
        ["make", "--print-data-base", "--question", "--no-builtin-rules", "--no-builtin-variables", ":"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        # --question answers 1 when a target is out of date: the database is printed all the same.
        check=False,
    ).stdout
    files = database.split("\n# Files\n", 1)[1]
    targets = set()
    for block in files.split("\n\n"):
        rule = re.match(r"([A-Za-z][\w-]*):", block.lstrip("\n"))
        if not rule or "Not a target" in block:
            continue
        if "Phony target" in block or not (REPO_ROOT / rule.group(1)).exists():
            targets.add(rule.group(1))
    return targets
