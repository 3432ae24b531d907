"""The `conveyor` command group: its commands, and where errors become exit codes (one place, for every
command and every option; the global options themselves are in conveyor_cli.global_options)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from conveyor_cli.commands import control, dlq, jobs
from conveyor_cli.errors import CliError
from conveyor_cli.exit_codes import MEANINGS, ExitCode
from conveyor_cli.global_options import root_options
from conveyor_cli.output import Output
from conveyor_cli.session import Runtime, Session


def _exit_code_lines() -> str:
    return "\n".join(f"  {int(code):<5}{meaning}" for code, meaning in MEANINGS.items())


EPILOG = f"""\b
Exit codes:
{_exit_code_lines()}

\b
--json errors are problem documents (RFC 9457): the API's own, or, for what
the CLI finds itself, one whose type is urn:conveyor:cli:<kind>.
"""


class ConveyorGroup(click.Group):
    """Makes the Session the options fill in; turns every error of every command, and of the options, into its
    exit code, and Ctrl-C into 130."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        runtime = ctx.obj if isinstance(ctx.obj, Runtime) else Runtime()
        ctx.obj = Session(runtime, ctx)
        with _exit_codes(ctx):
            return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        with _exit_codes(ctx):
            return super().invoke(ctx)


@contextmanager
def _exit_codes(ctx: click.Context) -> Iterator[None]:
    try:
        yield
    except CliError as error:
        _session_output(ctx).error(error)
        raise click.exceptions.Exit(error.exit_code) from None
    except click.UsageError as error:
        output = _session_output(ctx)
        if not output.as_json:
            raise
        output.usage_error(error)
        raise click.exceptions.Exit(ExitCode.USAGE) from None
    except KeyboardInterrupt:
        click.echo("", err=True)
        raise click.exceptions.Exit(ExitCode.INTERRUPTED) from None


def _session_output(ctx: click.Context) -> Output:
    session = ctx.find_object(Session)
    return session.output if session else Output(as_json=False)


@click.group(
    "conveyor",
    cls=ConveyorGroup,
    commands=[jobs.submit, jobs.status, jobs.watch, jobs.list_jobs, control.cancel, control.retry, dlq.dlq],
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@root_options
@click.version_option(package_name="conveyor-cli", prog_name="conveyor")
def cli() -> None:
    """Submit, follow, list, cancel and retry the jobs of a Conveyor deployment, and look after its
    dead-letter queue.

    The options below also work after the command, as in `conveyor status ID --json`; there, a value wins over
    one given before the command.
    """
