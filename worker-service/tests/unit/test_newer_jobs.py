"""A message of a job newer than this worker waits for a newer worker: sent again later, never failed."""

import json

import pytest
from aws_lambda_powertools import Logger

from conveyor_worker.jobs.errors import NewerJobError
from conveyor_worker.jobs.newer import FIRST_DELAY_SECONDS, LONGEST_DELAY_SECONDS, NewerJobWaiter
from tests.support.clock import FakeClock
from tests.support.fake_metrics import FakeMetrics
from tests.support.fake_queue import FakeJobsQueue
from tests.support.fake_store import FakeJobStore
from tests.support.items import CREATED_AT, job_message_body, queued_item

JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
NEWER = NewerJobError("its job type 'video_transcode' is not one this worker knows", job_id=JOB_ID,
                      submitted_at=CREATED_AT)  # fmt: skip
BODY = job_message_body(JOB_ID, "video_transcode")


class Subject:
    def __init__(self, *, draw_highest: bool = True) -> None:
        self.store = FakeJobStore()
        self.queue = FakeJobsQueue()
        self.clock = FakeClock()
        self.metrics = FakeMetrics()
        self.draws: list[tuple[int, int]] = []

        def draw(low: int, high: int) -> int:
            self.draws.append((low, high))
            return high if draw_highest else low

        self.waiter = NewerJobWaiter(
            store=self.store,
            queue=self.queue,
            clock=self.clock,
            draw=draw,
            logger=Logger(),
            metrics=self.metrics,
        )


def test_a_queued_newer_job_is_sent_again_later_and_dated_and_counted() -> None:
    subject = Subject()
    subject.store.put(queued_item("video_transcode", {"frames": 3}, job_id=JOB_ID))
    subject.clock.advance(seconds=5)

    subject.waiter.wait(NEWER, BODY, deferrals=0)

    assert subject.queue.sent_later == [(BODY, FIRST_DELAY_SECONDS, 1)]
    item = subject.store.get(JOB_ID)
    assert item is not None
    assert (item["status"], item["updated_at"]) == ("QUEUED", "2026-11-24T17:05:14.456Z")
    assert subject.metrics.names() == ["newer_waiting"]


@pytest.mark.parametrize(("deferrals", "ceiling"), [(0, 30), (1, 60), (4, 480), (5, 900), (40, 900)])
def test_each_wait_doubles_up_to_sqs_longest_delay_with_jitter_from_the_first_delay(
    deferrals: int, ceiling: int
) -> None:
    subject = Subject()
    subject.store.put(queued_item("video_transcode", {}, job_id=JOB_ID))

    subject.waiter.wait(NEWER, BODY, deferrals=deferrals)

    assert subject.draws == [(FIRST_DELAY_SECONDS, ceiling)]
    assert subject.queue.sent_later == [(BODY, ceiling, deferrals + 1)]
    assert ceiling <= LONGEST_DELAY_SECONDS


@pytest.mark.parametrize("status", ["IN_PROGRESS", "FAILED"])
def test_a_copy_whose_job_left_queued_is_dropped(status: str) -> None:
    subject = Subject()
    subject.store.put(queued_item("video_transcode", {}, job_id=JOB_ID) | {"status": status})

    subject.waiter.wait(NEWER, BODY, deferrals=2)

    assert subject.queue.sent_later == []
    assert subject.metrics.names() == []


def test_a_job_not_stored_yet_waits_and_one_never_stored_is_dropped_as_an_orphan() -> None:
    subject = Subject()
    subject.clock.advance(seconds=30)

    subject.waiter.wait(NEWER, BODY, deferrals=0)
    subject.clock.advance(seconds=60)
    subject.waiter.wait(NEWER, BODY, deferrals=1)

    assert [deferrals for _, _, deferrals in subject.queue.sent_later] == [1]


def test_a_message_of_a_later_major_is_sent_again_without_reading_its_job() -> None:
    subject = Subject()
    body = json.dumps({"contract_version": "2", "job": {"id": JOB_ID}})

    subject.waiter.wait(NewerJobError("its contract version 2 is newer"), body, deferrals=0)

    assert subject.queue.sent_later == [(body, FIRST_DELAY_SECONDS, 1)]
    assert subject.store.all_items() == {}
