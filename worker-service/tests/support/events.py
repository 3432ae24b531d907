"""SQS events built from the recorded fixture in tests/events/."""

import copy
import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).parent.parent / "events"


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event


def sqs_record(
    body: str, *, message_id: str, receive_count: int = 1, receipt_handle: str | None = None
) -> dict[str, Any]:
    record: dict[str, Any] = copy.deepcopy(load_event("sqs_single_record.json")["Records"][0])
    record["body"] = body
    record["messageId"] = message_id
    record["receiptHandle"] = receipt_handle or f"receipt-of-{message_id}"
    record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return record


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def failures(*message_ids: str) -> dict[str, Any]:
    """The partial batch response that reports exactly these messages."""
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in message_ids]}
