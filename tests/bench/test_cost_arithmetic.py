"""The arithmetic docs/benchmarks.md's cost figures rest on, against examples worked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from bench.cost import billed_gb_seconds, cost_per_million, sqs_request_units, submission_usage, total
from bench.dynamodb_units import Index, item_size, read_units, table_write_units
from bench.instruments import Invocation
from bench.requests_per_job import SideRun

SWEEP = Index(
    name="sweep",
    keys=("sweep_shard", "sweep_at"),
    projected=("status", "job_type", "created_at", "attempts", "sweeps"),
    table_keys=("job_id",),
)
QUEUED = {
    "job_id": {"S": "j"},
    "status": {"S": "QUEUED"},
    "attempts": {"N": "0"},
    "sweep_shard": {"N": "3"},
    "sweep_at": {"N": "1000"},
}
CLAIMED = {**QUEUED, "status": {"S": "IN_PROGRESS"}, "attempts": {"N": "1"}, "sweep_at": {"N": "2000"}}
FINISHED = {name: value for name, value in CLAIMED.items() if name not in ("sweep_shard", "sweep_at")} | {
    "status": {"S": "SUCCEEDED"}
}


def test_cost_per_million_jobs_is_each_measured_quantity_times_its_list_price() -> None:
    usage = {
        "http_api": 1.0,
        "lambda_requests": 1.1,
        "lambda_gb_seconds": 0.01,
        "dynamodb_wru": 7.0,
        "dynamodb_rru": 0.0,
        "sqs_requests": 1.2,
        "log_gib": 1e-6,
    }

    terms = cost_per_million(usage)

    # By hand: $1.00, 1.1 x $0.20, 0.01 x 1e6 x $0.0000133334, 7 x $0.625, 0, 1.2 x $0.40, 1e-6 x 1e6 x $0.50.
    dollars = [round(term.dollars_per_million, 6) for term in terms]
    assert dollars == [1.0, 0.22, 0.133334, 4.375, 0.0, 0.48, 0.5]
    assert total(terms) == pytest.approx(6.708334)


def test_lambda_bills_each_invocation_rounded_up_to_the_millisecond_times_its_memory() -> None:
    # 10.1 ms bills 11 ms and 2 ms bills 2 ms: 13 ms at a quarter of a GB.
    assert billed_gb_seconds([0.0101, 0.002], 256) == pytest.approx(0.013 * 0.25)


def test_sqs_counts_a_request_per_started_64_kib_of_payload() -> None:
    assert [sqs_request_units(size) for size in (0, 65_536, 65_537)] == [1, 1, 2]


def test_item_size_adds_names_values_and_the_overheads_of_maps() -> None:
    item: dict[str, dict[str, Any]] = {
        "job_id": {"S": "abc"},
        "n": {"N": "12345"},
        "m": {"M": {"code": {"S": "X"}}},
    }

    # job_id: 6 + 3; n: 1 + (3 bytes for 5 digits + 1); m: 1 + (3 + ("code" 4 + "X" 1 + 1 per element)).
    assert item_size(item) == 9 + 5 + 10


def test_write_and_read_units_round_up_by_1_kb_and_4_kb() -> None:
    small, large = {"a": {"S": "x" * 1000}}, {"a": {"S": "x" * 1100}}

    assert table_write_units(small, large) == 2
    assert table_write_units(None, small) == 1
    assert read_units(4096, consistent=True) == 1.0
    assert read_units(4097, consistent=False) == 1.0
    assert read_units(0, consistent=False) == 0.5


@pytest.mark.parametrize(
    ("before", "after", "units"),
    [
        (None, QUEUED, 1),  # the job enters the sparse index
        (QUEUED, CLAIMED, 2),  # the claim moves its sort key: a delete and a put
        (CLAIMED, FINISHED, 1),  # the job leaves the index
        (FINISHED, FINISHED, 0),  # not in the index at all
        (QUEUED, {**QUEUED, "sweeps": {"N": "1"}}, 1),  # a projected attribute changes
    ],
)
def test_sparse_index_writes_follow_dynamodbs_rules(
    before: dict[str, dict[str, str]] | None, after: dict[str, dict[str, str]], units: int
) -> None:
    assert SWEEP.write_units(before, after) == units


def test_an_index_write_is_billed_to_the_partition_of_each_entry_it_deletes_or_puts() -> None:
    moved = {**CLAIMED, "sweep_shard": {"N": "5"}}
    assert SWEEP.partition_writes(QUEUED, moved) == [({"N": "3"}, 1), ({"N": "5"}, 1)]
    assert SWEEP.partition_writes(QUEUED, CLAIMED) == [({"N": "3"}, 1), ({"N": "3"}, 1)]
    assert SWEEP.partition_writes(CLAIMED, FINISHED) == [({"N": "3"}, 1)]
    assert SWEEP.partition_writes(FINISHED, FINISHED) == []


def test_a_batch_of_25_shares_one_request_one_invocation_and_sqs_requests_of_10_among_its_jobs() -> None:
    def submitted(invocations: list[float], sends: list[int]) -> SideRun:
        return SideRun(
            "submit",
            25,
            {},
            [Invocation("api", seconds, 0.0, 0.0, 2) for seconds in invocations],
            written_sizes=[200] * 25,
            sqs_request_bytes=sends,
        )

    # One by one: 25 requests of 10.1 ms (billed 11 ms) and 25 messages of 150 bytes; a batch: one request of
    # 40.4 ms (billed 41 ms) and 3 SendMessageBatch requests of 10, 10 and 5 messages.
    single = submission_usage(submitted([0.0101] * 25, [150] * 25), 256)
    batch = submission_usage(submitted([0.0404], [1500, 1500, 750]), 256)

    assert (single["http_api"], single["lambda_requests"], single["sqs_requests"]) == (1, 1, 1)
    assert (batch["http_api"], batch["lambda_requests"], batch["sqs_requests"]) == (0.04, 0.04, 0.12)
    assert single["lambda_gb_seconds"] == pytest.approx(0.011 * 0.25)
    assert batch["lambda_gb_seconds"] == pytest.approx(0.041 * 0.25 / 25)
    assert single["dynamodb_wru"] == batch["dynamodb_wru"] == 1
    without_logs = {key: value for key, value in batch.items() if key != "log_gib"}
    # By hand: $0.04 + 0.04 x $0.20 + 0.00041 x 1e6 x $0.0000133334 + 1 x $0.625 + 0.12 x $0.40.
    assert total(cost_per_million(without_logs)) == pytest.approx(0.04 + 0.008 + 0.0054667 + 0.625 + 0.048)
