"""Each function's role grants exactly what its code calls, on what it calls them on, and nothing on `*`.

The checks run on the translated templates, so a role or policy the SAM transform adds would be seen too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.infra.templates import SAM_STACKS, Template, resources_of_type, translate


def _statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, role in resources_of_type(template, "AWS::IAM::Role"):
        for policy in role.get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                yield logical_id, statement
    for logical_id, policy in resources_of_type(template, "AWS::IAM::Policy"):
        for statement in policy["PolicyDocument"]["Statement"]:
            yield logical_id, statement


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grants(template: Template, role: str) -> dict[str, set[str]]:
    """Each granted action, with the resources it is granted on, written as their import/attribute."""
    grants: dict[str, set[str]] = {}
    for logical_id, statement in _statements(template):
        if logical_id == role:
            assert statement["Effect"] == "Allow"
            for action in _as_list(statement["Action"]):
                grants.setdefault(action, set()).update(_describe(r) for r in _as_list(statement["Resource"]))
    return grants


def _describe(resource: Any) -> str:
    if "Fn::ImportValue" in resource:
        return resource["Fn::ImportValue"]["Fn::Sub"].removeprefix("${CoreStackName}-")
    if "Fn::GetAtt" in resource:
        return ".".join(resource["Fn::GetAtt"])
    template_string, variables = resource["Fn::Sub"]
    (name,) = variables
    return template_string.replace(f"${{{name}}}", _describe(variables[name]))


@pytest.mark.parametrize("stack", SAM_STACKS)
def test_no_statement_uses_a_wildcard(stack: str) -> None:
    for logical_id, statement in _statements(translate(stack)):
        assert "NotAction" not in statement
        assert "NotResource" not in statement
        for action in _as_list(statement["Action"]):
            assert "*" not in action, (logical_id, action)
        for resource in _as_list(statement["Resource"]):
            assert not (isinstance(resource, str) and "*" in resource), (logical_id, resource)


@pytest.mark.parametrize("stack", SAM_STACKS)
def test_no_role_carries_a_managed_policy(stack: str) -> None:
    # AWS's managed Lambda policies (basic execution, SQS queue execution) grant on "Resource": "*".
    for logical_id, role in resources_of_type(translate(stack), "AWS::IAM::Role"):
        assert "ManagedPolicyArns" not in role, logical_id


def test_every_function_has_its_own_role() -> None:
    for stack in SAM_STACKS:
        roles = [
            f["Role"]["Fn::GetAtt"][0]
            for _, f in resources_of_type(translate(stack), "AWS::Lambda::Function")
        ]
        assert len(set(roles)) == len(roles)


def test_api_role() -> None:
    assert _grants(translate("api"), "ApiRole") == {
        "dynamodb:PutItem": {"JobsTableArn", "IdempotencyTableArn"},
        "dynamodb:GetItem": {"JobsTableArn", "IdempotencyTableArn"},
        # Powertools' idempotency layer stores the key's result and deletes a key whose request failed.
        "dynamodb:UpdateItem": {"IdempotencyTableArn"},
        "dynamodb:DeleteItem": {"IdempotencyTableArn"},
        "sqs:SendMessage": {"JobsQueueArn"},
        "logs:CreateLogStream": {"ApiLogGroup.Arn"},
        "logs:PutLogEvents": {"ApiLogGroup.Arn"},
    }


def test_worker_role() -> None:
    assert _grants(translate("worker"), "WorkerRole") == {
        "dynamodb:UpdateItem": {"JobsTableArn"},
        "sqs:ReceiveMessage": {"JobsQueueArn"},
        "sqs:DeleteMessage": {"JobsQueueArn"},
        "sqs:GetQueueAttributes": {"JobsQueueArn"},
        "sqs:ChangeMessageVisibility": {"JobsQueueArn"},
        "logs:CreateLogStream": {"WorkerLogGroup.Arn"},
        "logs:PutLogEvents": {"WorkerLogGroup.Arn"},
    }


def test_sweeper_role() -> None:
    assert _grants(translate("worker"), "SweeperRole") == {
        "dynamodb:Query": {"JobsTableArn/index/sweep"},
        "dynamodb:UpdateItem": {"JobsTableArn"},
        "sqs:SendMessage": {"JobsQueueArn"},
        "logs:CreateLogStream": {"SweeperLogGroup.Arn"},
        "logs:PutLogEvents": {"SweeperLogGroup.Arn"},
    }
