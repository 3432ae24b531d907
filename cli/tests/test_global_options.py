"""--api-url, --token and --json work before the command and after it, in every command and command group,
with the same environment variables as defaults; a value given after the command wins over one before it."""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click
import pytest
from click.testing import CliRunner, Result
from fakes import API_URL, FakeApi, Run, later, record

from conveyor_cli.app import cli
from conveyor_cli.session import Runtime

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

OTHER_URL = "http://other.test"


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and command group under `group`, as the words that name it: ("dlq",), ("dlq", "list")."""
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))


EVERY_COMMAND = sorted(command_paths(cli))


def test_every_command_and_group_is_covered() -> None:
    assert {"submit", "status", "watch", "list", "dlq", "dlq list", "dlq redrive"} <= {
        " ".join(path) for path in EVERY_COMMAND
    }


def invoke(*args: str, runtime: Runtime | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), obj=runtime or Runtime(), env=env, catch_exceptions=False)


@pytest.mark.parametrize("path", EVERY_COMMAND, ids=" ".join)
def test_every_command_takes_api_url_after_it_and_checks_it(path: tuple[str, ...]) -> None:
    # A malformed URL is refused while the command's options are read: before any argument is missing, and
    # before anything is sent anywhere.
    result = invoke(*path, "--api-url", "nope")

    assert result.exit_code == 2
    assert "Invalid value for '--api-url': 'nope': it has no scheme" in result.stderr


@pytest.mark.parametrize("path", EVERY_COMMAND, ids=" ".join)
def test_every_command_takes_json_after_it(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--api-url", "nope", "--json")

    assert result.exit_code == 2
    assert json.loads(result.stderr)["type"] == "urn:conveyor:cli:usage"


@pytest.mark.parametrize("path", EVERY_COMMAND, ids=" ".join)
def test_every_command_takes_token_after_it(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--token", "t0k", "--api-url", "nope")

    assert result.exit_code == 2
    assert "No such option" not in result.stderr
    assert "Invalid value for '--api-url'" in result.stderr


@pytest.mark.parametrize("path", EVERY_COMMAND, ids=" ".join)
def test_every_commands_help_lists_the_global_options_and_says_which_wins(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--help")

    assert result.exit_code == 0
    help_text = " ".join(result.stdout.split())
    for option in ("--api-url URL", "--token JWT", "--json"):
        assert option in help_text
    assert help_text.count("Wins over one given before the command.") == 2  # --api-url, --token
    assert "[env var: CONVEYOR_API_URL]" in help_text
    assert "[env var: CONVEYOR_TOKEN]" in help_text


def test_the_groups_help_says_the_options_work_after_the_command_and_win_there() -> None:
    help_text = " ".join(invoke("--help").stdout.split())

    assert "also work after the command, as in `conveyor status ID --json`" in help_text
    assert "a value wins over one given before the command" in help_text


def test_status_then_json_prints_the_record_as_json(api: FakeApi, run: Run) -> None:
    original = record("SUCCEEDED")
    job_id = api.add_job(original)

    result = run("status", job_id, "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == original


def test_json_after_the_command_makes_its_errors_problem_documents(api: FakeApi, run: Run) -> None:
    result = run("status", "no-such-job", "--json")

    assert result.exit_code == 4
    assert json.loads(result.stderr)["type"] == "urn:conveyor:problem:job-not-found"


def test_api_url_after_the_command_wins_over_one_before_it(api: FakeApi, run: Run) -> None:
    job_id = api.add_job(record("QUEUED"))

    assert run("status", job_id, "--api-url", OTHER_URL).exit_code == 0  # run gives --api-url API_URL first

    (sent,) = api.requests
    assert str(sent.url) == f"{OTHER_URL}/jobs/{job_id}"


def test_token_after_the_command_wins_over_one_before_it(api: FakeApi, run: Run) -> None:
    run("--token", "before", "submit", "text_transform", "--payload", "{}", "--token", "after")

    (sent,) = api.requests
    assert sent.headers["authorization"] == "Bearer after"


def test_options_after_the_command_win_over_the_environment(
    api: FakeApi, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_API_URL", "http://from-env.test")
    monkeypatch.setenv("CONVEYOR_TOKEN", "from-env")

    run("status", "abc", "--api-url", OTHER_URL, "--token", "given", api_url=None)

    (sent,) = api.requests
    assert str(sent.url) == f"{OTHER_URL}/jobs/abc"
    assert sent.headers["authorization"] == "Bearer given"


def test_the_environment_is_the_default_whatever_the_options_place(
    api: FakeApi, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_API_URL", "http://from-env.test")
    monkeypatch.setenv("CONVEYOR_TOKEN", "from-env")

    run("status", "abc", "--json", api_url=None)

    (sent,) = api.requests
    assert str(sent.url) == "http://from-env.test/jobs/abc"
    assert sent.headers["authorization"] == "Bearer from-env"


def test_options_before_the_command_still_win_over_the_environment(
    api: FakeApi, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_API_URL", "http://from-env.test")

    run("status", "abc")  # run gives --api-url API_URL before the command

    (sent,) = api.requests
    assert str(sent.url) == f"{API_URL}/jobs/abc"


def test_submit_wait_then_json_prints_the_final_record_only(api: FakeApi, run: Run) -> None:
    api.next_submissions.append(later(("IN_PROGRESS", {}), ("SUCCEEDED", {})))

    result = run("submit", "text_transform", "--payload", "{}", "--wait", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "SUCCEEDED"
    assert result.stderr == ""


@pytest.mark.parametrize(
    "where",
    [("dlq", "list", "--json"), ("dlq", "--json", "list"), ("--json", "dlq", "list")],
    ids=" ".join,
)
def test_the_dlq_commands_take_json_before_after_and_between_their_words(
    sqs_client: "SQSClient", where: tuple[str, ...]
) -> None:
    dlq_url = sqs_client.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    sqs_client.send_message(QueueUrl=dlq_url, MessageBody="a dead letter")

    # --max 1: the listing stops at the message, rather than after a long poll of the emptied queue.
    args = [*where, "--dlq-url", dlq_url, "--max", "1"]
    result = invoke(*args, runtime=Runtime(sqs_client=lambda: sqs_client))

    assert result.exit_code == 0
    assert [message["body"] for message in json.loads(result.stdout)["messages"]] == ["a dead letter"]
