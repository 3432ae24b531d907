"""The README's deploy order for a new job type (the worker first) is enforced, not trusted: an API whose
deployed worker does not publish a job type refuses it, and accepts it once the worker stack publishes it,
within the API's cache age (docs/design.md, Which job types the deployed worker runs)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from conveyor_api.parameters.ssm import MAX_AGE_SECONDS
from conveyor_local.templates import load_template

from tests.infra.grants import resolved
from tests.support.parameter_cache import CacheClock
from tests.support.stack import Stack

README = Path(__file__).resolve().parents[2] / "README.md"
NEW_TYPE = "data_analysis"
"""The job type that plays the new one: the worker that runs it is not deployed yet."""
PAYLOAD = {"data": [1, 2, 3]}


def _deploys_first() -> dict[str, str]:
    """The README's Deploy table: which side deploys first, by kind of change."""
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {change: first for change, first in rows if change not in ("change", "---")}


def _published_by_the_worker_template() -> dict[str, Any]:
    """The list the worker stack writes, as its template says for a stack deployed with the defaults (no
    sender, as the in-process worker has none)."""
    template = load_template("worker")
    value: dict[str, Any] = json.loads(
        resolved(template, template["Resources"]["WorkerJobTypesParameter"]["Properties"]["Value"])
    )
    return value


def _stored_types(stack: Stack) -> list[str]:
    items = stack.dynamodb.scan(TableName=stack.resources.table_name)["Items"]
    return [TypeDeserializer().deserialize(item["job_type"]) for item in items]


def test_the_readme_says_a_new_job_type_deploys_the_worker_first() -> None:
    assert _deploys_first()["a new job type"].startswith("the worker; then the API accepts it")


def test_a_job_type_the_deployed_worker_does_not_publish_is_refused_until_it_does(
    stack: Stack, aws_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ssm = boto3.client("ssm", endpoint_url=aws_endpoint)
    name = stack.resources.job_types_parameter_name
    every_type = _published_by_the_worker_template()
    older_worker = every_type | {"job_types": [t for t in every_type["job_types"] if t != NEW_TYPE]}
    ssm.put_parameter(Name=name, Type="String", Value=json.dumps(older_worker))
    cache_clock = CacheClock(monkeypatch)

    refused = stack.submit(NEW_TYPE, PAYLOAD)
    # The worker stack's deploy: the function that runs it, then the list that names it.
    ssm.put_parameter(Name=name, Type="String", Value=json.dumps(every_type), Overwrite=True)
    still_cached = stack.submit(NEW_TYPE, PAYLOAD)
    cache_clock.pass_seconds(MAX_AGE_SECONDS + 1)
    accepted = stack.submit(NEW_TYPE, PAYLOAD)

    assert (refused.status, refused.json()["type"]) == (422, "urn:conveyor:problem:job-type-unavailable")
    assert still_cached.status == 422
    assert accepted.status == 202
    assert _stored_types(stack) == [NEW_TYPE]


def test_without_a_published_list_every_job_type_of_the_contract_is_accepted(stack: Stack) -> None:
    """A worker stack older than the list publishes none: the API accepts as before it read one."""
    assert stack.submit(NEW_TYPE, PAYLOAD).status == 202
