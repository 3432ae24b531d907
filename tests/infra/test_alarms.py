"""Alarms watch the right metric of the right resource (moto deploys no alarm); see test_dashboard.py too."""

from __future__ import annotations

from typing import Any

from tests.infra.templates import default, load_template, resources_of_type


def _watched(stack: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Each alarm by (metric, the logical id of the resource it watches)."""
    watched = {}
    for _, alarm in resources_of_type(load_template(stack), "AWS::CloudWatch::Alarm"):
        (dimension,) = alarm["Dimensions"]
        value = dimension["Value"]
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


def test_worker_alarms_on_errors_of_each_function() -> None:
    assert set(_watched("worker")) == {("Errors", "WorkerFunction"), ("Errors", "SweeperFunction")}
