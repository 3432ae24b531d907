"""The OpenAPI document: checked in as the service generates it, and faithful to the routes and contract."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from conveyor_api.handlers.http import Handler
from conveyor_api.handlers.routes import ROUTES
from conveyor_api.http.openapi import openapi_document, rendered
from tests.support.events import request
from tests.support.problems import assert_problem

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"
CHECKED_IN = CONTRACTS / "openapi" / "api.openapi.json"
EXAMPLES = CONTRACTS / "examples" / "v1"
DOCUMENT_URI = "urn:conveyor:openapi"


def test_the_checked_in_document_is_the_one_the_service_generates() -> None:
    assert CHECKED_IN.read_text(encoding="utf-8") == rendered(openapi_document()), (
        "contracts/openapi/api.openapi.json is stale: refresh it with `make -C api-service openapi`"
    )


def test_the_document_lists_exactly_the_routes_the_handler_serves(handler: Handler) -> None:
    problem = assert_problem(handler(request("GET", "/nowhere"), None), 404, "route-not-found")
    documented = [
        f"{method.upper()} {path}"
        for path, operations in openapi_document()["paths"].items()
        for method in operations
    ]

    assert problem["detail"] == f"Nothing is served at this path; the routes are {', '.join(documented)}."
    assert len(documented) == len(ROUTES)


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from [value] if key == "$ref" else _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def test_every_reference_points_inside_the_document() -> None:
    document = openapi_document()
    schemas = document["components"]["schemas"]

    references = set(_references(document))

    assert references
    assert all(reference.startswith("#/components/schemas/") for reference in references)
    for reference in references:
        target: Any = document
        for part in reference.removeprefix("#/").split("/"):
            assert part in target, f"{reference} points at nothing"
            target = target[part]
    assert not any("$id" in schema or "$schema" in schema for schema in schemas.values())


def _error_responses() -> Iterator[tuple[str, dict[str, Any]]]:
    document = openapi_document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    yield f"{method.upper()} {path} {status}", response
    yield from document["components"]["responses"].items()


@pytest.mark.parametrize(("where", "response"), list(_error_responses()))
def test_every_error_response_is_problem_json_of_the_problem_schema(
    where: str, response: dict[str, Any]
) -> None:
    [(media_type, content)] = response["content"].items()

    assert media_type == "application/problem+json"
    assert {"$ref": "#/components/schemas/problem"} in content["schema"]["allOf"]


def _validator(component: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, DRAFT202012.create_resource(openapi_document())
    )
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#/components/schemas/{component}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@pytest.mark.parametrize(
    ("component", "example"),
    [
        pytest.param(component, path, id=f"{component}/{path.parent.name}/{path.stem}")
        for component in ("job-request", "job-record", "job-list", "job-list-query", "problem")
        for path in sorted((EXAMPLES / component).glob("*/*.json"))
    ],
)
def test_the_documents_schemas_judge_the_golden_examples_as_the_contract_does(
    component: str, example: Path
) -> None:
    document = json.loads(example.read_text(encoding="utf-8"))

    assert _validator(component).is_valid(document) == (example.parent.name == "valid")
