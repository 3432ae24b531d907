"""The job types the deployed worker runs, as the worker stack publishes them: an SSM parameter holding a
worker-job-types document, read through Powertools' Parameters utility and kept for a minute.

docs/design.md, Which job types the deployed worker runs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.models import ContractViolationError, WorkerJobTypes

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SSMProvider
    from botocore.client import BaseClient

MAX_AGE_SECONDS = 60
"""How long a read serves: a worker deploy's new types are accepted within a minute of it, and a warm function
reads the parameter once a minute whatever its traffic (SSM's standard throughput is 40 reads a second)."""

CONTRACT_MAJOR = 1
"""The major of the contract this API writes its job messages in: a list for another major says nothing of
its job types."""

_ABSENT = ("conveyor: no parameter",)
"""The provider's cache key of a parameter found missing, so that its absence is kept as long as a value."""


class SsmDeployedJobTypes:
    """The list in the SSM parameter `name`, read with the client `make_client` builds when first needed.

    Made on demand: Powertools' Parameters utility imports boto3, which a cold start whose first requests
    submit nothing should not pay for (docs/hand-written.md, The API's models and clients).
    """

    def __init__(self, make_client: Callable[[], BaseClient], name: str, *, logger: Logger) -> None:
        self._make_client = make_client
        self._name = name
        self._logger = logger
        self._provider: SSMProvider | None = None
        self._lock = threading.Lock()
        self._told_absent = False
        self._told_unreadable: str | None = None

    def job_types(self) -> frozenset[str] | None:
        provider = self._built()
        if provider.has_not_expired_in_cache(_ABSENT):
            return None
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            text = provider.get(self._name, max_age=MAX_AGE_SECONDS)
        except GetParameterError as error:
            # Powertools keeps the SDK's error only as the context of its own.
            cause = error.__context__
            if isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ParameterNotFound":
                provider.add_to_cache(_ABSENT, True, MAX_AGE_SECONDS)
                self._tell_absent()
                return None
            raise BackendUnavailableError(f"the parameter {self._name} could not be read") from error
        return self._listed(str(text))

    def _listed(self, text: str) -> frozenset[str] | None:
        try:
            return _job_types_of(text)
        except ValueError as not_a_list:
            # A worker stack's bug: better every type of the contract, as before the list, than none. Said
            # once per value, not at every submission.
            if self._told_unreadable != text:
                self._told_unreadable = text
                self._logger.error(
                    "the deployed worker's job types cannot be read; every type of the contract is accepted",
                    extra={"parameter": self._name, "reason": str(not_a_list)},
                )
            return None

    def _tell_absent(self) -> None:
        if not self._told_absent:
            self._told_absent = True
            self._logger.info(
                "the worker stack publishes no job types (older than the list); every type of the contract "
                "is accepted",
                extra={"parameter": self._name},
            )

    def _built(self) -> SSMProvider:
        with self._lock:
            if self._provider is None:
                from aws_lambda_powertools.utilities.parameters import SSMProvider

                self._provider = SSMProvider(boto3_client=self._make_client())
            return self._provider


@cache
def _job_types_of(text: str) -> frozenset[str]:
    """The job types a worker-job-types document of this API's major lists; ValueError for anything else."""
    try:
        published = WorkerJobTypes.from_document(json.loads(text))
    except json.JSONDecodeError as not_json:
        raise ValueError(f"not JSON: {not_json}") from not_json
    except ContractViolationError as off_contract:
        raise ValueError(str(off_contract)) from off_contract
    if published.contract_major != CONTRACT_MAJOR:
        raise ValueError(f"it lists the job types of contract major {published.contract_major}, not 1")
    return frozenset(published.job_types)
