"""AUTH_MODE jwt through the handler: the caller is the JWT's `sub`, owns its jobs, and sees only those."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from conveyor_api.handlers.http import Handler
from conveyor_api.models import JobItem
from tests.support.events import get_job, list_jobs, load_event, post_job_request, post_uploads, signed_in
from tests.support.fakes import InMemoryJobStore, RecordingJobPublisher
from tests.support.problems import assert_problem

ALICE = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
BOB = "0b6e1f3a-2c4d-4e5f-9a8b-7c6d5e4f3a2b"
TEXT_REQUEST = {"job_type": "text_transform", "payload": {"text": "Hello, Conveyor!"}}
KEY = "order-1"


def _submit(handler: Handler, sub: str, key: str | None = None) -> dict[str, Any]:
    event = signed_in(post_job_request(TEXT_REQUEST), sub)
    if key is not None:
        event["headers"]["idempotency-key"] = key
    response = handler(event, None)
    assert response["statusCode"] == 202, response["body"]
    record: dict[str, Any] = json.loads(response["body"])
    return record


def test_a_signed_in_callers_job_is_stored_with_its_owner_and_listing_keys(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    record = _submit(jwt_handler, ALICE)

    stored = store.items[record["job_id"]]
    assert {name: stored[name] for name in ("owner", "owner_type", "owner_status", "owner_type_status")} == {
        "owner": ALICE,
        "owner_type": f"{ALICE}#text_transform",
        "owner_status": f"{ALICE}#QUEUED",
        "owner_type_status": f"{ALICE}#text_transform#QUEUED",
    }


def test_without_sign_in_a_job_has_no_owner(handler: Handler, store: InMemoryJobStore) -> None:
    record = json.loads(handler(post_job_request(TEXT_REQUEST), None)["body"])

    assert not {"owner", "owner_type", "owner_status", "owner_type_status"} & set(
        store.items[record["job_id"]]
    )


def test_the_owner_reads_their_job(jwt_handler: Handler) -> None:
    record = _submit(jwt_handler, ALICE)

    response = jwt_handler(signed_in(get_job(record["job_id"]), ALICE), None)

    assert (response["statusCode"], json.loads(response["body"])) == (200, record)


def test_another_callers_job_is_not_found_exactly_as_a_missing_one(jwt_handler: Handler) -> None:
    record = _submit(jwt_handler, ALICE)
    missing_id = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"

    others = jwt_handler(signed_in(get_job(record["job_id"]), BOB), None)
    missing = jwt_handler(signed_in(get_job(missing_id), BOB), None)

    problem = assert_problem(others, 404, "job-not-found")
    assert problem == json.loads(missing["body"].replace(missing_id, record["job_id"]))
    assert others["headers"] == missing["headers"]


def test_with_sign_in_a_job_without_an_owner_is_not_found(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    # A job submitted while the deployment had no sign-in.
    item = JobItem.from_document(
        {
            "job_id": "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d",
            "job_type": "text_transform",
            "status": "QUEUED",
            "created_at": "2026-11-24T17:05:09.123Z",
            "updated_at": "2026-11-24T17:05:09.123Z",
            "attempts": 0,
            "payload": '{"text":"Hello, Conveyor!"}',
            "sweep_shard": 7,
            "sweep_at": 1795539909123,
        }
    )
    store.put_new(item)

    assert_problem(jwt_handler(signed_in(get_job(item.job_id), ALICE), None), 404, "job-not-found")


def test_the_same_idempotency_key_from_two_callers_makes_each_their_own_job(
    jwt_handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    alices = _submit(jwt_handler, ALICE, KEY)
    bobs = _submit(jwt_handler, BOB, KEY)

    assert alices["job_id"] != bobs["job_id"]
    assert {store.items[job["job_id"]]["owner"] for job in (alices, bobs)} == {ALICE, BOB}
    assert len(publisher.messages) == 2
    # Each caller's retry still replays their own job.
    assert _submit(jwt_handler, ALICE, KEY) == alices
    assert _submit(jwt_handler, BOB, KEY) == bobs
    assert len(store.items) == 2


def test_another_callers_key_reuse_with_another_body_is_not_refused(jwt_handler: Handler) -> None:
    _submit(jwt_handler, ALICE, KEY)
    event = signed_in(post_job_request({"job_type": "text_transform", "payload": {"text": "other"}}), BOB)
    event["headers"]["idempotency-key"] = KEY

    assert jwt_handler(event, None)["statusCode"] == 202


@pytest.mark.parametrize(
    "make_event",
    [
        pytest.param(lambda: post_job_request(TEXT_REQUEST), id="POST /jobs"),
        pytest.param(lambda: get_job("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"), id="GET /jobs/{job_id}"),
        pytest.param(lambda: list_jobs("status=QUEUED"), id="GET /jobs"),
        pytest.param(lambda: post_uploads('{"content_type": "image/png"}'), id="POST /uploads"),
    ],
)
@pytest.mark.parametrize(
    "authorizer",
    [
        pytest.param(None, id="no-authorizer"),
        pytest.param({"jwt": {"claims": {"iss": "https://issuer.example"}}}, id="claims-without-sub"),
        pytest.param({"jwt": {"claims": {"sub": ""}}}, id="empty-sub"),
        pytest.param({"jwt": {"claims": {"sub": "x" * 256}}}, id="sub-longer-than-an-owner"),
        pytest.param({"lambda": {"sub": ALICE}}, id="another-authorizer"),
    ],
)
def test_with_sign_in_a_request_without_a_caller_is_401_and_changes_nothing(
    jwt_handler: Handler,
    store: InMemoryJobStore,
    publisher: RecordingJobPublisher,
    make_event: Callable[[], dict[str, Any]],
    authorizer: dict[str, Any] | None,
) -> None:
    event = make_event()
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer

    response = jwt_handler(event, None)

    problem = assert_problem(response, 401, "unauthenticated")
    assert response["headers"]["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in problem["detail"]
    assert (store.items, store.calls, publisher.messages) == ({}, [], [])


def test_with_sign_in_health_needs_no_caller(jwt_handler: Handler) -> None:
    assert jwt_handler(load_event("get_health"), None)["statusCode"] == 200


def test_with_sign_in_a_caller_gets_an_upload_ticket_whose_form_records_the_caller(
    jwt_handler: Handler,
) -> None:
    response = jwt_handler(signed_in(post_uploads('{"content_type": "image/png"}'), ALICE), None)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["fields"]["x-amz-meta-owner"] == ALICE


def test_without_sign_in_an_upload_ticket_records_no_owner(handler: Handler) -> None:
    response = handler(signed_in(post_uploads('{"content_type": "image/png"}'), ALICE), None)

    assert response["statusCode"] == 200
    assert "x-amz-meta-owner" not in json.loads(response["body"])["fields"]


def test_without_sign_in_claims_are_ignored(handler: Handler, store: InMemoryJobStore) -> None:
    record = json.loads(handler(signed_in(post_job_request(TEXT_REQUEST), ALICE), None)["body"])

    assert "owner" not in store.items[record["job_id"]]
