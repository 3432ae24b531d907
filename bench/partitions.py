"""Hot partitions: a simulated load replaying the jobs-table writes measured in bench.requests_per_job at a
given job rate, and the write units a second each partition key of the table's indexes takes under it.

DynamoDB serves at most 1,000 WRU a second on one partition key, and a global secondary index that cannot keep
up throttles the table's writes. A partition splits for heat, but a split cannot help a key whose writes all
land on its newest sort key (a time-sorted index's do), so a key's ceiling is where its busiest second reaches
1,000 WRU. The load gives each replayed job a fresh id, so the `sweep` index's shards (uuid mod 16) spread as
they do in AWS, unevenly from second to second; the signed-in jobs all stay one owner's, the worst case: one
tenant submitting everything. The table's own key is a job id, never hot.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

from conveyor_worker.models.sweep_index import sweep_shard

from bench.common import Section, table
from bench.dynamodb_units import Index
from bench.requests_per_job import SIGNED_IN_OWNER, JobTypeRun, PipelineRun, TableWrite

RATE = 1_000
"""Jobs a second in the simulated load."""
SECONDS = 10
PARTITION_WRITE_LIMIT = 1_000
"""WRU a second one partition key takes, at most."""


def run(pipeline: PipelineRun) -> Section:
    indexes = [
        Index.from_description(pipeline.table_description, index["IndexName"])
        for index in pipeline.table_description["GlobalSecondaryIndexes"]
    ]
    rows: list[list[Any]] = []
    figures: dict[str, dict[str, dict[str, Any]]] = {}
    for job_run in [*pipeline.job_types, pipeline.last_receive]:
        per_job = _units_per_job(job_run, indexes)
        for index_name, (key, peak) in sorted(_peaks(_load(job_run, indexes)).items()):
            ceiling = RATE * PARTITION_WRITE_LIMIT / peak
            figures.setdefault(job_run.name, {})[index_name] = {
                "hottest_key": key,
                "wru_per_job": per_job[index_name],
                "peak_wru_per_second": peak,
                "jobs_per_second_at_limit": ceiling,
            }
            rows.append(
                [
                    job_run.name,
                    f"`{index_name}`",
                    f"`{key}`",
                    f"{per_job[index_name]:.2f}",
                    f"{peak:,.0f}",
                    f"{ceiling:,.0f}",
                ]
            )
    body = [
        f"A simulated load of {RATE:,} jobs a second for {SECONDS} s per kind of job, each job's writes "
        "replayed from AWS requests per job under a fresh job id (the signed-in jobs all one owner's, the "
        "worst case; the last kind, jobs whose messages the worker first met on their last receive, is the "
        "only one that writes the `sweep` index). Per index: the write units per job over all its keys, the "
        "partition key with the busiest second and its WRU in it, and the job rate at which that key "
        f"reaches DynamoDB's {PARTITION_WRITE_LIMIT:,} WRU a second (docs/scaling.md):",
        "",
        *table(
            [
                "jobs",
                "index",
                "hottest key",
                "WRU per job",
                f"busiest second, WRU at {RATE:,} jobs/s",
                "jobs/s at the key's limit",
            ],
            rows,
        ),
        "",
        "A kind of job with no row writes no index: unowned jobs are in no listing index.",
    ]
    headline = "; ".join(
        f"{name}: `{index}` {figure['jobs_per_second_at_limit']:,.0f} jobs/s"
        for name, by_index in figures.items()
        for index, figure in by_index.items()
    )
    return Section(
        "Hot partitions", body, figures, headline=f"Where one index key reaches its limit: {headline}"
    )


def _units_per_job(job_run: JobTypeRun, indexes: Sequence[Index]) -> dict[str, float]:
    return {
        index.name: sum(index.write_units(write.before, write.after) for write in job_run.writes)
        / job_run.jobs
        for index in indexes
    }


def _load(job_run: JobTypeRun, indexes: Sequence[Index]) -> Counter[tuple[str, str, int]]:
    """(index, partition key, second) -> WRU, for RATE jobs a second over SECONDS seconds."""
    measured = _one_job(job_run)
    load: Counter[tuple[str, str, int]] = Counter()
    for number in range(RATE * SECONDS):
        job_id = str(uuid.uuid4())
        second = number // RATE
        for write in measured:
            before, after = _as(job_id, write.before), _as(job_id, write.after)
            for index in indexes:
                for value, units in index.partition_writes(before, after):
                    load[(index.name, _shown(value), second)] += units
    return load


def _one_job(job_run: JobTypeRun) -> list[TableWrite]:
    """The writes of the run's first job (every job of a run writes alike: requests_per_job counts them)."""
    first = job_run.writes[0].after["job_id"]["S"]
    return [write for write in job_run.writes if write.after["job_id"]["S"] == first]


def _as(job_id: str, image: dict[str, Any] | None) -> dict[str, Any] | None:
    """The measured image as another job's: its id and, if it is in the `sweep` index, that id's shard."""
    if image is None:
        return None
    copy = {**image, "job_id": {"S": job_id}}
    if "sweep_shard" in copy:
        copy["sweep_shard"] = {"N": str(sweep_shard(job_id))}
    return copy


def _shown(value: Any) -> str:
    return str(next(iter(value.values()))).replace(SIGNED_IN_OWNER, "{owner}")


def _peaks(load: Counter[tuple[str, str, int]]) -> dict[str, tuple[str, float]]:
    """Per index written, the partition key with the busiest second, and the WRU it took in that second."""
    peaks: dict[str, tuple[str, float]] = {}
    for (index, key, _second), units in load.items():
        if units > peaks.get(index, ("", 0.0))[1]:
            peaks[index] = (key, float(units))
    return peaks
