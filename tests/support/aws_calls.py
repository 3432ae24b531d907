"""The AWS calls each function's role makes while the cross-service suites run, for test_grants_match_calls.

In this process, the `stack` fixture watches every client a function instance can use: those a test injects,
the stack's own (the SQS event source polls with it), and every client a botocore session makes from then on,
which is how the services make theirs (the worker through boto3, the API from botocore's session). A botocore
hook then gives each call to the role whose code is making it, read from the calling frames; a call made by a
test or by provisioning belongs to no role and is left out. A call that a fault stops still counts: the code
made it.

The local stack's processes (`make dev`, which the end-to-end and browser suites run) log their calls
themselves (conveyor_local.aws_call_log) into call_log_folder(), which `running_local_stack` names to them.

`make test` runs the recording suites as several pytest processes side by side and the comparison after
them, in a process of its own: the Makefile names one folder to all of them (RECORDED_CALLS_VARIABLE). Each
recording session leaves there, as it ends, the calls it recorded in its own process and the suites it
collected, and the comparison reads them with the local stacks' logs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any, NamedTuple

import botocore.session
import pytest
from conveyor_local.aws_call_log import aws_call

RECORDING_SUITES = ("integration", "faults", "fuzz", "browser", "e2e")
TESTS_DIR = Path(__file__).resolve().parents[1]
COMPARISON_MODULE = TESTS_DIR / "infra" / "test_grants_match_calls.py"
COLLECTED_SUITES = pytest.StashKey[frozenset[str]]()
"""The recording suites this session collected, set by `run_comparison_last`."""
RECORDED_CALLS_VARIABLE = "CONVEYOR_RECORDED_CALLS"
"""A folder shared by the pytest processes of one run, when the Makefile names one."""
_SESSION_PREFIX = "session-"

# The resources the templates grant on are named by the core stack's exports.
JOBS_TABLE, IDEMPOTENCY_TABLE = "JobsTableArn", "IdempotencyTableArn"
JOBS_QUEUE, DEAD_LETTER_QUEUE = "JobsQueueArn", "JobsDeadLetterQueueArn"
FILES_BUCKET = "FilesBucketArn"
JOB_TYPES_PARAMETER = "JobTypesParameterArn"
# A function's settings name its resources; a local stack's process logs which setting held a call's resource.
RESOURCE_BY_SETTING = {
    "JOBS_TABLE_NAME": JOBS_TABLE,
    "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
    "JOBS_QUEUE_URL": JOBS_QUEUE,
    "JOBS_DEAD_LETTER_QUEUE_URL": DEAD_LETTER_QUEUE,
    "FILES_BUCKET_NAME": FILES_BUCKET,
    "JOB_TYPES_PARAMETER_NAME": JOB_TYPES_PARAMETER,
    # SendEmail is authorized on the sending identity: the address, or its domain (tests/infra/grants.py).
    "EMAIL_SENDER": "identity/EmailSender",
}
# IAM authorizes SQS's batch operations through the single ones ("Amazon SQS batch actions", SQS Developer
# Guide), and S3's HeadObject through s3:GetObject (S3 API Reference, HeadObject: "you must have the
# s3:GetObject permission"); every other DynamoDB, SQS and S3 operation is the IAM action of its own name.
_IAM_ACTION_OF_OPERATION = {
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "s3:HeadObject": "s3:GetObject",
    # SES's API v2 shares API v1's IAM prefix (Service Authorization Reference, Amazon SES and Amazon Pinpoint
    # Email Service: "ses").
    "sesv2:SendEmail": "ses:SendEmail",
}

# Where a call's frames say whose it is: the first of these, from the call outwards, owns it.
# The CLI (conveyor_cli, `conveyor dlq redrive` among its commands) owns none: it runs with an operator's
# credentials, not with a function's role.
_OWNERS = ("tests.", "bench.", "conveyor_local.", "conveyor_api.", "conveyor_worker.")
_SWEEPER_CODE = (
    "conveyor_worker.sweeper_function",
    "conveyor_worker.handlers.sweeper",
    "conveyor_worker.jobs.sweep",
)
_HOOK_ID = "conveyor-recorded-aws-calls"


class Call(NamedTuple):
    role: str
    action: str
    resource: str


_lock = threading.Lock()
_calls: Counter[Call] = Counter()
_resource_of_name: dict[str, str] = {}
_call_log_folder: Path | None = None


def watch_stack(
    *,
    jobs_table: str,
    idempotency_table: str,
    jobs_queue_url: str,
    dead_letter_queue_url: str,
    files_bucket: str,
    job_types_parameter: str,
    clients: list[Any],
) -> None:
    """Records the calls functions make on a stack of these resources, through `clients` or their own."""
    with _lock:
        _resource_of_name.update(
            {
                jobs_table: JOBS_TABLE,
                idempotency_table: IDEMPOTENCY_TABLE,
                jobs_queue_url: JOBS_QUEUE,
                dead_letter_queue_url: DEAD_LETTER_QUEUE,
                files_bucket: FILES_BUCKET,
                job_types_parameter: JOB_TYPES_PARAMETER,
            }
        )
    _watch_every_client_made_from_now_on()
    for client in clients:
        watched(client)


def _watch_every_client_made_from_now_on() -> None:
    # At the class, because each session has hooks of its own: boto3's default one, and the fresh one from
    # which the API makes its clients without boto3.
    session = botocore.session.Session
    if getattr(session.create_client, _HOOK_ID, False):
        return
    make_client = session.create_client

    def create_watched_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = make_client(self, *args, **kwargs)
        # Only the functions' own: other suites' tools (tests/local's event sources, say) use other stacks.
        return watched(client) if _made_by_a_function() else client

    setattr(create_watched_client, _HOOK_ID, True)
    session.create_client = create_watched_client  # type: ignore[method-assign]


def _made_by_a_function() -> bool:
    modules = _calling_modules()
    owner = next((module for module in modules if module.startswith(_OWNERS)), "")
    return owner.startswith(("conveyor_api.", "conveyor_worker."))


def watched(client: Any) -> Any:
    """`client`, its calls recorded when a function's code makes them; None stays None."""
    if client is not None:
        client.meta.events.register("before-parameter-build", _record, unique_id=_HOOK_ID)
    return client


