"""`sam validate --lint` passes on every stack in infra/, with the SAM CLI `make deploy` runs (.tools/sam).

It lints with the cfn-lint that SAM CLI version pins, which may differ from the root's
(test_templates_lint_and_translate.py): the templates must pass both. It needs neither credentials nor a
region, and runs with none.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.infra.sam_cli import SAM, require_sam, shell_environment
from tests.infra.templates import INFRA, template_path

# Every stack, found rather than listed, so that a new one is validated from its first commit.
STACKS = sorted(path.parent.name for path in INFRA.glob("*/template.yaml"))


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Each stack's `sam validate --lint`, all started at once: each takes seconds, mostly sam's start."""
    require_sam()
    environment = shell_environment(tmp_path_factory.mktemp("aws") / "none")
    running = {
        stack: subprocess.Popen(
            [str(SAM), "validate", "--lint", "--template-file", str(template_path(stack))],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for stack in STACKS
    }
    results = {}
    for stack, process in running.items():
        output, _ = process.communicate(timeout=300)
        results[stack] = subprocess.CompletedProcess(process.args, process.returncode, output)
    return results


@pytest.mark.parametrize("stack", STACKS)
def test_sam_validate_lint_passes(stack: str, validated: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = validated[stack]

    assert result.returncode == 0, result.stdout
    assert f"{template_path(stack)} is a valid SAM Template" in result.stdout
