"""A log of the AWS calls a function's process makes, for the test that holds them against the role's grants.

Off unless CONVEYOR_AWS_CALL_LOG names a folder; then each call becomes one JSON line in
`<folder>/<role>-<pid>.jsonl`: the role, the service, the operation, the table or queue it names (and the
index, if any), and the function setting (environment variable) that holds that name. A botocore hook on the
clients does it, so the services' own code knows nothing of it. tests/infra/test_grants_match_calls.py reads
the folder.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypedDict

import botocore.session

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.hooks import BaseEventHooks
    from botocore.model import OperationModel

CALL_LOG_VARIABLE = "CONVEYOR_AWS_CALL_LOG"
_HOOK_ID = "conveyor-aws-call-log"


class AwsCall(TypedDict):
    service: str
    operation: str
    resource: str | None
    index: str | None
    prefix: str | None
    """The first segment of an S3 object's key (`uploads`, `results`): grants name the bucket's prefixes."""


def aws_call(model: OperationModel, params: dict[str, Any]) -> AwsCall:
    """What a call is and what it names, from its operation and its parameters as the caller gave them.

    A presigned URL counts as a call of its operation: botocore builds its parameters the same way, and the
    request made with it later runs with the signer's rights.
    """
    key = params.get("Key")
    service, operation = model.service_model.service_name, model.name
    if (service, operation) == ("s3", "CreateBucket"):
        # botocore builds a presigned POST's parameters under CreateBucket's model, without the key (no
        # function creates a bucket): the form stores one object, the PutObject it lets its holder make.
        operation, key = "PutObject", _presigned_post_key()
    # DynamoDB's batch operations name their tables as the keys of RequestItems; ours name one.
    batch_tables = sorted(params.get("RequestItems") or {})
    return {
        "service": service,
        "operation": operation,
        "resource": (
            params.get("TableName")
            or params.get("QueueUrl")
            or params.get("Bucket")
            # SSM's GetParameter names its parameter; SES's SendEmail, the identity it sends from.
            or params.get("Name")
            or params.get("FromEmailAddress")
            or (",".join(batch_tables) if batch_tables else None)
        ),
        "index": params.get("IndexName"),
        "prefix": key.split("/", 1)[0] if isinstance(key, str) else None,
    }


def _presigned_post_key() -> str | None:
    """The key that the generate_presigned_post call in progress signs, read from botocore's frame."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "generate_presigned_post":
            key = frame.f_locals.get("Key")
            return key if isinstance(key, str) else None
        frame = frame.f_back
    return None


def log_aws_calls(role: str, *clients: BaseClient) -> None:
    """Logs the calls of `clients` and of every client made from now on, in any botocore session, as `role`'s.

    Call it before the function's handler is loaded. The worker makes its clients through boto3, the API from
    a botocore session of its own: every session's clients are covered.
    """
    folder = os.environ.get(CALL_LOG_VARIABLE)
    if not folder:
        return
    log = _CallLog(Path(folder) / f"{role}-{os.getpid()}.jsonl", role)
    for client in clients:
        log.attach(client.meta.events)
    make_client = botocore.session.Session.create_client

    def create_logged_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = make_client(self, *args, **kwargs)
        log.attach(client.meta.events)
        return client

    botocore.session.Session.create_client = create_logged_client  # type: ignore[method-assign]


class _CallLog:
    def __init__(self, path: Path, role: str) -> None:
        self._path = path
        self._role = role
        # A name the function was configured with says which of the stack's resources a call is on.
        self._settings = {value: name for name, value in sorted(os.environ.items())}
        self._lock = threading.Lock()

    def attach(self, events: BaseEventHooks) -> None:
        events.register("before-parameter-build", self._record, unique_id=_HOOK_ID)

    def _record(self, params: dict[str, Any], model: OperationModel, **_: Any) -> None:
        call = aws_call(model, params)
        setting = self._settings.get(call["resource"]) if call["resource"] else None
        line = json.dumps({"role": self._role, **call, "setting": setting})
        with self._lock, self._path.open("a", encoding="utf-8") as log:
            log.write(line + "\n")
