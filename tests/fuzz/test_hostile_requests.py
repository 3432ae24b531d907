"""Hand-written hostile requests: the sizes, nesting, numbers, text and types that generators rarely reach.

Each is sent over HTTP like any client's and must get its documented answer, never a 5xx; what is refused
must leave DynamoDB and SQS as they were, and what is accepted must be stored exactly as it was sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.fuzz.conftest import FuzzTarget
from tests.support import contract, http, report

BODY_LIMIT = 256 * 1024
JSON = {"content-type": "application/json"}
VALID = b'{"job_type":"text_transform","payload":{"text":"hi"}}'
UUID1 = "3f2b8c1e-5d4a-1b6f-9c0d-1e2f3a4b5c6d"


@dataclass(frozen=True)
class Hostile:
    body: bytes | None
    status: int
    problem: str | None = None
    """The problem type's slug, for a refusal."""
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    method: str = "POST"
    path: str = "/jobs"


def _with_text(literal: str) -> bytes:
    """A text_transform request whose `text` member is `literal`, written as raw JSON."""
    return f'{{"job_type":"text_transform","payload":{{"text":{literal}}}}}'.encode()


def _with_data(literal: str) -> bytes:
    return f'{{"job_type":"data_analysis","payload":{{"data":{literal}}}}}'.encode()


def _refused(body: bytes, status: int, problem: str, **headers: str) -> Hostile:
    return Hostile(body, status, problem, headers=JSON | headers if headers else dict(JSON))


def _accepted(body: bytes, **headers: str) -> Hostile:
    return Hostile(body, 202, headers=JSON | headers if headers else dict(JSON))


SIZES = {
    "body-at-256-kib": _accepted(VALID + b" " * (BODY_LIMIT - len(VALID))),
    "body-one-byte-over-256-kib": _refused(
        VALID + b" " * (BODY_LIMIT - len(VALID) + 1), 413, "payload-too-large"
    ),
    "numbers-that-grow-past-256-kib-when-stored": _refused(
        _with_data("[" + ",".join(["1e15"] * 50000) + "]"), 413, "payload-too-large"
    ),
    "text-of-100001-characters": _refused(_with_text(json.dumps("x" * 100_001)), 400, "validation-failed"),
}

NESTING = {
    "10000-nested-arrays": _refused(b"[" * 10_000 + b"]" * 10_000, 400, "invalid-json"),
    "10000-nested-objects": _refused(b'{"a":' * 10_000 + b"0" + b"}" * 10_000, 400, "invalid-json"),
    "10000-nested-arrays-as-the-text": _refused(_with_text("[" * 10_000 + "]" * 10_000), 400, "invalid-json"),
    "500-nested-arrays-as-the-text": _refused(_with_text("[" * 500 + "]" * 500), 400, "validation-failed"),
    "500-nested-arrays-in-an-extra-member": _refused(
        b'{"job_type":"text_transform","payload":{"text":"hi"},"x":' + b"[" * 500 + b"]" * 500 + b"}",
        400,
        "validation-failed",
    ),
}

NUMBERS = {
    "1e400": _refused(_with_data("[1e400]"), 400, "invalid-json"),
    "-1e400": _refused(_with_data("[-1e400]"), 400, "invalid-json"),
    "400-digit-integer": _refused(_with_data("[" + "9" * 400 + "]"), 400, "invalid-json"),
    "5000-digit-integer": _refused(_with_data("[-" + "9" * 5000 + "]"), 400, "invalid-json"),
    "NaN": _refused(_with_data("[NaN]"), 400, "invalid-json"),
    "Infinity": _refused(_with_data("[Infinity]"), 400, "invalid-json"),
    "1e400-as-the-text": _refused(_with_text("1e400"), 400, "invalid-json"),
    "largest-and-smallest-doubles": _accepted(_with_data("[1.7976931348623157e308,-1e308,5e-324,-0.0,0]")),
    "309-digit-integer-within-double-range": _accepted(_with_data("[" + "1" + "0" * 308 + "]")),
}

TEXT = {
    "lone-high-surrogate": _refused(_with_text('"\\ud800"'), 400, "invalid-json"),
    "lone-low-surrogate": _refused(_with_text('"\\udfff"'), 400, "invalid-json"),
    "high-surrogate-then-a-letter": _refused(_with_text('"\\ud83d\\u0041"'), 400, "invalid-json"),
    "not-utf-8": _refused(
        b'{"job_type":"text_transform","payload":{"text":"\xc0\xaf\xff"}}', 400, "invalid-json"
    ),
    "utf-16": _refused(VALID.decode().encode("utf-16"), 400, "invalid-json"),
    "byte-order-mark": _refused(b"\xef\xbb\xbf" + VALID, 400, "invalid-json"),
    "escaped-surrogate-pair": _accepted(_with_text('"\\ud83d\\ude80"')),
    "nul": _accepted(_with_text('"nul \\u0000 inside"')),
    "right-to-left-marks": _accepted(
        _with_text(json.dumps("\u202eevil\u202c \u200fמרקר", ensure_ascii=False))
    ),
    "emoji-zwj-sequence": _accepted(_with_text(json.dumps("👩‍👩‍👧‍👦 🏳️‍🌈", ensure_ascii=False))),
    "not-nfc": _accepted(_with_text(json.dumps("cafe\u0301 \u212b", ensure_ascii=False))),
    "nul-as-a-member-name": _refused(
        b'{"job_type":"text_transform","payload":{"text":"hi","\\u0000":1}}', 400, "validation-failed"
    ),
    # JSON pointers escape only "~" and "/": a newline in a member name stays in the pointer as it is.
    "newline-in-a-member-name": _refused(
        b'{"job_type":"data_analysis","payload":{"data":[1],"\\nkey":1}}', 400, "validation-failed"
    ),
    "job-type-with-a-cyrillic-o": _refused(
        json.dumps({"job_type": "text_transf\u043erm", "payload": {"text": "hi"}}).encode(),
        400,
        "unknown-job-type",
    ),
    "job-type-with-a-trailing-nul": _refused(
        b'{"job_type":"text_transform\\u0000","payload":{"text":"hi"}}', 400, "unknown-job-type"
    ),
}

