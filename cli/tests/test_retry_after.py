"""Retry-After in both of RFC 9110's forms."""

from datetime import UTC, datetime

import pytest

from conveyor_cli.retry_after import retry_after_seconds

NOW = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 0 ", 0.0),
        ("Tue, 24 Nov 2026 17:30:42 GMT", 42.0),
        ("Tue, 24 Nov 2026 17:29:00 GMT", 0.0),  # already past: ask again now
        ("Tue, 24 Nov 2026 17:31:00 -0000", 60.0),
        (None, None),
        ("soon", None),
        ("-3", None),
        ("1.5", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_as_an_http_date(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds
