"""make contract-check bites: each breaking change to a copy of the contract fails it with a counter-example
that one side's schema really accepts and the other's really refuses; additive changes pass.

The released contract in each test is the working tree's own; the change is made to a copy of it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from conveyor_release.contract_tree import ContractTree
from conveyor_release.directions import Check
from conveyor_release.gate import Break, check

from tests.support.contract import CONTRACTS_DIR

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def released(tmp_path: Path) -> Path:
    return Path(shutil.copytree(CONTRACTS_DIR, tmp_path / "released" / "contracts"))


@pytest.fixture
def working(tmp_path: Path) -> Path:
    return Path(shutil.copytree(CONTRACTS_DIR, tmp_path / "working" / "contracts"))


def _edit(contracts: Path, schema: str, edit: Edit) -> None:
    path = contracts / "v1" / schema
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document, indent=2))


def _append_branch(branch: dict[str, Any], document: dict[str, Any]) -> None:
    document["allOf"].append(branch)


def _first_job_type_branch(document: dict[str, Any]) -> int:
    return next(
        index for index, branch in enumerate(document["allOf"]) if "job_type" in branch["if"]["properties"]
    )


def _insert_branch(
    where: Callable[[dict[str, Any]], int], branch: dict[str, Any], document: dict[str, Any]
) -> None:
    document["allOf"].insert(where(document), branch)


def _text_transform_branch_names_a_longer_text(document: dict[str, Any]) -> None:
    """text_transform's branch gets a new condition, and under it a rule that caps the text at 10 characters:
    a narrowing no branch of the old condition is there to be compared with."""
    for branch in document["allOf"]:
        if branch["if"]["properties"].get("job_type", {}).get("const") == "text_transform":
            branch["if"]["required"] = ["job_type", "payload"]
            branch["then"] = {"properties": {"payload": {"properties": {"text": {"maxLength": 10}}}}}


def _the_break(breaks: list[Break], schema: str, kind: Check) -> Break:
    matching = [found for found in breaks if found.schema == schema and found.check is kind]
    assert matching, f"no {kind.value} break of {schema} among {[(b.schema, b.check) for b in breaks]}"
    return matching[0]


def _assert_separates(found: Break, released: Path, working: Path) -> None:
    """The counter-example is the proof: the writers' schema accepts it, the readers' refuses it."""
    old, new = ContractTree(released), ContractTree(working)
    writers, readers = (old, new) if found.check is Check.BACKWARD else (new, old)
    assert found.proven
    assert writers.accepts(found.schema, found.counter_example)
    assert not readers.accepts(found.schema, found.counter_example)


def test_an_unchanged_contract_passes(released: Path, working: Path) -> None:
    assert check(released, working) == []


def test_a_required_member_added_to_job_record_fails(released: Path, working: Path) -> None:
    def require_priority(schema: dict[str, Any]) -> None:
        schema["properties"]["priority"] = {"type": "integer"}
        schema["required"].append("priority")

    _edit(working, "job-record.schema.json", require_priority)

    found = _the_break(check(released, working), "job-record", Check.BACKWARD)

    _assert_separates(found, released, working)
    assert "priority" not in found.counter_example
    assert found.writers == ("api",)
    assert found.readers == ("clients",)
    assert "'priority' is a required property" in found.report()


def test_an_enum_value_removed_from_job_type_fails(released: Path, working: Path) -> None:
    _edit(working, "job-type.schema.json", lambda schema: schema["enum"].remove("image_resize"))

    breaks = check(released, working)

    for schema in ("job-type", "job-request", "job-item", "job-message", "job-record"):
        found = _the_break(breaks, schema, Check.BACKWARD)
        _assert_separates(found, released, working)
    assert _the_break(breaks, "job-request", Check.BACKWARD).counter_example["job_type"] == "image_resize"


def test_a_max_length_tightened_on_a_job_request_field_fails(released: Path, working: Path) -> None:
    _edit(
        working,
        "job-types/text_transform/input.schema.json",
        lambda schema: schema["properties"]["text"].update(maxLength=100),
    )

    found = _the_break(check(released, working), "job-request", Check.BACKWARD)

    _assert_separates(found, released, working)
    assert len(found.counter_example["payload"]["text"]) > 100
    assert found.writers == ("clients",)
    assert found.readers == ("api",)


def test_additional_properties_false_added_to_job_item_fails(released: Path, working: Path) -> None:
    _edit(working, "job-item.schema.json", lambda schema: schema.update(additionalProperties=False))

    found = _the_break(check(released, working), "job-item", Check.BACKWARD)

    _assert_separates(found, released, working)
    assert "additionalProperties" in found.report()


def test_an_optional_member_added_to_a_closed_schema_its_old_readers_read_fails(
    released: Path, working: Path
) -> None:
    """job-progress is read by the API and by clients, which deploy on their own: an old reader that refuses
    members it does not know refuses a new writer's."""
    _edit(released, "job-progress.schema.json", lambda schema: schema.update(additionalProperties=False))
    _edit(working, "job-progress.schema.json", lambda schema: schema.update(additionalProperties=False))
    _edit(
        working,
        "job-progress.schema.json",
        lambda schema: schema["properties"].update(eta={"type": "string"}),
    )

    found = _the_break(check(released, working), "job-progress", Check.FORWARD)

    _assert_separates(found, released, working)
    assert "eta" in found.counter_example


