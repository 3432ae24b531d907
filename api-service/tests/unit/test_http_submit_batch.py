"""POST /jobs/batch through the handler, store and queue faked: each job judged on its own, the answer in the
request's order, a batch refused whole only for its shape, and no job reported accepted that is not stored."""

import json
from typing import Any

import pytest

from conveyor_api import contract
from conveyor_api.handlers.http import Handler
from conveyor_api.jobs.errors import BackendUnavailableError
from tests.support.events import post_job_batch, post_job_request, request, signed_in
from tests.support.fakes import FakeUploads, InMemoryJobStore, RecordingJobPublisher
from tests.support.problems import assert_problem

ALICE = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
BOB = "0b6e1f3a-2c4d-4e5f-9a8b-7c6d5e4f3a2b"
BOBS_UPLOAD = "uploads/0de39fb2-7220-4bd5-9a1f-859795e0763a"


def _text(n: int) -> dict[str, Any]:
    return {"job_type": "text_transform", "payload": {"text": f"job {n}"}}


BAD_JOBS = {
    3: {"job_type": "text_transform", "payload": {}},
    11: {"job_type": "no_such_type", "payload": {}},
    20: "not a job",
}


def _batch_of_25_with_3_bad() -> list[Any]:
    return [BAD_JOBS.get(n, _text(n)) for n in range(25)]


def _answer(response: dict[str, Any]) -> dict[str, Any]:
    assert response["statusCode"] == 200, response["body"]
    assert response["headers"]["Content-Type"] == "application/json"
    answer: dict[str, Any] = json.loads(response["body"])
    assert list(contract.validator("job-batch-response").iter_errors(answer)) == []
    return answer


def _job_ids(answer: dict[str, Any]) -> list[str]:
    return [result["job"]["job_id"] for result in answer["results"] if result["status"] == 202]


def test_a_batch_of_25_with_3_bad_jobs_accepts_the_22_others_in_order(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    answer = _answer(handler(post_job_batch({"jobs": _batch_of_25_with_3_bad()}), None))

    assert (answer["accepted"], answer["refused"]) == (22, 3)
    assert [result["status"] for result in answer["results"]] == [
        400 if n in BAD_JOBS else 202 for n in range(25)
    ]
    accepted = [result for result in answer["results"] if result["status"] == 202]
    assert [json.loads(str(store.items[r["job"]["job_id"]]["payload"])) for r in accepted] == [
        _text(n)["payload"] for n in range(25) if n not in BAD_JOBS
    ]
    assert all(
        r["location"] == f"/jobs/{r['job']['job_id']}" and r["job"]["status"] == "QUEUED" for r in accepted
    )
    assert sorted(message.job_id for message in publisher.messages) == sorted(store.items)
    assert len(store.items) == 22


def test_each_refused_job_gets_the_problem_post_jobs_would_answer_for_it_alone(handler: Handler) -> None:
    answer = _answer(handler(post_job_batch({"jobs": _batch_of_25_with_3_bad()}), None))

    for n, bad_job in BAD_JOBS.items():
        alone = json.loads(handler(post_job_request(bad_job), None)["body"])
        assert answer["results"][n] == {"status": alone["status"], "problem": alone}
    assert answer["results"][11]["problem"]["type"] == "urn:conveyor:problem:unknown-job-type"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([_text(1)], id="an-array-not-an-object"),
        pytest.param({}, id="no-jobs-member"),
        pytest.param({"jobs": []}, id="no-jobs"),
        pytest.param({"jobs": [_text(n) for n in range(26)]}, id="26-jobs"),
        pytest.param({"jobs": [_text(1)], "priority": 1}, id="an-unknown-member"),
    ],
)
def test_a_body_that_is_not_a_batch_of_1_to_25_is_refused_whole_and_stores_nothing(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher, body: Any
) -> None:
    problem = assert_problem(handler(post_job_batch(body), None), 400, "validation-failed")

    assert problem["errors"]
    assert (store.items, publisher.messages) == ({}, [])


def test_over_25_jobs_says_how_many_are_allowed(handler: Handler) -> None:
    problem = assert_problem(
        handler(post_job_batch({"jobs": [_text(n) for n in range(26)]}), None), 400, "validation-failed"
    )

    assert problem["errors"] == [{"pointer": "/jobs", "message": "Has 26 items; give at most 25."}]


def test_a_body_that_is_not_json_is_refused_whole(handler: Handler, store: InMemoryJobStore) -> None:
    event = post_job_batch({})
    event["body"] = '{"jobs": ['

    assert_problem(handler(event, None), 400, "invalid-json")
    assert store.items == {}


