from datetime import UTC, datetime, timedelta


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = datetime(2026, 11, 24, 17, 5, 9, 456000, tzinfo=UTC)) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def sleep(self, seconds: float) -> None:
        """What a sleep does to this clock: it moves by that much, at once; `slept` keeps every pause."""
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)
