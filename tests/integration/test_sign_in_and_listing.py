"""Sign-in and listing, in both of the api stack's modes.

Without sign-in (the template's defaults) a job id is the capability and GET /jobs is refused: checked on
the cross-service suites' `stack`, whose API is built as the template deploys it by default (AUTH_MODE=none;
a local stack of its own would cost another ~15 s start, and tests/infra checks the deployed environment).

With sign-in, on the local stack as `CONVEYOR_SIGN_IN=1 make dev` runs it (the api stack deployed with a user
pool and app client in moto's Cognito, whose users sign in with InitiateAuth), the HTTP API's JWT authorizer
turns away requests without a valid token before the function runs, jobs belong to the caller's `sub`,
GET /jobs lists the caller's own through the jobs table's listing indexes (contracts/README.md, Owners and
listing), and a job may name only the caller's own uploads (docs/design.md, Uploads and their owners).
Each test signs in as users of its own, so the tests share one stack without seeing each other's jobs. The
local stack's functions log their AWS calls, so these runs also show the api role's sign-in grants used
(tests/infra/test_grants_match_calls.py): Query on each of the two indexes, BatchGetItem, and HeadObject
of an upload a job names.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from PIL import Image

from tests.support import contract, http
from tests.support.cognito import claims_of, resigned
from tests.support.local_stack import LocalStack, running_local_stack
from tests.support.stack import Stack
from tests.support.waiting import wait_for

JOB_END_TIMEOUT_SECONDS = 30
LISTING_DISABLED = "urn:conveyor:problem:listing-disabled"
UNAUTHORIZED = {"message": "Unauthorized"}
UPLOAD_NOT_FOUND = "urn:conveyor:problem:upload-not-found"


@pytest.fixture(scope="module")
def signed_in_stack() -> Iterator[LocalStack]:
    with running_local_stack(sign_in=True) as stack:
        yield stack


class Client:
    """A client of the API, signed in as one user (or not at all)."""

    def __init__(self, api_url: str, token: str | None = None) -> None:
        self.api_url = api_url
        self.headers = {"authorization": f"Bearer {token}"} if token else {}

    def submit(self, job_type: str, payload: Any, *, idempotency_key: str | None = None) -> http.Response:
        headers = dict(self.headers)
        if idempotency_key:
            headers["idempotency-key"] = idempotency_key
        return http.request(
            "POST",
            f"{self.api_url}/jobs",
            json_body={"job_type": job_type, "payload": payload},
            headers=headers,
        )

    def submitted(self, job_type: str, payload: Any) -> dict[str, Any]:
        response = self.submit(job_type, payload)
        assert response.status == 202, response.body
        record: dict[str, Any] = response.json()
        return record

    def upload(self, body: bytes, content_type: str = "image/png") -> str:
        """Sends `body` with the form of a ticket from POST /uploads, as the page does; returns its key."""
        response = http.request(
            "POST", f"{self.api_url}/uploads", json_body={"content_type": content_type}, headers=self.headers
        )
        assert response.status == 200, response.body
        ticket: dict[str, Any] = response.json()
        sent = requests.post(ticket["url"], data=ticket["fields"], files={"file": ("f", body)}, timeout=10)
        assert sent.status_code == 204, sent.text
        return str(ticket["source_key"])

    def job(self, job_id: str) -> http.Response:
        return http.request("GET", f"{self.api_url}/jobs/{job_id}", headers=self.headers)

    def act(self, job_id: str, action: str) -> http.Response:
        """POST /jobs/{job_id}/cancel or /retry."""
        return http.request("POST", f"{self.api_url}/jobs/{job_id}/{action}", body=b"", headers=self.headers)

    def listing(self, query: str = "") -> http.Response:
        return http.request("GET", f"{self.api_url}/jobs{'?' + query if query else ''}", headers=self.headers)

    def page(self, query: str = "") -> dict[str, Any]:
        response = self.listing(query)
        assert response.status == 200, response.body
        page: dict[str, Any] = response.json()
        contract.validator("job-list").validate(page)
        return page

    def listed_ids(self, query: str = "", *, limit: int = 100) -> list[str]:
        """Every job id the listing has for `query`, page by page, in the order listed."""
        ids: list[str] = []
        cursor = None
        while True:
            parts = [part for part in (query, f"limit={limit}", f"cursor={cursor}" if cursor else "") if part]
            page = self.page("&".join(parts))
            ids += [job["job_id"] for job in page["jobs"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return ids

    def wait_until_ended(self, job_id: str) -> dict[str, Any]:
        def ended() -> dict[str, Any] | None:
            record: dict[str, Any] = self.job(job_id).json()
            return record if record["status"] in ("SUCCEEDED", "FAILED") else None

        return wait_for(ended, timeout=JOB_END_TIMEOUT_SECONDS, what=f"job {job_id} to end")


def signed_in(stack: LocalStack, name: str) -> Client:
    """A client signed in as a new user called `name-<random>`: a user no other test has."""
    return Client(stack.api_url, stack.token(f"{name}-{uuid.uuid4().hex[:8]}"))


# ------------------------------------------------------------------------------------------- without sign-in


def test_without_sign_in_listing_is_refused(stack: Stack) -> None:
    response = Client(stack.api_url).listing()

    assert response.status == 403
    assert response.content_type.startswith("application/problem+json")
    assert response.json()["type"] == LISTING_DISABLED


def test_without_sign_in_anyone_with_the_id_reads_the_job(stack: Stack) -> None:
    record = Client(stack.api_url).submitted("text_transform", {"text": "public"})

    # No authorizer: a header that would be a token elsewhere changes nothing.
    for reader in (Client(stack.api_url), Client(stack.api_url, "not-a-token")):
        response = reader.job(record["job_id"])
        assert response.status == 200
        assert response.json()["job_id"] == record["job_id"]


# ---------------------------------------------------------------------------------------------- with sign-in


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/jobs"), ("POST", "/jobs"), ("GET", f"/jobs/{uuid.uuid4()}"), ("GET", "/")]
)
def test_with_sign_in_a_request_without_a_token_is_unauthorized(
    signed_in_stack: LocalStack, method: str, path: str
) -> None:
    response = http.request(method, f"{signed_in_stack.api_url}{path}", json_body={})

    assert response.status == 401
    assert response.json() == UNAUTHORIZED


def test_with_sign_in_a_bad_or_expired_token_is_unauthorized(signed_in_stack: LocalStack) -> None:
    # moto issues every token for an hour: an expired one is a real one re-signed with the pool's key, its
    # times two hours earlier (tests/support/cognito.py).
    fresh = signed_in_stack.token(f"alice-{uuid.uuid4().hex[:8]}")
    claims = claims_of(fresh)
    expired = resigned(fresh, {name: claims[name] - 7200 for name in ("iat", "auth_time", "exp")})
    # An id token's aud is the app client: API Gateway accepts it too.
    id_token = signed_in_stack.tokens(f"alice-{uuid.uuid4().hex[:8]}")["IdToken"]

    for token in (expired, "x.y.z", signed_in_stack.token("bob").replace(".", "..", 1)):
        assert Client(signed_in_stack.api_url, str(token)).listing().status == 401
    assert Client(signed_in_stack.api_url, str(id_token)).listing().status == 200
    # Re-signed unchanged, it passes: the expired one was refused for its exp alone.
    assert Client(signed_in_stack.api_url, resigned(fresh, {})).listing().status == 200


def test_with_sign_in_health_and_preflight_need_no_token(signed_in_stack: LocalStack) -> None:
    health = http.request("GET", f"{signed_in_stack.api_url}/health")
    preflight = http.request(
        "OPTIONS",
        f"{signed_in_stack.api_url}/jobs",
        headers={
            "origin": signed_in_stack.web_url,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
        },
    )

    assert health.status == 200
    assert preflight.status in (200, 204)
    assert "authorization" in preflight.headers.get("access-control-allow-headers", "").lower()


def test_alice_lists_her_jobs_newest_first_a_page_at_a_time(signed_in_stack: LocalStack) -> None:
    alice = signed_in(signed_in_stack, "alice")
    submitted = []
    for number in range(7):
        submitted.append(alice.submitted("text_transform", {"text": f"job {number}"})["job_id"])
        time.sleep(0.002)  # distinct created_at milliseconds, so that newest first is one order
    for job_id in submitted:
        alice.wait_until_ended(job_id)

    pages = []
    cursor = None
    while True:
        page = alice.page(f"limit=3&cursor={cursor}" if cursor else "limit=3")
        pages.append([job["job_id"] for job in page["jobs"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [job for page in pages for job in page] == submitted[::-1]
    assert [len(page) for page in pages[:2]] == [3, 3]
    assert len(pages) in (3, 4)  # the last page may be empty: only a null cursor ends the list


def test_alice_filters_her_jobs_by_status_and_job_type(signed_in_stack: LocalStack) -> None:
    alice = signed_in(signed_in_stack, "alice")
    texts = [alice.submitted("text_transform", {"text": "t"})["job_id"] for _ in range(2)]
    analyses = [alice.submitted("data_analysis", {"data": [1, 2, 3]})["job_id"] for _ in range(2)]
    # Her own upload, but not an image: the worker fails the job NOT_AN_IMAGE.
    not_an_image = alice.upload(b"these bytes are no image")
    missing_image = alice.submitted("image_resize", {"source_key": not_an_image, "dimensions": [10, 10]})[
        "job_id"
    ]
    for job_id in [*texts, *analyses, missing_image]:
        alice.wait_until_ended(job_id)

    def listed(query: str) -> set[str]:
        return set(alice.listed_ids(query, limit=2))

    assert listed("") == {*texts, *analyses, missing_image}
    assert listed("job_type=data_analysis") == set(analyses)
    assert listed("status=SUCCEEDED") == {*texts, *analyses}
    assert listed("status=FAILED") == {missing_image}
    assert listed("status=QUEUED") == set()
    assert listed("job_type=text_transform&status=SUCCEEDED") == set(texts)
    assert listed("job_type=image_resize&status=SUCCEEDED") == set()


def test_bob_sees_nothing_of_alices_jobs(signed_in_stack: LocalStack) -> None:
    alice, bob = signed_in(signed_in_stack, "alice"), signed_in(signed_in_stack, "bob")
    alices = alice.submitted("text_transform", {"text": "alice's"})["job_id"]
    bobs = bob.submitted("text_transform", {"text": "bob's"})["job_id"]

    assert alice.job(alices).status == 200
    response = bob.job(alices)
    assert response.status == 404
    assert response.json()["type"] == "urn:conveyor:problem:job-not-found"
    assert bob.listed_ids() == [bobs]
    assert alice.listed_ids() == [alices]


def test_the_same_idempotency_key_from_two_users_makes_two_jobs(signed_in_stack: LocalStack) -> None:
    alice, bob = signed_in(signed_in_stack, "alice"), signed_in(signed_in_stack, "bob")
    key = str(uuid.uuid4())
    payload = {"text": "once each"}

    first = alice.submit("text_transform", payload, idempotency_key=key)
    again = alice.submit("text_transform", payload, idempotency_key=key)
    bobs = bob.submit("text_transform", payload, idempotency_key=key)

    assert [first.status, again.status, bobs.status] == [202, 202, 202]
    assert again.json()["job_id"] == first.json()["job_id"]
    assert bobs.json()["job_id"] != first.json()["job_id"]
    assert bob.job(bobs.json()["job_id"]).status == 200
    assert bob.job(first.json()["job_id"]).status == 404


def test_a_jobs_listing_status_follows_it_to_succeeded(signed_in_stack: LocalStack) -> None:
    alice = signed_in(signed_in_stack, "alice")
    job_id = alice.submitted("data_analysis", {"data": [4, 5, 6]})["job_id"]

    def listed_as_succeeded() -> bool:
        return job_id in alice.listed_ids("status=SUCCEEDED")

    wait_for(listed_as_succeeded, timeout=JOB_END_TIMEOUT_SECONDS, what="the job listed as SUCCEEDED")
    for status in ("QUEUED", "IN_PROGRESS", "FAILED"):
        assert job_id not in alice.listed_ids(f"status={status}"), status
    assert job_id in alice.listed_ids("job_type=data_analysis&status=SUCCEEDED")
    (listed,) = alice.page("status=SUCCEEDED")["jobs"]
    assert listed == alice.job(job_id).json()


def test_only_the_owner_may_cancel_or_retry_a_job_and_the_retry_is_the_owners(
    signed_in_stack: LocalStack,
) -> None:
    alice, bob = signed_in(signed_in_stack, "alice"), signed_in(signed_in_stack, "bob")
    # A sum beyond a double's range fails the job VALUE_OUT_OF_RANGE.
    failed = alice.wait_until_ended(alice.submitted("data_analysis", {"data": [1e308, 1e308]})["job_id"])
    assert failed["status"] == "FAILED"

    for action in ("cancel", "retry"):
        response = bob.act(failed["job_id"], action)
        assert (response.status, response.json()["type"]) == (404, "urn:conveyor:problem:job-not-found")
    refused = alice.act(failed["job_id"], "cancel")
    retried = alice.act(failed["job_id"], "retry")

    assert (refused.status, refused.json()["type"]) == (409, "urn:conveyor:problem:job-ended")
    assert retried.status == 202
    new_id = retried.json()["job_id"]
    assert retried.json()["retry_of"] == failed["job_id"]
    assert bob.job(new_id).status == 404
    assert alice.wait_until_ended(new_id)["status"] == "FAILED"
    assert set(alice.listed_ids()) == {failed["job_id"], new_id}
    assert alice.job(failed["job_id"]).json() == failed


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_bob_cannot_use_alices_upload_while_alice_can(signed_in_stack: LocalStack) -> None:
    alice, bob = signed_in(signed_in_stack, "alice"), signed_in(signed_in_stack, "bob")
    alices_upload = alice.upload(_png(120, 80))
    payload = {"source_key": alices_upload, "dimensions": [60, 40], "fit": "fill"}

    bobs = bob.submit("image_resize", payload)
    nobodys = bob.submit("image_resize", {**payload, "source_key": f"uploads/{uuid.uuid4()}"})
    alices = alice.submit("image_resize", payload)

    assert bobs.status == 422
    assert bobs.content_type.startswith("application/problem+json")
    problem = bobs.json()
    contract.validator("problem").validate(problem)
    assert problem["type"] == UPLOAD_NOT_FOUND
    assert [error["pointer"] for error in problem["errors"]] == ["/payload/source_key"]
    # Refused word for word as a key with no upload: nothing tells bob that alice's exists.
    assert (nobodys.status, nobodys.json()) == (422, problem)
    assert bob.listed_ids() == []  # and nothing of his was stored
    assert alices.status == 202, alices.body
    record = alice.wait_until_ended(alices.json()["job_id"])
    assert record["status"] == "SUCCEEDED", record["error"]
    download = requests.get(record["result"]["url"], timeout=10)
    assert download.status_code == 200
    with Image.open(io.BytesIO(download.content)) as image:
        assert image.size == (60, 40)
