"""A malformed --api-url (or CONVEYOR_API_URL) is a usage error, exit code 2, saying what is wrong and where
it came from, before anything is sent: not a connection error later."""

import json
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from fakes import FakeApi, Run, record

from conveyor_cli.app import cli
from conveyor_cli.session import Runtime

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

MALFORMED = [
    pytest.param("localhost:8080", "it has no scheme: write http:// or https://", id="no scheme"),
    pytest.param("127.0.0.1:8080", "it has no scheme", id="an address without a scheme"),
    pytest.param("http//api.test", "it has no scheme", id="a scheme without its colon"),
    pytest.param("ftp://api.test", "its scheme is ftp:, not http: or https:", id="not http"),
    pytest.param("http://", "it has no host", id="no host"),
    pytest.param("http:///prod", "it has no host", id="a path without a host"),
    pytest.param("http://api.test/jobs?x=1", "it has a query", id="a query"),
    pytest.param("http://api.test?", "it has a query", id="an empty query"),
    pytest.param("http://api.test/#top", "it has a fragment", id="a fragment"),
    pytest.param("http://api test", "it contains a space", id="a space in the host"),
    pytest.param("http://api.test/my stage", "it contains a space", id="a space in the path"),
    pytest.param(" http://api.test", "it contains a space", id="a leading space"),
    pytest.param("http://api.test\n", "a control character", id="a trailing newline"),
    pytest.param("http://api.test:99999", "its port is not a number from 1 to 65535", id="port out of range"),
    pytest.param("http://api.test:http", "its port is not a number", id="port not a number"),
    pytest.param("http://api.test:0", "its port is not a number from 1 to 65535", id="port 0"),
    pytest.param("http://[not-ipv6]/", "does not appear to be an IPv4 or IPv6 address", id="bad IPv6"),
    pytest.param("http://me:secret@api.test", "it has credentials (user@host)", id="credentials"),
    pytest.param("http://api..test", "its host 'api..test' is not a host name", id="an empty label"),
    pytest.param("http://-api.test", "is not a host name", id="a label starting with a hyphen"),
    pytest.param("http://api\\test", "is not a host name", id="a backslash"),
]


@pytest.mark.parametrize(("url", "complaint"), MALFORMED)
def test_a_malformed_api_url_is_a_usage_error_and_nothing_is_sent(
    api: FakeApi, run: Run, url: str, complaint: str
) -> None:
    result = run("status", "abc", api_url=url)

    assert result.exit_code == 2
    assert f"Invalid value for '--api-url': {url!r}: " in result.stderr
    assert complaint in result.stderr
    assert "Usage: conveyor" in result.stderr
    assert api.requests == []


@pytest.mark.parametrize(("url", "complaint"), MALFORMED)
def test_a_malformed_api_url_after_the_command_is_the_same_usage_error(
    api: FakeApi, run: Run, url: str, complaint: str
) -> None:
    result = run("status", "abc", "--api-url", url, api_url=None)

    assert result.exit_code == 2
    assert f"Invalid value for '--api-url': {url!r}: " in result.stderr
    assert complaint in result.stderr
    assert "Usage: conveyor status" in result.stderr
    assert api.requests == []


def test_a_malformed_api_url_from_the_environment_names_the_variable(
    api: FakeApi, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_API_URL", "api.test/prod")

    result = run("status", "abc", api_url=None)

    assert result.exit_code == 2
    assert (
        "Invalid value for the environment variable CONVEYOR_API_URL: 'api.test/prod': it has no scheme"
        in (result.stderr)
    )
    assert api.requests == []


def test_a_malformed_api_url_from_the_environment_under_json_is_a_usage_problem_document(
    api: FakeApi, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_API_URL", "http://api.test/?stage=prod")

    result = run("status", "abc", "--json", api_url=None)

    assert result.exit_code == 2
    problem = json.loads(result.stderr)
    assert problem["type"] == "urn:conveyor:cli:usage"
    assert problem["detail"].startswith("Invalid value for the environment variable CONVEYOR_API_URL: ")
    assert api.requests == []


def test_an_api_url_after_the_command_overrides_even_a_malformed_one_from_the_environment(
    api: FakeApi, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_API_URL", "localhost:8080")
    job_id = api.add_job(record("QUEUED"))

    result = run("status", job_id, "--api-url", "http://given.test", api_url=None)

    assert result.exit_code == 0
    (sent,) = api.requests
    assert str(sent.url) == f"http://given.test/jobs/{job_id}"


def test_a_malformed_api_url_in_the_environment_does_not_stop_the_dlq_commands(
    sqs_client: "SQSClient", monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_API_URL", "localhost:8080")
    dlq_url = sqs_client.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    sqs_client.send_message(QueueUrl=dlq_url, MessageBody="a dead letter")

    result = CliRunner().invoke(
        cli,
        ["--json", "dlq", "list", "--dlq-url", dlq_url, "--max", "1"],
        obj=Runtime(sqs_client=lambda: sqs_client),
        catch_exceptions=False,
    )

    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["messages"]) == 1


def test_a_malformed_api_url_under_json_is_a_usage_problem_document(api: FakeApi, run: Run) -> None:
    before = run("--json", "status", "abc", api_url="ftp://api.test")
    after = run("status", "abc", "--api-url", "ftp://api.test", "--json", api_url=None)

    for result in (before, after):
        assert result.exit_code == 2
        assert result.stdout == ""
        problem = json.loads(result.stderr)
        assert problem["type"] == "urn:conveyor:cli:usage"
        assert problem["detail"] == (
            "Invalid value for '--api-url': 'ftp://api.test': its scheme is ftp:, not http: or https:"
        )
    assert api.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost:8080/",
        "HTTPS://API.Test",
        "https://abc123.execute-api.eu-west-1.amazonaws.com",
        "http://[::1]:8080",
        "http://conveyor_api:8080",  # a container network's service name
        "http://api.test.",
        "https://bücher.example",
    ],
)
def test_a_well_formed_api_url_is_used_as_it_is(api: FakeApi, run: Run, url: str) -> None:
    job_id = api.add_job(record("QUEUED"))

    result = run("status", job_id, api_url=url)

    assert result.exit_code == 0
    (sent,) = api.requests
    assert sent.url.path == f"/jobs/{job_id}"
