"""Retry-After (RFC 9110, section 10.2.3): delay-seconds or an HTTP-date."""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """How long the header asks to wait from `now`; None when it is missing or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC without saying where the sender is
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
