"""--delay: whole seconds, or one number with a unit (`90s`, `15m`, `2h`, `7d`), up to the API's 7 days.

A value out of bounds is a usage error here, before anything is sent, as the API would refuse it."""

import re
from typing import Any

import click

LONGEST_DELAY_SECONDS = 604_800
"""job-request's maximum delay_seconds: 7 days."""
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}
_DURATION = re.compile(r"(\d+)([smhd]?)")


class Duration(click.ParamType[int]):
    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        matched = _DURATION.fullmatch(str(value).strip().lower())
        if matched is None:
            self.fail(
                f"{value!r} is not a duration: give seconds, or a number with s, m, h or d (90s, 2h)",
                param,
                ctx,
            )
        seconds = int(matched.group(1)) * _UNIT_SECONDS[matched.group(2)]
        if seconds > LONGEST_DELAY_SECONDS:
            self.fail(f"{value!r} is more than 7 days, the longest a job may wait", param, ctx)
        return seconds
