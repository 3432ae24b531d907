"""The SAM CLI `make install` builds (.tools/sam), and a shell's environment to run it and the Makefile in."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.infra.templates import INFRA

REPO_ROOT = INFRA.parent
SAM = REPO_ROOT / ".tools" / "sam" / "bin" / "sam"
# Any credentials do for moto; the deploy takes them from the environment, one of docs/deploy.md's ways.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# What an outer make (`make test`) leaves in its children's environment: flags, a jobserver, its depth.
_MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")


def require_sam() -> None:
    if not SAM.exists():
        pytest.fail(f"{SAM} is missing: `make install` builds the SAM CLI's environment")


def shell_environment(nowhere: Path, **variables: str) -> dict[str, str]:
    """This process's environment without any AWS setting of the machine's or the session's (a profile, a
    region, an endpoint, credentials), any of sam's, or an outer make's; `nowhere` stands for the AWS config
    and credentials files; then `variables`."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "SAM_CLI_")) and name not in _MAKE_VARIABLES
    }
    return environment | {
        "AWS_CONFIG_FILE": str(nowhere),
        "AWS_SHARED_CREDENTIALS_FILE": str(nowhere),
        "SAM_CLI_TELEMETRY": "0",
        **variables,
    }


def make_environment() -> dict[str, str]:
    """This process's environment without an outer make's flags, for a `make -n` of the Makefile."""
    return {name: value for name, value in os.environ.items() if name not in _MAKE_VARIABLES}


def moto_client(endpoint_url: str, region: str, service: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=region,
    )
    return session.client(service, endpoint_url=endpoint_url)  # type: ignore[call-overload]


def forget_everything(endpoint_url: str) -> None:
    """Empties moto: every moto server in this process shares one state, so stacks deployed here under the
    names `make dev` uses would otherwise be found by the suites that run after (tests/local provisions its
    own stacks by those names)."""
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass
