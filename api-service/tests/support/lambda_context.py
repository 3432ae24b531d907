"""The attributes of Lambda's context object that the handler and Powertools read."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "conveyor-api"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:conveyor-api"
    aws_request_id: str = "6f0e0a3c-0000-4000-8000-000000000000"
    remaining_time_in_millis: int = 10_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_time_in_millis
