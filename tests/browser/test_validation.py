"""The page checks a payload against the contract before sending it, and agrees with the API; the API
still has the last word, and its problem details are shown field by field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.demo_page import DemoPage
from tests.support import contract, http

pytestmark = pytest.mark.browser


def test_an_invalid_payload_is_stopped_in_the_browser_with_its_field_error(demo: DemoPage) -> None:
    demo.open()

    demo.submit("text_transform", text="")

    problems = demo.problems("text_transform")
    expect(problems).to_be_visible()
    expect(problems).to_be_focused()
    expect(problems).to_contain_text("nothing was sent")
    assert demo.problem_rows("text_transform") == [("/payload/text", "Must not be empty.")]
    text = demo.field("text_transform", "text")
    expect(text).to_have_attribute("aria-invalid", "true")
    hint = contract.schema("text_transform.input")["properties"]["text"]["description"]
    expect(text).to_have_accessible_description(f"{hint} Error: Must not be empty.")
    assert demo.posts_to_jobs() == []


def test_an_item_error_points_at_the_item(demo: DemoPage) -> None:
    demo.open()

    demo.submit("data_analysis", data="1, two, 3")

    assert demo.problem_rows("data_analysis") == [("/payload/data/1", "Must be a number, not a string.")]
    expect(demo.form("data_analysis").locator(".field-error")).to_have_text(
        "Error: Item 2: Must be a number, not a string."
    )
    assert demo.posts_to_jobs() == []


def test_a_payload_the_api_refuses_shows_its_problem_details_field_by_field(demo: DemoPage) -> None:
    demo.expect_console_error(r"status of 400")
    demo.open()
    demo.set_browser_validation(on=False)

    demo.submit("text_transform", text="")

    problems = demo.problems("text_transform")
    expect(problems.get_by_role("heading")).to_have_text(
        "The API refused the job: 400 Request body does not match the contract"
    )
    expect(problems).to_contain_text("urn:conveyor:problem:validation-failed")
    assert demo.problem_rows("text_transform") == [("/payload/text", "Must not be empty.")]
    expect(demo.field("text_transform", "text")).to_have_attribute("aria-invalid", "true")
    assert len(demo.posts_to_jobs()) == 1


def _examples(schema_name: str) -> list[contract.Example]:
    return [example for example in contract.examples() if example.schema_name == schema_name]


def _as_request(example: contract.Example) -> Any:
    if example.schema_name == "job-request":
        return example.document
    job_type = example.schema_name.removesuffix(".input")
    return {"job_type": job_type, "payload": example.document}


# Bodies that break each rule the input schemas and the job-request schema use, beyond the golden examples.
EXTRA_INVALID_BODIES: list[Any] = [
    {},
    [],
    "text",
    {"job_type": "text_transform"},
    {"job_type": "resize_image", "payload": {}},
    {"job_type": 7, "payload": {"text": "x"}},
    {"job_type": "text_transform", "payload": []},
    {"job_type": "text_transform", "payload": {"text": "x", "extra": 1, "a/b~c": 2}},
    {"job_type": "text_transform", "payload": {"text": None}},
    {"job_type": "text_transform", "payload": {"text": "x" * 100_001}},
    {"job_type": "data_analysis", "payload": {"data": []}},
    {"job_type": "data_analysis", "payload": {"data": [1, "2", True, None, [3]]}},
    {"job_type": "data_analysis", "payload": {"data": 5}},
    {"job_type": "data_analysis", "payload": {"text": "hello"}},
    {"job_type": "text_transform", "payload": {"text": "x"}, "priority": "high"},
]


def test_the_page_judges_every_example_as_the_contract_and_points_where_the_api_points(
    demo: DemoPage,
) -> None:
    demo.open()
    examples = [
        e
        for name in ("job-request", "text_transform.input", "data_analysis.input", "image_resize.input")
        for e in _examples(name)
    ]
    bodies = [_as_request(example) for example in examples] + EXTRA_INVALID_BODIES
    judged = demo.page.evaluate(
        """async (bodies) => {
            const { loadContract } = await import('./js/contract.js');
            const contract = await loadContract();
            return bodies.map((body) => contract.violations(body).violations);
        }""",
        bodies,
    )

    for example, violations in zip(examples, judged, strict=False):
        assert (violations == []) == example.valid, f"{example.test_id}: the page says {violations}"
    for body, violations in zip(bodies, judged, strict=True):
        if contract.validator("job-request").is_valid(body):
            assert violations == [], f"{body!r}: valid for the contract, not for the page: {violations}"
            continue
        response = http.request("POST", f"{demo.stack.api_url}/jobs", json_body=body)
        assert response.status == 400, response.body
        expected = response.json()["errors"]
        assert _as_the_api_sees_patterns(violations, body) == expected, (
            f"{str(body)[:200]}: page and API disagree"
        )


# JSON Schema's patterns are ECMA-262 regular expressions, as the page runs them; the API's jsonschema runs
# them with Python's re, whose `$` also matches before a final newline. Such a string is refused either way
# (the contract's length bounds see to it: image_resize's source_key), but the page names one more rule.
PATTERN_MESSAGE = "Does not have the expected format; see the contract's schema."


def _as_the_api_sees_patterns(violations: list[dict[str, str]], body: Any) -> list[dict[str, str]]:
    def python_accepts(violation: dict[str, str]) -> bool:
        tokens = violation["pointer"].split("/")[1:]
        if violation["message"] != PATTERN_MESSAGE or len(tokens) != 2 or tokens[0] != "payload":
            return False
        name = tokens[1]
        value = body["payload"][name]
        pattern = contract.schema(f"{body['job_type']}.input")["properties"][name]["pattern"]
        return value.endswith("\n") and re.search(pattern, value) is not None

    return [violation for violation in violations if not python_accepts(violation)]
