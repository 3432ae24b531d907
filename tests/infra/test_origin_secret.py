"""The origin secret: made at random by the first deploy as an SSM SecureString, the same for every later one.

Against the session's moto server, whose SSM keeps SecureStrings and decrypts them as Parameter Store does.
"""

from __future__ import annotations

import re
import uuid

import boto3

from infra.origin_secret import origin_secret
from tests.infra.templates import load_template


def _name() -> str:
    return f"/conveyor-api-{uuid.uuid4().hex[:8]}/origin-secret"


def test_the_first_deploy_makes_a_secure_string_the_api_stack_accepts(aws_endpoint: str) -> None:
    name = _name()

    secret = origin_secret(boto3.client("ssm"), name)

    stored = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert (stored["Type"], stored["Value"]) == ("SecureString", secret)
    assert re.fullmatch(load_template("api")["Parameters"]["OriginSecret"]["AllowedPattern"], secret)
    assert len(secret) >= 43  # 256 random bits


def test_every_later_deploy_gets_the_same_and_another_stack_another(aws_endpoint: str) -> None:
    name = _name()
    ssm = boto3.client("ssm")

    first = origin_secret(ssm, name)

    assert origin_secret(ssm, name) == first
    assert origin_secret(ssm, _name()) != first


def test_a_parameter_made_by_hand_is_used_as_it_is(aws_endpoint: str) -> None:
    name = _name()
    chosen = "c" * 48
    boto3.client("ssm").put_parameter(Name=name, Value=chosen, Type="SecureString")

    assert origin_secret(boto3.client("ssm"), name) == chosen
