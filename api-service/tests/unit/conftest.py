from collections.abc import Callable
from dataclasses import replace
from functools import partial

import pytest

from conveyor_api.handlers.http import Handler, handler_for
from conveyor_api.settings import Settings
from tests.support.events import DEMO_ORIGIN
from tests.support.fakes import (
    FakeDeployedJobTypes,
    FakeFileLinks,
    FakeUploads,
    InMemoryJobStore,
    InMemoryPayloadStore,
    InMemorySubmissionLedger,
    RecordingJobPublisher,
)


@pytest.fixture
def settings() -> Settings:
    return Settings(
        jobs_table_name="jobs-unit",
        jobs_queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-unit",
        idempotency_table_name="idempotency-unit",
        cors_allow_origin=DEMO_ORIGIN,
        files_bucket_name="files-unit",
        auth_mode="none",
        powertools_service_name="conveyor-api-unit",
        powertools_metrics_namespace="ConveyorUnit",
        payload_inline_max_bytes=4096,
        job_types_parameter_name="/conveyor-unit/worker/job-types",
        job_retention_days=30,
    )


@pytest.fixture
def jwt_settings(settings: Settings) -> Settings:
    return replace(settings, auth_mode="jwt")


@pytest.fixture
def store() -> InMemoryJobStore:
    return InMemoryJobStore()


@pytest.fixture
def publisher() -> RecordingJobPublisher:
    return RecordingJobPublisher()


@pytest.fixture
def ledger() -> InMemorySubmissionLedger:
    return InMemorySubmissionLedger()


@pytest.fixture
def links() -> FakeFileLinks:
    return FakeFileLinks()


@pytest.fixture
def uploads() -> FakeUploads:
    return FakeUploads()


@pytest.fixture
def payloads() -> InMemoryPayloadStore:
    return InMemoryPayloadStore()


@pytest.fixture
def deployed_job_types() -> FakeDeployedJobTypes:
    """A worker stack that publishes no list, as before it had one: every type of the contract is accepted."""
    return FakeDeployedJobTypes()


HandlerFor = Callable[[Settings], Handler]
"""The API's handler for the given settings, over the shared fakes."""


@pytest.fixture
def handler_with(
    store: InMemoryJobStore,
    publisher: RecordingJobPublisher,
    ledger: InMemorySubmissionLedger,
    links: FakeFileLinks,
    uploads: FakeUploads,
    payloads: InMemoryPayloadStore,
    deployed_job_types: FakeDeployedJobTypes,
) -> HandlerFor:
    return partial(
        handler_for,
        store=store,
        publisher=publisher,
        ledger=ledger,
        links=links,
        uploads=uploads,
        payloads=payloads,
        job_types=deployed_job_types,
    )


@pytest.fixture
def handler(settings: Settings, handler_with: HandlerFor) -> Handler:
    return handler_with(settings)


@pytest.fixture
def jwt_handler(jwt_settings: Settings, handler_with: HandlerFor) -> Handler:
    """The handler of a deployment with sign-in, over the same fakes as `handler`."""
    return handler_with(jwt_settings)
