"""Alarms watch the right metric of the right resource (moto deploys no alarm); see test_dashboard.py too."""

from __future__ import annotations

from typing import Any

from conveyor_worker.jobs.newer import LONGEST_DELAY_SECONDS
from conveyor_worker.metrics.emf import NEWER_JOBS_WAITING

from tests.infra.templates import default, load_template, resources_of_type


def _watched(stack: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Each alarm by (metric, the logical id of the resource it watches)."""
    watched = {}
    for _, alarm in resources_of_type(load_template(stack), "AWS::CloudWatch::Alarm"):
        (dimension,) = alarm["Dimensions"]
        value = dimension["Value"]
        if isinstance(value, str):  # a metric the code publishes, by its dimension
            resource = f"{dimension['Name']}={value}"
        else:
            resource = value["Fn::GetAtt"][0] if "Fn::GetAtt" in value else value["Ref"]
        watched[(alarm["MetricName"], resource)] = alarm
    return watched


def test_core_alarms_on_a_dead_letter_and_on_a_stalled_queue() -> None:
    core = load_template("core")
    alarms = _watched("core")

    assert set(alarms) == {
        ("ApproximateNumberOfMessagesVisible", "JobsDeadLetterQueue"),
        ("ApproximateAgeOfOldestMessage", "JobsQueue"),
    }
    dead_letters = alarms[("ApproximateNumberOfMessagesVisible", "JobsDeadLetterQueue")]
    assert (dead_letters["Threshold"], dead_letters["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    # A message waiting out one redelivery is not a stalled queue.
    assert default(core, "OldestMessageAlarmSeconds") > default(core, "QueueVisibilityTimeoutSeconds")


def test_worker_alarms_on_errors_of_each_function_and_on_a_job_waiting_for_a_newer_worker() -> None:
    worker = load_template("worker")
    alarms = _watched("worker")

    assert set(alarms) == {
        ("Errors", "WorkerFunction"),
        ("Errors", "SweeperFunction"),
        (NEWER_JOBS_WAITING, "service=conveyor-worker"),
    }
    # The metric as the worker publishes it: its namespace and service are the worker function's.
    environment = worker["Resources"]["WorkerFunction"]["Properties"]["Environment"]["Variables"]
    waiting = alarms[(NEWER_JOBS_WAITING, "service=conveyor-worker")]
    assert (waiting["Namespace"], waiting["Dimensions"][0]["Value"]) == (
        environment["POWERTOOLS_METRICS_NAMESPACE"],
        environment["POWERTOOLS_SERVICE_NAME"],
    )
    # A waiting job's copy comes back within SQS's longest delay, so each period counts it.
    assert waiting["Period"] >= LONGEST_DELAY_SECONDS
