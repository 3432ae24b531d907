"""infra/'s stacks as data: each template loaded, and the SAM ones translated offline as `sam deploy` would.

`make dev` and the test suites deploy exactly these into moto (`conveyor_local.stacks`), so what runs locally
is what deploys, and tests/infra checks the same documents.
"""

from __future__ import annotations

import json
import logging
import os
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cfnlint.decode.cfn_yaml import load
from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

from conveyor_local.config import REGION

# local/conveyor_local/templates.py -> the repository root, which holds one folder per stack in infra/.
INFRA_DIR = Path(__file__).resolve().parents[2] / "infra"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"

Template = dict[str, Any]

# The translator records usage metrics for its service and warns, at exit, that nobody published them to
# CloudWatch: offline there is nowhere to publish them.
logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)


def template_path(stack: str, infra_dir: Path = INFRA_DIR) -> Path:
    return infra_dir / stack / "template.yaml"


def stack_name(stack: str) -> str:
    """The name `make deploy-<stack>` gives the stack (its samconfig.toml's), which other stacks import by."""
    with (INFRA_DIR / stack / "samconfig.toml").open("rb") as samconfig:
        name: str = tomllib.load(samconfig)["default"]["deploy"]["parameters"]["stack_name"]
    return name


def load_template(stack: str, infra_dir: Path = INFRA_DIR) -> Template:
    """infra/<stack>/template.yaml (or another checkout's `infra_dir`'s) as plain data, a new copy on every
    call."""
    # cfn-lint's loader understands the short intrinsic tags (!Ref, !Sub, ...); the JSON round trip leaves
    # plain dicts and strings, which is what the SAM translator and boto3 expect.
    loaded: Template = json.loads(json.dumps(load(str(template_path(stack, infra_dir)))))
    return loaded


def is_sam(template: Template) -> bool:
    transforms = template.get("Transform", [])
    return SAM_TRANSFORM in (transforms if isinstance(transforms, list) else [transforms])


class _NoManagedPolicies:
    """The translator's managed-policy loader, which answers without asking AWS.

    SAM knows the ARNs of AWS's managed policies from a list it ships, and calls this loader (normally an
    IAM ListPolicies over every managed policy) only for a policy name it does not know. Our roles are
    explicit and name no managed policy, so nothing should ask; if a template ever does, the name is left
    as written (and the deploy fails on it) instead of translation needing AWS credentials and a network.
    """

    def load(self) -> dict[str, str]:
        return {}


@contextmanager
def _region_in_environment(region: str) -> Iterator[None]:
    """The translator finds its region (AWS::Region, AWS::Partition, the ARNs it writes) through a default
    boto3 Session, i.e. AWS_DEFAULT_REGION; no AWS call is made. Process-wide, hence restored at once."""
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        yield
    finally:
        if previous is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous


def translate(stack: str, code_uri: str, *, region: str = REGION) -> Template:
    """The plain CloudFormation `sam deploy` would create, with every function's code at `code_uri`."""
    return _translated(load_template(stack), code_uri, region)


def deployable(
    stack: str,
    code_uri: str,
    *,
    region: str = REGION,
    parameters: Mapping[str, str] | None = None,
    infra_dir: Path = INFRA_DIR,
) -> Template:
    """What CloudFormation is given for `stack`: its template, translated first if it is a SAM one.

    SAM's transform resolves some references to parameters itself (an HttpApi's CorsConfiguration among them),
    from `parameters` as CloudFormation passes the stack's, else from their defaults."""
    template = load_template(stack, infra_dir)
    return _translated(template, code_uri, region, parameters) if is_sam(template) else template


def _translated(
    template: Template, code_uri: str, region: str, parameters: Mapping[str, str] | None = None
) -> Template:
    # `sam package` replaces each local CodeUri by the S3 location it uploaded; this does the same with a
    # given one.
    template.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = code_uri
    with _region_in_environment(region):
        translated: Template = transform(template, dict(parameters or {}), _NoManagedPolicies())
    return translated
