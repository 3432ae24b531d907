from datetime import UTC, datetime, timedelta, timezone

from conveyor_api import contract
from conveyor_api.clock import to_timestamp, utc_now


def test_timestamp_is_utc_with_milliseconds_and_a_z_whatever_the_zone() -> None:
    moment = datetime(2026, 11, 24, 12, 5, 9, 123999, tzinfo=timezone(timedelta(hours=-5)))

    assert to_timestamp(moment) == "2026-11-24T17:05:09.123Z"


def test_now_is_a_contract_timestamp() -> None:
    assert utc_now().tzinfo is UTC
    assert contract.validator("timestamp").is_valid(to_timestamp(utc_now()))
