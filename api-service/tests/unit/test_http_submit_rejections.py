"""POST /jobs requests the API refuses: each answers its problem, and nothing is stored or enqueued."""

import json
from collections.abc import Iterator

import pytest

from conveyor_api import contract
from conveyor_api.handlers.http import Handler
from tests.support.events import post_job_request, post_jobs, post_jobs_base64
from tests.support.fakes import InMemoryJobStore, RecordingJobPublisher
from tests.support.problems import assert_problem

MAX_BODY_BYTES = 262144


@pytest.fixture(autouse=True)
def _nothing_is_accepted(store: InMemoryJobStore, publisher: RecordingJobPublisher) -> Iterator[None]:
    yield
    assert store.items == {}
    assert publisher.messages == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"job_type": "text_transform", "payload": {"text": "hi"}', id="truncated"),
        pytest.param("job_type=text_transform", id="form-encoded"),
        pytest.param("", id="empty"),
        pytest.param(None, id="absent"),
        pytest.param('{"job_type": "data_analysis", "payload": {"data": [NaN]}}', id="NaN"),
        pytest.param('{"job_type": "data_analysis", "payload": {"data": [-Infinity]}}', id="Infinity"),
        pytest.param('{"job_type": "data_analysis", "payload": {"data": [1e999]}}', id="overflowing-float"),
        pytest.param(
            '{"job_type": "data_analysis", "payload": {"data": [' + "9" * 400 + "]}}", id="overflowing-int"
        ),
        pytest.param(
            '{"job_type": "text_transform", "payload": {"text": "\\ud800"}}', id="unpaired-surrogate"
        ),
        pytest.param("[" * 100000 + "]" * 100000, id="nested-too-deeply"),
    ],
)
def test_body_that_is_not_acceptable_json_is_invalid_json(handler: Handler, body: str | None) -> None:
    assert_problem(handler(post_jobs(body), None), 400, "invalid-json")


def test_body_that_is_not_utf8_is_invalid_json(handler: Handler) -> None:
    assert_problem(handler(post_jobs_base64(b'{"text": "\xff"}'), None), 400, "invalid-json")


def test_invalid_json_says_where_the_syntax_breaks(handler: Handler) -> None:
    problem = assert_problem(handler(post_jobs('{"job_type": }'), None), 400, "invalid-json")

    assert "line 1, column 14" in problem["detail"]


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/problem+json", ""]
)
def test_body_not_declared_as_json_is_unsupported_media_type(
    handler: Handler, content_type: str | None
) -> None:
    event = post_jobs(
        json.dumps({"job_type": "text_transform", "payload": {"text": "hi"}}), content_type=content_type
    )

    assert_problem(handler(event, None), 415, "unsupported-media-type")


def test_body_over_256_kib_is_payload_too_large(handler: Handler) -> None:
    body = json.dumps({"job_type": "text_transform", "payload": {"text": "x" * MAX_BODY_BYTES}})

    problem = assert_problem(handler(post_jobs(body), None), 413, "payload-too-large")

    assert "262144" in problem["detail"]


def test_body_size_counts_utf8_bytes_not_characters(handler: Handler) -> None:
    body = json.dumps({"job_type": "text_transform", "payload": {"text": "é" * 140000}}, ensure_ascii=False)
    assert len(body) < MAX_BODY_BYTES < len(body.encode("utf-8"))

    assert_problem(handler(post_jobs(body), None), 413, "payload-too-large")


def test_body_size_is_measured_after_base64_decoding(handler: Handler) -> None:
    at_the_limit = b" " * (MAX_BODY_BYTES - 2) + b"{}"
    over_the_limit = b" " + at_the_limit

    # At the limit the body is read (and found wanting); one byte more and it is not read at all.
    assert_problem(handler(post_jobs_base64(at_the_limit), None), 400, "validation-failed")
    assert_problem(handler(post_jobs_base64(over_the_limit), None), 413, "payload-too-large")


def test_payload_too_large_once_stored_is_refused(handler: Handler) -> None:
    # 1e15 is stored as 1000000000000000.0: a body under 256 KiB whose payload text would be far over.
    body = '{"job_type": "data_analysis", "payload": {"data": [' + ",".join(["1e15"] * 50000) + "]}}"
    assert len(body) < MAX_BODY_BYTES

    problem = assert_problem(handler(post_jobs(body), None), 413, "payload-too-large")

    assert "1e15" in problem["detail"]


