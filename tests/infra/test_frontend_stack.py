"""The frontend stack: a private bucket only its distribution reads, HTTPS only, the page's security headers;
given the api stack's domain, the API's paths on the page's origin with the header the API requires; given a
web ACL, that web ACL.

moto's CloudFormation creates none of its CloudFront resources nor the bucket policy (and refuses a template
whose outputs read a distribution's attributes), so they are checked here in the template;
test_frontend_publish.py deploys what moto can.
"""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from typing import Any

import pytest
from conveyor_api.handlers.routes import ROUTES
from conveyor_api.http.origin import ORIGIN_SECRET_HEADER

from infra.frontend.publish import site_files
from tests.infra.templates import INFRA, Template, load_template, resources_of_type

REPO_ROOT = INFRA.parent
INDEX_HTML = REPO_ROOT / "frontend" / "index.html"
# The page's own policy also lets `make dev` reach the API on a local port; CloudFront's copy must not.
LOCAL_ONLY_SOURCES = {"http://127.0.0.1:*", "http://localhost:*"}
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
PAGE_ONLY = {"FrontsApi": False, "HasWebAcl": False}
FRONTING_THE_API = {"FrontsApi": True, "HasWebAcl": True}


@pytest.fixture(scope="module")
def template() -> Template:
    return load_template("frontend")


def _only(template: Template, resource_type: str) -> dict[str, Any]:
    ((_, properties),) = resources_of_type(template, resource_type)
    return properties


_NO_VALUE = object()


def _resolved(node: Any, conditions: dict[str, bool]) -> Any:
    """`node` as CloudFormation makes it when the template's conditions hold as `conditions` says: each Fn::If
    replaced by the branch it takes, AWS::NoValue dropped."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            condition, when_true, when_false = node["Fn::If"]
            return _resolved(when_true if conditions[condition] else when_false, conditions)
        if node == {"Ref": "AWS::NoValue"}:
            return _NO_VALUE
        items = {key: _resolved(value, conditions) for key, value in node.items()}
        return {key: value for key, value in items.items() if value is not _NO_VALUE}
    if isinstance(node, list):
        return [value for value in (_resolved(item, conditions) for item in node) if value is not _NO_VALUE]
    return node


def _distribution(template: Template, conditions: dict[str, bool] = PAGE_ONLY) -> dict[str, Any]:
    config: dict[str, Any] = _resolved(
        _only(template, "AWS::CloudFront::Distribution")["DistributionConfig"], conditions
    )
    return config


def _behaviours(template: Template, conditions: dict[str, bool] = PAGE_ONLY) -> list[dict[str, Any]]:
    config = _distribution(template, conditions)
    return [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]


def _matches(pattern: str, path: str) -> bool:
    """CloudFront's path pattern match: `*` any characters, `?` one, everything else itself, case and all."""
    return (
        re.fullmatch("".join({"*": ".*", "?": "."}.get(c, re.escape(c)) for c in pattern), path) is not None
    )


def _api_patterns(template: Template) -> list[str]:
    return [b["PathPattern"] for b in _behaviours(template, FRONTING_THE_API) if b["TargetOriginId"] == "api"]


