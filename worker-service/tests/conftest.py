import pytest

from tests.support import report
from tests.support.clock import FakeClock
from tests.support.logs import CapturedLogs


@pytest.fixture(autouse=True)
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can reach a real account or a local endpoint, whatever the shell exports."""
    for variable in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_ENDPOINT_URL_S3",
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture(autouse=True)
def no_powertools_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Service name and metrics namespace come only from what a test sets, never from the shell."""
    for variable in (
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_METRICS_DISABLED",
        "POWERTOOLS_DEV",
    ):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def captured_logs() -> CapturedLogs:
    return CapturedLogs()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if report.lines:
        terminalreporter.section("Conveyor worker figures")
        for text in report.lines:
            terminalreporter.write_line(text)
