"""Each role grants exactly what its function does, held against the AWS calls the functions made in this run.

The cross-service suites (integration, faults, fuzz, browser, e2e) record each call with the role that made it
(tests/support/aws_calls.py); tests/conftest.py runs this module after them, or `make test` runs it after
the processes that ran them, which leave their calls in a folder the Makefile names. Every call must be
granted by the translated template, on the resource it named, and every grant must have been used at least
once, except the few that AWS itself uses with the role and the local stack cannot show
(`NOT_OBSERVABLE_HERE`).
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest
from conveyor_local.config import API_PARAMETERS, WORKER_PARAMETERS

from tests.infra.grants import grants
from tests.infra.templates import translate
from tests.support import aws_calls, report
from tests.support.aws_calls import RECORDING_SUITES, Call

# Each function's role: its stack and logical id.
ROLES = {"api": ("api", "ApiRole"), "worker": ("worker", "WorkerRole"), "sweeper": ("worker", "SweeperRole")}

_LOGS = "the Lambda runtime writes the function's logs with its role; the code makes no such call"
NOT_OBSERVABLE_HERE: dict[tuple[str, str], str] = {
    **{(role, action): _LOGS for role in ROLES for action in ("logs:CreateLogStream", "logs:PutLogEvents")},
    # Required all the same: "The Lambda execution role must include" it (SQS Developer Guide, "Configuring an
    # Amazon SQS queue to trigger an AWS Lambda function").
    ("worker", "sqs:GetQueueAttributes"): (
        "the Lambda service reads the queue's attributes with the function's role when it creates or updates "
        "the event source mapping; the local event source emulator reads none"
    ),
}
"""Granted actions that only AWS itself uses with the role, so no run here can record them: (role, action)."""

Grant = tuple[str, str]  # (action, resource)
LOCAL_PARAMETERS = {"api": API_PARAMETERS, "worker": WORKER_PARAMETERS}


@cache
def _granted(role: str) -> frozenset[Grant]:
    stack, logical_id = ROLES[role]
    # As the local stack deploys it, where the recorded calls were made (a sender, so send_email runs).
    granted = grants(translate(stack), logical_id, LOCAL_PARAMETERS[stack])
    return frozenset((action, resource) for action, resources in granted.items() for resource in resources)


def _made(calls: Counter[Call], role: str) -> Counter[Grant]:
    return Counter(
        {(call.action, call.resource): count for call, count in calls.items() if call.role == role}
    )


@pytest.fixture(scope="module")
def calls(request: pytest.FixtureRequest) -> Counter[Call]:
    if not aws_calls.collected_suites(request.config):
        pytest.skip(f"no suite that records AWS calls was collected (tests/{{{','.join(RECORDING_SUITES)}}})")
    recorded = aws_calls.recorded()
    _report(recorded)
    return recorded


def _report(calls: Counter[Call]) -> None:
    report.line("AWS calls by role, recorded in this run (* granted for AWS's own use: not observable here):")
    for role in ROLES:
        made = _made(calls, role)
        for action, resource in sorted(set(made) | _granted(role)):
            if (role, action) in NOT_OBSERVABLE_HERE:
                note = "  *"
            elif (action, resource) not in _granted(role):
                note = "  NOT GRANTED"
            else:
                note = "" if made[action, resource] else "  granted, never called"
            report.line(f"  {role:<8} {action:<30} {resource:<40} {made[action, resource]:>7}{note}")


@pytest.mark.parametrize("role", ROLES)
def test_every_call_a_function_makes_is_granted_to_its_role(role: str, calls: Counter[Call]) -> None:
    granted = _granted(role)

    ungranted = sorted(grant for grant in _made(calls, role) if grant not in granted)

    assert not ungranted, f"the {role} function made calls its role does not grant: {ungranted}"


@pytest.mark.parametrize("role", ROLES)
def test_every_grant_of_a_role_is_used_by_its_function(
    role: str, calls: Counter[Call], request: pytest.FixtureRequest
) -> None:
    missing = set(RECORDING_SUITES) - aws_calls.collected_suites(request.config)
    if missing:
        suites = ", ".join(f"tests/{suite}" for suite in sorted(missing))
        pytest.skip(f"a grant may be used only in a suite that was not collected: {suites}")
    made = _made(calls, role)

    unused = sorted(
        (action, resource)
        for action, resource in _granted(role)
        if (role, action) not in NOT_OBSERVABLE_HERE and not made[action, resource]
    )

    assert not unused, f"the {role} role grants what its function never did in this run: {unused}"


def test_what_only_aws_uses_is_granted() -> None:
    """An exemption for an action the role no longer grants would be dead; it must go with the grant."""
    for role, action in NOT_OBSERVABLE_HERE:
        assert action in {granted for granted, _ in _granted(role)}, (role, action)
