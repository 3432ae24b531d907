"""One output of a deployed stack, for the Makefile to pass to the next stack or tool.

    python -m infra.stack_outputs conveyor-frontend SiteOrigin --if-missing '*'

prints the frontend stack's SiteOrigin, or `*` when that stack has not been deployed. Without --if-missing, a
missing stack is an error, and so is a missing output either way.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.type_defs import StackTypeDef


class StackNotFoundError(Exception):
    """The stack has not been deployed in this account and region (or was deleted)."""


class MissingOutputError(Exception):
    """The stack exists but has no such output: it is not the stack expected, or its creation failed."""


def describe_stack(cloudformation: CloudFormationClient, stack_name: str) -> StackTypeDef:
    try:
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        # CloudFormation has no dedicated error code for this: a missing stack is a ValidationError saying so.
        if error.response["Error"]["Code"] == "ValidationError" and "does not exist" in str(error):
            raise StackNotFoundError(f"stack {stack_name} does not exist") from error
        raise
    return stack


def stack_outputs(cloudformation: CloudFormationClient, stack_name: str) -> dict[str, str]:
    stack = describe_stack(cloudformation, stack_name)
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def stack_output(cloudformation: CloudFormationClient, stack_name: str, output_key: str) -> str:
    outputs = stack_outputs(cloudformation, stack_name)
    if output_key not in outputs:
        raise MissingOutputError(
            f"stack {stack_name} has no output {output_key} "
            f"(it has: {', '.join(sorted(outputs)) or 'none'}); is its last deployment complete?"
        )
    return outputs[output_key]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.stack_outputs", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("stack", help="the stack's name, e.g. conveyor-frontend")
    parser.add_argument("output", help="the output's key, e.g. SiteOrigin")
    parser.add_argument("--if-missing", metavar="VALUE", help="print VALUE when the stack does not exist")
    parser.add_argument("--region", help="the stack's region, when not the default one (the edge stack's)")
    arguments = parser.parse_args(argv)
    try:
        cloudformation = boto3.client("cloudformation", region_name=arguments.region)
        print(stack_output(cloudformation, arguments.stack, arguments.output))
    except StackNotFoundError as error:
        if arguments.if_missing is None:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(arguments.if_missing)
    except MissingOutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
