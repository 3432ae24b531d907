"""Each stack's status and its latest event, for `make status` after a deploy.

    python -m infra.stack_status conveyor-core conveyor-worker conveyor-edge@us-east-1 conveyor-api

prints one line a stack (`name@region` names one outside the default region, as the edge stack is): its name,
its status, and the time, resource, status and reason of its latest event (the one that explains a failed or
rolled-back deployment). A stack that is not deployed says so; only an AWS
error (no credentials, no region) fails the command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError

from infra.stack_outputs import StackNotFoundError, describe_stack

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient


def stack_status(cloudformation: CloudFormationClient, stack_name: str) -> list[str]:
    """The stack's line: its name, its status, and its latest event's time, resource, status and reason."""
    try:
        stack = describe_stack(cloudformation, stack_name)
    except StackNotFoundError:
        return [stack_name, "not deployed"]
    # The newest event comes first.
    events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
    if not events:
        return [stack_name, stack["StackStatus"]]
    latest = events[0]
    return [
        stack_name,
        stack["StackStatus"],
        latest["Timestamp"].strftime("%Y-%m-%d %H:%M:%S %Z").strip(),
        latest.get("LogicalResourceId", ""),
        latest.get("ResourceStatus", ""),
        latest.get("ResourceStatusReason", ""),
    ]


def table(rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned; a shorter row (a stack not deployed) leaves its last columns empty."""
    widths = [max(len(row[column]) for row in rows if column < len(row)) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        for row in rows
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.stack_status", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "stacks",
        nargs="+",
        metavar="stack",
        help="a stack's name, e.g. conveyor-core, or name@region, e.g. conveyor-edge@us-east-1",
    )
    arguments = parser.parse_args(argv)
    try:
        rows = []
        for stack in arguments.stacks:
            name, _, region = stack.partition("@")
            rows.append(stack_status(boto3.client("cloudformation", region_name=region or None), name))
    except (BotoCoreError, ClientError) as error:
        # boto3 reads AWS_DEFAULT_REGION or the profile's region, never AWS_REGION.
        hint = " Set AWS_DEFAULT_REGION, or AWS_PROFILE to a profile with a region." * isinstance(
            error, NoRegionError
        )
        print(f"error: {error}{hint}", file=sys.stderr)
        return 1
    header = ["STACK", "STATUS", "LATEST EVENT", "RESOURCE", "RESOURCE STATUS", "REASON"]
    print(table([header, *rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