@pytest.mark.parametrize("schema", ["job-record.schema.json", "job-item.schema.json"])
def test_an_optional_member_added_to_a_document_read_across_services_passes(
    released: Path, working: Path, schema: str
) -> None:
    _edit(working, schema, lambda document: document["properties"].update(priority={"type": "integer"}))

    assert check(released, working) == []


def test_an_optional_member_added_to_job_request_passes_since_the_api_reads_it_first(
    released: Path, working: Path
) -> None:
    _edit(
        working,
        "job-request.schema.json",
        lambda schema: schema["properties"].update(priority={"type": "integer"}),
    )

    assert check(released, working) == []


def test_a_new_job_type_passes(released: Path, working: Path) -> None:
    """The worker that runs it deploys first, and no writer sends it before: the old readers are checked
    with the job types they know."""
    folder = working / "v1" / "job-types"
    shutil.copytree(folder / "text_transform", folder / "shout")
    for kind in ("input", "result"):
        _edit(
            working,
            f"job-types/shout/{kind}.schema.json",
            lambda schema: schema.update({"$id": schema["$id"].replace("text_transform", "shout")}),
        )
    _edit(working, "job-type.schema.json", lambda schema: schema["enum"].append("shout"))
    for schema, member, kind in (("job-request", "payload", "input"), ("job-record", "result", "result")):
        branch = {
            "if": {"properties": {"job_type": {"const": "shout"}}, "required": ["job_type"]},
            "then": {"properties": {member: {"$ref": f"job-types/shout/{kind}.schema.json"}}},
        }
        _edit(working, f"{schema}.schema.json", partial(_append_branch, branch))
    directions = json.loads((working / "directions.json").read_text())
    for kind in ("input", "result"):
        directions["schemas"][f"shout.{kind}"] = directions["schemas"][f"text_transform.{kind}"]
    (working / "directions.json").write_text(json.dumps(directions))

    assert check(released, working) == []


def test_a_new_job_type_of_its_own_shape_passes_wherever_its_branches_go(
    released: Path, working: Path
) -> None:
    """Branches go in name order, so a new type's may come first: each old branch is still compared with its
    own condition's, not with the new branch that now sits at its place."""
    folder = working / "v1" / "job-types" / "a_count"
    folder.mkdir()
    for kind, required in (("input", "words"), ("result", "count")):
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://conveyor.example/contracts/v1/job-types/a_count/{kind}.schema.json",
            "type": "object",
            "required": [required],
            "additionalProperties": False,
            "properties": {required: {"type": "array" if kind == "input" else "integer", "maxItems": 9}},
        }
        (folder / f"{kind}.schema.json").write_text(json.dumps(document))
    _edit(working, "job-type.schema.json", lambda schema: schema["enum"].insert(0, "a_count"))
    for schema, member, kind in (("job-request", "payload", "input"), ("job-record", "result", "result")):
        branch = {
            "if": {"properties": {"job_type": {"const": "a_count"}}, "required": ["job_type"]},
            "then": {"properties": {member: {"$ref": f"job-types/a_count/{kind}.schema.json"}}},
        }
        _edit(working, f"{schema}.schema.json", partial(_insert_branch, _first_job_type_branch, branch))
    directions = json.loads((working / "directions.json").read_text())
    for kind in ("input", "result"):
        directions["schemas"][f"a_count.{kind}"] = directions["schemas"][f"text_transform.{kind}"]
    (working / "directions.json").write_text(json.dumps(directions))

    assert check(released, working) == []


def test_a_job_types_branch_whose_condition_changed_is_still_judged(released: Path, working: Path) -> None:
    """A branch paired by its condition: one whose condition is new meets the counter-example search."""
    _edit(working, "job-request.schema.json", _text_transform_branch_names_a_longer_text)

    (broken,) = check(released, working)
    assert broken.schema == "job-request"


def test_a_schema_without_directions_is_refused(released: Path, working: Path) -> None:
    directions = json.loads((working / "directions.json").read_text())
    del directions["schemas"]["job-progress"]
    (working / "directions.json").write_text(json.dumps(directions))

    with pytest.raises(ValueError, match="no entry for job-progress"):
        check(released, working)
