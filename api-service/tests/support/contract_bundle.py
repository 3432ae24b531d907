"""Contract schemas with every cross-file `$ref` inlined: hypothesis-jsonschema resolves only local refs."""

import itertools
from typing import Any
from urllib.parse import urljoin

from jsonschema import Draft202012Validator

from conveyor_api import contract

BASE_ID = "https://conveyor.example/contracts/v1/"


def bundled(name: str) -> dict[str, Any]:
    document = _inline(contract.schema(name), f"{BASE_ID}{name}.schema.json")
    return {key: value for key, value in document.items() if key not in ("$id", "$schema")}


def as_written(schema: Any) -> Any:
    """`schema` closed to members it does not list, as this contract's writers use it.

    The documents are open to readers (a newer writer may add members, contracts/README.md), so drawn from the
    schema itself they carry arbitrary extra members that no writer of this version writes and that a reader
    rightly leaves out.
    """
    if isinstance(schema, list):
        return [as_written(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    # A condition (`if`, `not`) matches a part of a document: closing it would change what it matches.
    closed = {key: value if key in ("if", "not") else as_written(value) for key, value in schema.items()}
    if schema.get("type") == "object" and "properties" in schema and "additionalProperties" not in schema:
        closed["additionalProperties"] = False
    return closed


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
        taken = branch.get("then" if Draft202012Validator(branch["if"]).is_valid(fixed) else "else", {})
        for name, constraint in taken.get("properties", {}).items():
            properties[name] = {"allOf": [properties[name], constraint]}
    return {key: value for key, value in schema.items() if key != "allOf"} | {"properties": properties}


def job_item_cases() -> list[dict[str, Any]]:
    """`job-item` split by status, by where the payload and a SUCCEEDED result are, and by owned or not, each
    case a plain schema without the if/then/else rules (which make hypothesis-jsonschema discard nearly every
    draw).

    Each case leaves out the members its rules forbid and requires those they require; the test still checks
    every drawn item against the whole schema, so a case that drifted from the rules fails there.
    """
    schema = bundled("job-item")
    plain = {key: value for key, value in schema.items() if key != "allOf"}
    cases = []
    sweep_keys = {"sweep_shard", "sweep_at"}
    listing_keys = {"owner", "owner_type", "owner_status", "owner_type_status"}
    for status in contract.schema("job-status")["enum"]:
        pending = status in ("QUEUED", "IN_PROGRESS")
        for payload, result, owned, indexed in itertools.product(
            ("payload", "payload_ref"),
            ("result", "result_ref") if status == "SUCCEEDED" else (None,),
            (False, True),
            (False, True) if pending else (False,),
        ):
            absent = {"result", "result_ref"} - {result} | {"payload", "payload_ref"} - {payload}
            required = set(schema["required"]) | {payload} | ({result} if result else set())
            # A pending job is in the sweep index only where its message may be gone; a finished one never.
            if indexed:
                required |= sweep_keys
            else:
                absent |= sweep_keys
            if pending:
                absent.add("expires_at")
            else:
                required.add("expires_at")
            if status != "IN_PROGRESS":
                absent.add("progress")
            if owned:
                required |= listing_keys
            else:
                absent |= listing_keys
            properties = {name: rule for name, rule in plain["properties"].items() if name not in absent} | {
                "status": {"const": status}
            }
            cases.append(plain | {"properties": properties, "required": sorted(required)})
    return cases
