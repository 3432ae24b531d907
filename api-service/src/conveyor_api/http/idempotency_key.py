"""The Idempotency-Key request header, which makes a retried POST /jobs return the job of the first try."""

import re

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from conveyor_api.http.errors import InvalidIdempotencyKeyError

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEY_PATTERN = f"^[ -~]{{1,{MAX_KEY_LENGTH}}}$"
"""1 to 255 printable ASCII characters (space to tilde), as the OpenAPI document states it too."""

_KEY = re.compile(KEY_PATTERN)


def read_idempotency_key(event: BaseProxyEvent) -> str | None:
    """The request's idempotency key, or None when it sends none."""
    key = event.headers.get(IDEMPOTENCY_KEY_HEADER)
    # fullmatch, because `$` also matches before a trailing newline.
    if key is not None and not _KEY.fullmatch(key):
        raise InvalidIdempotencyKeyError()
    return key
