"""POST /jobs/batch over HTTP against the moto server: the accepted jobs of a batch run to SUCCEEDED, the
refused ones hold their problems in place and leave nothing behind; a batch of over 25 is refused whole."""

from __future__ import annotations

from typing import Any

from conveyor_local.aws import dynamodb_client, sqs_client

from tests.support import contract, http
from tests.support.faults import FaultInjector
from tests.support.stack import Stack

BAD = {
    4: {"job_type": "text_transform", "payload": {"text": ""}},
    13: {"job_type": "image_resize", "payload": {"source_key": "not-an-upload"}},
    24: {"job_type": "text_transform", "payload": {"text": "hi", "shout": True}},
}


def _batch(stack: Stack, jobs: list[Any], *, api_url: str | None = None) -> http.Response:
    return http.request("POST", f"{api_url or stack.api_url}/jobs/batch", json_body={"jobs": jobs})


def _run_worker_until_idle(stack: Stack) -> None:
    worker = stack.worker()
    while worker.poll_once().received:
        pass


def test_a_batch_of_25_with_3_bad_requests_runs_the_22_others_to_succeeded_in_few_calls(stack: Stack) -> None:
    dynamodb = dynamodb_client(stack.sqs.meta.endpoint_url)
    sqs = sqs_client(stack.sqs.meta.endpoint_url)
    table_calls, queue_calls = FaultInjector(dynamodb), FaultInjector(sqs)
    api_url = stack.start_api(dynamodb_client=dynamodb, sqs_client=sqs)
    jobs = [BAD.get(n, {"job_type": "text_transform", "payload": {"text": f"job {n}"}}) for n in range(25)]

    response = _batch(stack, jobs, api_url=api_url)

    assert response.status == 200
    answer = response.json()
    contract.validator("job-batch-response").validate(answer)
    assert (answer["accepted"], answer["refused"]) == (22, 3)
    for n, result in enumerate(answer["results"]):
        if n in BAD:
            assert result["status"] == 400
            assert result["problem"]["type"] == "urn:conveyor:problem:validation-failed"
        else:
            assert result["status"] == 202
            assert result["location"] == f"/jobs/{result['job']['job_id']}"
    assert {p["pointer"] for p in answer["results"][13]["problem"]["errors"]} == {
        "/payload/source_key",
        "/payload/dimensions",
    }
    # One BatchWriteItem and three SendMessageBatch calls, where single submits make 22 of each.
    assert (table_calls.calls, queue_calls.calls) == ({"BatchWriteItem": 1}, {"SendMessageBatch": 3})
    accepted = {
        result["job"]["job_id"]: n for n, result in enumerate(answer["results"]) if result["status"] == 202
    }
    assert sorted(item["job_id"]["S"] for item in stack.items()) == sorted(accepted)

    _run_worker_until_idle(stack)

    for job_id, n in accepted.items():
        record = stack.status(job_id).json()
        assert (record["status"], record["result"]["uppercase"]) == ("SUCCEEDED", f"JOB {n}")
    assert stack.job_runs["text_transform"] == 22
    assert stack.queued_messages() == 0


def test_a_batch_of_26_is_refused_whole_and_stores_and_sends_nothing(stack: Stack) -> None:
    response = _batch(stack, [{"job_type": "text_transform", "payload": {"text": "x"}}] * 26)

    assert response.status == 400
    contract.validator("problem").validate(response.json())
    assert response.json()["type"] == "urn:conveyor:problem:validation-failed"
    assert (stack.items(), stack.queued_messages()) == ([], 0)
