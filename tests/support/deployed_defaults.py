"""The numbers a deployment runs with when nobody overrides a parameter, read from the templates: what the
simulated-clock tests and the bench's backlog run with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tests.infra.templates import default, load_template


@dataclass(frozen=True)
class DeployedDefaults:
    """The numbers a deployment runs with when nobody overrides a parameter, read from the templates."""

    lease: timedelta
    visibility_timeout: timedelta
    max_receive_count: int
    message_retention: timedelta
    job_retention: timedelta
    retry_base_seconds: int
    retry_max_seconds: int
    sweep_grace: timedelta
    sweep_every: timedelta

    @classmethod
    def of_the_templates(cls) -> DeployedDefaults:
        core, worker = load_template("core"), load_template("worker")
        schedule = worker["Resources"]["SweeperFunction"]["Properties"]["Events"]["EveryMinute"]
        assert schedule["Properties"]["Schedule"] == "rate(1 minute)"
        return cls(
            lease=timedelta(seconds=default(core, "WorkerTimeoutSeconds")),
            visibility_timeout=timedelta(seconds=default(core, "QueueVisibilityTimeoutSeconds")),
            max_receive_count=default(core, "MaxReceiveCount"),
            message_retention=timedelta(seconds=default(core, "MessageRetentionSeconds")),
            job_retention=timedelta(days=default(core, "JobRetentionDays")),
            retry_base_seconds=default(worker, "RetryBaseDelaySeconds"),
            retry_max_seconds=default(worker, "RetryMaxDelaySeconds"),
            sweep_grace=timedelta(seconds=default(worker, "SweepGraceSeconds")),
            sweep_every=timedelta(minutes=1),
        )
