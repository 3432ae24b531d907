"""Schemathesis, driven by contracts/openapi/api.openapi.json, against the API over real HTTP.

Every generated request, valid or not, must get no 5xx, an answer the document describes (status, media type,
headers, body schema), a valid problem document for every 4xx, and no change to DynamoDB or SQS unless it
was accepted. The last test then checks the whole run: the table holds the accepted jobs and nothing else,
and the queue one message for each.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from tests.fuzz.conftest import FuzzTarget
from tests.support import contract, report
from tests.support.contract import CONTRACTS_DIR
from tests.support.depth import depth

DEPTH = depth()
# A seeded run (a soak's) is replayed by its seed alone: no failures saved by earlier runs are tried first.
SEEDED = {} if DEPTH.seed is None else {"seed": DEPTH.seed}
WITHOUT_DATABASE = {} if DEPTH.seed is None else {"database": "none"}

schema = schemathesis.openapi.from_path(
    CONTRACTS_DIR / "openapi" / "api.openapi.json",
    config=schemathesis.Config.from_dict(
        {
            **SEEDED,
            "generation": {"mode": "all", "max-examples": DEPTH.cases_per_operation, **WITHOUT_DATABASE},
            "checks": {
                # What a schema-valid request may still get, each for a reason the document gives: an unknown
                # job id (404), a body over 256 KiB, which no JSON Schema keyword can bound (413), and an
                # Idempotency-Key that an earlier case used with another body (422), GET /jobs on a stack
                # without sign-in, where listing is off (403), and an If-None-Match of `*` or of the job's
                # ETag (304).
                "positive_data_acceptance": {"expected-statuses": ["2xx", "304", "403", "404", "413", "422"]},
                # What a schema-violating request may get: the body's size is checked before its content
                # (413), a path parameter holding a `/` makes a path no route serves (404, 405), and listing
                # is off without sign-in whatever the query (403).
                "negative_data_rejection": {"expected-statuses": ["400", "403", "404", "405", "413", "415"]},
            },
            "phases": {
                # HTTP APIs route no TRACE to a function, and OPTIONS is CORS preflight, answered 204 by the
                # resolver for any path: neither is a method a client may expect 405 for.
                "coverage": {"unexpected-methods": ["GET", "PUT", "POST", "DELETE", "PATCH"]},
                # The document declares no links between operations, so there is nothing stateful to explore.
                "stateful": {"enabled": False},
            },
        }
    ),
)


def problem_documents(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> None:
    """Every 4xx is problem+json, valid against the contract's problem schema."""
    if 400 <= response.status_code < 500:
        media_type = response.headers.get("content-type", [""])[0]
        assert media_type.startswith("application/problem+json"), f"{response.status_code} as {media_type!r}"
        contract.validator("problem").validate(response.json())


@schema.parametrize()
# Timing is the machine's, not the API's: a loaded CI runner must not fail the run for slow generation.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_generated_request_gets_a_documented_answer_and_changes_nothing_it_should_not(
    case: schemathesis.Case[Any], target: FuzzTarget
) -> None:
    before = target.counts()

    response = case.call(base_url=target.api_url)

    # Recorded before the checks, which stop at the first failure: a 5xx is counted as well as refused.
    target.record(case.method.upper(), case.path, response.status_code, response.content, before)
    case.validate_response(response, additional_checks=[problem_documents])


def test_after_the_run_the_backends_hold_exactly_the_accepted_jobs(target: FuzzTarget) -> None:
    report.counter("schemathesis").update(target.figures())
    target.assert_backends_hold_exactly_the_accepted_jobs()
    report.line(target.summary("fuzz, schemathesis cases"))
