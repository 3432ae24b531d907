"""cancel and retry: stop a job, run a FAILED one again (docs/cli.md)."""

import click

from conveyor_cli.commands.jobs import answer_accepted, timeout_option
from conveyor_cli.global_options import global_options
from conveyor_cli.session import Session, pass_session


@click.command()
@click.argument("job_id", metavar="ID")
@global_options
@pass_session
def cancel(session: Session, job_id: str) -> None:
    """Cancel job ID; print what became of it (--json: its record).

    A QUEUED job ends at once, FAILED with error code CANCELLED. A running job is asked to stop: it ends
    FAILED CANCELLED at its next progress report or check, or as it finished if it finishes first (follow it
    with `conveyor watch ID`). Cancelling again is harmless; a job that has already ended otherwise is refused
    (exit code 3) and left as it is. With sign-in only your own jobs can be cancelled.
    """
    record = session.api().cancel(job_id).record
    if session.output.as_json:
        session.output.document(record)
    elif record.get("status") == "IN_PROGRESS":
        click.echo(f"Job {job_id} is running; asked to stop at its next check (`conveyor watch {job_id}`).")
    else:
        click.echo(f"Job {job_id} cancelled.")


@click.command()
@click.argument("job_id", metavar="ID")
@click.option(
    "--idempotency-key",
    metavar="KEY",
    help="Sent as Idempotency-Key: retrying job ID again with the same key within 24 hours gives the same "
    "new job, not another.",
)
@click.option("--wait", is_flag=True, help="Follow the new job with a progress bar until it ends.")
@timeout_option
@global_options
@pass_session
def retry(
    session: Session, job_id: str, idempotency_key: str | None, wait: bool, timeout: float | None
) -> None:
    """Run the FAILED job ID again as a new job; print the new job's id (--json: its record).

    The new job has the same type and payload, and its record's retry_of names ID, which stays as it was. A
    job that has not FAILED is refused (exit code 3). With --wait, follow the new job until it ends: exit code
    0 when it SUCCEEDED, 1 when it FAILED.
    """
    if timeout is not None and not wait:
        raise click.UsageError("--timeout only applies with --wait")
    accepted = session.api().retry(job_id, idempotency_key=idempotency_key)
    note = f"Job {accepted.record['job_id']} submitted, retrying {job_id}."
    answer_accepted(session, accepted, wait=wait, timeout=timeout, note=note)
