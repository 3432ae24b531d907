"""How long the worker and the sweeper wait for AWS: a call to a backend that stalls fails within a third
of the function's timeout, so that the failure is handled as any other (the record reported as a batch
item failure, the sweep ended and left to the next run) instead of the timeout ending the invocation,
batch and all.

docs/design.md, Timeouts and retry budgets. botocore's defaults (60 s to connect, 60 s per read, retries)
let a single call to an endpoint that never answers outlast the function.
"""

from dataclasses import dataclass

from botocore.config import Config

SWEEPER_TIMEOUT_SECONDS = 60
"""SweeperFunction's Timeout in infra/worker/template.yaml (tests/infra checks that they agree). The
worker's own is its settings' job_lease_seconds. Lambda tells a function its timeout only through each
invocation's context, and the clients are made before the first."""

CALL_SHARE_OF_TIMEOUT = 1 / 3
"""A record meets at most two stalled calls (the one that fails, then the release of its lease on the
same table), which leaves the last third of the timeout to report it and go on with the batch."""

ATTEMPTS = 2
"""One retry, for a throttled request or a dropped connection; SQS redelivers the record for the rest."""

LONGEST_RETRY_DELAY_SECONDS = 1.0
"""botocore's standard mode waits up to 1 s (throttling) before a second attempt, 25-50 ms after a
timeout. Only an endpoint that answers can ask for longer (x-amz-retry-after), and it is not stalled."""

SHORTEST_ATTEMPT_SECONDS = 0.5
"""Below this a second attempt is not worth its share: the call gets a single, longer one."""

LONGEST_CONNECT_SECONDS = 2.0
"""Connecting to a regional endpoint takes milliseconds; longer only waits longer for one that is down."""

LONGEST_READ_SECONDS = 60.0
"""botocore's default: a read timeout bounds each wait for bytes, not a whole transfer, so a long
function needs no more."""


@dataclass(frozen=True, slots=True)
class CallBudget:
    """The timeouts and attempts of every AWS call a function makes."""

    connect_timeout: float
    read_timeout: float
    attempts: int

    @property
    def longest_call_seconds(self) -> float:
        """The longest a call to an endpoint that accepts connections and never answers can take."""
        retry_delays = LONGEST_RETRY_DELAY_SECONDS * (self.attempts - 1)
        return self.attempts * (self.connect_timeout + self.read_timeout) + retry_delays

    def config(self) -> Config:
        """botocore's client configuration for this budget: standard retries, counted as total attempts."""
        return Config(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"mode": "standard", "total_max_attempts": self.attempts},
        )


def call_budget(function_timeout_seconds: float) -> CallBudget:
    """Each call's share of the function's timeout, split between its attempts, a third of each for
    connecting."""
    per_call = function_timeout_seconds * CALL_SHARE_OF_TIMEOUT
    attempts = ATTEMPTS
    per_attempt = (per_call - LONGEST_RETRY_DELAY_SECONDS * (attempts - 1)) / attempts
    if per_attempt < SHORTEST_ATTEMPT_SECONDS:
        attempts, per_attempt = 1, per_call
    connect = min(per_attempt / 3, LONGEST_CONNECT_SECONDS)
    read = min(per_attempt - connect, LONGEST_READ_SECONDS)
    return CallBudget(connect_timeout=connect, read_timeout=read, attempts=attempts)
