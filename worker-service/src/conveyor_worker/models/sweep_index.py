"""The jobs table's sparse `sweep` index: where a pending job is entered when its message may be gone."""

import uuid

SWEEP_SHARDS = 16
"""sweep_shard takes the values 0..15 (contracts/v1/job-item.schema.json): 16 index partitions, so that no
partition's write limit caps how many jobs a second can enter or leave the index."""


def sweep_shard(job_id: str) -> int:
    """The index partition of a job: uuid(job_id) mod 16, as the contract defines it."""
    return uuid.UUID(job_id).int % SWEEP_SHARDS
