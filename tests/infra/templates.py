"""The stacks in infra/: loading them as data, and translating the SAM ones offline as `sam deploy` would."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from cfnlint.decode.cfn_yaml import load
from samtranslator.translator.transform import transform

INFRA = Path(__file__).resolve().parents[2] / "infra"
STACKS = ("core", "worker", "api")
SAM_STACKS = ("worker", "api")

Template = dict[str, Any]


def template_path(stack: str) -> Path:
    return INFRA / stack / "template.yaml"


def load_template(stack: str) -> Template:
    # cfn-lint's loader understands the short intrinsic tags (!Ref, !Sub, ...); the JSON round trip leaves
    # plain dicts and strings, which is what the SAM translator and boto3 expect.
    loaded: Template = json.loads(json.dumps(load(str(template_path(stack)))))
    return loaded


class _NoManagedPolicies:
    """The translator's managed-policy loader: no template names a managed policy, so nothing asks AWS."""

    def load(self) -> dict[str, str]:
        return {}


def translate(stack: str, code_uri: str = "s3://conveyor-artifacts/code.zip") -> Template:
    """The plain CloudFormation `sam deploy` would create, with every function's code at `code_uri`.

    `sam package` replaces each local CodeUri by the S3 location it uploaded; this does the same with a
    given one.
    """
    template = load_template(stack)
    template.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = code_uri
    # The translator reads the region from the environment (for partitions and ARNs); any region will do.
    region = {"AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    with mock.patch.dict(os.environ, region):
        translated: Template = transform(template, {}, _NoManagedPolicies())
    return translated


def resources_of_type(template: Template, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == resource_type:
            yield logical_id, resource.get("Properties", {})


def default(template: Template, parameter: str) -> int:
    return int(template["Parameters"][parameter]["Default"])
