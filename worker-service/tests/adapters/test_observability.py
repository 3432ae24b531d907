"""What the functions print besides their work: JSON log lines carrying the job id as correlation id, and one
CloudWatch EMF document per invocation with the dashboard's metric names (docs/design.md, Observability)."""

import json
import uuid
import warnings
from typing import Any

import pytest

from conveyor_worker.clock import to_epoch_ms
from conveyor_worker.contract import check, load_contract
from conveyor_worker.handlers.sqs import build_handler
from conveyor_worker.handlers.sweeper import build_handler as build_sweeper_handler
from conveyor_worker.settings import Settings, SweeperSettings
from tests.support.clock import FakeClock
from tests.support.dynamo import JobsTable
from tests.support.events import sqs_event, sqs_record
from tests.support.items import (
    OWNER,
    in_the_sweep_index,
    job_message_body,
    listing_keys_of,
    owned,
    queued_item,
)
from tests.support.spy import recorded_calls
from tests.support.sqs import JobsQueue


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> str:
    """A service name of the test's own, from the environment as the templates set it. (Powertools loggers of
    one name share the handler made for the first, which would write to an earlier test's stdout.)"""
    name = f"conveyor-worker-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", name)
    return name


@pytest.fixture
def namespace(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Conveyor")
    return "Conveyor"


def printed(out: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The JSON lines printed: (log lines, EMF documents)."""
    documents = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [d for d in documents if "_aws" not in d], [d for d in documents if "_aws" in d]


def metrics_of(document: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """name -> (unit, value as the document holds it) of one EMF document."""
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    return {metric["Name"]: (metric["Unit"], document[metric["Name"]]) for metric in directive["Metrics"]}


def submitted(table: JobsTable, item: dict[str, Any]) -> str:
    table.put(item)
    return str(item["job_id"])


def test_one_invocation_prints_one_emf_document_with_the_dashboards_names_units_and_values(
    settings: Settings,
    jobs_table: JobsTable,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    service: str,
    namespace: str,
) -> None:
    first = submitted(jobs_table, queued_item("text_transform", {"text": "hi"}))
    second = submitted(jobs_table, queued_item("text_transform", {"text": "there"}))
    handler = build_handler(settings, dynamodb_client=jobs_table.client, clock=clock)
    capsys.readouterr()

    handler(
        sqs_event(
            sqs_record(job_message_body(first), message_id="m-1"),
            sqs_record(job_message_body(second), message_id="m-2"),
            sqs_record(job_message_body(first), message_id="m-3"),  # a duplicate
        ),
        None,
    )

    _, documents = printed(capsys.readouterr().out)
    (document,) = documents
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert (directive["Namespace"], directive["Dimensions"], document["service"]) == (
        namespace,
        [["service"]],
        service,
    )
    # The test support's items were made 333 ms before its clock's start; its clock stays still in a run.
    assert metrics_of(document) == {
        "JobsClaimed": ("Count", [1.0, 1.0]),
        "QueueWait": ("Milliseconds", [333.0, 333.0]),
        "JobsSucceeded": ("Count", [1.0, 1.0]),
        "RunTime": ("Milliseconds", [0.0, 0.0]),
        "DuplicateDeliveriesSkipped": ("Count", [1.0]),
    }


def test_failures_and_retries_are_counted(
    settings: Settings,
    jobs_table: JobsTable,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    service: str,
    namespace: str,
) -> None:
    def flaky(payload: Any, job: Any) -> dict[str, Any]:
        raise ConnectionError("unreachable")

    retried = submitted(jobs_table, queued_item("text_transform", {"text": "a"}))
    exhausted = submitted(jobs_table, queued_item("text_transform", {"text": "b"}))
    handler = build_handler(
        settings,
        job_types={"text_transform": flaky},
        dynamodb_client=jobs_table.client,
        clock=clock,
        jitter=lambda low, high: high,
    )
    capsys.readouterr()

    handler(
        sqs_event(
            sqs_record(job_message_body(retried), message_id="m-1"),
            sqs_record(
                job_message_body(exhausted), message_id="m-2", receive_count=settings.max_receive_count
            ),
        ),
        None,
    )

    _, (document,) = printed(capsys.readouterr().out)
    metrics = metrics_of(document)
    assert (metrics["JobsRetried"], metrics["JobsFailed"]) == (("Count", [1.0]), ("Count", [1.0]))
    assert "JobsSucceeded" not in metrics


def test_an_invocation_with_nothing_to_count_prints_no_document_and_warns_nothing(
    settings: Settings,
    jobs_table: JobsTable,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    service: str,
    namespace: str,
) -> None:
    handler = build_handler(settings, dynamodb_client=jobs_table.client, clock=clock)

    with warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        handler(sqs_event(sqs_record("not json", message_id="m-1")), None)

    assert raised == []
    assert printed(capsys.readouterr().out)[1] == []


def test_without_a_namespace_metrics_are_dropped_with_one_warning_and_the_batch_still_succeeds(
    settings: Settings,
    jobs_table: JobsTable,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    service: str,
) -> None:
    handler = build_handler(settings, dynamodb_client=jobs_table.client, clock=clock)
    capsys.readouterr()

    responses = []
    for text in ("a", "b"):
        job_id = submitted(jobs_table, queued_item("text_transform", {"text": text}))
        responses.append(handler(sqs_event(sqs_record(job_message_body(job_id), message_id="m")), None))

    assert responses == [{"batchItemFailures": []}] * 2
    lines, documents = printed(capsys.readouterr().out)
    assert documents == []
    assert [line["message"] for line in lines if line["level"] == "WARNING"] == [
        "metrics dropped: POWERTOOLS_METRICS_NAMESPACE is not set"
    ]


def test_every_line_logged_while_processing_a_record_carries_the_job_id_and_the_service_name(
    settings: Settings,
    jobs_table: JobsTable,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    service: str,
    namespace: str,
) -> None:
    def reports_then_fails(payload: Any, job: Any) -> dict[str, Any]:
        job.report_progress(50, "halfway")
        raise ConnectionError("unreachable")

    job_id = submitted(jobs_table, owned(queued_item("text_transform", {"text": "hi"})))
    handler = build_handler(
        settings,
        job_types={"text_transform": reports_then_fails},
        dynamodb_client=jobs_table.client,
        clock=clock,
    )
    capsys.readouterr()

    handler(sqs_event(sqs_record(job_message_body(job_id), message_id="m-1")), None)
    handler(sqs_event(sqs_record("not json", message_id="m-2")), None)

    lines, _ = printed(capsys.readouterr().out)
    about_the_job = [line for line in lines if line.get("message_id") != "m-2"]
    assert [line["message"] for line in about_the_job] == [
        "job IN_PROGRESS",
        "lease released after a transient failure; the job will be retried",
        "message delay not set; the queue's visibility timeout applies",  # the test's receipt handle is fake
        "reported as a batch item failure",
    ]
    assert {(line["correlation_id"], line["service"]) for line in about_the_job} == {(job_id, service)}
    (malformed,) = [line for line in lines if line.get("message_id") == "m-2"]
    assert "correlation_id" not in malformed


def test_an_owned_job_costs_one_extra_write_and_every_write_leaves_a_valid_item_with_matching_keys(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    items_while_running: list[dict[str, Any]] = []

    def watched(payload: Any, job: Any) -> dict[str, Any]:
        job.report_progress(40, "working")
        items_while_running.append(jobs_table.get(job.job_id) or {})
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    handler = build_handler(
        settings, job_types={"text_transform": watched}, dynamodb_client=jobs_table.client, clock=clock
    )
    owned_id = submitted(jobs_table, owned(queued_item("text_transform", {"text": "hi"})))
    unowned_id = submitted(jobs_table, queued_item("text_transform", {"text": "hi"}))

    writes: dict[str, int] = {}
    for job_id in (owned_id, unowned_id):
        with recorded_calls(jobs_table.client, "UpdateItem") as calls:
            handler(sqs_event(sqs_record(job_message_body(job_id), message_id="m")), None)
        writes[job_id] = len(calls)

    # Claim, progress and completion; an owned job's claim is followed by its listing keys' write.
    assert writes == {owned_id: 4, unowned_id: 3}
    for running in items_while_running:
        check(load_contract().job_item, "the running item", running)
        assert running["progress"]["percent"] == 40
    assert listing_keys_of(items_while_running[0]) == (
        f"{OWNER}#IN_PROGRESS",
        f"{OWNER}#text_transform#IN_PROGRESS",
    )
    for job_id in (owned_id, unowned_id):
        finished = jobs_table.get(job_id) or {}
        check(load_contract().job_item, "the finished item", finished)
        assert "progress" not in finished
    assert listing_keys_of(jobs_table.get(owned_id) or {}) == (
        f"{OWNER}#SUCCEEDED",
        f"{OWNER}#text_transform#SUCCEEDED",
    )
    assert listing_keys_of(jobs_table.get(unowned_id) or {}) is None


def test_the_sweeper_prints_its_counts_as_one_emf_document_and_its_job_lines_carry_the_job_id(
    sweeper_settings: SweeperSettings,
    jobs_table: JobsTable,
    jobs_queue: JobsQueue,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    service: str,
    namespace: str,
) -> None:
    lost = submitted(
        jobs_table,
        in_the_sweep_index(queued_item("text_transform", {"text": "a"}), sweep_at=to_epoch_ms(clock())),
    )
    hopeless = submitted(
        jobs_table,
        {
            **in_the_sweep_index(
                owned(queued_item("text_transform", {"text": "b"})), sweep_at=to_epoch_ms(clock())
            ),
            "status": "IN_PROGRESS",
            "attempts": 3,
            "claim_token": "dead",
            "lease_expires_at": to_epoch_ms(clock()),
        },
    )
    clock.advance(seconds=sweeper_settings.sweep_grace_seconds, milliseconds=1)
    sweeper = build_sweeper_handler(
        sweeper_settings, dynamodb_client=jobs_table.client, sqs_client=jobs_queue.client, clock=clock
    )
    capsys.readouterr()

    sweeper({}, None)
    sweeper({}, None)  # finds nothing: prints no document

    lines, documents = printed(capsys.readouterr().out)
    (document,) = documents
    assert metrics_of(document) == {"JobsResent": ("Count", [1.0]), "OverdueJobsFailed": ("Count", [1.0])}
    assert document["service"] == service
    about_jobs = [line for line in lines if "job_id" in line]
    assert {line["job_id"] for line in about_jobs} == {lost, hopeless}
    assert all(line["correlation_id"] == line["job_id"] for line in about_jobs)
    failed = jobs_table.get(hopeless) or {}
    check(load_contract().job_item, "the failed item", failed)
    assert listing_keys_of(failed) == (f"{OWNER}#FAILED", f"{OWNER}#text_transform#FAILED")
