"""The little of the Lambda runtime our emulators need: resolve a handler, build a context, invoke."""

from __future__ import annotations

import importlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conveyor_local.config import ACCOUNT_ID, REGION

LambdaHandler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """Stands in for the runtime's context object: the attributes handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[{self.function_version}]{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        # Informational only: nothing stops a local invocation that runs past its timeout.
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(handler_path: str) -> LambdaHandler:
    """Resolve a Lambda handler setting such as `conveyor_api.lambda_function.lambda_handler`.

    Importing the module is the function's init phase, as on Lambda: it reads its settings from the
    environment and builds its clients once.
    """
    module_name, _, attribute = handler_path.rpartition(".")
    handler: LambdaHandler = getattr(importlib.import_module(module_name), attribute)
    return handler


def invoke(handler: LambdaHandler, event: dict[str, Any], context: LambdaContext) -> Any:
    """Call the handler the way Lambda does: event and result both cross a JSON boundary.

    A result that JSON cannot represent raises here, as it fails the invocation on Lambda.
    """
    result = handler(json.loads(json.dumps(event)), context)
    return json.loads(json.dumps(result))