WRONG_VALUES: list[Any] = [1, 1.5, True, None, "text", [], {}, ["nested"]]
"""One value of each JSON type, and the empty and non-empty containers."""


def _wrong_types() -> dict[str, Hostile]:
    """Every member of a request given each value above that it does not take."""
    cases: dict[str, Hostile] = {}
    for value in WRONG_VALUES:
        name = json.dumps(value)
        cases[f"document={name}"] = _refused(name.encode(), 400, "validation-failed")
        # A job type that is not null is looked up in the catalogue first, whatever its JSON type.
        cases[f"job_type={name}"] = _refused(
            json.dumps({"job_type": value, "payload": {"text": "hi"}}).encode(),
            400,
            "validation-failed" if value is None else "unknown-job-type",
        )
        cases[f"payload={name}"] = _refused(
            json.dumps({"job_type": "text_transform", "payload": value}).encode(), 400, "validation-failed"
        )
        cases[f"data={name}"] = _refused(_with_data(name), 400, "validation-failed")
        if not isinstance(value, str):
            cases[f"text={name}"] = _refused(_with_text(name), 400, "validation-failed")
        if isinstance(value, bool) or not isinstance(value, int | float):
            cases[f"data-item={name}"] = _refused(_with_data(f"[{name}]"), 400, "validation-failed")
    return cases


HEADERS = {
    "idempotency-key-of-256-characters": _refused(
        VALID, 400, "invalid-idempotency-key", **{"idempotency-key": "k" * 256}
    ),
    "idempotency-key-not-ascii": _refused(
        VALID, 400, "invalid-idempotency-key", **{"idempotency-key": "clé"}
    ),
    "idempotency-key-with-a-tab": _refused(
        VALID, 400, "invalid-idempotency-key", **{"idempotency-key": "a\tb"}
    ),
    "content-type-text-json": _refused(VALID, 415, "unsupported-media-type", **{"content-type": "text/json"}),
    "content-type-json-patch": _refused(
        VALID, 415, "unsupported-media-type", **{"content-type": "application/json-patch+json"}
    ),
    "charset-utf-16-declared-for-utf-8": _accepted(
        VALID, **{"content-type": "application/json; charset=utf-16"}
    ),
}

JOB_IDS = {
    f"job-id={name}": Hostile(None, 400, "invalid-job-id", headers={}, method="GET", path=f"/jobs/{job_id}")
    for name, job_id in {
        "10000-characters": "a" * 10_000,
        "uppercase": "3F2B8C1E-5D4A-4B6F-9C0D-1E2F3A4B5C6D",
        "uuid-version-1": UUID1,
        "encoded-nul": "%00",
        "encoded-traversal": "..%2F..%2Fhealth",
        "encoded-newline-after-a-uuid": "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d%0A",
    }.items()
}

CASES = SIZES | NESTING | NUMBERS | TEXT | _wrong_types() | HEADERS | JOB_IDS


@pytest.mark.parametrize("hostile", [pytest.param(case, id=name) for name, case in CASES.items()])
def test_hostile_request_gets_its_documented_answer_and_changes_nothing_unless_accepted(
    target: FuzzTarget, hostile: Hostile
) -> None:
    before = target.counts()

    response = http.request(
        hostile.method, f"{target.api_url}{hostile.path}", body=hostile.body, headers=hostile.headers
    )

    target.record(hostile.method, hostile.path, response.status, response.body, before)
    assert response.status == hostile.status, response.body[:500]
    if hostile.problem is None:
        _assert_stored_as_sent(target, response, hostile)
    else:
        assert response.content_type == "application/problem+json"
        contract.validator("problem").validate(response.json())
        assert response.json()["type"] == f"urn:conveyor:problem:{hostile.problem}"


def _assert_stored_as_sent(target: FuzzTarget, response: http.Response, hostile: Hostile) -> None:
    record = response.json()
    contract.validator("job-record").validate(record)
    assert hostile.body is not None
    item = target.stack.dynamodb.get_item(
        TableName=target.stack.resources.table_name,
        Key={"job_id": {"S": record["job_id"]}},
        ConsistentRead=True,
    )["Item"]
    # Compared as JSON, whose strings compare code point by code point: nothing normalised, nothing replaced.
    assert json.loads(item["payload"]["S"]) == json.loads(hostile.body)["payload"]


def test_after_the_run_the_backends_hold_exactly_the_accepted_jobs(target: FuzzTarget) -> None:
    target.assert_backends_hold_exactly_the_accepted_jobs()
    report.line(target.summary("fuzz, hand-written hostile cases"))
