"""In-memory stand-ins for the store, the queue, the ledger and the file links; tests/adapters proves they act
as AWS's do."""

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from conveyor_api.clock import to_epoch_seconds, to_timestamp
from conveyor_api.jobs.cursors import PagePosition
from conveyor_api.jobs.errors import (
    IdempotencyKeyInProgressError,
    IdempotencyKeyReusedError,
    JobAlreadyExistsError,
)
from conveyor_api.jobs.file_links import UploadForm
from conveyor_api.jobs.listing import IndexPage
from conveyor_api.jobs.listing_indexes import (
    CREATED_AT,
    ListingIndex,
    owner_status_key,
    owner_type_status_key,
)
from conveyor_api.jobs.sources import Upload
from conveyor_api.jobs.submit_once import FirstUse, KeyUse, Replay
from conveyor_api.json_types import JsonObject
from conveyor_api.models import JobError, JobItem, JobMessage, JobRecord, JobRequest

_INDEXED = ("job_id", CREATED_AT, "owner", "owner_type", "owner_status", "owner_type_status")


class InMemoryJobStore:
    """The jobs table and its listing indexes. The indexes see an item as it was written by `put_new` or
    `replace`, and `replace(..., indexed=False)` or `vanish` leave them behind as DynamoDB's may lag."""

    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.items: dict[str, JsonObject] = {}
        self.index_entries: dict[str, JsonObject] = {}
        """What the listing indexes hold of each item: its keys, as last propagated."""
        self.fail_with = fail_with
        """Raised by every call instead of answering, as a broken backend would."""
        self.calls: list[str] = []
        self.unsure_writes: dict[str, bool] = {}
        """Job ids whose batch write answers nothing, each with whether it landed all the same."""
        self.before_conditional_write: Callable[[], object] | None = None
        """Runs once, just before the next conditional write's condition is checked: a concurrent writer (a
        worker's claim, say) landing between a cancel's read and its write."""

    def put_new(self, item: JobItem) -> None:
        self._maybe_fail()
        if item.job_id in self.items:
            raise JobAlreadyExistsError(item.job_id)
        self.replace(item)

    def put_new_many(self, items: Sequence[JobItem]) -> set[str]:
        """As DynamoJobStore's: the ids certainly stored; an id of `unsure_writes` is not among them, and is
        stored or not as that says."""
        self.calls.append("put_new_many")
        if self.fail_with is not None:
            return set()
        stored: set[str] = set()
        for item in items:
            landed = self.unsure_writes.get(item.job_id, True)
            if landed:
                self.replace(item)
            if item.job_id not in self.unsure_writes:
                stored.add(item.job_id)
        return stored

    def replace(self, item: JobItem, *, indexed: bool = True) -> None:
        """As the worker's writes: the item changes, and the indexes follow unless `indexed` is False."""
        # Kept as the stored document, not the model, so that a read builds a fresh item as DynamoDB's would.
        self.items[item.job_id] = item.to_document()
        if indexed:
            document = self.items[item.job_id]
            self.index_entries[item.job_id] = {name: document[name] for name in _INDEXED if name in document}

    def vanish(self, job_id: str) -> None:
        """As time to live deletes an item: gone from the table, still in the indexes for a while."""
        del self.items[job_id]

    def get(self, job_id: str) -> JobItem | None:
        self._maybe_fail()
        self.calls.append("get")
        document = self.items.get(job_id)
        return None if document is None else JobItem.from_document(document)

    def cancel_queued(
        self, item: JobItem, *, error: JobError, now: datetime, expires_at: datetime
    ) -> JobItem | None:
        def cancelled(document: JsonObject) -> JsonObject:
            finished = to_timestamp(now)
            document = {
                name: value
                for name, value in document.items()
                if name not in ("lease_expires_at", "sweep_shard", "sweep_at", "progress")
            }
            document |= {
                "status": "FAILED",
                "error": error.to_document(),
                "cancel_requested_at": finished,
                "finished_at": finished,
                "updated_at": finished,
                "expires_at": to_epoch_seconds(expires_at),
            }
            if "owner" in document:
                owner = str(document["owner"])
                document["owner_status"] = owner_status_key(owner, "FAILED")
                document["owner_type_status"] = owner_type_status_key(owner, item.job_type, "FAILED")
            return document

        return self._update_if(item.job_id, lambda stored: stored["status"] == "QUEUED", cancelled)

    def request_cancel(self, job_id: str, *, now: datetime) -> JobItem | None:
        return self._update_if(
            job_id,
            lambda stored: stored["status"] == "IN_PROGRESS" and "cancel_requested_at" not in stored,
            lambda stored: (
                stored | {"cancel_requested_at": to_timestamp(now), "updated_at": to_timestamp(now)}
            ),
        )

    def _update_if(
        self,
        job_id: str,
        condition: Callable[[JsonObject], bool],
        update: Callable[[JsonObject], JsonObject],
    ) -> JobItem | None:
        self._maybe_fail()
        self.calls.append("update")
        if self.before_conditional_write is not None:
            concurrent, self.before_conditional_write = self.before_conditional_write, None
            concurrent()
        stored = self.items.get(job_id)
        if stored is None or not condition(stored):
            return None
        written = JobItem.from_document(update(stored))
        self.replace(written)
        return written

    def index_page(self, index: ListingIndex, *, limit: int, after: PagePosition | None) -> IndexPage:
        self._maybe_fail()
        self.calls.append(f"query {index.name}")
        entries = sorted(
            (
                (str(entry[CREATED_AT]), str(entry["job_id"]))
                for entry in self.index_entries.values()
                if entry.get(index.key_attribute) == index.key_value
            ),
            reverse=True,
        )
        if after is not None:
            entries = [entry for entry in entries if entry < (after.created_at, after.job_id)]
        page = entries[:limit]
        # As moto: a page says where it stopped only when more follow. DynamoDB may say so at the very end
        # too, and the next page is then empty with no cursor, which the job-list contract allows.
        last = PagePosition(*page[-1]) if len(entries) > limit else None
        return IndexPage(positions=[PagePosition(*entry) for entry in page], last=last)

    def get_many(self, job_ids: Sequence[str]) -> Mapping[str, JobItem]:
        self._maybe_fail()
        self.calls.append("get_many")
        return {
            job_id: JobItem.from_document(self.items[job_id]) for job_id in job_ids if job_id in self.items
        }

    def _maybe_fail(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with


class RecordingJobMetrics:
    def __init__(self) -> None:
        self.submitted = 0

    def job_submitted(self) -> None:
        self.submitted += 1


class RecordingJobPublisher:
    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.messages: list[JobMessage] = []
        self.fail_with = fail_with
        self.refused_jobs: set[str] = set()
        """Job ids whose messages a batch send lists as failed, as SQS lists an entry it did not take."""
        self.delays: dict[str, int] = {}
        """The DelaySeconds each sent message was given, by job id."""

    def publish(self, message: JobMessage, *, delay_seconds: int = 0) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.messages.append(message)
        self.delays[message.job_id] = delay_seconds

    def publish_many(
        self, messages: Sequence[JobMessage], *, delays: Mapping[str, int] | None = None
    ) -> set[str]:
        """As SqsJobPublisher's: the job ids of the messages sent; `fail_with` sends none."""
        if self.fail_with is not None:
            return set()
        sent = [message for message in messages if message.job_id not in self.refused_jobs]
        self.messages.extend(sent)
        self.delays.update({message.job_id: (delays or {}).get(message.job_id, 0) for message in sent})
        return {message.job_id for message in sent}


@dataclass
class KeyRecord:
    request: str
    """The request the key was first used with, as JSON text with sorted members, as Powertools hashes it."""
    job: JobRecord | None
    """None while that first use is still running."""


class InMemorySubmissionLedger:
    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.uses: dict[str, KeyRecord] = {}
        self.fail_with = fail_with

    def claim(self, key: str, request: JobRequest, *, time_left: timedelta | None) -> KeyUse:
        """As DynamoSubmissionLedger's; a first use's deadline passes only at `pass_deadline_of_first_use`."""
        if self.fail_with is not None:
            raise self.fail_with
        use = self.uses.get(key)
        if use is None:
            self.hold_in_progress(key, request)
            return FirstUse()
        if use.request != _canonical(request):
            raise IdempotencyKeyReusedError()
        if use.job is None:
            raise IdempotencyKeyInProgressError()
        return Replay(use.job)

    def bind(self, key: str, request: JobRequest, job: JobRecord) -> None:
        self.uses[key] = KeyRecord(_canonical(request), job)

    def release(self, key: str, request: JobRequest) -> None:
        del self.uses[key]

    def hold_in_progress(self, key: str, request: JobRequest) -> None:
        """As if a first use of `key` with `request` had started and not finished yet."""
        self.uses[key] = KeyRecord(_canonical(request), None)

    def pass_deadline_of_first_use(self, key: str) -> None:
        """As if the invocation of `key`'s unfinished first use had timed out: the key is free again."""
        assert self.uses[key].job is None, "only a first use that never finished has a deadline to pass"
        del self.uses[key]


def _canonical(request: JobRequest) -> str:
    return json.dumps(request.to_document(), sort_keys=True)


FAKE_FILES_URL = "https://files.example"


class FakeFileLinks:
    """Links that spell out what they were signed for, so a test can read back what a presigned one allows."""

    def upload_form(
        self, key: str, *, content_type: str, max_bytes: int, lifetime: timedelta, owner: str | None
    ) -> UploadForm:
        policy = {"max_bytes": max_bytes, "seconds": int(lifetime.total_seconds())}
        fields = {"key": key, "Content-Type": content_type, "policy": json.dumps(policy)}
        if owner is not None:
            fields["x-amz-meta-owner"] = owner  # the field S3FileLinks' form records its owner with
        return UploadForm(url=f"{FAKE_FILES_URL}/", fields=fields)

    def download_url(self, key: str, *, lifetime: timedelta, content_type: str | None = None) -> str:
        query = {"seconds": int(lifetime.total_seconds())} | (
            {} if content_type is None else {"content_type": content_type}
        )
        return f"{FAKE_FILES_URL}/{key}?{urlencode(query)}"


class InMemoryPayloadStore:
    """The files bucket's payloads/: each key's text; tests/adapters/test_s3_payloads.py shows S3Payloads
    stores the same."""

    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.objects: dict[str, str] = {}
        self.fail_with = fail_with

    def put(self, key: str, text: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.objects[key] = text

    def read(self, key: str) -> str | None:
        if self.fail_with is not None:
            raise self.fail_with
        return self.objects.get(key)


class FakeUploads:
    """The files bucket's uploads/, each with the owner it records; tests/adapters/test_s3_uploads.py shows
    S3Uploads finds the same."""

    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.uploads: dict[str, Upload] = {}
        self.fail_with = fail_with
        self.found: list[str] = []
        """Every key looked up, in order."""

    def put(self, key: str, *, owner: str | None) -> None:
        """As a client's upload with the form of a ticket issued to `owner` (None: without sign-in)."""
        self.uploads[key] = Upload(owner=owner)

    def find(self, key: str) -> Upload | None:
        self.found.append(key)
        if self.fail_with is not None:
            raise self.fail_with
        return self.uploads.get(key)


class FakeDeployedJobTypes:
    """What the worker stack publishes: nothing (None, as a stack older than the list), or the types its
    worker runs; `fail_with` fails every read, as an unreachable SSM would."""

    def __init__(self, job_types: Iterable[str] | None = None, *, fail_with: Exception | None = None) -> None:
        self.published = None if job_types is None else frozenset(job_types)
        self.reads = 0
        self.fail_with = fail_with

    def job_types(self) -> frozenset[str] | None:
        self.reads += 1
        if self.fail_with is not None:
            raise self.fail_with
        return self.published
