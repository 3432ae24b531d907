"""Contract schemas with every cross-file `$ref` inlined: hypothesis-jsonschema resolves only local refs."""

from typing import Any
from urllib.parse import urljoin

from jsonschema import Draft202012Validator

from conveyor_api import contract

BASE_ID = "https://conveyor.example/contracts/v1/"


def bundled(name: str) -> dict[str, Any]:
    document = _inline(contract.schema(name), f"{BASE_ID}{name}.schema.json")
    return {key: value for key, value in document.items() if key not in ("$id", "$schema")}


def _inline(node: Any, base_id: str) -> Any:
    if isinstance(node, list):
        return [_inline(item, base_id) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and not reference.startswith("#"):
        target_id = urljoin(base_id, reference)
        target = contract.schema(target_id.removeprefix(BASE_ID).removesuffix(".schema.json"))
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        inlined = {key: value for key, value in target.items() if key not in ("$id", "$schema")}
        return _inline(inlined, target_id) | _inline(siblings, base_id)
    return {key: _inline(value, base_id) for key, value in node.items()}


def job_record_cases() -> list[dict[str, Any]]:
    """`job-record` split by status and job type, each with its if/then branches applied.

    Drawn from the whole schema, hypothesis-jsonschema generates records blind to the branches and then
    filters out nearly all of them (minutes per test); each case here is a plain schema it can draw directly.
    """
    cases = []
    for status in contract.schema("job-status")["enum"]:
        for job_type in contract.job_types():
            fixed = {"status": status, "job_type": job_type, "result": {} if status == "SUCCEEDED" else None}
            cases.append(_with_branches_applied(bundled("job-record"), fixed))
    return cases


def _with_branches_applied(schema: dict[str, Any], fixed: dict[str, Any]) -> dict[str, Any]:
    properties = dict(schema["properties"])
    properties["status"] = {"const": fixed["status"]}
    properties["job_type"] = {"const": fixed["job_type"]}
    for branch in schema["allOf"]:
        if Draft202012Validator(branch["if"]).is_valid(fixed):
            for name, constraint in branch["then"]["properties"].items():
                properties[name] = {"allOf": [properties[name], constraint]}
    return {key: value for key, value in schema.items() if key != "allOf"} | {"properties": properties}
