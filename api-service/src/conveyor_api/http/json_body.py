"""The JSON body of a request: declared media type, size, decoding and parsing, each refused with a reason."""

import base64
import binascii
import json
import math
import re
import sys

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from conveyor_api.http.errors import MalformedJsonError, RequestBodyTooLargeError, UnsupportedMediaTypeError
from conveyor_api.json_types import JsonValue

MAX_BODY_BYTES = 256 * 1024
"""The body limit docs/design.md fixes, measured after base64 decoding."""

_MAX_FLOAT_DIGITS = len(str(int(sys.float_info.max)))
_UNPAIRED_SURROGATE = re.compile("[\ud800-\udfff]")


class _NonFiniteNumberError(ValueError):
    pass


def read_json_body(event: BaseProxyEvent) -> JsonValue:
    _require_json_media_type(event.headers.get("content-type"))
    body = _body_bytes(event)
    if len(body) > MAX_BODY_BYTES:
        raise RequestBodyTooLargeError(len(body), MAX_BODY_BYTES)
    return parse_json(body)


def _require_json_media_type(content_type: str | None) -> None:
    # Parameters such as `charset=utf-8` may follow the media type; JSON is UTF-8 whatever they say.
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaTypeError(media_type)


def _body_bytes(event: BaseProxyEvent) -> bytes:
    body = event.body or ""
    try:
        if event.is_base64_encoded:
            return base64.b64decode(body, validate=True)
        return body.encode("utf-8")
    except (binascii.Error, UnicodeEncodeError) as error:
        raise MalformedJsonError("The body could not be decoded; send it as UTF-8 JSON text.") from error


def parse_json(body: bytes) -> JsonValue:
    """The JSON document in `body`, refusing what JSON allows but the contract cannot carry.

    Numbers must be finite in IEEE 754 double precision, as I-JSON (RFC 7493) asks, so NaN, Infinity,
    1e999 or a 400-digit integer are refused; so are strings with an unpaired surrogate escape, which have
    no UTF-8 form to store.
    """
    if not body.strip():
        raise MalformedJsonError("The body is empty; send a JSON object with job_type and payload.")
    try:
        document: JsonValue = json.loads(
            body.decode("utf-8"),
            parse_float=_finite_float,
            parse_int=_finite_int,
            parse_constant=_refuse_constant,
        )
    except UnicodeDecodeError as error:
        raise MalformedJsonError("The body is not UTF-8 text; send JSON encoded as UTF-8.") from error
    except json.JSONDecodeError as error:
        raise MalformedJsonError(
            f"The body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from error
    except _NonFiniteNumberError as error:
        raise MalformedJsonError(
            "The body holds a number that is not finite or is beyond ±1.8e308; send finite numbers only."
        ) from error
    except RecursionError as error:
        raise MalformedJsonError("The body is nested too deeply to read.") from error
    if _holds_unpaired_surrogate(document):
        raise MalformedJsonError(
            "The body holds a \\uD800-\\uDFFF escape that is not half of a surrogate pair; send Unicode text."
        )
    return document


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NonFiniteNumberError(text)
    return number


def _finite_int(text: str) -> int:
    # Digits are counted first: Python refuses to convert an integer of more than 4300 digits at all.
    if len(text.lstrip("-")) <= _MAX_FLOAT_DIGITS:
        number = int(text)
        if abs(number) <= sys.float_info.max:
            return number
    raise _NonFiniteNumberError(text)


def _refuse_constant(text: str) -> float:
    raise _NonFiniteNumberError(text)


def _holds_unpaired_surrogate(document: JsonValue) -> bool:
    # Iterative rather than recursive: JSON may nest deeper than Python's recursion limit allows.
    pending: list[JsonValue] = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str) and _UNPAIRED_SURROGATE.search(value):
            return True
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False
