"""Fixtures of the cross-service suites: one moto server per session, a fresh stack per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conveyor_local.moto_server import start_moto_server

from tests.support import aws_calls, report
from tests.support.stack import Stack, running_stack


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    server = start_moto_server("127.0.0.1", 0)
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
        environment.setenv("AWS_ACCESS_KEY_ID", "testing")
        environment.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        environment.setenv("AWS_DEFAULT_REGION", "us-east-1")
        environment.setenv("AWS_REGION", "us-east-1")
        environment.delenv("AWS_PROFILE", raising=False)
        yield server.endpoint_url
    server.stop()


@pytest.fixture
def stack(aws_endpoint: str) -> Iterator[Stack]:
    with running_stack(aws_endpoint) as running:
        yield running


@pytest.hookimpl(trylast=True)  # after -k, -m and --deselect have chosen the items
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    aws_calls.run_comparison_last(config, items)


def pytest_sessionfinish(session: pytest.Session) -> None:
    aws_calls.leave_for_the_comparison(session.config)


def pytest_unconfigure(config: pytest.Config) -> None:
    aws_calls.remove_call_log_folder()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if report.lines:
        terminalreporter.section("Conveyor figures")
        for text in report.lines:
            terminalreporter.write_line(text)
