"""Time as the contract writes it: RFC 3339 UTC with milliseconds and a trailing Z."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_timestamp(moment: datetime) -> str:
    """`2026-11-24T17:05:09.123Z` for any aware datetime, whatever its zone."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def to_epoch_seconds(moment: datetime) -> int:
    """Whole epoch seconds rounded up from the millisecond the contract records, as the table's time to live
    reads `expires_at`: the item is kept at least as long as asked, and at most a second longer."""
    return -(-to_epoch_ms(moment) // 1000)
