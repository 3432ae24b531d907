"""The stacks in infra/: loading them as data, and translating the SAM ones offline as `sam deploy` would.

The loading and the translation are the local stack's own (conveyor_local.templates), so these tests check
the very documents `make dev` deploys into moto.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conveyor_local import templates
from conveyor_local.templates import INFRA_DIR as INFRA
from conveyor_local.templates import Template, load_template, template_path

__all__ = [
    "INFRA",
    "SAM_STACKS",
    "STACKS",
    "Template",
    "default",
    "load_template",
    "resources_of_type",
    "template_path",
    "translate",
]

STACKS = ("core", "worker", "edge", "api", "frontend")
SAM_STACKS = ("worker", "api")


def translate(stack: str, code_uri: str = "s3://conveyor-artifacts/code.zip") -> Template:
    """The plain CloudFormation `sam deploy` would create, with every function's code at `code_uri`."""
    return templates.translate(stack, code_uri)


def resources_of_type(template: Template, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == resource_type:
            yield logical_id, resource.get("Properties", {})


def default(template: Template, parameter: str) -> int:
    return int(template["Parameters"][parameter]["Default"])
