"""What a job function gets besides its payload: its job's id, the files bucket and the mail sender through
small ports, what is left of its time budget, a way to report its progress, a way to learn that a cancel was
asked for, and a mark that lets an effect outside the job's own files happen at most once."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

MAX_PROGRESS_MESSAGE = 200
"""job-progress.schema.json's maxLength of `message`."""

ProgressSink = Callable[[int, str], None]
"""Takes a checked progress report (percent 0..100, message of at most MAX_PROGRESS_MESSAGE characters);
raises JobCancelledError once the worker has learnt that a cancel was asked for."""
CancelCheck = Callable[[], bool]
"""Whether a cancel was asked for, read from the job's item now."""


class JobCancelledError(Exception):
    """A cancel was asked for (POST /jobs/{job_id}/cancel): the job function stops by letting it propagate,
    and the worker ends the job FAILED with error code CANCELLED, never retried. A job function that catches
    broad exceptions must let this one through."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} was cancelled")
        self.job_id = job_id


class JobTimedOutError(BaseException):
    """The attempt ran past its job type's time budget (contracts/v1/job-type.schema.json): raised
    inside the job function by the worker's alarm (alarm.py), it ends the job FAILED with error code
    TIMED_OUT, never retried. A BaseException, as KeyboardInterrupt is, so that a job function's
    `except Exception` cannot swallow it; `finally` blocks and context managers still run."""

    def __init__(self, job_id: str, budget: timedelta) -> None:
        super().__init__(f"job {job_id} ran past its time budget of {budget.total_seconds():g} s")
        self.job_id = job_id
        self.budget = budget


class NoSuchFileError(Exception):
    """The files bucket holds no object under this key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no file {key}")
        self.key = key


class FileTooLargeError(Exception):
    """The object is larger than the reader accepts; its body was not read."""

    def __init__(self, key: str, size_bytes: int, max_bytes: int) -> None:
        super().__init__(f"file {key} has {size_bytes} bytes, more than {max_bytes}")
        self.key = key
        self.size_bytes = size_bytes
        self.max_bytes = max_bytes


def readable_by(recorded_owner: str | None, job_owner: str | None) -> bool:
    """Whether a job of `job_owner` (None: a job without one) may read a file recorded as `recorded_owner`'s.

    An upload made by a signed-in caller records its caller (contracts/README.md, Files) and is that caller's
    jobs' alone. One that records nobody is any job's to read, as every file was before owners were recorded:
    uploads of a deployment without sign-in, and those an API from before issued, whose jobs an older API
    may still be submitting (docs/design.md, Uploads and their owners).
    """
    return recorded_owner is None or recorded_owner == job_owner


class FileStore(Protocol):
    """The deployment's files bucket: clients' uploads under uploads/, the jobs' files under results/."""

    def read(self, key: str, *, max_bytes: int, job_owner: str | None) -> bytes:
        """The object's whole body, read for a job of `job_owner`. Raises NoSuchFileError when there is none
        or when it is not `readable_by` that job (another caller's upload reads exactly as a missing one, its
        size included), and FileTooLargeError, before reading the body, when it has more than `max_bytes`
        bytes."""
        ...

    def write(self, key: str, body: bytes, *, content_type: str) -> None:
        """Stores `body` under `key`, replacing any object there."""
        ...


@dataclass(frozen=True)
class Email:
    """One message from the deployment's sender address: `html`, when given, beside the text body."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None


class EmailRefusedError(Exception):
    """The mail service refused the message for good (an unverified sender, a rejected message, a paused
    account): sending it again cannot help. `code` is the job error code to end the job with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class EmailNotSentError(Exception):
    """The mail service did not take the message and may later (throttled, or never reached): nothing was
    sent, so trying again is safe."""


class EmailOutcomeUnknownError(Exception):
    """The request may have reached the mail service and been sent (an answer that timed out, a connection
    lost mid-answer, a server error): trying again could send it twice."""


class Mailer(Protocol):
    """Sends email from the deployment's sender address."""

    def send(self, email: Email) -> str:
        """Sends `email` once, never retrying on its own; returns the service's message id. Raises
        EmailRefusedError, EmailNotSentError or EmailOutcomeUnknownError as the service answered."""
        ...


class NoMailer:
    """Where email goes when the deployment names no sender: nowhere, and the job fails for good."""

    def send(self, email: Email) -> str:
        raise EmailRefusedError("EMAIL_NOT_CONFIGURED", "this deployment has no sender address for email")


def result_key(job_id: str, name: str) -> str:
    """Every file a job writes lies under results/{job_id}/ (contracts/README.md, Files)."""
    return f"results/{job_id}/{name}"


def _ignore_progress(percent: int, message: str) -> None:
    """Where progress goes when nothing records it: a job function called on its own, in a test."""


