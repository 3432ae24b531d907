"""GET /jobs through the handler over the in-memory store: one index per filter combination, pages joined by
cursors, and the table's word over the lagging indexes."""

import json
from typing import Any

import pytest

from conveyor_api import contract
from conveyor_api.handlers.http import Handler
from conveyor_api.jobs.cursors import PagePosition, encode_cursor
from conveyor_api.models import JobItem, JobProgress
from tests.support.events import get_job, list_jobs, signed_in
from tests.support.fakes import InMemoryJobStore
from tests.support.owned_items import owned_item
from tests.support.problems import assert_problem

ALICE = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
BOB = "0b6e1f3a-2c4d-4e5f-9a8b-7c6d5e4f3a2b"


def _list(handler: Handler, query: str = "", sub: str = ALICE) -> dict[str, Any]:
    response = handler(signed_in(list_jobs(query), sub), None)
    assert response["statusCode"] == 200, response["body"]
    assert response["headers"]["Content-Type"] == "application/json"
    page: dict[str, Any] = json.loads(response["body"])
    return page


def _ids(page: dict[str, Any]) -> list[str]:
    return [job["job_id"] for job in page["jobs"]]


def _store_all(store: InMemoryJobStore, *items: JobItem) -> list[str]:
    for item in items:
        store.put_new(item)
    return [item.job_id for item in items]


def test_without_sign_in_listing_is_403_listing_disabled_and_reads_nothing(
    handler: Handler, store: InMemoryJobStore
) -> None:
    response = handler(list_jobs("limit=500&whatever=1"), None)

    problem = assert_problem(response, 403, "listing-disabled")
    assert "sign-in" in problem["detail"]
    assert "GET /jobs/{job_id}" in problem["detail"]
    assert store.calls == []


@pytest.mark.parametrize(
    ("query", "queries"),
    [
        ("", ["by_owner"]),
        ("job_type=text_transform", ["by_owner_type_status"] * 4),  # one partition per status
        ("status=QUEUED", ["by_owner_type_status"] * len(contract.job_types())),  # one per job type
        ("status=QUEUED&job_type=text_transform", ["by_owner_type_status"]),
        ("job_type=text_transform&status=QUEUED&limit=5", ["by_owner_type_status"]),
    ],
)
def test_each_filter_combination_queries_the_partitions_it_names_then_reads_its_page_in_one_batch(
    jwt_handler: Handler, store: InMemoryJobStore, query: str, queries: list[str]
) -> None:
    _store_all(store, owned_item(ALICE, 1))

    page = _list(jwt_handler, query)

    assert store.calls == [f"query {index}" for index in queries] + ["get_many"]
    assert len(page["jobs"]) == 1


def test_the_newest_jobs_come_first_and_only_the_callers_own(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    older, newer = _store_all(store, owned_item(ALICE, 1), owned_item(ALICE, 2))
    _store_all(store, owned_item(BOB, 3))

    assert _list(jwt_handler) == {
        "jobs": [
            json.loads(jwt_handler(signed_in(get_job(job_id), ALICE), None)["body"])
            for job_id in (newer, older)
        ],
        "next_cursor": None,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=SUCCEEDED", ["succeeded-text", "succeeded-data"]),
        ("job_type=data_analysis", ["succeeded-data", "queued-data"]),
        ("status=QUEUED&job_type=text_transform", ["queued-text"]),
        ("status=FAILED", []),
    ],
)
def test_filters_select_by_status_type_or_both(
    jwt_handler: Handler, store: InMemoryJobStore, query: str, expected: list[str]
) -> None:
    jobs = {
        "queued-text": owned_item(ALICE, 1),
        "queued-data": owned_item(ALICE, 2, job_type="data_analysis"),
        "succeeded-data": owned_item(ALICE, 3, status="SUCCEEDED", job_type="data_analysis"),
        "succeeded-text": owned_item(ALICE, 4, status="SUCCEEDED"),
    }
    _store_all(store, *jobs.values())

    assert _ids(_list(jwt_handler, query)) == [jobs[name].job_id for name in expected]


