"""How long the API waits for AWS: a backend that stalls costs each call a bounded time, so that the API
answers its documented 503 problem before the function's timeout, after which API Gateway would answer a
bare 500.

docs/design.md, Timeouts and retry budgets. botocore's defaults (60 s to connect, 60 s per read, retries)
let a single call to an endpoint that never answers outlast a 10 s function many times over.
"""

from dataclasses import dataclass

from botocore.config import Config

FUNCTION_TIMEOUT_SECONDS = 10
"""ApiFunction's Timeout in infra/api/template.yaml (tests/infra checks that they agree). Lambda tells a
function its timeout only through each invocation's context, and the clients are made before the first."""

RESERVE_SECONDS = 2.0
"""Kept for the rest of a request: the calls that did answer, a first keyed request's import of
Powertools' idempotency utility, and the response."""

STALLED_CALLS_PER_REQUEST = 2
"""A request ends at its first failed call, except that Powertools then deletes the Idempotency-Key's
item: one more call, to the same DynamoDB."""

ATTEMPTS = 2
"""One retry, for a throttled request or a dropped connection; a third would not fit, and clients retry
a 503."""

LONGEST_RETRY_DELAY_SECONDS = 1.0
"""botocore's standard mode waits up to 1 s (throttling) before a second attempt, 25-50 ms after a
timeout. Only an endpoint that answers can ask for longer (x-amz-retry-after), and it is not stalled."""

LONGEST_CONNECT_SECONDS = 2.0
"""Connecting to a regional endpoint takes milliseconds; longer only waits longer for one that is down."""


@dataclass(frozen=True, slots=True)
class CallBudget:
    """The timeouts and attempts of every AWS call the API makes."""

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


def call_budget(function_timeout_seconds: float = FUNCTION_TIMEOUT_SECONDS) -> CallBudget:
    """Each call's share of the function's timeout: what the reserve leaves, split between the calls that
    can stall in one request, then between the attempts of a call, a third of each for connecting."""
    per_call = (function_timeout_seconds - RESERVE_SECONDS) / STALLED_CALLS_PER_REQUEST
    per_attempt = (per_call - LONGEST_RETRY_DELAY_SECONDS * (ATTEMPTS - 1)) / ATTEMPTS
    if per_attempt <= 0:
        raise ValueError(f"a {function_timeout_seconds} s function has no time left for its AWS calls")
    connect = min(per_attempt / 3, LONGEST_CONNECT_SECONDS)
    return CallBudget(connect_timeout=connect, read_timeout=per_attempt - connect, attempts=ATTEMPTS)
