"""The installed `conveyor` command against the whole local stack, as a user runs it after `make dev`: in a
shell with the variables `make dev` tells them to export, each command a process of its own.

The command is the root venv's (`make install` installs cli/ editable into it; `make dev` also puts it on the
user's PATH with `uv tool install`). Most tests share a stack without sign-in, as `make dev` runs by default;
the last one starts one with sign-in (`CONVEYOR_SIGN_IN=1`), for --token and listing through real cursors.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conveyor_local.aws import sqs_client

from tests.support.local_stack import LocalStack, running_local_stack

CONVEYOR = Path(sys.executable).parent / "conveyor"
# A ceiling for each command, not a wait: jobs take milliseconds here, and `--wait` returns when one ends.
COMMAND_TIMEOUT_SECONDS = 90
WAIT_TIMEOUT = "60"


@pytest.fixture(scope="module")
def local_stack() -> Iterator[LocalStack]:
    with running_local_stack() as stack:
        yield stack


@pytest.fixture(scope="module")
def exported(local_stack: LocalStack) -> dict[str, str]:
    """The variables of the announcement's `export` lines (PATH aside: the tests name the command's path)."""
    variables: dict[str, str] = {}
    for line in local_stack.output.splitlines():
        words = shlex.split(line)
        if words[:1] == ["export"]:
            for word in words[1:]:
                name, _, value = word.partition("=")
                if name != "PATH":
                    variables[name] = value
    return variables


@pytest.fixture(scope="module")
def shell(exported: dict[str, str]) -> dict[str, str]:
    """A user's shell after the exports: none of the developer's own AWS or Conveyor settings."""
    inherited = {
        name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "CONVEYOR_"))
    }
    return {**inherited, **exported}


def conveyor(shell: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONVEYOR), *args],
        env=shell,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


def submitted_and_ended(shell: dict[str, str], job_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    ran = conveyor(
        shell,
        "--json",
        "submit",
        job_type,
        "--payload",
        json.dumps(payload),
        "--wait",
        "--timeout",
        WAIT_TIMEOUT,
    )
    assert ran.returncode in (0, 1), ran.stderr
    record: dict[str, Any] = json.loads(ran.stdout)
    return record


def test_make_devs_announcement_exports_what_the_command_needs(
    local_stack: LocalStack, exported: dict[str, str]
) -> None:
    assert exported["CONVEYOR_API_URL"] == local_stack.api_url
    assert exported["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{local_stack.ports['CONVEYOR_AWS_PORT']}"
    assert exported["CONVEYOR_DLQ_URL"].endswith("-dlq")
    assert exported["CONVEYOR_QUEUE_URL"].startswith("http")
    assert {"AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(exported)
    assert """conveyor submit text_transform --payload '{"text":"hi"}' --wait""" in local_stack.output


def test_submit_wait_follows_a_text_transform_job_to_its_result_and_exits_0(shell: dict[str, str]) -> None:
    ran = conveyor(
        shell,
        "submit",
        "text_transform",
        "--payload",
        '{"text": "hello cli"}',
        "--wait",
        "--timeout",
        WAIT_TIMEOUT,
    )

    assert ran.returncode == 0, ran.stderr
    assert "SUCCEEDED" in ran.stdout
    assert '"uppercase": "HELLO CLI"' in ran.stdout
    assert ran.stderr.splitlines()[0].startswith("Job ")
    assert ran.stderr.splitlines()[-1] == "SUCCEEDED"


def test_submit_wait_sends_an_email_and_shows_ses_message_id(
    shell: dict[str, str], local_stack: LocalStack
) -> None:
    before = local_stack.emails_sent()
    payload = {"to": ["ada@example.org"], "subject": "Your report", "text": "It is ready."}

    record = submitted_and_ended(shell, "send_email", payload)

    assert record["status"] == "SUCCEEDED", record
    assert record["result"]["message_id"]
    assert local_stack.emails_sent() == before + 1


def test_submit_then_status_shows_the_same_job(shell: dict[str, str]) -> None:
    submitted = conveyor(shell, "submit", "data_analysis", "--payload", '{"data": [1, 2, 3]}')
    assert submitted.returncode == 0, submitted.stderr
    job_id = submitted.stdout.strip()

    watched = conveyor(shell, "--json", "watch", job_id, "--timeout", WAIT_TIMEOUT)
    status = conveyor(shell, "--json", "status", job_id)

    assert watched.returncode == status.returncode == 0
    assert json.loads(status.stdout) == json.loads(watched.stdout)
    assert json.loads(status.stdout)["result"]["sum"] == 6


def test_a_job_that_fails_exits_1_and_shows_its_error(shell: dict[str, str]) -> None:
    never_uploaded = {"source_key": f"uploads/{uuid.uuid4()}", "dimensions": [8, 8]}

    ran = conveyor(
        shell,
        "submit",
        "image_resize",
        "--payload",
        json.dumps(never_uploaded),
        "--wait",
        "--timeout",
        WAIT_TIMEOUT,
    )

    assert ran.returncode == 1, ran.stderr
    assert "FAILED" in ran.stdout
    assert "SOURCE_NOT_FOUND" in ran.stdout


def test_status_of_an_unknown_job_exits_4(shell: dict[str, str]) -> None:
    human = conveyor(shell, "status", str(uuid.uuid4()))
    machine = conveyor(shell, "--json", "status", str(uuid.uuid4()))

    assert human.returncode == machine.returncode == 4
    assert "404" in human.stderr
    assert json.loads(machine.stderr)["type"] == "urn:conveyor:problem:job-not-found"


def test_a_refused_payload_exits_3_with_the_violations_pointer(shell: dict[str, str]) -> None:
    ran = conveyor(shell, "submit", "text_transform", "--payload", '{"text": ""}')

    assert ran.returncode == 3
    assert "/payload/text" in ran.stderr


def test_submit_batch_sends_a_file_of_jobs_and_names_the_refused_lines(
    shell: dict[str, str], tmp_path: Path
) -> None:
    lines = [json.dumps({"job_type": "data_analysis", "payload": {"data": [n, n]}}) for n in range(30)]
    lines[6] = json.dumps({"job_type": "data_analysis", "payload": {"data": []}})
    jobs_file = tmp_path / "jobs.jsonl"
    jobs_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    ran = conveyor(shell, "submit", "--batch", str(jobs_file))

    assert ran.returncode == 3, ran.stderr
    accepted = dict(line.split("\t") for line in ran.stdout.splitlines())
    assert sorted(map(int, accepted)) == [n for n in range(1, 31) if n != 7]
    assert "line 7: 400" in ran.stderr
    assert "29 of 30 jobs accepted, 1 refused." in ran.stderr
    last = conveyor(shell, "--json", "watch", accepted["30"], "--timeout", WAIT_TIMEOUT)
    assert json.loads(last.stdout)["result"]["sum"] == 58


def test_listing_without_sign_in_exits_5_with_the_listing_disabled_problem(shell: dict[str, str]) -> None:
    human = conveyor(shell, "list")
    machine = conveyor(shell, "--json", "list")

    assert human.returncode == machine.returncode == 5, human.stderr
    assert "urn:conveyor:problem:listing-disabled" in human.stderr
    assert json.loads(machine.stderr)["type"] == "urn:conveyor:problem:listing-disabled"


def test_dlq_list_shows_a_dead_letter_without_consuming_it_and_redrive_moves_it_back(
    shell: dict[str, str],
) -> None:
    # The dead letter of a job that already ended: once redriven, the worker acknowledges it as a duplicate,
    # so it cannot come back to the DLQ while this test looks.
    job = submitted_and_ended(shell, "text_transform", {"text": "dead letter"})
    message = {
        "contract_version": "1",
        "job_id": job["job_id"],
        "job_type": job["job_type"],
        "submitted_at": job["created_at"],
    }
    sqs = sqs_client(shell["AWS_ENDPOINT_URL"])
    sqs.send_message(QueueUrl=shell["CONVEYOR_DLQ_URL"], MessageBody=json.dumps(message))

    def dead_job_ids() -> list[str]:
        listed = conveyor(shell, "--json", "dlq", "list")
        assert listed.returncode == 0, listed.stderr
        return [letter["job_id"] for letter in json.loads(listed.stdout)["messages"]]

    human = conveyor(shell, "dlq", "list")
    assert human.returncode == 0, human.stderr
    assert job["job_id"] in human.stdout
    assert job["job_id"] in dead_job_ids()  # still there: listing consumed nothing

    redriven = conveyor(shell, "dlq", "redrive")

    assert redriven.returncode == 0, redriven.stderr
    assert redriven.stdout.startswith("moved 1 messages from ")
    assert job["job_id"] not in dead_job_ids()


@pytest.fixture(scope="module")
def signed_in_stack() -> Iterator[LocalStack]:
    with running_local_stack(sign_in=True) as stack:
        yield stack


def test_with_sign_in_the_token_is_sent_and_list_all_follows_the_real_cursors(
    signed_in_stack: LocalStack,
) -> None:
    user_shell = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "CONVEYOR_"))},
        "CONVEYOR_API_URL": signed_in_stack.api_url,
    }
    anonymous = conveyor(user_shell, "submit", "text_transform", "--payload", '{"text": "who?"}')
    user_shell["CONVEYOR_TOKEN"] = signed_in_stack.token(f"cli-{uuid.uuid4().hex[:8]}")
    job_ids = []
    for n in range(3):
        submitted = conveyor(
            user_shell, "submit", "text_transform", "--payload", json.dumps({"text": f"job {n}"})
        )
        assert submitted.returncode == 0, submitted.stderr
        job_ids.append(submitted.stdout.strip())

    every_page = conveyor(user_shell, "--json", "list", "--all", "--limit", "2")
    first_page = conveyor(user_shell, "list", "--limit", "2")

    assert anonymous.returncode == 5  # API Gateway's own 401, before the function
    assert "401 Unauthorized" in anonymous.stderr
    assert every_page.returncode == 0, every_page.stderr
    assert [job["job_id"] for job in json.loads(every_page.stdout)["jobs"]] == job_ids[::-1]  # newest first
    assert first_page.returncode == 0, first_page.stderr
    assert first_page.stdout.splitlines()[-1].startswith("Next page: conveyor list --limit 2 --cursor ")
