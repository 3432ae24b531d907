"""`make help` is the list of what the root Makefile can do: a target it leaves out is one nobody finds."""

import re
import subprocess

from tests.support.contract import REPO_ROOT
from tests.tooling.make_targets import make_targets


def test_make_help_names_every_target_of_the_makefile_and_no_other() -> None:
    shown = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=REPO_ROOT, capture_output=True, text=True
    )

    assert shown.returncode == 0, shown.stderr
    named = set(re.findall(r"^make (\S+)", shown.stdout, flags=re.MULTILINE))
    assert named == make_targets()


def test_the_targets_read_from_makes_database_include_the_everyday_ones() -> None:
    """Guards the parsing above: an empty or truncated database must not pass as an empty help."""
    assert {"help", "install", "check", "unit", "test", "lint", "typecheck", "deploy"} <= make_targets()
