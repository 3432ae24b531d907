"""What every error response must be: problem+json, valid against the contract's problem schema."""

import json
from typing import Any

from conveyor_api import contract


def assert_problem(response: dict[str, Any], status: int, slug: str) -> dict[str, Any]:
    """Checks the response is the named problem and returns the problem document."""
    assert response["statusCode"] == status
    assert response["headers"]["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = json.loads(response["body"])
    assert list(contract.validator("problem").iter_errors(problem)) == []
    assert problem["type"] == f"urn:conveyor:problem:{slug}"
    assert problem["status"] == status
    return problem