def _record(params: dict[str, Any], model: Any, **_: Any) -> None:
    role = role_of_caller()
    if role is None:
        return
    call = aws_call(model, params)
    action = iam_action(call["service"], call["operation"])
    with _lock:
        name = call["resource"] or ""
        resource = _resource_of_name.get(name, f"{name or 'no resource'} (not of any stack)")
        _calls[Call(role, action, _on_part(resource, call["index"], call["prefix"]))] += 1


def role_of_caller() -> str | None:
    """The role whose code is making the AWS call in progress, or None for a test's or provisioning's."""
    modules = list(_calling_modules())
    owner = next((module for module in modules if module.startswith(_OWNERS)), "")
    if owner.startswith("conveyor_api."):
        return "api"
    if owner.startswith("conveyor_worker."):
        return "sweeper" if any(module.startswith(_SWEEPER_CODE) for module in modules) else "worker"
    # The event source mapping receives and deletes with the worker function's role.
    if owner == "conveyor_local.sqs_event_source":
        return "worker"
    return None


def _calling_modules() -> Iterator[str]:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module != __name__:
            yield module
        frame = frame.f_back


def iam_action(service: str, operation: str) -> str:
    action = f"{service}:{operation}"
    return _IAM_ACTION_OF_OPERATION.get(action, action)


def _on_part(resource: str, index: str | None, prefix: str | None) -> str:
    """A table's index, or a bucket's prefix, as the templates' grants name them."""
    if index:
        return f"{resource}/index/{index}"
    return f"{resource}/{prefix}/*" if prefix else resource


def call_log_folder() -> Path:
    """Where the local stack's processes log their calls: the run's shared folder, or one for this session."""
    global _call_log_folder
    with _lock:
        if _call_log_folder is None:
            _call_log_folder = _shared_folder() or Path(tempfile.mkdtemp(prefix="conveyor-aws-calls-"))
        return _call_log_folder


def _shared_folder() -> Path | None:
    named = os.environ.get(RECORDED_CALLS_VARIABLE)
    if not named:
        return None
    folder = Path(named)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove_call_log_folder() -> None:
    """Removes this session's own folder; a shared one belongs to the run that named it."""
    if _call_log_folder is not None and _call_log_folder != _shared_folder():
        shutil.rmtree(_call_log_folder, ignore_errors=True)


def leave_for_the_comparison(config: pytest.Config) -> None:
    """In a shared folder, the calls this process recorded and the recording suites it collected."""
    suites = config.stash.get(COLLECTED_SUITES, frozenset())
    folder = _shared_folder()
    if folder is None or not suites:
        return
    with _lock:
        calls = [[*call, count] for call, count in _calls.items()]
    document = {"suites": sorted(suites), "calls": calls}
    (folder / f"{_SESSION_PREFIX}{os.getpid()}.json").write_text(json.dumps(document), encoding="utf-8")


def collected_suites(config: pytest.Config) -> frozenset[str]:
    """The recording suites this session collected, and those of the sessions that left their calls."""
    collected: frozenset[str] = config.stash.get(COLLECTED_SUITES, frozenset())
    suites = set(collected)
    for document in _sessions_left():
        suites.update(document["suites"])
    return frozenset(suites)


def recorded() -> Counter[Call]:
    """Every call recorded so far: in this process, by the sessions that left theirs, by local stacks."""
    with _lock:
        calls = Counter(_calls)
    for document in _sessions_left():
        calls.update({Call(*call): count for *call, count in document["calls"]})
    calls.update(_logged_calls())
    return calls


def _sessions_left() -> Iterator[dict[str, Any]]:
    folder = _shared_folder()
    if folder is None:
        return
    for left in sorted(folder.glob(f"{_SESSION_PREFIX}*.json")):
        yield json.loads(left.read_text(encoding="utf-8"))


def _logged_calls() -> Iterator[Call]:
    folder = _call_log_folder or _shared_folder()
    if folder is None:
        return
    for log in sorted(folder.glob("*.jsonl")):
        # A process may be writing its last line: only whole lines count.
        *lines, _partial = log.read_text(encoding="utf-8").split("\n")
        for line in lines:
            entry = json.loads(line)
            resource = RESOURCE_BY_SETTING.get(
                entry["setting"], f"{entry['resource'] or 'no resource'} (not a setting of the function)"
            )
            action = iam_action(entry["service"], entry["operation"])
            yield Call(entry["role"], action, _on_part(resource, entry["index"], entry["prefix"]))


def run_comparison_last(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Moves the comparison after every suite that records calls, and notes which of those suites will run."""
    suites = {
        item.path.relative_to(TESTS_DIR).parts[0] for item in items if item.path.is_relative_to(TESTS_DIR)
    }
    config.stash[COLLECTED_SUITES] = frozenset(suites.intersection(RECORDING_SUITES))
    comparison = [item for item in items if item.path == COMPARISON_MODULE]
    items[:] = [item for item in items if item.path != COMPARISON_MODULE] + comparison
