"""text_transform: length, upper case and word count of a text."""

from collections.abc import Mapping
from typing import Any

from conveyor_worker.job_types.context import JobContext

JOB_TYPE = "text_transform"


def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    text: str = payload["text"]
    return {"length": len(text), "uppercase": text.upper(), "word_count": len(text.split())}
