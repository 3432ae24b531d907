"""The fake API's documents are the real API's: each is valid against contracts/v1 (read from the repository,
as the CLI shares no code with the services)."""

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes import NOT_FOUND, FakeApi, problem, progress, record
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

CONTRACT = Path(__file__).parents[2] / "contracts" / "v1"


@cache
def validator(name: str) -> Draft202012Validator:
    schemas = [json.loads(path.read_text(encoding="utf-8")) for path in CONTRACT.rglob("*.schema.json")]
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    (schema,) = [schema for schema in schemas if schema["$id"].endswith(f"/v1/{name}.schema.json")]
    return Draft202012Validator(schema, registry=registry)


@pytest.mark.parametrize(
    "document",
    [
        record("QUEUED"),
        record("IN_PROGRESS"),
        record("IN_PROGRESS", attempts=2, progress=progress(40, "resizing 2 of 5")),
        record("SUCCEEDED"),
        record("SUCCEEDED", result=None, result_url="https://files.test/results/x/result.json"),
        record("FAILED"),
    ],
    ids=["queued", "running", "reporting", "succeeded", "stored-result", "failed"],
)
def test_the_fakes_records_are_job_records(document: dict[str, Any]) -> None:
    validator("job-record").validate(document)


def test_the_fakes_pages_are_job_lists() -> None:
    validator("job-list").validate(
        {"jobs": [record("QUEUED"), record("FAILED")], "next_cursor": "eyJrIjoxfQ"}
    )
    validator("job-list").validate({"jobs": [], "next_cursor": None})


def test_the_fakes_problems_are_problem_documents() -> None:
    validator("problem").validate(NOT_FOUND)
    validator("problem").validate(problem(403, "listing-disabled", "Listing is disabled", "No sign-in here."))


def test_the_fakes_batch_answers_are_job_batch_responses(api: FakeApi) -> None:
    jobs = [{"job_type": "text_transform", "payload": {"text": "x"}}, {"job_type": "text_transform"}]
    response = api.transport().handle_request(
        httpx.Request("POST", "http://api.test/jobs/batch", json={"jobs": jobs})
    )

    validator("job-batch-response").validate(response.json())


def test_the_dead_letters_the_tests_send_are_job_messages() -> None:
    from test_dlq import job_message

    validator("job-message").validate(json.loads(job_message(job_id="0b7c8a52-0d5e-4f7c-9a52-3f3a1c8d1e11")))


def test_the_contract_is_the_one_with_progress() -> None:
    """A check of the check: a report out of range is refused, so the schemas above are the ones in force."""
    with pytest.raises(ValidationError):
        validator("job-record").validate(record("IN_PROGRESS", progress=progress(101)))
