"""What a queue holds, as SQS counts it: every suite that checks where messages went reads the same three."""

from __future__ import annotations

from typing import Any

COUNTS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


def queue_counts(sqs: Any, queue_url: str) -> tuple[int, int, int]:
    """(visible, in flight, delayed) messages of a queue."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(COUNTS))["Attributes"]
    visible, in_flight, delayed = (int(attributes[name]) for name in COUNTS)
    return visible, in_flight, delayed
