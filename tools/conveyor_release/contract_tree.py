"""One contract as a folder holds it (the working tree's, or a release's copied out of git): its schemas by
name, a validator per schema, its golden examples, and each schema with every `$ref` inlined."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

VERSION_FOLDER = "v1"
# Annotations change no document's validity: the structural diff and the generators never see them.
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentMediaType",
        "contentEncoding",
    }
)


def schema_name(relative: Path) -> str:
    """`job-request` for job-request.schema.json, `text_transform.input` for a job type's input schema (the
    names of the golden examples' folders)."""
    stem = relative.name.removesuffix(".schema.json")
    if relative.parts[0] == "job-types":
        return f"{relative.parts[1]}.{stem}"
    return stem


@dataclass
class ContractTree:
    """The `contracts/` folder at `root`; `pinned` replaces named schemas' contents (the forward check reads a
    new contract with the old job-type catalogue)."""

    root: Path
    pinned: dict[str, dict[str, Any]] = field(default_factory=dict)

    @cached_property
    def schemas(self) -> dict[str, dict[str, Any]]:
        folder = self.root / VERSION_FOLDER
        documents = {
            schema_name(path.relative_to(folder)): json.loads(path.read_text())
            for path in sorted(folder.rglob("*.schema.json"))
        }
        return documents | {name: contents for name, contents in self.pinned.items() if name in documents}

    @cached_property
    def registry(self) -> Registry[Any]:
        return Registry().with_resources(
            (document["$id"], DRAFT202012.create_resource(document)) for document in self.schemas.values()
        )

    def with_pinned(self, pinned: dict[str, dict[str, Any]]) -> ContractTree:
        return ContractTree(self.root, self.pinned | pinned)

    def validator(self, name: str) -> Draft202012Validator:
        return Draft202012Validator(
            {"$ref": self.schemas[name]["$id"]},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

    def accepts(self, name: str, document: Any) -> bool:
        return bool(self.validator(name).is_valid(document))

    def examples(self, name: str) -> list[Any]:
        """The golden examples of `name` in this contract's valid folder."""
        folder = self.root / "examples" / VERSION_FOLDER / name / "valid"
        return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]

    def inlined(self, name: str) -> Any:
        """The schema with each `$ref` replaced by what it names, resolved through the registry as the
        services resolve it, and annotations left out: one tree the diff walks and hypothesis-jsonschema
        draws from."""
        document = self.schemas[name]
        return _inline(document, Resource.from_contents(document).id() or "", self.registry)


def _inline(node: Any, base_uri: str, registry: Registry[Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, base_uri, registry) for item in node]
    if not isinstance(node, dict):
        return node
    base_uri = node.get("$id", base_uri)
    inlined = {
        key: _inline(value, base_uri, registry)
        for key, value in node.items()
        if key not in ANNOTATIONS and key != "$ref"
    }
    reference = node.get("$ref")
    if not isinstance(reference, str):
        return inlined
    resolved = registry.resolver(base_uri).lookup(reference)
    target = _inline(resolved.contents, urldefrag(urljoin(base_uri, reference)).url, registry)
    if not isinstance(target, dict) or target.keys() & inlined.keys():
        # `$ref` beside keywords the target also has: both apply, as an allOf says.
        return inlined | {"allOf": [target, *inlined.get("allOf", [])]}
    return target | inlined
