"""Lambda's context object, as far as the handlers and Powertools' inject_lambda_context read it."""

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FakeLambdaContext:
    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 1024
    remaining_millis: int = 60_000
    """What get_remaining_time_in_millis answers, whenever it is asked: a frozen clock."""

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis
