"""The edge stack: a CLOUDFRONT web ACL whose rate-based rules limit each client address, each limit a
parameter with a default, and whose refusals are 429 problem documents.

moto's CloudFormation has no support for AWS::WAFv2::WebACL (test_deploy.py deploys the stack anyway, empty),
so the rules are checked here in the template; `sam validate --lint` and checkov check it against AWS's
schema.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conveyor_api import contract

from tests.infra.templates import Template, default, load_template, resources_of_type

LIMITS = {
    # rule name: (its limit's parameter, the requests it counts: None for all of them, else (method, path))
    "upload-tickets-per-address": ("UploadTicketsPerAddressLimit", ("POST", "/uploads")),
    "job-submissions-per-address": ("JobSubmissionsPerAddressLimit", ("POST", "/jobs")),
    "requests-per-address": ("RequestsPerAddressLimit", None),
}


@pytest.fixture(scope="module")
def template() -> Template:
    return load_template("edge")


def _web_acl(template: Template) -> dict[str, Any]:
    ((_, properties),) = resources_of_type(template, "AWS::WAFv2::WebACL")
    return properties


def _rules(template: Template) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in _web_acl(template)["Rules"]}


def _scope(statement: dict[str, Any]) -> tuple[str, str] | None:
    """The method and path prefix a rate-based statement's scope-down matches, or None without one."""
    if "ScopeDownStatement" not in statement:
        return None
    matches = [
        item["ByteMatchStatement"] for item in statement["ScopeDownStatement"]["AndStatement"]["Statements"]
    ]
    (method,) = [match for match in matches if "Method" in match["FieldToMatch"]]
    (path,) = [match for match in matches if "UriPath" in match["FieldToMatch"]]
    assert method["PositionalConstraint"] == "EXACTLY"
    # Every spelling of the path counts: `//uploads`, `/uploads/`, `/Uploads`.
    assert path["PositionalConstraint"] == "STARTS_WITH"
    assert [t["Type"] for t in path["TextTransformations"]] == ["NORMALIZE_PATH", "LOWERCASE"]
    return method["SearchString"], path["SearchString"]


def test_the_web_acl_is_cloudfronts_and_lets_through_what_no_rule_blocks(template: Template) -> None:
    web_acl = _web_acl(template)

    assert web_acl["Scope"] == "CLOUDFRONT"
    assert web_acl["DefaultAction"] == {"Allow": {}}
    assert template["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}


@pytest.mark.parametrize("name", LIMITS)
def test_each_rule_is_rate_based_per_address_with_its_limit_and_window_parameters(
    template: Template, name: str
) -> None:
    parameter, scope = LIMITS[name]
    statement = _rules(template)[name]["Statement"]["RateBasedStatement"]

    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == {"Ref": parameter}
    assert statement["EvaluationWindowSec"] == {"Ref": "EvaluationWindowSeconds"}
    assert _scope(statement) == scope


def test_every_rule_is_one_of_the_limits_and_every_parameter_a_limit_or_the_window(
    template: Template,
) -> None:
    assert set(_rules(template)) == set(LIMITS)
    assert set(template["Parameters"]) == {parameter for parameter, _ in LIMITS.values()} | {
        "EvaluationWindowSeconds"
    }


def test_the_narrow_limits_are_tighter_than_the_broad_one_and_come_first(template: Template) -> None:
    rules = _rules(template)
    uploads, jobs, everything = (default(template, LIMITS[name][0]) for name in LIMITS)

    assert 10 <= uploads < jobs < everything  # WAF's least limit is 10
    assert [rules[name]["Priority"] for name in LIMITS] == sorted(rules[name]["Priority"] for name in LIMITS)
    assert default(template, "EvaluationWindowSeconds") == 300
    for parameter, _ in LIMITS.values():
        assert template["Parameters"][parameter]["MinValue"] == 10


@pytest.mark.parametrize("name", LIMITS)
def test_a_blocked_request_gets_a_429_problem_document_with_retry_after(
    template: Template, name: str
) -> None:
    web_acl = _web_acl(template)
    response = _rules(template)[name]["Action"]["Block"]["CustomResponse"]
    body = web_acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    problem = json.loads(body["Content"])

    assert response["ResponseCode"] == 429
    assert {header["Name"].lower() for header in response["ResponseHeaders"]} == {"retry-after"}
    assert body["ContentType"] == "APPLICATION_JSON"
    assert list(contract.validator("problem").iter_errors(problem)) == []
    assert problem["status"] == 429


def test_every_rule_and_the_web_acl_report_metrics_and_samples(template: Template) -> None:
    web_acl = _web_acl(template)
    configs = [web_acl["VisibilityConfig"], *(rule["VisibilityConfig"] for rule in web_acl["Rules"])]

    for config in configs:
        assert config["CloudWatchMetricsEnabled"] is True
        assert config["SampledRequestsEnabled"] is True
    assert len({json.dumps(config["MetricName"]) for config in configs}) == len(configs)
