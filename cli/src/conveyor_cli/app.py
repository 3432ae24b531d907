"""The `conveyor` command group: its global options, and where errors become exit codes (one place, for every
command)."""

from typing import Any

import click

from conveyor_cli.api_url import ApiUrl
from conveyor_cli.commands import dlq, jobs
from conveyor_cli.errors import CliError
from conveyor_cli.exit_codes import MEANINGS, ExitCode
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
    """Turns every error of every command into its exit code, and Ctrl-C into 130."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
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
    commands=[jobs.submit, jobs.status, jobs.watch, jobs.list_jobs, dlq.dlq],
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--api-url",
    envvar="CONVEYOR_API_URL",
    show_envvar=True,
    type=ApiUrl(),
    metavar="URL",
    help="The Conveyor API's URL, e.g. http://127.0.0.1:8080 (what `make dev` prints).",
)
@click.option(
    "--token",
    envvar="CONVEYOR_TOKEN",
    show_envvar=True,
    metavar="JWT",
    help="Sent as `Authorization: Bearer JWT`, for deployments with sign-in.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Machine-readable: documents as JSON on stdout, errors as problem JSON on stderr.",
)
@click.version_option(package_name="conveyor-cli", prog_name="conveyor")
@click.pass_context
def cli(ctx: click.Context, api_url: str | None, token: str | None, as_json: bool) -> None:
    """Submit, follow and list the jobs of a Conveyor deployment, and look after its dead-letter queue."""
    runtime = ctx.obj if isinstance(ctx.obj, Runtime) else Runtime()
    ctx.obj = Session(runtime, Output(as_json=as_json), api_url, token, ctx)
