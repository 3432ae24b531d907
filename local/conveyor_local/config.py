"""Every setting of the local stack, in one place.

It is a dev tool, so everything has a default; only the ports can be changed, through the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
REGION = "us-east-1"
# moto accepts any credentials; fixed fake ones keep every local client away from real AWS accounts.
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
ACCOUNT_ID = "123456789012"  # moto's default account, the one its queue URLs and ARNs carry

TABLE_NAME = "conveyor-jobs"
QUEUE_NAME = "conveyor-jobs"
DLQ_NAME = "conveyor-jobs-dlq"
IDEMPOTENCY_TABLE_NAME = "conveyor-idempotency"
MAX_RECEIVE_COUNT = 3

# The lease invariant (docs/design.md): JOB_LEASE_SECONDS <= worker timeout < queue visibility timeout.
# A refused claim is acknowledged, so a message that SQS shows again must never meet a live lease left by a
# worker that died. Visibility = timeout + lease covers even the last record of a batch, claimed up to one
# timeout after the receive. Short values keep retries watchable: a transient failure is retried 30 s
# later, and the last of MAX_RECEIVE_COUNT attempts runs about a minute after the first.
WORKER_TIMEOUT_SECONDS = 15
JOB_LEASE_SECONDS = 15
QUEUE_VISIBILITY_TIMEOUT_SECONDS = WORKER_TIMEOUT_SECONDS + JOB_LEASE_SECONDS
# Backoff of transient failures: a first retry within 2 s of the visibility timeout, never more than 20 s
# later, which keeps it below the sweeper's grace period (docs/design.md, Retries).
RETRY_BASE_DELAY_SECONDS = 2
RETRY_MAX_DELAY_SECONDS = 20
# The sweeper must leave SQS's own redelivery the first chance: its grace exceeds the visibility timeout.
# On AWS it runs every minute; locally every 10 s, so a repaired job shows up quickly.
SWEEP_GRACE_SECONDS = QUEUE_VISIBILITY_TIMEOUT_SECONDS + 15
SWEEP_MAX_RESENDS = 3
SWEEP_INTERVAL_SECONDS = 10
API_TIMEOUT_SECONDS = 10
FUNCTION_MEMORY_MB = 256

API_FUNCTION_NAME = "conveyor-api"
WORKER_FUNCTION_NAME = "conveyor-worker"
SWEEPER_FUNCTION_NAME = "conveyor-sweeper"

# The SQS event source mapping's batch size (the Lambda default for standard queues) and how long each
# ReceiveMessage long-polls: short, because it bounds how long the worker takes to notice a stop request.
SQS_BATCH_SIZE = 10
SQS_WAIT_TIME_SECONDS = 1

# local/conveyor_local/config.py -> the repository root, which holds the optional demo page in frontend/.
FRONTEND_DIR = Path(__file__).resolve().parents[2] / "frontend"

AWS_PORT_VARIABLE = "CONVEYOR_AWS_PORT"
API_PORT_VARIABLE = "CONVEYOR_API_PORT"
WEB_PORT_VARIABLE = "CONVEYOR_WEB_PORT"


class ConfigError(ValueError):
    """An environment variable of the local stack has a value it cannot use."""


@dataclass(frozen=True)
class LocalStackConfig:
    aws_port: int = 5000
    api_port: int = 8080
    web_port: int = 8000
    host: str = HOST

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LocalStackConfig:
        defaults = cls()
        return cls(
            aws_port=_port(environ, AWS_PORT_VARIABLE, defaults.aws_port),
            api_port=_port(environ, API_PORT_VARIABLE, defaults.api_port),
            web_port=_port(environ, WEB_PORT_VARIABLE, defaults.web_port),
        )

    @property
    def aws_endpoint_url(self) -> str:
        return f"http://{self.host}:{self.aws_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"


def _port(environ: Mapping[str, str], variable: str, default: int) -> int:
    raw = environ.get(variable, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"{variable}={raw!r} is not a TCP port: use a number from 1 to 65535")
    return int(raw)
