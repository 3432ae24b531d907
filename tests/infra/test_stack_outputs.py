"""`python -m infra.stack_outputs`: how the Makefile hands one stack's output to the next stack or tool."""

from __future__ import annotations

import uuid

import pytest

from infra.stack_outputs import main
from tests.infra.moto_stacks import deploy_outputs_only

SITE_ORIGIN = "https://d111111abcdef8.cloudfront.net"


@pytest.fixture(scope="module")
def frontend_stack(aws_endpoint: str) -> str:
    return deploy_outputs_only("conveyor-frontend", {"SiteOrigin": SITE_ORIGIN})


def test_prints_the_output_alone(frontend_stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([frontend_stack, "SiteOrigin"]) == 0

    assert capsys.readouterr().out == f"{SITE_ORIGIN}\n"


def test_a_stack_not_deployed_yet_gives_the_fallback(
    aws_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([f"conveyor-frontend-{uuid.uuid4().hex[:8]}", "SiteOrigin", "--if-missing", "*"]) == 0

    assert capsys.readouterr().out == "*\n"


def test_a_stack_not_deployed_without_a_fallback_fails(
    aws_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"conveyor-frontend-{uuid.uuid4().hex[:8]}"

    assert main([missing, "SiteOrigin"]) == 1

    assert f"stack {missing} does not exist" in capsys.readouterr().err


def test_a_missing_output_fails_even_with_a_fallback(
    frontend_stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The stack exists but is not what the caller expects (or its creation failed): no value to guess.
    assert main([frontend_stack, "SiteUrl", "--if-missing", "*"]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "has no output SiteUrl (it has: SiteOrigin)" in captured.err
