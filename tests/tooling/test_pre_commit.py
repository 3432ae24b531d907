"""The pre-commit hooks run what `make check` runs: a valid config whose hooks name this environment's tools
or the Makefile's targets, and whose format and lint hooks really fix a file in a fresh repository."""

import os
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.contract import REPO_ROOT
from tests.tooling.make_targets import make_targets

CONFIG = REPO_ROOT / ".pre-commit-config.yaml"
PRE_COMMIT = REPO_ROOT / ".venv" / "bin" / "pre-commit"


def _hooks() -> list[dict[str, object]]:
    config = yaml.safe_load(CONFIG.read_text())
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def test_the_config_is_valid_and_every_hook_is_local() -> None:
    checked = subprocess.run([PRE_COMMIT, "validate-config", CONFIG], capture_output=True, text=True)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert [repo["repo"] for repo in yaml.safe_load(CONFIG.read_text())["repos"]] == ["local"]


@pytest.mark.parametrize("hook", _hooks(), ids=lambda hook: str(hook["id"]))
def test_each_hook_runs_a_tool_of_this_environment_or_a_makefile_target(hook: dict[str, object]) -> None:
    program, *arguments = shlex.split(str(hook["entry"]))

    if program == "make":
        assert next(word for word in arguments if not word.startswith("-")) in make_targets()
    else:
        assert (REPO_ROOT / program).is_file(), f"{program} is not installed by make install"


def test_the_format_and_lint_hooks_fix_a_staged_file_in_a_fresh_repository(tmp_path: Path) -> None:
    repository = tmp_path / "repository"
    repository.mkdir()
    for name in (".pre-commit-config.yaml", "pyproject.toml"):
        (repository / name).write_text((REPO_ROOT / name).read_text())
    (repository / ".venv").symlink_to(REPO_ROOT / ".venv")
    module = repository / "module.py"
    module.write_text("import sys\nimport os\nprint( os.sep,sys.argv )\n")
    environment = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}

    def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=repository, env=environment, capture_output=True, text=True)

    run("git", "init", "--quiet")
    run("git", "add", ".pre-commit-config.yaml", "pyproject.toml", "module.py")
    first = run(PRE_COMMIT, "run", "--hook-stage", "pre-commit", "ruff-format", "--all-files")
    second = run(PRE_COMMIT, "run", "--hook-stage", "pre-commit", "ruff-check", "--all-files")
    run("git", "add", "module.py")
    again = run(PRE_COMMIT, "run", "--hook-stage", "pre-commit", "ruff-format", "--all-files")

    assert first.returncode == 1, first.stdout  # pre-commit fails a hook that changed a file
    assert second.returncode == 1, second.stdout
    assert module.read_text() == "import os\nimport sys\n\nprint(os.sep, sys.argv)\n"
    assert again.returncode == 0, again.stdout
