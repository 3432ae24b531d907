"""The API's metrics as the handler writes them: CloudWatch EMF lines on stdout, one per invocation that
counted something, in the settings' namespace with the service as the only dimension."""

import json
import warnings
from typing import Any

import pytest

from conveyor_api.handlers.http import Handler, handler_for
from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.settings import Settings
from tests.support.events import get_job, load_event, post_job_request
from tests.support.fakes import (
    FakeDeployedJobTypes,
    FakeFileLinks,
    FakeUploads,
    InMemoryJobStore,
    InMemoryPayloadStore,
    InMemorySubmissionLedger,
    RecordingJobPublisher,
)
from tests.support.problems import assert_problem

TEXT_REQUEST = {"job_type": "text_transform", "payload": {"text": "Hello, Conveyor!"}}


@pytest.fixture(autouse=True)
def _no_metrics_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The namespace and service come from the settings alone: Powertools' own variables play no part."""
    for name in (
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_DISABLED",
        "POWERTOOLS_DEV",
    ):
        monkeypatch.delenv(name, raising=False)


def _emf_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" in line]


def _keyed(key: str) -> dict[str, Any]:
    event = post_job_request(TEXT_REQUEST)
    event["headers"]["idempotency-key"] = key
    return event


def test_a_submitted_job_is_counted_once_in_one_emf_line(
    handler: Handler, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert handler(post_job_request(TEXT_REQUEST), None)["statusCode"] == 202

    [line] = _emf_lines(capsys)
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == settings.powertools_metrics_namespace
    assert directive["Dimensions"] == [["service"]]
    assert directive["Metrics"] == [{"Name": "JobsSubmitted", "Unit": "Count"}]
    assert line["service"] == settings.powertools_service_name
    assert line["JobsSubmitted"] == [1.0]


def test_each_invocation_writes_its_own_counts(handler: Handler, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()

    handler(post_job_request(TEXT_REQUEST), None)
    handler(post_job_request(TEXT_REQUEST), None)

    assert [line["JobsSubmitted"] for line in _emf_lines(capsys)] == [[1.0], [1.0]]


def test_an_idempotent_replay_counts_no_new_job(handler: Handler, capsys: pytest.CaptureFixture[str]) -> None:
    handler(_keyed("order-1"), None)
    capsys.readouterr()

    replay = handler(_keyed("order-1"), None)

    assert replay["statusCode"] == 202
    assert _emf_lines(capsys) == []


def test_the_first_keyed_submission_counts_its_job(
    handler: Handler, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    handler(_keyed("order-1"), None)

    assert [line["JobsSubmitted"] for line in _emf_lines(capsys)] == [[1.0]]


def test_a_job_that_was_not_stored_is_not_counted(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = handler_for(
        settings,
        store=InMemoryJobStore(fail_with=BackendUnavailableError("the table did not answer")),
        publisher=RecordingJobPublisher(),
        ledger=InMemorySubmissionLedger(),
        links=FakeFileLinks(),
        uploads=FakeUploads(),
        payloads=InMemoryPayloadStore(),
        job_types=FakeDeployedJobTypes(),
    )
    capsys.readouterr()

    assert_problem(handler(post_job_request(TEXT_REQUEST), None), 503, "service-unavailable")

    assert _emf_lines(capsys) == []


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(load_event("get_health"), id="health"),
        pytest.param(get_job("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"), id="status"),
        pytest.param(post_job_request({"job_type": "text_transform", "payload": {}}), id="rejected"),
    ],
)
def test_an_invocation_that_counts_nothing_writes_no_metrics_and_no_warning(
    handler: Handler, capsys: pytest.CaptureFixture[str], event: dict[str, Any]
) -> None:
    capsys.readouterr()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        handler(event, None)

    assert _emf_lines(capsys) == []
