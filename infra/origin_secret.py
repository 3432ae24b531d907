"""The secret the CloudFront distribution sends the API in its X-Origin-Verify header, made once per account
and region and kept in SSM Parameter Store, so that every `make deploy` gives the api and frontend stacks the
same one.

    python -m infra.origin_secret /conveyor-api/origin-secret

prints the SecureString parameter's value, first creating it with a random one if it does not exist. To
replace the secret, delete the parameter and run `make deploy` again.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import boto3
from botocore.exceptions import ClientError

SECRET_BYTES = 32
"""256 random bits, as 43 URL-safe characters (the api stack's OriginSecret pattern: 32 or more of them)."""


class SsmClient(Protocol):
    """The two calls made here (the type stubs of boto3's SSM client are not installed)."""

    def get_parameter(self, *, Name: str, WithDecryption: bool) -> Mapping[str, Any]: ...

    def put_parameter(
        self, *, Name: str, Value: str, Type: str, Description: str, Overwrite: bool
    ) -> Mapping[str, Any]: ...


def origin_secret(ssm: SsmClient, name: str) -> str:
    """The parameter's value, created at random when it does not exist yet."""
    try:
        return _value(ssm, name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ParameterNotFound":
            raise
    try:
        ssm.put_parameter(
            Name=name,
            Value=secrets.token_urlsafe(SECRET_BYTES),
            Type="SecureString",
            Description="X-Origin-Verify: CloudFront sends it, the Conveyor API requires it (make deploy).",
            Overwrite=False,
        )
    except ClientError as error:
        # Another deploy made it in between: its value is the one to use.
        if error.response["Error"]["Code"] != "ParameterAlreadyExists":
            raise
    return _value(ssm, name)


def _value(ssm: SsmClient, name: str) -> str:
    value: str = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.origin_secret", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("name", help="the SSM parameter's name, e.g. /conveyor-api/origin-secret")
    arguments = parser.parse_args(argv)
    print(origin_secret(boto3.client("ssm"), arguments.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
