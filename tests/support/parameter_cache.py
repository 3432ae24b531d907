"""The clock of Powertools' parameter cache, which the API's list of deployed job types is kept in: moved
forward by a test instead of sleeping through a cache's age."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import pytest
from aws_lambda_powertools.utilities.parameters import base as powertools_parameters


class CacheClock:
    """Powertools' cache reads the time as `datetime.now()` in its base module: that is the clock moved."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        clock = self

        class MovedDatetime(datetime):
            @classmethod
            def now(cls, tz: tzinfo | None = None) -> MovedDatetime:
                return super().now(tz) + clock.offset

        monkeypatch.setattr(powertools_parameters, "datetime", MovedDatetime)

    def pass_seconds(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)
