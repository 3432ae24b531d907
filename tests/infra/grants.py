"""What a translated template's roles grant, read as (action → resources) with each resource named as written.

A resource is named by the core stack's export it imports (`JobsTableArn`), the attribute it reads
(`ApiLogGroup.Arn`), a `Fn::Sub` of those (`JobsTableArn/index/sweep`), or, for an ARN the template builds
from its parameters, its resource part with each parameter by name (`identity/EmailSender`, for the sender's
address and its domain alike). A statement or resource under `Fn::If` counts where its condition holds for
the parameters given (the template's defaults for the rest).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from tests.infra.templates import Template, resources_of_type

_NO_VALUE = {"Ref": "AWS::NoValue"}
# What every ARN a template builds begins with; the rest names the resource.
_ARN_PREFIX = re.compile(r"^arn:\$\{AWS::Partition\}:[a-z0-9-]+:\$\{AWS::Region\}:\$\{AWS::AccountId\}:")


def statements(
    template: Template, parameters: Mapping[str, str] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every policy statement of a stack deployed with `parameters`, with the logical id of the role (or the
    `AWS::IAM::Policy`) that holds it."""
    for logical_id, role in resources_of_type(template, "AWS::IAM::Role"):
        for policy in role.get("Policies", []):
            for statement in _chosen(template, parameters, policy["PolicyDocument"]["Statement"]):
                yield logical_id, statement
    for logical_id, policy in resources_of_type(template, "AWS::IAM::Policy"):
        for statement in _chosen(template, parameters, policy["PolicyDocument"]["Statement"]):
            yield logical_id, statement


def _chosen(template: Template, parameters: Mapping[str, str] | None, values: list[Any]) -> list[Any]:
    """`values` with each `Fn::If` replaced by its branch for these parameters, and AWS::NoValue left out;
    inside each statement's Resource too."""
    chosen = []
    for value in values:
        value = resolved(template, value, parameters)
        if value == _NO_VALUE:
            continue
        if isinstance(value, dict) and isinstance(value.get("Resource"), list):
            value = {**value, "Resource": _chosen(template, parameters, value["Resource"])}
        chosen.append(value)
    return chosen


def resolved(template: Template, value: Any, parameters: Mapping[str, str] | None = None) -> Any:
    """`value` with its `Fn::If` decided for a stack deployed with `parameters` (defaults for the rest)."""
    while isinstance(value, dict) and "Fn::If" in value:
        condition, when_true, when_false = value["Fn::If"]
        holds = _holds(template, parameters or {}, template["Conditions"][condition])
        value = when_true if holds else when_false
    return value


def _holds(template: Template, parameters: Mapping[str, str], condition: Any) -> bool:
    (function, arguments), *_ = condition.items()
    if function == "Condition":
        return _holds(template, parameters, template["Conditions"][arguments])
    if function == "Fn::Not":
        return not _holds(template, parameters, arguments[0])
    if function == "Fn::And":
        return all(_holds(template, parameters, argument) for argument in arguments)
    if function == "Fn::Or":
        return any(_holds(template, parameters, argument) for argument in arguments)
    assert function == "Fn::Equals", condition
    left, right = (_value(template, parameters, argument) for argument in arguments)
    return bool(left == right)


def _value(template: Template, parameters: Mapping[str, str], value: Any) -> Any:
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
        return parameters.get(name, str(template["Parameters"][name].get("Default", "")))
    return value


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants(template: Template, role: str, parameters: Mapping[str, str] | None = None) -> dict[str, set[str]]:
    """Each action granted to `role` in a stack deployed with `parameters`, with the resources it is granted
    on, named as written."""
    granted: dict[str, set[str]] = {}
    for logical_id, statement in statements(template, parameters):
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
    if "Fn::Select" in resource:  # a part of a parameter's value: the sender address's domain
        _, source = resource["Fn::Select"][1]["Fn::Split"]
        return str(source["Ref"])
    template_string: str
    if isinstance(resource["Fn::Sub"], str):
        template_string, variables = resource["Fn::Sub"], {}
    else:
        template_string, variables = resource["Fn::Sub"]
    for name, variable in variables.items():
        template_string = template_string.replace(f"${{{name}}}", describe(variable))
    return re.sub(r"\$\{(\w+)\}", r"\1", _ARN_PREFIX.sub("", template_string))
