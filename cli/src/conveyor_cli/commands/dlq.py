"""dlq list and dlq redrive: the dead-letter queue, over SQS (endpoint, region and credentials from the usual
AWS environment variables; AWS_ENDPOINT_URL for the local stack)."""

import click

from conveyor_cli.displays import MoveProgress
from conveyor_cli.errors import CliError, cli_problem
from conveyor_cli.exit_codes import ExitCode
from conveyor_cli.global_options import global_options
from conveyor_cli.render import dead_letter_table
from conveyor_cli.session import Session, pass_session

dlq_url_option = click.option(
    "--dlq-url",
    envvar="CONVEYOR_DLQ_URL",
    show_envvar=True,
    required=True,
    metavar="URL",
    help="The dead-letter queue's URL (`make dev` prints it; core's output JobsDeadLetterQueueUrl).",
)


@click.group()
@global_options
def dlq() -> None:
    """The dead-letter queue: the messages of jobs whose retries ran out."""


@dlq.command("list")
@dlq_url_option
@click.option(
    "--max",
    "max_messages",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    metavar="N",
    help="Show at most N messages.",
)
@global_options
@pass_session
def list_dead_letters(session: Session, dlq_url: str, max_messages: int) -> None:
    """Show the DLQ's messages without consuming them: each is received, then made visible again at once.

    Each look counts as a receive (the RECEIVES column grows by one).
    """
    # Here, not at the top: botocore takes a while to import, which the HTTP commands need not pay.
    from conveyor_cli.aws_errors import aws_errors
    from conveyor_cli.dead_letters import peek

    with aws_errors():
        letters = peek(session.sqs(), dlq_url=dlq_url, max_messages=max_messages)
    if session.output.as_json:
        session.output.document({"messages": [letter.as_document() for letter in letters]})
    elif letters:
        session.output.show(dead_letter_table(letter.as_document() for letter in letters))
    else:
        click.echo("The dead-letter queue is empty.")


@dlq.command("redrive")
@dlq_url_option
@click.option(
    "--queue-url",
    envvar="CONVEYOR_QUEUE_URL",
    show_envvar=True,
    required=True,
    metavar="URL",
    help="The jobs queue's URL, where the messages go back (the core stack's JobsQueueUrl output).",
)
@click.option(
    "--max",
    "max_messages",
    type=click.IntRange(min=1),
    metavar="N",
    help="Move at most N messages (default: all of them).",
)
@global_options
@pass_session
def redrive_dead_letters(session: Session, dlq_url: str, queue_url: str, max_messages: int | None) -> None:
    """Re-deliver the DLQ's messages: move them back to the jobs queue, once the cause of their failure is
    fixed.

    This re-delivers messages; it does not run jobs again. A message whose job is still pending runs it; a
    job that already ended, FAILED included, is not run again: its message is acknowledged as a duplicate.
    To run a FAILED job again, use `conveyor retry ID`, which submits a new job with its payload.

    Without --max, SQS moves them itself (a message move task, as the console's redrive), and the command
    follows its progress; with --max, or where the endpoint has no move tasks, it moves them in batches.
    """
    from conveyor_cli.aws_errors import as_cli_error, aws_errors
    from conveyor_cli.redrive import RedriveError, redrive

    progress = MoveProgress(session.output.note)
    try:
        with aws_errors():
            redriven = redrive(
                session.sqs(),
                dlq_url=dlq_url,
                queue_url=queue_url,
                max_messages=max_messages,
                on_progress=progress.show,
                sleep=session.runtime.sleep,
            )
    except RedriveError as stopped:
        if stopped.cause is not None:
            exit_code = as_cli_error(stopped.cause).exit_code
        else:
            exit_code = ExitCode.REFUSED if stopped.sender_fault else ExitCode.UNAVAILABLE
        raise CliError(
            str(stopped),
            problem=cli_problem(
                "redrive-stopped", "The redrive stopped part way", str(stopped), moved=stopped.moved
            ),
            exit_code=exit_code,
        ) from stopped
    if session.output.as_json:
        session.output.document(
            {"moved": redriven.moved, "dlq_url": dlq_url, "queue_url": queue_url, "method": redriven.method}
        )
    else:
        click.echo(f"moved {redriven.moved} messages from {dlq_url} to {queue_url}")
        session.output.note(
            "Re-delivered messages run only jobs still pending; to run a FAILED job again: conveyor retry ID"
        )
