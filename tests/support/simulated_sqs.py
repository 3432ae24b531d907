"""An SQS standard queue in memory, on a simulated clock: what hours- and days-long scenarios need, where moto
(whose every index Query reads the whole table in Python) would take longer than the hours themselves.

Only the behaviour the services rely on, as AWS documents it: a received message stays invisible for the
visibility timeout (or as long as ChangeMessageVisibility says), a message sent with a delay until it ends;
each receive counts; a message already
received maxReceiveCount times moves to the DLQ at the next receive that finds it visible, keeping its first
enqueue time; a message older than the retention period is gone, from either queue. tests/simulated/
test_simulated_sqs.py runs the same steps against moto's SQS on the same clock, for everything but retention
(moto keeps an expired message, and stops a receive at it).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

Clock = Callable[[], datetime]


@dataclass
class _Message:
    message_id: str
    body: str
    sent_at: datetime
    visible_at: datetime
    attributes: Mapping[str, str]
    receive_count: int = 0
    receipt_handles: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Received:
    message_id: str
    body: str
    receipt_handle: str
    receive_count: int
    sent_at: datetime
    attributes: Mapping[str, str]
    """The message attributes it was sent with, by name (string values)."""


class SimulatedQueue:
    def __init__(
        self,
        clock: Clock,
        *,
        visibility_timeout: timedelta,
        retention: timedelta,
        max_receive_count: int | None = None,
        dead_letters: SimulatedQueue | None = None,
    ) -> None:
        self._clock = clock
        self._visibility_timeout = visibility_timeout
        self._retention = retention
        self._max_receive_count = max_receive_count
        self._dead_letters = dead_letters
        self._messages: dict[str, _Message] = {}
        self._ids = itertools.count()
        self.sends = 0
        """SendMessage calls: the messages ever sent to this queue (DLQ moves are not sends)."""

    def send(
        self, body: str, *, delay: timedelta = timedelta(0), attributes: Mapping[str, str] | None = None
    ) -> str:
        """`delay` as SendMessage's DelaySeconds: the message is first visible after it."""
        self.sends += 1
        now = self._clock()
        message = _Message(
            f"m-{next(self._ids)}", body, sent_at=now, visible_at=now + delay, attributes=attributes or {}
        )
        self._messages[message.message_id] = message
        return message.message_id

    def receive(self, max_messages: int = 10) -> list[Received]:
        self._drop_expired()
        now = self._clock()
        received: list[Received] = []
        # In the order they were sent: a standard queue promises no order, and this one is as good as any.
        for message in list(self._messages.values()):
            if len(received) == max_messages:
                break
            if message.visible_at > now:
                continue
            if self._max_receive_count is not None and message.receive_count >= self._max_receive_count:
                assert self._dead_letters is not None
                del self._messages[message.message_id]
                self._dead_letters._messages[message.message_id] = message  # first enqueue time kept
                message.visible_at = now
                continue
            message.receive_count += 1
            message.visible_at = now + self._visibility_timeout
            handle = f"{message.message_id}/{message.receive_count}"
            message.receipt_handles.add(handle)
            received.append(
                Received(
                    message.message_id,
                    message.body,
                    handle,
                    message.receive_count,
                    message.sent_at,
                    message.attributes,
                )
            )
        return received

    def change_visibility(self, receipt_handle: str, seconds: float) -> None:
        self._by_handle(receipt_handle).visible_at = self._clock() + timedelta(seconds=seconds)

    def delete(self, receipt_handle: str) -> None:
        message = self._by_handle(receipt_handle)
        del self._messages[message.message_id]

    def bodies(self) -> list[str]:
        """Every message the queue holds, visible or not."""
        self._drop_expired()
        return [message.body for message in self._messages.values()]

    def purge(self) -> None:
        self._messages.clear()

    def __len__(self) -> int:
        return len(self.bodies())

    def _by_handle(self, receipt_handle: str) -> _Message:
        # As SQS: any handle a message was received with names it (moto checks the same way).
        for message in self._messages.values():
            if receipt_handle in message.receipt_handles:
                return message
        raise KeyError(f"no message has the receipt handle {receipt_handle}")

    def _drop_expired(self) -> None:
        oldest = self._clock() - self._retention
        self._messages = {key: message for key, message in self._messages.items() if message.sent_at > oldest}
