"""Schemas in the form hypothesis-jsonschema can generate from: it does not resolve `$ref`s across files."""

import json
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from jsonschema.protocols import Validator

SCHEMAS = Path(__file__).parents[2] / "src" / "conveyor_worker" / "contract" / "schemas"


def schema_of(validator: Validator) -> dict[str, Any]:
    """The schema a validator was compiled from, with every `$ref` replaced by the schema it names."""
    schema = validator.schema
    assert isinstance(schema, dict)
    by_id = {document["$id"]: document for document in map(_read, SCHEMAS.rglob("*.schema.json"))}
    inlined: dict[str, Any] = _inline(schema, schema["$id"], by_id)
    return inlined


def _inline(node: Any, base: str, by_id: dict[str, dict[str, Any]]) -> Any:
    if isinstance(node, list):
        return [_inline(item, base, by_id) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = urljoin(base, node["$ref"])
        return _inline(by_id[target], target, by_id)
    return {key: _inline(value, base, by_id) for key, value in node.items() if key not in {"$id", "$schema"}}


def _read(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document
