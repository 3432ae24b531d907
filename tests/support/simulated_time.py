"""moto's SQS on a simulated clock: visibility timeouts, delays and retention move with the clock the
functions under test read, so hours can pass in a test and SQS sees them pass too.

The moto server of these suites runs in the test process (`conveyor_local.moto_server`), so its SQS backend
reads time through `moto.sqs.models`' own names for moto's time functions; they are replaced for the duration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import moto.sqs.models as moto_sqs
import pytest

Clock = Callable[[], datetime]


@contextmanager
def sqs_on(clock: Clock) -> Iterator[None]:
    """While open, moto's SQS takes `clock()` for now; a time it is given explicitly is left as it is."""
    real_unix_time = moto_sqs.unix_time  # type: ignore[attr-defined]  # moto.core.utils's, imported there

    def unix_time(moment: datetime | None = None) -> float:
        if moment is not None:
            return real_unix_time(moment)
        return clock().astimezone(UTC).timestamp()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moto_sqs, "unix_time", unix_time)
        patch.setattr(moto_sqs, "unix_time_millis", lambda moment=None: unix_time(moment) * 1000.0)
        yield
