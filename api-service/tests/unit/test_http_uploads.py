"""POST /uploads through the handler: a valid body gets a presigned-POST ticket, another its problem."""

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conveyor_api import contract
from conveyor_api.handlers.http import Handler
from tests.support.events import post_uploads
from tests.support.fakes import FAKE_FILES_URL
from tests.support.problems import assert_problem

UPLOAD_KEY = re.compile(r"^uploads/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _upload(handler: Handler, document: Any) -> dict[str, Any]:
    return handler(post_uploads(json.dumps(document)), None)


@pytest.mark.parametrize("content_type", ["image/png", "image/jpeg", "image/webp", "image/gif"])
def test_upload_request_gets_a_ticket_for_one_new_key_of_its_content_type(
    handler: Handler, content_type: str
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)  # the contract's timestamps keep milliseconds only

    response = _upload(handler, {"content_type": content_type})

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    ticket = json.loads(response["body"])
    assert list(contract.validator("upload-ticket").iter_errors(ticket)) == []
    assert UPLOAD_KEY.match(ticket["source_key"])
    assert ticket["content_type"] == content_type
    assert ticket["max_bytes"] == 10 * 1024 * 1024
    assert ticket["url"] == f"{FAKE_FILES_URL}/"
    # The fake spells out what the form was signed for: this key, this type, this size, ten minutes.
    assert ticket["fields"]["key"] == ticket["source_key"]
    assert ticket["fields"]["Content-Type"] == content_type
    assert json.loads(ticket["fields"]["policy"]) == {"max_bytes": 10 * 1024 * 1024, "seconds": 600}
    expires_at = datetime.fromisoformat(ticket["expires_at"])
    assert before + timedelta(minutes=10) <= expires_at <= datetime.now(UTC) + timedelta(minutes=10)


def test_every_ticket_names_a_new_key(handler: Handler) -> None:
    keys = {
        json.loads(_upload(handler, {"content_type": "image/png"})["body"])["source_key"] for _ in range(20)
    }

    assert len(keys) == 20


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        pytest.param({}, "/content_type", id="missing-content-type"),
        pytest.param({"content_type": "image/svg+xml"}, "/content_type", id="unsupported-image-type"),
        pytest.param({"content_type": "IMAGE/PNG"}, "/content_type", id="upper-case"),
        pytest.param({"content_type": 7}, "/content_type", id="not-a-string"),
        pytest.param({"content_type": "image/png", "name": "cat.png"}, "/name", id="unknown-member"),
        pytest.param(["image/png"], "", id="not-an-object"),
    ],
)
def test_upload_request_the_contract_refuses_is_validation_failed_with_a_pointer(
    handler: Handler, body: Any, pointer: str
) -> None:
    problem = assert_problem(_upload(handler, body), 400, "validation-failed")

    assert [error["pointer"] for error in problem["errors"]] == [pointer]
    assert problem["errors"][0]["message"]


def test_validation_failure_lists_every_violation_up_to_the_limit(handler: Handler) -> None:
    body = {"content_type": "image/png"} | {f"extra{index}": index for index in range(60)}

    problem = assert_problem(_upload(handler, body), 400, "validation-failed")

    assert len(problem["errors"]) == 50
    assert "more than 50 places" in problem["detail"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "multipart/form-data"])
def test_upload_request_not_declared_as_json_is_unsupported_media_type(
    handler: Handler, content_type: str | None
) -> None:
    event = post_uploads('{"content_type": "image/png"}', content_type=content_type)

    assert_problem(handler(event, None), 415, "unsupported-media-type")


def test_upload_request_that_is_not_json_is_invalid_json(handler: Handler) -> None:
    assert_problem(handler(post_uploads('{"content_type": '), None), 400, "invalid-json")
