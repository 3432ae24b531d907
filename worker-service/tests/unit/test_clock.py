from datetime import UTC, datetime, timedelta, timezone

import pytest

from conveyor_worker.clock import to_epoch_ms, to_epoch_seconds, to_timestamp


def test_timestamps_are_utc_with_milliseconds_and_a_z() -> None:
    moment = datetime(2026, 11, 24, 18, 5, 9, 123999, tzinfo=timezone(timedelta(hours=1)))

    assert to_timestamp(moment) == "2026-11-24T17:05:09.123Z"


def test_epoch_milliseconds_are_exact() -> None:
    assert to_epoch_ms(datetime(2026, 11, 24, 17, 5, 9, 456000, tzinfo=UTC)) == 1795539909456


@pytest.mark.parametrize(
    ("microsecond", "epoch_seconds"),
    [(0, 1795539909), (999, 1795539909), (1000, 1795539910), (456000, 1795539910), (999999, 1795539910)],
)
def test_epoch_seconds_round_the_recorded_millisecond_up(microsecond: int, epoch_seconds: int) -> None:
    # Below a millisecond nothing is recorded (to_timestamp, to_epoch_ms), so nothing is rounded up.
    assert to_epoch_seconds(datetime(2026, 11, 24, 17, 5, 9, microsecond, tzinfo=UTC)) == epoch_seconds


def test_a_naive_time_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        to_timestamp(datetime(2026, 11, 24))
