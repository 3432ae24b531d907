"""Every setting of the local stack, in one place.

It is a dev tool, so everything has a default; only the ports can be changed, through the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
REGION = "us-east-1"
# moto accepts any credentials; fixed fake ones keep every local client away from real AWS accounts.
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
ACCOUNT_ID = "123456789012"  # moto's default account, the one its queue URLs and ARNs carry

# Short values keep retries watchable locally. They reach the stacks as template parameters (CORE_PARAMETERS,
# WORKER_PARAMETERS below), so the functions read them from their deployed environments, as on Lambda.
MAX_RECEIVE_COUNT = 3

# The lease invariant (docs/design.md): JOB_LEASE_SECONDS <= worker timeout < queue visibility timeout. The
# worker template makes the lease the worker's timeout, both core's WorkerTimeoutSeconds. A refused claim is
# acknowledged, so a message that SQS shows again must never meet a live lease left by a worker that died.
# Visibility = timeout + lease covers even the last record of a batch, claimed up to one timeout after the
# receive. A transient failure is then retried 30 s later, and the last of MAX_RECEIVE_COUNT attempts runs
# about a minute after the first. (AWS advises 6 x the timeout: the core template's defaults do; its
# MinValue, 6 s, admits these.)
WORKER_TIMEOUT_SECONDS = 15
QUEUE_VISIBILITY_TIMEOUT_SECONDS = 2 * WORKER_TIMEOUT_SECONDS
# Backoff of transient failures: a first retry within 2 s of the visibility timeout, never more than 20 s
# later (docs/design.md, Retries).
RETRY_BASE_DELAY_SECONDS = 2
RETRY_MAX_DELAY_SECONDS = 20
# The sweeper acts on a watched job this long after its sweep_at (a lease expiry); waiting jobs are never
# watched, so a short grace only ends a dead worker's last attempt sooner. On AWS it runs every minute (the
# worker template's schedule, which has no parameter); the local schedule emulator runs it every 10 s instead,
# so a repaired job shows up quickly.
SWEEP_GRACE_SECONDS = 15
SWEEP_INTERVAL_SECONDS = 10
# A finished job's expires_at is its finished_at plus this. moto never deletes expired items, so locally the
# value only shows in the items: a week, unlike the core template's default of 30 days, so that an item
# carrying 30 days shows that this parameter did not reach the functions.
JOB_RETENTION_DAYS = 7
API_TIMEOUT_SECONDS = 10
# Payloads whose stored JSON text is over this many bytes go to the files bucket, as the repository's own
# infra/api/samconfig.toml deploys them, so the local stack and the tests run that path for large payloads.
PAYLOAD_INLINE_MAX_BYTES = 4096
FUNCTION_MEMORY_MB = 256

API_FUNCTION_NAME = "conveyor-api"
WORKER_FUNCTION_NAME = "conveyor-worker"
SWEEPER_FUNCTION_NAME = "conveyor-sweeper"

# The SQS event source mapping's batch size (the Lambda default for standard queues) and how long each
# ReceiveMessage long-polls: short, because it bounds how long the worker takes to notice a stop request.
SQS_BATCH_SIZE = 10
SQS_WAIT_TIME_SECONDS = 1

# The template parameters `make dev` deploys with, by stack; the api's AllowOrigin is the demo page's origin,
# known once the ports are, and is added to API_PARAMETERS then.
CORE_PARAMETERS = {
    "WorkerTimeoutSeconds": str(WORKER_TIMEOUT_SECONDS),
    "QueueVisibilityTimeoutSeconds": str(QUEUE_VISIBILITY_TIMEOUT_SECONDS),
    "MaxReceiveCount": str(MAX_RECEIVE_COUNT),
    "JobRetentionDays": str(JOB_RETENTION_DAYS),
}
API_PARAMETERS = {"PayloadInlineMaxBytes": str(PAYLOAD_INLINE_MAX_BYTES)}
# send_email's sender: the local stack verifies its domain in moto's SES, as an account's owner verifies one
# in SES (conveyor_local.provision); the emails it sends stay in moto (its /moto-api/data.json lists them).
EMAIL_SENDER = "jobs@conveyor.local"
WORKER_PARAMETERS = {
    "EmailSender": EMAIL_SENDER,
    "BatchSize": str(SQS_BATCH_SIZE),
    "RetryBaseDelaySeconds": str(RETRY_BASE_DELAY_SECONDS),
    "RetryMaxDelaySeconds": str(RETRY_MAX_DELAY_SECONDS),
    "SweepGraceSeconds": str(SWEEP_GRACE_SECONDS),
}

# Sign-in, off unless CONVEYOR_SIGN_IN=1: a user pool and app client of this name are then created in moto's
# Cognito with the demo users, and the api stack is deployed with their ids (conveyor_local.sign_in).
USER_POOL_NAME = "conveyor-local"
DEMO_USERS = ("alice", "bob")
DEMO_PASSWORD = "Conveyor-local-1"
# moto's Cognito issues every token for an hour, whatever the app client's token validity says.
MOTO_TOKEN_LIFETIME_SECONDS = 3600

# local/conveyor_local/config.py -> the repository root, which holds the optional demo page in frontend/.
FRONTEND_DIR = Path(__file__).resolve().parents[2] / "frontend"

# A service's code and stack template can come from another checkout of this repository, an older release's
# (`make rehearse`, `make dev WORKER_AT=<commit>`): its infra/<stack>/template.yaml is deployed and the
# service's functions run in its <service>/.venv, where that checkout's package is installed
# (`python -m conveyor_release.checkout` makes both). This checkout's local/ still runs them, on PYTHONPATH:
# the emulators stand for AWS, which does not change with a service's release.
CHECKOUT_VARIABLES = {"api": "CONVEYOR_API_CHECKOUT", "worker": "CONVEYOR_WORKER_CHECKOUT"}
SERVICE_FOLDERS = {"api": "api-service", "worker": "worker-service"}
LOCAL_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ServiceCheckout:
    service: str
    root: Path

    @property
    def infra_dir(self) -> Path:
        return self.root / "infra"

    @property
    def python(self) -> Path:
        return self.root / SERVICE_FOLDERS[self.service] / ".venv" / "bin" / "python"


AWS_PORT_VARIABLE = "CONVEYOR_AWS_PORT"
API_PORT_VARIABLE = "CONVEYOR_API_PORT"
WEB_PORT_VARIABLE = "CONVEYOR_WEB_PORT"
SIGN_IN_VARIABLE = "CONVEYOR_SIGN_IN"
_SWITCH_VALUES = {"": False, "0": False, "1": True}


class ConfigError(ValueError):
    """An environment variable of the local stack has a value it cannot use."""


@dataclass(frozen=True)
class LocalStackConfig:
    aws_port: int = 5000
    api_port: int = 8080
    web_port: int = 8000
    sign_in: bool = False
    host: str = HOST
    checkouts: Mapping[str, ServiceCheckout] = field(default_factory=dict)
    """The services whose code and template come from another checkout, by service (`api`, `worker`)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LocalStackConfig:
        defaults = cls()
        return cls(
            aws_port=_port(environ, AWS_PORT_VARIABLE, defaults.aws_port),
            api_port=_port(environ, API_PORT_VARIABLE, defaults.api_port),
            web_port=_port(environ, WEB_PORT_VARIABLE, defaults.web_port),
            sign_in=_switch(environ, SIGN_IN_VARIABLE),
            checkouts={
                service: checkout
                for service in CHECKOUT_VARIABLES
                if (checkout := _checkout(environ, service)) is not None
            },
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


def _switch(environ: Mapping[str, str], variable: str) -> bool:
    raw = environ.get(variable, "").strip()
    if raw not in _SWITCH_VALUES:
        raise ConfigError(f"{variable}={raw!r} is neither 1 (on) nor 0 or empty (off)")
    return _SWITCH_VALUES[raw]


def _checkout(environ: Mapping[str, str], service: str) -> ServiceCheckout | None:
    variable = CHECKOUT_VARIABLES[service]
    raw = environ.get(variable, "").strip()
    if not raw:
        return None
    checkout = ServiceCheckout(service, Path(raw).resolve())
    remedy = f"make it with `python -m conveyor_release.checkout {service} <commit>`"
    for needed in (checkout.infra_dir / service / "template.yaml", checkout.python):
        if not needed.is_file():
            raise ConfigError(f"{variable}={raw!r} has no {needed.relative_to(checkout.root)}: {remedy}")
    return checkout
