"""Parameters are checked as CloudFormation checks them, since moto's CloudFormation takes any value."""

from __future__ import annotations

import pytest
from conveyor_local.stacks import StackParameterError, check_parameters
from conveyor_local.templates import Template

TEMPLATE: Template = {
    "Parameters": {
        "Timeout": {"Type": "Number", "Default": 60, "MinValue": 1, "MaxValue": 900},
        "Retention": {"Type": "Number", "Default": 30, "AllowedValues": [1, 7, 30]},
        "Origin": {"Type": "String", "Default": "*"},
        "CoreStackName": {"Type": "String"},
    },
    "Resources": {},
}


@pytest.mark.parametrize(
    "parameters",
    [
        {"CoreStackName": "conveyor-core"},
        {"CoreStackName": "c", "Timeout": "1", "Retention": "7", "Origin": "http://127.0.0.1:8000"},
        {"CoreStackName": "c", "Timeout": "900"},
    ],
)
def test_values_cloudformation_accepts_pass(parameters: dict[str, str]) -> None:
    check_parameters("core", TEMPLATE, parameters)


@pytest.mark.parametrize(
    ("parameters", "problem"),
    [
        ({"CoreStackName": "c", "Timeot": "5"}, "the core stack has no parameter Timeot"),
        ({}, "the core stack needs a value for CoreStackName"),
        ({"CoreStackName": "c", "Timeout": "0"}, "Timeout='0' is below its MinValue 1"),
        ({"CoreStackName": "c", "Timeout": "901"}, "Timeout='901' is above its MaxValue 900"),
        ({"CoreStackName": "c", "Timeout": "soon"}, "Timeout='soon' is not a number"),
        ({"CoreStackName": "c", "Retention": "14"}, "Retention='14' is not one of 1, 7, 30"),
    ],
)
def test_values_cloudformation_refuses_are_refused_with_what_is_wrong(
    parameters: dict[str, str], problem: str
) -> None:
    with pytest.raises(StackParameterError) as refused:
        check_parameters("core", TEMPLATE, parameters)

    assert problem in str(refused.value)


SIGN_IN_TEMPLATE: Template = {
    "Parameters": {
        "PoolId": {"Type": "String", "Default": "", "AllowedPattern": r"^$|^[\w-]+_[0-9a-zA-Z]+$"},
        "ClientId": {"Type": "String", "Default": ""},
    },
    "Rules": {
        "BothOrNeither": {
            "Assertions": [
                {
                    "Assert": {
                        "Fn::Equals": [
                            {"Fn::Equals": [{"Ref": "PoolId"}, ""]},
                            {"Fn::Equals": [{"Ref": "ClientId"}, ""]},
                        ]
                    },
                    "AssertDescription": "Give both or neither.",
                }
            ]
        },
        "OnlyWithAPool": {
            "RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PoolId"}, ""]}]},
            "Assertions": [{"Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ClientId"}, "forbidden"]}]}}],
        },
    },
    "Resources": {},
}


@pytest.mark.parametrize("parameters", [{}, {"PoolId": "eu-west-1_AbC123", "ClientId": "abc"}])
def test_values_the_templates_rules_accept_pass(parameters: dict[str, str]) -> None:
    check_parameters("api", SIGN_IN_TEMPLATE, parameters)


@pytest.mark.parametrize(
    ("parameters", "problem"),
    [
        ({"PoolId": "eu-west-1_AbC123"}, "rule BothOrNeither refuses the parameters: Give both or neither."),
        ({"ClientId": "abc"}, "rule BothOrNeither refuses the parameters: Give both or neither."),
        ({"PoolId": "eu-west-1_AbC123", "ClientId": "forbidden"}, "rule OnlyWithAPool refuses"),
        ({"PoolId": "no pool", "ClientId": "abc"}, "PoolId='no pool' does not match its AllowedPattern"),
    ],
)
def test_values_a_templates_rules_or_patterns_refuse_are_refused(
    parameters: dict[str, str], problem: str
) -> None:
    with pytest.raises(StackParameterError) as refused:
        check_parameters("api", SIGN_IN_TEMPLATE, parameters)

    assert problem in str(refused.value)
