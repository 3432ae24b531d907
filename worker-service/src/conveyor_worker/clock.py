"""Time as the contract writes it: RFC 3339 UTC timestamps with milliseconds, epoch ms, epoch seconds."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime; injected so tests can move time (lease expiry)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def system_clock() -> datetime:
    return datetime.now(UTC)


def to_timestamp(moment: datetime) -> str:
    """`2026-11-24T17:05:09.123Z`, the contract's timestamp form."""
    return _as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_epoch_ms(moment: datetime) -> int:
    # Integer arithmetic on timedelta: float seconds would round some milliseconds down.
    return (_as_utc(moment) - _EPOCH) // _ONE_MS


def from_epoch_ms(epoch_ms: int) -> datetime:
    return _EPOCH + epoch_ms * _ONE_MS


def to_epoch_seconds(moment: datetime) -> int:
    """Whole epoch seconds, rounded UP from the millisecond the contract records (`to_epoch_ms`).

    Rounding up keeps an item at least as long as asked: `expires_at` never falls before finished_at plus the
    retention, as the item itself shows them, and is at most one second later.
    """
    return -(-to_epoch_ms(moment) // 1000)


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: the clock must return timezone-aware times")
    return moment.astimezone(UTC)
