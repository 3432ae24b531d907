"""The schedule emulator invokes its function with a Scheduled Event, and survives failed invocations."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from conveyor_local.schedule import Schedule, scheduled_event

from tests.support.waiting import wait_for


def test_scheduled_event_has_eventbridge_shape() -> None:
    event = scheduled_event("sweeper-schedule", datetime(2026, 11, 24, 17, 5, 9, tzinfo=UTC))

    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
    assert event["time"] == "2026-11-24T17:05:09Z"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/sweeper-schedule"]


def test_schedule_ticks_until_stopped_and_goes_on_after_a_failed_invocation() -> None:
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        events.append(event)
        if len(events) == 1:
            raise RuntimeError("the first invocation fails")

    schedule = Schedule(handler, function_name="sweeper", interval_seconds=0.01, timeout_seconds=5)
    stop = threading.Event()
    ticker = threading.Thread(target=schedule.run, args=(stop,))
    ticker.start()

    wait_for(lambda: len(events) >= 3, timeout=5, what="three ticks")
    stop.set()
    ticker.join(timeout=5)

    assert not ticker.is_alive()
    assert all(event["detail-type"] == "Scheduled Event" for event in events)
