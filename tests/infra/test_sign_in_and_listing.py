"""Optional sign-in and the listing indexes, in the templates and deployed into moto.

The api stack signs in exactly when it is given a user pool and an app client (UserPoolId, UserPoolClientId):
then every route of its HTTP API but GET /health and the CORS preflights has a JWT authorizer for that pool's
tokens, and the function runs with AUTH_MODE=jwt; without them it has no authorizer and AUTH_MODE=none. The
routes are read from the translated template with the deployed parameters, as the local gateway reads them
(conveyor_local.http_api), so the local stack cannot serve other routes than these.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from conveyor_local.http_api import http_api_routes
from conveyor_local.intrinsics import Evaluator
from conveyor_local.sign_in import cognito_issuer_url
from conveyor_local.stacks import StackParameterError, check_parameters, deploy_stack, physical_ids

from tests.infra.templates import load_template, resources_of_type, translate

pytestmark = pytest.mark.filterwarnings(
    "ignore:Tried to parse AWS.{2}(ApiGatewayV2|CloudWatch.{2}Alarm|S3.{2}BucketPolicy):UserWarning"
)

POOL = "eu-west-1_AbC123xyz"
CLIENT = "1example23456789abcdefghij"
SIGN_IN = {"UserPoolId": POOL, "UserPoolClientId": CLIENT}
LISTING_INDEXES = {"by_owner": "owner", "by_owner_type_status": "owner_type_status"}


def _jobs_table() -> dict[str, Any]:
    tables = dict(resources_of_type(load_template("core"), "AWS::DynamoDB::Table"))
    return tables["JobsTable"]


def _indexes(table: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}


def test_each_listing_index_is_keyed_by_its_owner_key_and_sorted_by_created_at() -> None:
    table = _jobs_table()
    indexes = _indexes(table)
    types = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}

    assert set(indexes) == {"sweep", *LISTING_INDEXES}
    for name, partition_key in LISTING_INDEXES.items():
        assert indexes[name]["KeySchema"] == [
            {"AttributeName": partition_key, "KeyType": "HASH"},
            {"AttributeName": "created_at", "KeyType": "RANGE"},
        ]
        # A page is read back by key: the index stores no copy of a job.
        assert indexes[name]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
        assert types[partition_key] == "S"
    assert types["created_at"] == "S"


def test_the_sweep_index_carries_the_owner_a_repaired_jobs_listing_keys_need() -> None:
    assert "owner" in _indexes(_jobs_table())["sweep"]["Projection"]["NonKeyAttributes"]


def _api_parameters(**sign_in: str) -> dict[str, str]:
    return {"CoreStackName": "conveyor-core", **sign_in}


@pytest.mark.parametrize("parameters", [{}, SIGN_IN])
def test_sign_in_takes_both_the_pool_and_its_client_or_neither(parameters: dict[str, str]) -> None:
    check_parameters("api", translate("api"), _api_parameters(**parameters))


@pytest.mark.parametrize(
    "parameters",
    [
        {"UserPoolId": POOL},
        {"UserPoolClientId": CLIENT},
        {"UserPoolId": "not a pool", "UserPoolClientId": CLIENT},
    ],
)
def test_half_a_sign_in_configuration_is_refused(parameters: dict[str, str]) -> None:
    with pytest.raises(StackParameterError):
        check_parameters("api", translate("api"), _api_parameters(**parameters))


def test_without_a_user_pool_no_route_has_an_authorizer() -> None:
    routes = http_api_routes(translate("api"), _api_parameters())

    assert {route.key for route in routes.routes} == {"$default", "GET /health", "OPTIONS /{proxy+}"}
    assert all(route.authorizer is None for route in routes.routes)


def test_with_a_user_pool_every_route_but_health_and_preflight_needs_its_tokens() -> None:
    routes = {
        route.key: route.authorizer
        for route in http_api_routes(translate("api"), _api_parameters(**SIGN_IN)).routes
    }

    assert routes["GET /health"] is None
    assert routes["OPTIONS /{proxy+}"] is None
    authorizer = routes["$default"]
    assert authorizer is not None
    assert authorizer.issuer == cognito_issuer_url(POOL, "us-east-1")
    assert authorizer.audiences == (CLIENT,)
    assert authorizer.header == "authorization"


def test_the_api_template_defines_its_authorizer_only_with_sign_in() -> None:
    body = translate("api")["Resources"]["HttpApi"]["Properties"]["Body"]

    # The OpenAPI body carries the authorizer under the condition, and CloudFormation resolves Fn::If there.
    schemes = body["components"]["securitySchemes"]
    assert schemes["Fn::If"][0] == "SignIn"
    assert schemes["Fn::If"][2] == {"Ref": "AWS::NoValue"}
    assert load_template("api")["Conditions"]["SignIn"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "UserPoolId"}, ""]}]
    }


@pytest.mark.parametrize(("parameters", "mode"), [({}, "none"), (SIGN_IN, "jwt")])
def test_the_function_knows_whether_callers_sign_in(parameters: dict[str, str], mode: str) -> None:
    template = translate("api")
    variables = template["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]

    assert Evaluator(template, _api_parameters(**parameters)).value(variables["AUTH_MODE"]) == mode


def test_browsers_may_send_the_token_across_origins() -> None:
    cors = load_template("api")["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]

    assert "authorization" in cors["AllowHeaders"]


def _deploy_core() -> str:
    name = f"conveyor-core-{uuid.uuid4().hex[:8]}"
    deploy_stack(boto3.client("cloudformation"), name, load_template("core"))
    return name


@pytest.fixture(scope="module")
def code_uri(aws_endpoint: str) -> str:
    bucket = f"conveyor-code-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("placeholder.py", "")
    s3.put_object(Bucket=bucket, Key="code.zip", Body=archive.getvalue())
    return f"s3://{bucket}/code.zip"


def test_the_api_stack_deploys_with_sign_in_and_its_function_runs_in_jwt_mode(code_uri: str) -> None:
    core = _deploy_core()
    api = f"conveyor-api-{uuid.uuid4().hex[:8]}"

    outputs = deploy_stack(
        boto3.client("cloudformation"), api, translate("api", code_uri), {"CoreStackName": core, **SIGN_IN}
    ).outputs

    assert outputs["SignIn"] == "on"
    (function,) = physical_ids(boto3.client("cloudformation"), api, "AWS::Lambda::Function").values()
    variables = boto3.client("lambda").get_function_configuration(FunctionName=function)["Environment"][
        "Variables"
    ]
    assert variables["AUTH_MODE"] == "jwt"


def test_the_jobs_table_deploys_with_the_listing_indexes(aws_endpoint: str) -> None:
    core = _deploy_core()
    tables = physical_ids(boto3.client("cloudformation"), core, "AWS::DynamoDB::Table")

    deployed = boto3.client("dynamodb").describe_table(TableName=tables["JobsTable"])["Table"]

    expected = _indexes(_jobs_table())
    for name, index in _indexes(deployed).items():
        assert index["KeySchema"] == expected[name]["KeySchema"]
        assert index["Projection"] == expected[name]["Projection"]
    assert set(_indexes(deployed)) == set(expected)
