"""submit, status, watch and list: the API's jobs, over HTTP."""

import shlex
from typing import Any, TextIO

import click

from conveyor_cli.api import Document, Reading
from conveyor_cli.batch import BATCH_SIZE, exit_code, read_lines, submit_lines
from conveyor_cli.duration import Duration
from conveyor_cli.exit_codes import ExitCode
from conveyor_cli.following import follow
from conveyor_cli.global_options import global_options
from conveyor_cli.payload import JsonPayload
from conveyor_cli.render import job_table
from conveyor_cli.session import Session, pass_session

STATUSES = ("QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED")

timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Stop waiting after this long (exit code 7); the job goes on. Default: wait until it ends.",
)


@click.command()
@click.argument("job_type", metavar="TYPE", required=False)
@click.option(
    "--payload",
    type=JsonPayload(),
    help="The job's payload: JSON, or @FILE to read it from a file (@- from standard input).",
)
@click.option(
    "--idempotency-key",
    metavar="KEY",
    help="Sent as Idempotency-Key: the same key and body within 24 hours give the same job, not another.",
)
@click.option(
    "--delay",
    type=Duration(),
    help="Run the job no earlier than this long after it is accepted: seconds, or 90s, 15m, 2h, up to 7d.",
)
@click.option("--wait", is_flag=True, help="Follow the job with a progress bar until it ends.")
@timeout_option
@click.option(
    "--batch",
    "batch_file",
    type=click.File("r", encoding="utf-8"),
    metavar="FILE",
    help="Submit many jobs instead: FILE holds one job request per line (JSON lines, - for standard input), "
    f"sent {BATCH_SIZE} a request. Without TYPE and --payload.",
)
@global_options
@pass_session
def submit(
    session: Session,
    job_type: str | None,
    payload: Any,
    idempotency_key: str | None,
    delay: int | None,
    wait: bool,
    timeout: float | None,
    batch_file: TextIO | None,
) -> None:
    """Submit a job of TYPE; print its id (--json: its record).

    With --wait, follow it until it ends and print the outcome: exit code 0 when it SUCCEEDED, 1 when it
    FAILED.

    With --batch FILE, submit each line of FILE (a job request, {"job_type": ..., "payload": ...}); print
    each accepted line's number and job id, and each refused line's problem; exit code 0 only when every
    line was accepted.
    """
    if batch_file is not None:
        if job_type is not None or payload is not None or idempotency_key or wait or delay is not None:
            raise click.UsageError(
                "--batch takes no TYPE, --payload, --idempotency-key, --delay or --wait"
                " (a line may hold its own delay_seconds)"
            )
        _submit_batch(session, batch_file)
        return
    if job_type is None or payload is None:
        raise click.UsageError("give TYPE and --payload (or --batch FILE)")
    if timeout is not None and not wait:
        raise click.UsageError("--timeout only applies with --wait")
    accepted = session.api().submit(job_type, payload, idempotency_key=idempotency_key, delay_seconds=delay)
    answer_accepted(
        session, accepted, wait=wait, timeout=timeout, note=f"Job {accepted.record['job_id']} submitted."
    )


def answer_accepted(
    session: Session, accepted: Reading, *, wait: bool, timeout: float | None, note: str
) -> None:
    """A new job's id (--json: its record), or, with --wait, `note` and the job followed to its end."""
    record = accepted.record
    if not wait:
        if session.output.as_json:
            session.output.document(record)
        else:
            click.echo(record["job_id"])
        return
    session.output.note(note)
    _follow_to_the_end(session, record["job_id"], timeout, first=accepted)