def test_an_idempotency_key_is_refused_rather_than_ignored(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    event = post_job_batch({"jobs": [_text(1)]}, headers={"Idempotency-Key": "batch-1"})

    problem = assert_problem(handler(event, None), 400, "idempotency-key-not-supported")

    assert "POST /jobs" in problem["detail"]
    assert (store.items, publisher.messages) == ({}, [])


def test_jobs_whose_messages_the_queue_refused_are_503_and_not_stored(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    refused = {2, 7}
    original = publisher.publish_many

    def refusing_some(messages: Any, *, delays: Any = None) -> set[str]:
        publisher.refused_jobs = {messages[n].job_id for n in refused}
        return original(messages, delays=delays)

    publisher.publish_many = refusing_some  # type: ignore[method-assign]

    answer = _answer(handler(post_job_batch({"jobs": [_text(n) for n in range(10)]}), None))

    assert [result["status"] for result in answer["results"]] == [
        503 if n in refused else 202 for n in range(10)
    ]
    assert answer["results"][2]["problem"]["type"] == "urn:conveyor:problem:service-unavailable"
    assert sorted(store.items) == sorted(_job_ids(answer))
    assert sorted(message.job_id for message in publisher.messages) == sorted(store.items)


def test_a_job_whose_write_answered_nothing_is_read_back_accepted_if_stored_and_503_if_not(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    original = store.put_new_many

    def unsure_about_two(items: Any) -> set[str]:
        store.unsure_writes = {items[0].job_id: True, items[1].job_id: False}
        return original(items)

    store.put_new_many = unsure_about_two  # type: ignore[method-assign]

    answer = _answer(handler(post_job_batch({"jobs": [_text(n) for n in range(4)]}), None))

    assert [result["status"] for result in answer["results"]] == [202, 503, 202, 202]
    assert sorted(store.items) == sorted(_job_ids(answer))
    # The refused job's message left before its write: an orphan, which the worker drops.
    assert len(publisher.messages) == 4
    assert "get_many" in store.calls


def test_a_store_that_neither_writes_nor_reads_accepts_no_job(
    handler: Handler, store: InMemoryJobStore
) -> None:
    store.fail_with = BackendUnavailableError("the jobs table did not answer")

    answer = _answer(handler(post_job_batch({"jobs": [_text(n) for n in range(3)]}), None))

    assert answer["accepted"] == 0
    assert {result["problem"]["type"] for result in answer["results"]} == {
        "urn:conveyor:problem:service-unavailable"
    }
    assert store.items == {}


def test_a_payload_too_large_to_store_refuses_its_job_alone(
    handler: Handler, store: InMemoryJobStore
) -> None:
    # 1e15 is stored as 1000000000000000.0: a body under 256 KiB whose payload text would be far over.
    huge = '{"job_type": "data_analysis", "payload": {"data": [' + ",".join(["1e15"] * 20000) + "]}}"
    event = post_job_batch({})
    event["body"] = '{"jobs": [' + json.dumps(_text(0)) + "," + huge + "]}"

    answer = _answer(handler(event, None))

    assert [result["status"] for result in answer["results"]] == [202, 413]
    assert answer["results"][1]["problem"]["type"] == "urn:conveyor:problem:payload-too-large"
    assert len(store.items) == 1


def test_with_sign_in_the_jobs_are_the_callers_and_another_callers_upload_refuses_its_job_alone(
    jwt_handler: Handler, store: InMemoryJobStore, uploads: FakeUploads
) -> None:
    uploads.put(BOBS_UPLOAD, owner=BOB)
    resize = {"job_type": "image_resize", "payload": {"source_key": BOBS_UPLOAD, "dimensions": [60, 40]}}

    answer = _answer(jwt_handler(signed_in(post_job_batch({"jobs": [_text(0), resize]}), ALICE), None))

    assert [result["status"] for result in answer["results"]] == [202, 422]
    assert answer["results"][1]["problem"]["errors"] == [
        {"pointer": "/payload/source_key", "message": "No upload of yours has this key."}
    ]
    assert [item["owner"] for item in store.items.values()] == [ALICE]


def test_with_sign_in_a_batch_without_a_caller_is_401(jwt_handler: Handler, store: InMemoryJobStore) -> None:
    assert_problem(jwt_handler(post_job_batch({"jobs": [_text(0)]}), None), 401, "unauthenticated")
    assert store.items == {}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_another_method_on_the_batch_path_is_405_not_a_job_id(handler: Handler, method: str) -> None:
    response = handler(request(method, "/jobs/batch"), None)

    assert_problem(response, 405, "method-not-allowed")
    assert response["headers"]["Allow"] == "POST"


def test_after_a_files_bucket_that_did_not_answer_no_later_job_calls_it(
    jwt_handler: Handler, store: InMemoryJobStore, uploads: FakeUploads
) -> None:
    uploads.fail_with = BackendUnavailableError("the files bucket did not answer")
    resize = {"job_type": "image_resize", "payload": {"source_key": BOBS_UPLOAD, "dimensions": [60, 40]}}

    answer = _answer(
        jwt_handler(signed_in(post_job_batch({"jobs": [_text(0), resize, resize, _text(3)]}), ALICE), None)
    )

    # A request ends at its first failed call: the jobs after it are refused 503 untried, to be sent again.
    assert [result["status"] for result in answer["results"]] == [202, 503, 503, 503]
    assert uploads.found == [BOBS_UPLOAD]
    assert len(store.items) == 1