def test_pages_follow_each_other_through_their_cursors_until_a_null_one(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    job_ids = _store_all(store, *(owned_item(ALICE, minute) for minute in range(7)))
    newest_first = list(reversed(job_ids))

    pages = [_list(jwt_handler, "limit=3")]
    while pages[-1]["next_cursor"] is not None:
        pages.append(_list(jwt_handler, f"limit=3&cursor={pages[-1]['next_cursor']}"))

    assert [_ids(page) for page in pages] == [newest_first[0:3], newest_first[3:6], newest_first[6:]]


def test_a_page_holds_20_jobs_unless_a_limit_says_otherwise(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    _store_all(store, *(owned_item(ALICE, minute) for minute in range(25)))

    assert len(_list(jwt_handler)["jobs"]) == 20
    assert len(_list(jwt_handler, "limit=100")["jobs"]) == 25
    assert len(_list(jwt_handler, "limit=1")["jobs"]) == 1


LAMBDA_RESPONSE_LIMIT_BYTES = 6_291_556
"""Lambda refuses a function's response whose JSON is longer (Function.ResponseSizeTooLarge)."""
# As large as a result stored in its item may be (65,536 bytes of JSON text), of characters that each take
# four bytes there and twelve once the body is a JSON string in Lambda's response: about 192 KB a record.
LARGEST_ESCAPED_RESULT = json.dumps(
    {"length": 16_000, "uppercase": "\N{GRINNING FACE}" * 16_000, "word_count": 1},
    ensure_ascii=False,
    separators=(",", ":"),
)


def test_a_page_of_large_results_stops_within_lambdas_response_limit_and_its_cursor_goes_on(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    assert len(LARGEST_ESCAPED_RESULT.encode()) <= 65_536
    job_ids = _store_all(
        store,
        *(
            owned_item(ALICE, minute, status="SUCCEEDED", result=LARGEST_ESCAPED_RESULT)
            for minute in range(40)
        ),
    )

    responses = [jwt_handler(signed_in(list_jobs("limit=100"), ALICE), None)]
    while (cursor := json.loads(responses[-1]["body"])["next_cursor"]) is not None:
        responses.append(jwt_handler(signed_in(list_jobs(f"limit=100&cursor={cursor}"), ALICE), None))

    # 40 of these records would take 7.7 MB in the response: the first page stops short of that.
    assert len(responses) == 2
    assert all(len(json.dumps(response)) < LAMBDA_RESPONSE_LIMIT_BYTES for response in responses)
    pages = [json.loads(response["body"]) for response in responses]
    assert [job_id for page in pages for job_id in _ids(page)] == list(reversed(job_ids))


def test_a_job_that_changed_status_since_the_index_saw_it_is_left_out_of_the_filtered_page(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    moved, stays = (owned_item(ALICE, 1), owned_item(ALICE, 2))
    _store_all(store, moved, stays)
    # The worker's claim is in the table; the status index has not caught up yet.
    claimed = owned_item(ALICE, 1, status="IN_PROGRESS", job_id=moved.job_id)
    store.replace(claimed, indexed=False)

    queued = _list(jwt_handler, "status=QUEUED")
    everything = _list(jwt_handler)

    assert _ids(queued) == [stays.job_id]
    assert queued["next_cursor"] is None
    assert [job["status"] for job in everything["jobs"]] == ["QUEUED", "IN_PROGRESS"]


def test_a_job_whose_item_is_gone_is_left_out(jwt_handler: Handler, store: InMemoryJobStore) -> None:
    gone, kept = _store_all(store, owned_item(ALICE, 1), owned_item(ALICE, 2))
    store.vanish(gone)

    assert _ids(_list(jwt_handler)) == [kept]


def test_a_page_may_be_short_and_still_have_a_cursor(jwt_handler: Handler, store: InMemoryJobStore) -> None:
    first, second, third = _store_all(store, *(owned_item(ALICE, minute) for minute in range(3)))
    store.vanish(third)

    page = _list(jwt_handler, "limit=2")

    assert _ids(page) == [second]
    assert _ids(_list(jwt_handler, f"limit=2&cursor={page['next_cursor']}")) == [first]


def test_a_running_jobs_record_in_the_list_carries_its_progress(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    progress = JobProgress(percent=40, message="transforming", updated_at="2026-11-24T17:01:10.002Z")
    running = owned_item(ALICE, 1, status="IN_PROGRESS", progress=progress.to_document())
    _store_all(store, running)

    [record] = _list(jwt_handler)["jobs"]

    assert record["progress"] == {
        "percent": 40,
        "message": "transforming",
        "updated_at": "2026-11-24T17:01:10.002Z",
    }


def test_another_callers_cursor_reads_only_the_callers_own_jobs(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    alices = _store_all(store, *(owned_item(ALICE, minute) for minute in range(3)))
    bobs = _store_all(store, owned_item(BOB, 0))
    alices_cursor = _list(jwt_handler, "limit=1")["next_cursor"]

    page = _list(jwt_handler, f"cursor={alices_cursor}", sub=BOB)

    assert _ids(page) == bobs
    assert not set(_ids(page)) & set(alices)


@pytest.mark.parametrize(
    ("query", "pointers"),
    [
        pytest.param("limit=0", ["/limit"], id="limit-zero"),
        pytest.param("limit=101", ["/limit"], id="limit-over-100"),
        pytest.param("limit=07", ["/limit"], id="leading-zero"),
        pytest.param("limit=ten", ["/limit"], id="limit-not-a-number"),
        pytest.param("limit=", ["/limit"], id="limit-empty"),
        pytest.param("status=queued", ["/status"], id="lowercase-status"),
        pytest.param("job_type=image_magic", ["/job_type"], id="unknown-job-type"),
        pytest.param("sort=created_at", ["/sort"], id="unknown-parameter"),
        pytest.param("status=QUEUED&status=FAILED", ["/status"], id="repeated-parameter"),
        pytest.param("cursor=", ["/cursor"], id="empty-cursor"),
        pytest.param("cursor=abc%3D%3D", ["/cursor"], id="cursor-with-padding"),
        pytest.param("limit=0&status=nope", ["/status", "/limit"], id="two-at-once"),
    ],
)
def test_a_query_the_contract_refuses_is_validation_failed_with_a_pointer_per_parameter(
    jwt_handler: Handler, store: InMemoryJobStore, query: str, pointers: list[str]
) -> None:
    problem = assert_problem(jwt_handler(signed_in(list_jobs(query), ALICE), None), 400, "validation-failed")

    assert sorted(error["pointer"] for error in problem["errors"]) == sorted(pointers)
    assert "query string" in problem["detail"]
    assert store.calls == []


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("bm90LWpzb24", id="not-json"),
        pytest.param(
            encode_cursor(PagePosition("yesterday", "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d")), id="not-a-time"
        ),
        pytest.param(encode_cursor(PagePosition("2026-11-24T17:05:09.123Z", "nope")), id="not-a-job-id"),
        pytest.param("WyIyMDI2LTExLTI0VDE3OjA1OjA5LjEyM1oiXQ", id="one-member"),
        pytest.param("e30", id="an-object"),
        pytest.param("_-_-", id="not-text"),
        pytest.param("A", id="one-character"),
    ],
)
def test_a_cursor_this_api_did_not_return_is_validation_failed_at_cursor(
    jwt_handler: Handler, store: InMemoryJobStore, cursor: str
) -> None:
    response = jwt_handler(signed_in(list_jobs(f"cursor={cursor}"), ALICE), None)

    problem = assert_problem(response, 400, "validation-failed")
    assert [error["pointer"] for error in problem["errors"]] == ["/cursor"]
    assert "next_cursor" in problem["errors"][0]["message"]
    assert "query" not in store.calls


def test_limit_violation_says_the_range(jwt_handler: Handler) -> None:
    problem = assert_problem(
        jwt_handler(signed_in(list_jobs("limit=0"), ALICE), None), 400, "validation-failed"
    )

    assert problem["errors"] == [
        {
            "pointer": "/limit",
            "message": (
                "Must be a whole number from 1 to 100, without leading zeros; leave it out for pages of 20."
            ),
        }
    ]


def test_the_listed_page_is_a_valid_job_list(jwt_handler: Handler, store: InMemoryJobStore) -> None:
    _store_all(store, owned_item(ALICE, 1, status="SUCCEEDED"), owned_item(ALICE, 2, status="FAILED"))

    assert contract.validator("job-list").is_valid(_list(jwt_handler, "limit=1"))