class _MetaPolicy(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.policies: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append(attributes["content"] or "")


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def _page_policy() -> dict[str, list[str]]:
    parser = _MetaPolicy()
    parser.feed(INDEX_HTML.read_text(encoding="utf-8"))
    (policy,) = parser.policies
    return _directives(policy)


def test_bucket_is_private_owner_enforced_and_encrypted(template: Template) -> None:
    bucket = _only(template, "AWS::S3::Bucket")

    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert bucket["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    }
    assert "AccessControl" not in bucket
    assert "WebsiteConfiguration" not in bucket


def test_bucket_policy_lets_only_this_distribution_read_and_refuses_plain_http(template: Template) -> None:
    policy = _only(template, "AWS::S3::BucketPolicy")
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    denies = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]

    assert policy["Bucket"] == {"Ref": "SiteBucket"}
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == {"Fn::Sub": "${SiteBucket.Arn}/*"}
    assert allow["Condition"] == {
        "StringEquals": {
            "AWS:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"
            }
        }
    }
    (deny,) = denies
    assert deny["Principal"] == "*"
    assert deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::GetAtt": ["SiteBucket", "Arn"]}, {"Fn::Sub": "${SiteBucket.Arn}/*"}]


def test_without_an_api_the_only_origin_is_the_bucket_signed_by_origin_access_control(
    template: Template,
) -> None:
    config = _distribution(template)
    access_control = _only(template, "AWS::CloudFront::OriginAccessControl")["OriginAccessControlConfig"]

    (origin,) = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    # An Origin Access Identity as well would be a second, legacy way in.
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert access_control["OriginAccessControlOriginType"] == "s3"
    assert access_control["SigningBehavior"] == "always"
    assert access_control["SigningProtocol"] == "sigv4"
    assert config["DefaultRootObject"] == "index.html"
    assert config["HttpVersion"] == "http2and3"


def test_without_an_api_every_behaviour_is_the_pages_redirects_to_https_and_adds_the_security_headers(
    template: Template,
) -> None:
    behaviours = _behaviours(template)

    assert len(behaviours) == 2
    for behaviour in behaviours:
        assert behaviour["TargetOriginId"] == "site-bucket"
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}


def test_config_json_is_never_cached_at_the_edge_and_the_rest_is(template: Template) -> None:
    default, *others = _behaviours(template)

    assert default["CachePolicyId"] == CACHING_OPTIMIZED
    assert {behaviour["PathPattern"]: behaviour["CachePolicyId"] for behaviour in others} == {
        "/config.json": CACHING_DISABLED
    }


def test_content_security_policy_is_the_pages_own_without_local_sources_and_forbids_framing(
    template: Template,
) -> None:
    headers = _only(template, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]
    csp = headers["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    expected = {
        directive: [source for source in sources if source not in LOCAL_ONLY_SOURCES]
        for directive, sources in _page_policy().items()
    }
    # A <meta> policy cannot say frame-ancestors; only the header can.
    expected["frame-ancestors"] = ["'none'"]

    assert csp["Override"] is True
    assert _directives(csp["ContentSecurityPolicy"]) == expected
    # The page calls the API that config.json names: an https URL on another origin (see the template).
    assert "https:" in expected["connect-src"]


def test_headers_policy_sets_hsts_nosniff_no_frames_and_no_referrer(template: Template) -> None:
    headers = _only(template, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]

    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": "no-referrer", "Override": True}
    assert all(header["Override"] is True for header in security.values())


def test_outputs_are_exported_and_the_origin_is_what_cors_compares(template: Template) -> None:
    outputs = template["Outputs"]

    assert set(outputs) == {"BucketName", "DistributionId", "SiteOrigin", "SiteUrl", "ApiUrl"}
    for key, output in outputs.items():
        assert output["Export"] == {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{key}"}}
    # A browser's Origin header: scheme and host, no path, no trailing slash.
    assert outputs["SiteOrigin"]["Value"] == {"Fn::Sub": "https://${Distribution.DomainName}"}
    # The API's URL for the page when the distribution serves it: the page's own origin.
    assert outputs["ApiUrl"]["Condition"] == "FrontsApi"
    assert outputs["ApiUrl"]["Value"] == outputs["SiteOrigin"]["Value"]


def test_without_an_api_or_web_acl_the_distribution_is_the_pages_alone(template: Template) -> None:
    config = _distribution(template)

    assert [origin["Id"] for origin in config["Origins"]] == ["site-bucket"]
    assert "WebACLId" not in config
    assert template["Parameters"]["ApiDomainName"]["Default"] == ""
    assert template["Parameters"]["WebAclArn"]["Default"] == ""


def test_the_api_origin_is_https_only_and_sends_the_header_the_api_requires(template: Template) -> None:
    (api,) = [
        origin for origin in _distribution(template, FRONTING_THE_API)["Origins"] if origin["Id"] == "api"
    ]

    assert api["DomainName"] == {"Ref": "ApiDomainName"}
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    assert api["OriginCustomHeaders"] == [
        {"HeaderName": ORIGIN_SECRET_HEADER, "HeaderValue": {"Ref": "OriginSecret"}}
    ]
    assert template["Parameters"]["OriginSecret"]["NoEcho"] is True
    # A distribution that serves the API without the header would have every request refused.
    rule = template["Rules"]["ApiNeedsOriginSecret"]
    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ApiDomainName"}, ""]}]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "OriginSecret"}, ""]}]}


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_every_route_the_api_serves_goes_to_the_api(template: Template, route: Any) -> None:
    # A path parameter stands for any single segment.
    path = re.sub(r"\{\w+\}", "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d", route.path)

    assert any(_matches(pattern, path) for pattern in _api_patterns(template)), path


def test_no_file_of_the_page_goes_to_the_api(template: Template) -> None:
    keys = ["/", *(f"/{site_file.key}" for site_file in site_files("https://api.conveyor.example"))]

    assert [key for key in keys if any(_matches(pattern, key) for pattern in _api_patterns(template))] == []


def test_the_api_behaviours_cache_nothing_pass_every_header_but_host_and_allow_every_method(
    template: Template,
) -> None:
    api = [b for b in _behaviours(template, FRONTING_THE_API) if b["TargetOriginId"] == "api"]

    assert api
    for behaviour in api:
        assert behaviour["CachePolicyId"] == CACHING_DISABLED
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
        assert set(behaviour["AllowedMethods"]) == {
            "GET",
            "HEAD",
            "OPTIONS",
            "PUT",
            "PATCH",
            "POST",
            "DELETE",
        }
        # A redirect would lose a POST's body.
        assert behaviour["ViewerProtocolPolicy"] == "https-only"
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}


def test_the_web_acl_given_is_the_distributions(template: Template) -> None:
    assert _distribution(template, FRONTING_THE_API)["WebACLId"] == {"Ref": "WebAclArn"}
    assert "us-east-1" in template["Parameters"]["WebAclArn"]["AllowedPattern"]


def test_frontend_samconfig_deploys_the_frontend_stack() -> None:
    with (INFRA / "frontend" / "samconfig.toml").open("rb") as config:
        parameters = tomllib.load(config)["default"]["deploy"]["parameters"]

    assert parameters["stack_name"] == "conveyor-frontend"
    # Plain CloudFormation with no IAM resources: no capabilities to grant, no artifacts to upload.
    assert "capabilities" not in parameters
