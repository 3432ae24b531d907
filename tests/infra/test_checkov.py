"""checkov passes on every stack in infra/; each check it skips is skipped on its resource, with a reason.

checkov runs from its own environment, .tools/checkov (`make install`; requirements-checkov.lock), because its
dependencies conflict with the root's pins. It reads a SAM template only in part: it checks an
AWS::Serverless::Function as a Lambda function, but never sees the permissions, event source mappings, rules
and stages the transform adds. So each SAM stack is also scanned as translated; the translator copies a
function's Metadata, its checkov skips included, to the AWS::Lambda::Function it makes.

No check is skipped on the command line or in a config file: checkov runs in an empty directory, with an empty
home and none of its CKV_/BC_ settings from the environment, so the only skips are the templates' own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infra.templates import INFRA, load_template, template_path, translate

CHECKOV = INFRA.parent / ".tools" / "checkov" / "bin" / "checkov"
# Every stack, found rather than listed, so that a new one is scanned from its first commit.
STACKS = sorted(path.parent.name for path in INFRA.glob("*/template.yaml"))
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
OUTCOMES = ("passed", "failed", "skipped")
CHECKOV_OPTIONS = ("--compact", "--skip-download")

Check = dict[str, Any]
Findings = dict[str, list[Check]]
"""checkov's checks of one file, by outcome."""


def _is_sam(stack: str) -> bool:
    transform = load_template(stack).get("Transform", [])
    return SAM_TRANSFORM in (transform if isinstance(transform, list) else [transform])


def _run_checkov(files: list[Path], workdir: Path) -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: `make install` builds checkov's environment")
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("CKV_", "BC_", "PRISMA_"))
    }
    # No version check, and no fetching of Prisma Cloud's guidelines (--skip-download): no network needed.
    environment |= {"HOME": str(workdir), "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
    arguments = [argument for file in files for argument in ("--file", str(file))]
    completed = subprocess.run(
        [str(CHECKOV), *arguments, "--framework", "cloudformation", "--output", "json", *CHECKOV_OPTIONS],
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov exited {completed.returncode} without a report:\n{completed.stderr[-4000:]}")
    # checkov reports one framework as an object, several as a list of them.
    (cloudformation,) = report if isinstance(report, list) else [report]
    assert cloudformation["check_type"] == "cloudformation"
    results: dict[str, Any] = cloudformation["results"]
    return results


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Findings]:
    """One checkov run over every stack (it takes seconds to start), by what was scanned: `api` is the
    template as written, `api (translated)` the CloudFormation `sam deploy` would create from it."""
    translated = tmp_path_factory.mktemp("translated")
    files: dict[str, Path] = {}
    for stack in STACKS:
        files[stack] = template_path(stack)
        if _is_sam(stack):
            files[f"{stack} (translated)"] = translated / f"{stack}.json"
            files[f"{stack} (translated)"].write_text(json.dumps(translate(stack), indent=1))
    results = _run_checkov(list(files.values()), tmp_path_factory.mktemp("checkov"))

    # A file checkov could not parse would otherwise pass with no checks at all.
    assert results.get("parsing_errors", []) == []
    labels = {file.resolve(): label for label, file in files.items()}
    by_label: dict[str, Findings] = {label: {outcome: [] for outcome in OUTCOMES} for label in files}
    for outcome in OUTCOMES:
        for check in results.get(f"{outcome}_checks", []):
            by_label[labels[Path(check["file_abs_path"]).resolve()]][outcome].append(check)
    return by_label


def _scanned(stack: str, findings: dict[str, Findings]) -> dict[str, Findings]:
    return {label: found for label, found in findings.items() if label.split(" ")[0] == stack}


def _describe(label: str, check: Check) -> str:
    return f"{check['check_id']} on {check['resource']} in {label}: {check['check_name']}"


@pytest.mark.parametrize("stack", STACKS)
def test_checkov_finds_nothing(stack: str, findings: dict[str, Findings]) -> None:
    scanned = _scanned(stack, findings)

    failures = [_describe(label, check) for label, found in scanned.items() for check in found["failed"]]
    assert failures == []
    for label, found in scanned.items():
        assert found["passed"] or found["skipped"], f"checkov ran no check on {label}"


@pytest.mark.parametrize("stack", STACKS)
def test_every_skipped_check_says_why(stack: str, findings: dict[str, Findings]) -> None:
    # checkov's own view, which covers its comment syntax (# checkov:skip=ID:reason) as well as Metadata.
    unexplained = [
        _describe(label, check)
        for label, found in _scanned(stack, findings).items()
        for check in found["skipped"]
        if not check["check_result"].get("suppress_comment", "").strip()
    ]
    assert unexplained == []


def _declared_skips(stack: str) -> Iterator[tuple[str, str, str]]:
    """(logical id, check id, reason) of each skip in the resources' `Metadata: checkov: skip:` lists."""
    for logical_id, resource in load_template(stack)["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            yield logical_id, skip.get("id", ""), skip.get("comment", "")


@pytest.mark.parametrize("stack", STACKS)
def test_every_declared_skip_has_a_reason_and_is_needed(stack: str, findings: dict[str, Findings]) -> None:
    declared = list(_declared_skips(stack))

    for logical_id, check_id, reason in declared:
        assert re.fullmatch(r"CKV2?_AWS_\d+", check_id), (logical_id, check_id)
        # A reason is a sentence, not a placeholder such as "ok" or "n/a".
        assert len(reason.split()) >= 5, (logical_id, check_id, reason)
    # A skip checkov never applied is stale: the check now passes, or its id or resource is misspelt.
    applied = {(check["resource"].split(".")[-1], check["check_id"]) for check in findings[stack]["skipped"]}
    stale = {(logical_id, check_id) for logical_id, check_id, _ in declared} - applied
    assert stale == set()
