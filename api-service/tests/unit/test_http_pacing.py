"""GET /jobs/{job_id} paces its followers: Retry-After while the job runs, ETag and If-None-Match for cheap
repeats, Cache-Control that says how long a record stays true; POST /jobs says when to read first."""

import json
from datetime import timedelta
from typing import Any

import pytest

from conveyor_api.clock import to_timestamp, utc_now
from conveyor_api.handlers.http import Handler
from conveyor_api.http.conditional import entity_tag, none_match
from conveyor_api.jobs.pacing import LONGEST_WAIT_SECONDS, SHORTEST_WAIT_SECONDS
from conveyor_api.jobs.records import RESULT_LINK_LIFETIME
from conveyor_api.models import JobItem
from tests.support.events import get_job, post_jobs
from tests.support.fakes import InMemoryJobStore
from tests.unit.test_http_status import FAILED_ITEM, IN_PROGRESS_ITEM, JOB_ID, QUEUED_ITEM, SUCCEEDED_ITEM

IMAGE_ITEM = SUCCEEDED_ITEM | {
    "job_type": "image_resize",
    "payload": '{"source_key":"uploads/a.png","dimensions":[60,40]}',
    "result": json.dumps(
        {"key": f"results/{JOB_ID}/image.png", "size_bytes": 120, "format": "png", "dimensions": [60, 40]}
    ),
}


def read(handler: Handler, if_none_match: str | None = None) -> dict[str, Any]:
    event = get_job(JOB_ID)
    if if_none_match is not None:
        event["headers"]["if-none-match"] = if_none_match
    response: dict[str, Any] = handler(event, None)
    return response


def stored(store: InMemoryJobStore, item: dict[str, Any]) -> None:
    store.put_new(JobItem.from_document(item))


def test_a_job_just_queued_is_to_be_read_again_in_a_second(handler: Handler, store: InMemoryJobStore) -> None:
    now = to_timestamp(utc_now())
    stored(store, QUEUED_ITEM | {"created_at": now, "updated_at": now})

    response = read(handler)

    assert response["statusCode"] == 200
    assert response["headers"]["Retry-After"] == "1"
    assert response["headers"]["Cache-Control"] == "private, no-cache"


def test_a_running_job_is_to_be_read_again_within_the_bounds(
    handler: Handler, store: InMemoryJobStore
) -> None:
    stored(store, IN_PROGRESS_ITEM)

    wait = int(read(handler)["headers"]["Retry-After"])

    assert SHORTEST_WAIT_SECONDS <= wait <= LONGEST_WAIT_SECONDS


@pytest.mark.parametrize("item", [SUCCEEDED_ITEM, FAILED_ITEM], ids=["SUCCEEDED", "FAILED"])
def test_an_ended_job_without_links_is_cached_for_good_and_not_paced(
    handler: Handler, store: InMemoryJobStore, item: dict[str, Any]
) -> None:
    stored(store, item)

    headers = read(handler)["headers"]

    assert "Retry-After" not in headers
    assert headers["Cache-Control"] == "private, max-age=31536000, immutable"


def test_an_ended_job_with_links_is_cached_for_half_their_lifetime(
    handler: Handler, store: InMemoryJobStore
) -> None:
    stored(store, IMAGE_ITEM)

    response = read(handler)

    assert "url" in json.loads(response["body"])["result"]
    max_age = RESULT_LINK_LIFETIME // timedelta(seconds=2)
    assert response["headers"]["Cache-Control"] == f"private, max-age={max_age}"


@pytest.mark.parametrize(
    "item", [QUEUED_ITEM, IN_PROGRESS_ITEM, SUCCEEDED_ITEM], ids=lambda item: item["status"]
)
def test_every_record_carries_a_strong_etag_of_its_body(
    handler: Handler, store: InMemoryJobStore, item: dict[str, Any]
) -> None:
    stored(store, item)

    response = read(handler)

    assert response["headers"]["ETag"] == entity_tag(response["body"])
    assert not response["headers"]["ETag"].startswith("W/")


@pytest.mark.parametrize(
    "condition",
    ["{etag}", "W/{etag}", '"other", {etag}', "*"],
    ids=["the-tag", "weakly", "in-a-list", "any"],
)
def test_a_repeat_naming_the_records_etag_is_304_without_a_body_and_with_the_same_headers(
    handler: Handler, store: InMemoryJobStore, condition: str
) -> None:
    stored(store, IN_PROGRESS_ITEM)
    first = read(handler)

    repeat = read(handler, condition.format(etag=first["headers"]["ETag"]))

    assert repeat["statusCode"] == 304
    assert not repeat.get("body")
    for name in ("ETag", "Cache-Control"):
        assert repeat["headers"][name] == first["headers"][name]
    assert "Retry-After" in repeat["headers"]


def test_a_repeat_after_the_record_changed_gets_the_new_record(
    handler: Handler, store: InMemoryJobStore
) -> None:
    stored(store, IN_PROGRESS_ITEM)
    first = read(handler)
    ended: dict[str, Any] = SUCCEEDED_ITEM
    store.replace(JobItem.from_document(ended))

    repeat = read(handler, first["headers"]["ETag"])

    assert repeat["statusCode"] == 200
    assert json.loads(repeat["body"])["status"] == "SUCCEEDED"
    assert repeat["headers"]["ETag"] != first["headers"]["ETag"]


def test_an_accepted_job_says_when_to_read_it_first(handler: Handler) -> None:
    response = handler(post_jobs(json.dumps({"job_type": "text_transform", "payload": {"text": "hi"}})), None)

    assert response["statusCode"] == 202
    assert response["headers"]["Retry-After"] == "1"


@pytest.mark.parametrize(
    ("header", "answered_in_full"),
    [
        (None, True),
        ('"abc"', False),
        ('W/"abc"', False),
        ('"x", W/"abc" ,"y"', False),
        ("*", False),
        (" * ", False),
        ('"abcd"', True),
        ('"x", "y"', True),
        ("abc", True),
        ('"abc" "x"', True),
        ("", True),
    ],
)
def test_if_none_match_is_compared_weakly_and_an_unreadable_one_matches_nothing(
    header: str | None, answered_in_full: bool
) -> None:
    assert none_match(header, '"abc"') is answered_in_full
