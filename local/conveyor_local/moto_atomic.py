"""DynamoDB's one-item atomicity, which moto's server lacks, restored.

In AWS a conditional write is atomic: of sixteen UpdateItem calls that each claim a job only while it is
`QUEUED`, exactly one succeeds. moto 5.2's backend reads the item, evaluates the condition and then updates
the item in place, with no lock, while its server answers each request on its own thread; two claims that
arrive together can both see `QUEUED` and both win. The worker's exactly-once claim then looks broken on the
local stack although it is not (a CI run saw a job run twice that way), and a Query or Scan can walk a table
while a PutItem grows it. Every call of the backend that reads or writes items therefore runs under one lock:
the local stack serves a few hundred requests a second, so serialising them costs nothing measurable.

Like conveyor_local/moto_speed.py this replaces moto internals, and `apply` refuses to run if they are not
what it expects.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

from conveyor_local.moto_speed import MotoChangedError

# TransactWriteItems and BatchWriteItem call put_item/update_item/delete_item on the same backend, so the
# lock is re-entrant.
_ITEMS_LOCK = threading.RLock()
# Every DynamoDBBackend method that reads or changes items; BatchGetItem and BatchWriteItem go through them.
# PartiQL, which Conveyor does not use, is left as moto has it.
_ITEM_METHODS = (
    "get_item",
    "put_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "transact_write_items",
)
_APPLIED = "_conveyor_atomic"


def _atomic(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def under_lock(*args: Any, **kwargs: Any) -> Any:
        with _ITEMS_LOCK:
            return method(*args, **kwargs)

    setattr(under_lock, _APPLIED, True)
    return under_lock


@functools.cache
def apply() -> None:
    """Makes each item call of every DynamoDB backend in this process atomic, once per process."""
    for name in _ITEM_METHODS:
        if not callable(getattr(DynamoDBBackend, name, None)):
            raise MotoChangedError(f"DynamoDBBackend.{name} is not moto 5.2's")
    for name in _ITEM_METHODS:
        setattr(DynamoDBBackend, name, _atomic(getattr(DynamoDBBackend, name)))


def is_applied() -> bool:
    return all(getattr(getattr(DynamoDBBackend, name), _APPLIED, False) for name in _ITEM_METHODS)
