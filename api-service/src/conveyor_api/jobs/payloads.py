"""Where a new job's payload is kept: in its item, or aside in the files bucket when it is large (the claim
check results already use), so that an item, and the three writes of it a job costs, stay small."""

from dataclasses import dataclass
from typing import Protocol

MAX_STORED_PAYLOAD_BYTES = 256 * 1024
"""What a payload may take as stored JSON text, so that its item stays well under DynamoDB's 400 KB limit
when it is kept inline; a payload stored aside has the same bound, which workers read it with."""


class PayloadStore(Protocol):
    def put(self, key: str, text: str) -> None:
        """Stores the payload's JSON text at `key` as UTF-8 JSON; BackendUnavailableError when refused."""

    def read(self, key: str) -> str | None:
        """The payload's JSON text at `key`, or None when nothing is there (it expired); a retry copies it."""


def payload_key(job_id: str) -> str:
    """The one key a job's payload stored aside may have (contract `job-item`, payload_ref)."""
    return f"payloads/{job_id}/payload.json"


@dataclass(frozen=True, slots=True)
class PayloadPlacement:
    """A payload whose stored JSON text is over `inline_max_bytes` goes to `store`; any other stays inline.

    Only a worker that reads payload_ref may run a job stored aside: the threshold is the deployment's choice
    (PAYLOAD_INLINE_MAX_BYTES), and its ceiling, MAX_STORED_PAYLOAD_BYTES, keeps every payload inline, as
    every worker reads it (contracts/README.md, Payloads stored aside).
    """

    store: PayloadStore
    inline_max_bytes: int

    def is_aside(self, stored_bytes: int) -> bool:
        return stored_bytes > self.inline_max_bytes