def test_unknown_job_type_names_the_allowed_types(handler: Handler) -> None:
    response = handler(post_job_request({"job_type": "image_magic", "payload": {}}), None)

    problem = assert_problem(response, 400, "unknown-job-type")
    for job_type in contract.job_types():
        assert job_type in problem["detail"]
    assert problem["errors"] == [
        {"pointer": "/job_type", "message": f"Must be one of: {', '.join(contract.job_types())}."}
    ]


@pytest.mark.parametrize(
    ("document", "errors"),
    [
        pytest.param(
            {"job_type": "text_transform", "payload": {"text": ""}},
            [{"pointer": "/payload/text", "message": "Must not be empty."}],
            id="empty-text",
        ),
        pytest.param(
            {"job_type": "text_transform", "payload": {"text": 42}},
            [{"pointer": "/payload/text", "message": "Must be a string, not a number."}],
            id="text-not-a-string",
        ),
        pytest.param(
            {"job_type": "text_transform"},
            [{"pointer": "/payload", "message": "Required but missing; add it."}],
            id="missing-payload",
        ),
        pytest.param(
            {},
            [
                {"pointer": "/job_type", "message": "Required but missing; add it."},
                {"pointer": "/payload", "message": "Required but missing; add it."},
            ],
            id="empty-object",
        ),
        pytest.param(
            ["text_transform", {"text": "hi"}],
            [{"pointer": "", "message": "Must be an object, not an array."}],
            id="not-an-object",
        ),
        pytest.param(
            {"job_type": "data_analysis", "payload": [1, 2]},
            [{"pointer": "/payload", "message": "Must be an object, not an array."}],
            id="payload-not-an-object",
        ),
        pytest.param(
            {"job_type": "text_transform", "payload": {"text": "hi"}, "priority": 1, "a/b": True},
            [
                {
                    "pointer": "/priority",
                    "message": "Unknown field; remove it (allowed: job_type, payload, delay_seconds).",
                },
                {
                    "pointer": "/a~1b",
                    "message": "Unknown field; remove it (allowed: job_type, payload, delay_seconds).",
                },
            ],
            id="extra-top-level-fields",
        ),
        pytest.param(
            {"job_type": "data_analysis", "payload": {"data": []}},
            [{"pointer": "/payload/data", "message": "Must not be empty; give at least 1 item."}],
            id="empty-data",
        ),
        pytest.param(
            {"job_type": "data_analysis", "payload": {"data": [1, "2", True, None]}},
            [
                {"pointer": "/payload/data/1", "message": "Must be a number, not a string."},
                {"pointer": "/payload/data/2", "message": "Must be a number, not a boolean."},
                {"pointer": "/payload/data/3", "message": "Must be a number, not null."},
            ],
            id="data-not-numbers",
        ),
        pytest.param(
            {"job_type": "data_analysis", "payload": {"data": [0] * 100001}},
            [{"pointer": "/payload/data", "message": "Has 100001 items; give at most 100000."}],
            id="too-much-data",
        ),
        pytest.param(
            {"job_type": "text_transform", "payload": {"data": [1, 2]}},
            [
                {"pointer": "/payload/text", "message": "Required but missing; add it."},
                {"pointer": "/payload/data", "message": "Unknown field; remove it (allowed: text)."},
            ],
            id="payload-of-the-other-type",
        ),
    ],
)
def test_schema_violation_lists_one_pointer_and_message_per_violation(
    handler: Handler, document: object, errors: list[dict[str, str]]
) -> None:
    problem = assert_problem(handler(post_job_request(document), None), 400, "validation-failed")

    assert problem["errors"] == errors


def test_violation_message_is_short_and_never_echoes_the_value(handler: Handler) -> None:
    document = {"job_type": "text_transform", "payload": {"text": "x" * 100001}}

    problem = assert_problem(handler(post_job_request(document), None), 400, "validation-failed")

    assert problem["errors"] == [
        {"pointer": "/payload/text", "message": "Is 100001 characters long; shorten it to at most 100000."}
    ]
    assert len(json.dumps(problem)) < 500


def test_a_flood_of_violations_lists_the_first_ones_and_says_so(handler: Handler) -> None:
    document = {"job_type": "data_analysis", "payload": {"data": ["x"] * 10000}}

    problem = assert_problem(handler(post_job_request(document), None), 400, "validation-failed")

    assert [error["pointer"] for error in problem["errors"]] == [f"/payload/data/{i}" for i in range(50)]
    assert "more than 50" in problem["detail"]


def test_violation_count_is_in_the_detail(handler: Handler) -> None:
    document = {"job_type": "text_transform", "payload": {"text": ""}}

    problem = assert_problem(handler(post_job_request(document), None), 400, "validation-failed")

    assert problem["detail"] == "The body breaks the contract in 1 place; see errors."