def _submit_batch(session: Session, batch_file: TextIO) -> None:
    lines = read_lines(batch_file)
    api = session.api()
    with session.output.batch_progress(len(lines)) as bar:
        outcomes = sorted(submit_lines(api, lines, sent=bar.advance), key=lambda outcome: outcome.number)
    accepted = sum(outcome.accepted for outcome in outcomes)
    if session.output.as_json:
        results = [outcome.document() for outcome in outcomes]
        session.output.document(
            {"accepted": accepted, "refused": len(outcomes) - accepted, "results": results}
        )
    else:
        for outcome in outcomes:
            if outcome.job is not None:
                click.echo(f"{outcome.number}\t{outcome.job['job_id']}")
            else:
                click.secho(outcome.describe(), err=True, fg="red")
        session.output.note(
            f"{accepted} of {len(outcomes)} jobs accepted, {len(outcomes) - accepted} refused."
        )
    code = exit_code(outcomes)
    if code != ExitCode.OK:
        raise click.exceptions.Exit(code)


@click.command()
@click.argument("job_id", metavar="ID")
@global_options
@pass_session
def status(session: Session, job_id: str) -> None:
    """Show job ID: status, times, attempts, progress, result or error."""
    session.output.record(session.api().job(job_id))


@click.command()
@click.argument("job_id", metavar="ID")
@timeout_option
@global_options
@pass_session
def watch(session: Session, job_id: str, timeout: float | None) -> None:
    """Follow job ID with a progress bar until it ends, then show it.

    Exit code 0 when it SUCCEEDED, 1 when it FAILED.
    """
    _follow_to_the_end(session, job_id, timeout)


@click.command("list")
@click.option("--status", type=click.Choice(STATUSES, case_sensitive=False), help="Only jobs in this status.")
@click.option("--type", "job_type", metavar="TYPE", help="Only jobs of this type.")
@click.option("--limit", type=click.IntRange(1, 100), help="Jobs per page, 1-100 (the API's default: 20).")
@click.option("--cursor", metavar="CURSOR", help="Start from this page: a previous page's next cursor.")
@click.option("--all", "every_page", is_flag=True, help="Follow the cursors to the last page.")
@global_options
@pass_session
def list_jobs(
    session: Session,
    status: str | None,
    job_type: str | None,
    limit: int | None,
    cursor: str | None,
    every_page: bool,
) -> None:
    """List your jobs, newest first (deployments with sign-in only).

    Prints the next page's cursor when there is one. --json prints the API's page as it is; with --all, one
    page of every job, whose next_cursor is null.
    """
    filters: dict[str, Any] = {"status": status, "job_type": job_type, "limit": limit}
    api = session.api()
    if every_page:
        jobs = [job for page in api.pages(**filters, cursor=cursor) for job in page["jobs"]]
        page: Document = {"jobs": jobs, "next_cursor": None}
    else:
        page = api.jobs(**filters, cursor=cursor)
    if session.output.as_json:
        session.output.document(page)
        return
    if page["jobs"]:
        session.output.show(job_table(page["jobs"]))
    else:
        click.echo("No jobs.")
    if page.get("next_cursor"):
        click.echo(f"Next page: {_list_command(status, job_type, limit, page['next_cursor'])}")


def _follow_to_the_end(
    session: Session, job_id: str, timeout: float | None, first: Reading | None = None
) -> None:
    runtime = session.runtime
    record = follow(
        session.api(),
        job_id,
        display=session.output.follower(job_id),
        timeout=timeout,
        clock=runtime.clock,
        sleep=runtime.sleep,
        first=first,
        jitter=runtime.random,
    )
    session.output.record(record)
    if record.get("status") == "FAILED":
        raise click.exceptions.Exit(ExitCode.JOB_FAILED)


def _list_command(status: str | None, job_type: str | None, limit: int | None, cursor: str) -> str:
    """The command that lists the next page: the same filters, and the cursor."""
    words = ["conveyor", "list"]
    for option, value in (
        ("--status", status),
        ("--type", job_type),
        ("--limit", limit),
        ("--cursor", cursor),
    ):
        if value is not None:
            words += [option, shlex.quote(str(value))]
    return " ".join(words)
