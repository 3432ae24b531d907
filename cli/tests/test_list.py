"""conveyor list: a table of one page, the next cursor, every page with --all, and listing refused."""

import json

from fakes import FakeApi, Run, problem_response, progress, record

RUNNING = record("IN_PROGRESS", job_type="image_resize", progress=progress(40, "resizing"))
FAILED = record("FAILED", job_type="image_resize")
DONE = record("SUCCEEDED")


def words_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def test_list_shows_a_table_of_the_page_and_the_command_for_the_next_one(api: FakeApi, run: Run) -> None:
    api.pages[None] = {"jobs": [RUNNING, FAILED, DONE], "next_cursor": "eyJrIjoxfQ"}

    result = run("list", "--status", "failed", "--type", "image_resize", "--limit", "3")

    assert result.exit_code == 0
    (sent,) = api.requests
    assert dict(sent.url.params) == {"status": "FAILED", "job_type": "image_resize", "limit": "3"}
    lines = words_of(result.stdout)
    assert lines[0] == "JOB ID TYPE STATUS CREATED (UTC) PROGRESS / ERROR"
    assert lines[1:4] == [
        f"{RUNNING['job_id']} image_resize IN_PROGRESS 2026-11-24 17:29:37 40% resizing",
        f"{FAILED['job_id']} image_resize FAILED 2026-11-24 17:29:37 SOURCE_NOT_FOUND",
        f"{DONE['job_id']} text_transform SUCCEEDED 2026-11-24 17:29:37",
    ]
    assert (
        lines[4]
        == "Next page: conveyor list --status FAILED --type image_resize --limit 3 --cursor eyJrIjoxfQ"
    )


def test_the_last_page_has_no_next_page_line(api: FakeApi, run: Run) -> None:
    api.pages[None] = {"jobs": [DONE], "next_cursor": None}

    result = run("list")

    assert result.exit_code == 0
    assert dict(api.requests[0].url.params) == {}
    assert "Next page" not in result.stdout


def test_an_empty_list_says_so(api: FakeApi, run: Run) -> None:
    assert run("list").stdout == "No jobs.\n"


def test_cursor_asks_for_that_page(api: FakeApi, run: Run) -> None:
    api.pages["c2"] = {"jobs": [FAILED], "next_cursor": None}

    result = run("list", "--cursor", "c2")

    assert dict(api.requests[0].url.params) == {"cursor": "c2"}
    assert FAILED["job_id"] in result.stdout


def test_json_prints_the_page_exactly(api: FakeApi, run: Run) -> None:
    page = {"jobs": [RUNNING, DONE], "next_cursor": "c2"}
    api.pages[None] = page

    result = run("--json", "list")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == page


def test_all_follows_the_cursors_to_the_last_page(api: FakeApi, run: Run) -> None:
    api.pages[None] = {"jobs": [RUNNING], "next_cursor": "c2"}
    api.pages["c2"] = {"jobs": [FAILED], "next_cursor": "c3"}
    api.pages["c3"] = {"jobs": [DONE], "next_cursor": None}

    human = run("list", "--all", "--type", "image_resize", "--limit", "1")
    machine = run("--json", "list", "--all", "--type", "image_resize", "--limit", "1")

    assert human.exit_code == machine.exit_code == 0
    assert [dict(sent.url.params) for sent in api.requests[:3]] == [
        {"job_type": "image_resize", "limit": "1"},
        {"job_type": "image_resize", "limit": "1", "cursor": "c2"},
        {"job_type": "image_resize", "limit": "1", "cursor": "c3"},
    ]
    assert [line.split()[0] for line in words_of(human.stdout)[1:]] == [
        RUNNING["job_id"],
        FAILED["job_id"],
        DONE["job_id"],
    ]
    assert "Next page" not in human.stdout
    assert json.loads(machine.stdout) == {"jobs": [RUNNING, FAILED, DONE], "next_cursor": None}


def test_listing_where_there_is_no_sign_in_exits_5_with_the_problem(api: FakeApi, run: Run) -> None:
    disabled = problem_response(
        403,
        "listing-disabled",
        "Listing is disabled",
        "This deployment has no sign-in; job ids are capabilities.",
    )
    api.answer("GET", "/jobs", disabled, disabled)

    human = run("list")
    machine = run("--json", "list")

    assert human.exit_code == machine.exit_code == 5
    assert "403 Listing is disabled" in human.stderr
    assert "urn:conveyor:problem:listing-disabled" in human.stderr
    assert json.loads(machine.stderr) == disabled.json()


def test_a_page_without_a_list_of_jobs_is_not_the_apis(api: FakeApi, run: Run) -> None:
    api.pages[None] = {"items": []}

    assert run("list").exit_code == 6


def test_limit_must_be_between_1_and_100(api: FakeApi, run: Run) -> None:
    assert run("list", "--limit", "0").exit_code == 2
    assert run("list", "--limit", "101").exit_code == 2
    assert run("list", "--status", "DONE").exit_code == 2
    assert api.requests == []
