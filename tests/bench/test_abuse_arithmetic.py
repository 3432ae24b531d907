"""What docs/benchmarks.md's abuse figure rests on: the worst payload is the API's largest, and the per-second
bound spends each allowance as a client bent on cost would."""

from __future__ import annotations

import json

import pytest
from conveyor_api.http.json_body import MAX_BODY_BYTES
from conveyor_api.jobs.payloads import MAX_STORED_PAYLOAD_BYTES

from bench.abuse import (
    TEXT_MAX_CODE_POINTS,
    Limits,
    limits_before_and_after,
    worst_dollars_per_second,
    worst_payload,
)
from bench.cost import template_default

COSTS = {"job": 3.0, "upload": 2.0, "read": 0.5}


def test_the_worst_payload_fills_the_largest_body_the_api_takes_and_its_stored_bound() -> None:
    payload = worst_payload()
    body = json.dumps(
        {"job_type": "text_transform", "payload": payload}, ensure_ascii=False, separators=(",", ":")
    )
    stored = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    assert len(body.encode()) == MAX_BODY_BYTES
    assert len(payload["text"]) == TEXT_MAX_CODE_POINTS
    assert MAX_STORED_PAYLOAD_BYTES - 64 < len(stored) <= MAX_STORED_PAYLOAD_BYTES


def test_without_per_client_limits_one_client_sends_the_costliest_request_at_the_stages_rate() -> None:
    assert worst_dollars_per_second(COSTS, Limits(50, None, None, None), edge_dollars=0) == {"job": 150.0}


def test_with_them_jobs_and_tickets_go_at_their_limits_and_the_rest_of_the_allowance_on_reads() -> None:
    spent = worst_dollars_per_second(COSTS, Limits(50, 1.0, 0.2, 3.2), edge_dollars=0.1)

    assert spent == pytest.approx({"job": 1.0 * 3.1, "upload": 0.2 * 2.1, "read": 2.0 * 0.6})


def test_the_limits_are_the_templates_defaults_per_second_of_the_edges_window() -> None:
    before, after = limits_before_and_after()
    window = float(template_default("edge", "EvaluationWindowSeconds"))

    assert before == Limits(float(template_default("api", "ThrottlingRateLimit")), None, None, None)
    assert after.jobs == float(template_default("edge", "JobSubmissionsPerAddressLimit")) / window
    assert after.uploads == float(template_default("edge", "UploadTicketsPerAddressLimit")) / window
    assert after.all_requests == float(template_default("edge", "RequestsPerAddressLimit")) / window
