"""What a translated template's roles grant, read as (action → resources) with each resource named as written.

A resource is named by the core stack's export it imports (`JobsTableArn`), the attribute it reads
(`ApiLogGroup.Arn`), or a `Fn::Sub` of those (`JobsTableArn/index/sweep`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.infra.templates import Template, resources_of_type


def statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every policy statement, with the logical id of the role (or the `AWS::IAM::Policy`) that holds it."""
    for logical_id, role in resources_of_type(template, "AWS::IAM::Role"):
        for policy in role.get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                yield logical_id, statement
    for logical_id, policy in resources_of_type(template, "AWS::IAM::Policy"):
        for statement in policy["PolicyDocument"]["Statement"]:
            yield logical_id, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants(template: Template, role: str) -> dict[str, set[str]]:
    """Each action granted to `role`, with the resources it is granted on, named as written."""
    granted: dict[str, set[str]] = {}
    for logical_id, statement in statements(template):
        if logical_id == role:
            assert statement["Effect"] == "Allow"
            for action in as_list(statement["Action"]):
                granted.setdefault(action, set()).update(describe(r) for r in as_list(statement["Resource"]))
    return granted


def describe(resource: Any) -> str:
    if "Fn::ImportValue" in resource:
        imported: str = resource["Fn::ImportValue"]["Fn::Sub"]
        return imported.removeprefix("${CoreStackName}-")
    if "Fn::GetAtt" in resource:
        return ".".join(resource["Fn::GetAtt"])
    template_string: str
    template_string, variables = resource["Fn::Sub"]
    (name,) = variables
    return template_string.replace(f"${{{name}}}", describe(variables[name]))