def _never_cancelled() -> bool:
    return False


def _no_deadline() -> timedelta:
    return timedelta.max


def _first_effect() -> bool:
    return True


def _nothing() -> None:
    """An effect abandoned in a test that records none."""


@dataclass(frozen=True)
class JobContext:
    job_id: str
    files: FileStore
    progress_sink: ProgressSink = field(default=_ignore_progress, repr=False)
    owner: str | None = field(default=None, kw_only=True)
    """The job's owner in a deployment with sign-in (job-item's `owner`); None for a job without one."""
    cancel_check: CancelCheck = field(default=_never_cancelled, kw_only=True, repr=False)
    remaining: Callable[[], timedelta] = field(default=_no_deadline, kw_only=True, repr=False)
    """What `time_left` answers: the worker's clock against the attempt's deadline."""
    mailer: Mailer = field(default_factory=NoMailer, kw_only=True, repr=False)
    effect_start: Callable[[], bool] = field(default=_first_effect, kw_only=True, repr=False)
    """Marks the job's outside effect as started, in its item under this claim; False if a mark was there."""
    effect_abandon: Callable[[], None] = field(default=_nothing, kw_only=True, repr=False)
    """Removes that mark, under this claim."""

    def time_left(self) -> timedelta:
        """What is left of this attempt's time budget (the contract's `time_budget_seconds` for the job type,
        counted from the call of the job function); negative once it has passed.

        The worker stops a run at its deadline whether or not the job looks (JobTimedOutError is raised where
        it stands, and the job ends FAILED TIMED_OUT), so a job looks only to stop cleanly first, or to give a
        slow step only the time there is. A job function called on its own, in a test, has no deadline:
        timedelta.max.
        """
        return self.remaining()

    def read_upload(self, key: str, *, max_bytes: int) -> bytes:
        """The file a client uploaded at `key`, as `files.read` reads it for this job's owner: an upload
        recorded as another caller's raises NoSuchFileError, as a missing one does."""
        return self.files.read(key, max_bytes=max_bytes, job_owner=self.owner)

    def result_key(self, name: str) -> str:
        """The key of this job's file `name`: results/{job_id}/{name}."""
        return result_key(self.job_id, name)

    def report_progress(self, percent: int, message: str = "") -> None:
        """Tells whoever watches the job how far it is: `percent` a whole number from 0 to 100, `message` a
        short text for people (a longer one is cut to 200 characters, ending in "…").

        Best effort and cheap to call often: the worker stores at most one report a second per job (the
        newest), and a report it cannot store is dropped, never raised here. A percent that is not an int in
        0..100 is a bug in the job function and raises TypeError or ValueError.

        Raises JobCancelledError when the worker has learnt that a cancel was asked for: a stored report's
        write is refused once the item has cancel_requested_at, so a job that reports learns of a cancel at
        its next stored report (within about a second of reporting) at no extra cost.
        """
        if isinstance(percent, bool) or not isinstance(percent, int):
            raise TypeError(f"percent must be an int from 0 to 100, not {percent!r}")
        if not 0 <= percent <= 100:
            raise ValueError(f"percent must be from 0 to 100, not {percent}")
        if not isinstance(message, str):
            raise TypeError(f"message must be a str, not {type(message).__name__}")
        if len(message) > MAX_PROGRESS_MESSAGE:
            message = message[: MAX_PROGRESS_MESSAGE - 1] + "…"
        self.progress_sink(percent, message)

    def start_effect(self) -> bool:
        """Marks, in the job's item, that this attempt is about to cause the job's one effect outside its own
        files (an email sent): True when this is the first attempt to do so, False when an earlier attempt
        marked it and may have caused it, so this one must not cause it again.

        One conditional write under the attempt's claim: it raises the worker's LeaseLostError when the claim
        no longer holds, and a job function lets that through. The mark outlives the attempt, so an attempt
        that dies after the effect (or whose completion is lost) leaves the next one knowing. An attempt that
        learns the effect did not happen (refused before it was sent) calls `abandon_effect`, so that a retry
        may try again.
        """
        return self.effect_start()

    def abandon_effect(self) -> None:
        """Removes this attempt's mark of `start_effect`: the effect certainly did not happen."""
        self.effect_abandon()

    def check_cancelled(self) -> None:
        """Raises JobCancelledError when a cancel of this job was asked for.

        Costs one strongly consistent GetItem of the job (three attributes projected, but DynamoDB bills a
        read by the whole item's size: 1 read capacity unit per 4 KB), so call it between stages of a long
        job, not in a tight loop; a job that reports progress learns of a cancel through its reports for free.
        """
        if self.cancel_check():
            raise JobCancelledError(self.job_id)
