"""--api-url, --token and --json: given before the command (`conveyor --json status ID`) or after it
(`conveyor status ID --json`), in any command and command group.

Each is declared twice from one description: on the `conveyor` group, where its environment variable is its
default, and on every command (`global_options`), where it has none, so that only a value given there
overrides. Both store into the Session through the same callback; click processes the group's options before
its command's, so the value after the command wins (and an API URL from the environment is checked only when
the Session uses it, so that one after the command overrides even a malformed one). --json is eager at both
places: a usage error in the other options of its place is then already reported as a problem document."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from conveyor_cli.api_url import ENVIRONMENT_VARIABLE, ApiUrl
from conveyor_cli.session import Session

F = TypeVar("F", bound=Callable[..., Any])


def _session(ctx: click.Context) -> Session:
    session = ctx.find_object(Session)
    if session is None:  # as click's pass decorators say: ConveyorGroup makes it before parsing anything
        raise RuntimeError("no Session: a command runs within the `conveyor` group")
    return session


def _store_api_url(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        session = _session(ctx)
        session.api_url = value
        session.api_url_from_environment = (
            param.name is not None and ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT
        )


def _store_token(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value is not None:
        _session(ctx).token = value


def _store_json(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        _session(ctx).output.as_json = True


@dataclass(frozen=True)
class _GlobalOption:
    name: str
    help: str
    settings: dict[str, Any]
    envvar: str | None = None

    def before_the_command(self) -> Callable[[F], F]:
        environment: dict[str, Any] = {"envvar": self.envvar, "show_envvar": True} if self.envvar else {}
        return click.option(self.name, help=self.help, expose_value=False, **environment, **self.settings)

    def after_the_command(self) -> Callable[[F], F]:
        # No envvar here: it would be read again, and override a value given before the command. Its help
        # names it as click does (but a flag has nothing to win over).
        wins = "" if self.settings.get("is_flag") else " Wins over one given before the command."
        default = f"  [env var: {self.envvar}]" if self.envvar else ""
        return click.option(
            self.name, help=f"{self.help}{wins}{default}", expose_value=False, **self.settings
        )


_OPTIONS = (
    _GlobalOption(
        "--api-url",
        "The Conveyor API's URL, e.g. http://127.0.0.1:8080 (what `make dev` prints).",
        {"type": ApiUrl(), "metavar": "URL", "callback": _store_api_url},
        envvar=ENVIRONMENT_VARIABLE,
    ),
    _GlobalOption(
        "--token",
        "Sent as `Authorization: Bearer JWT`, for deployments with sign-in.",
        {"metavar": "JWT", "callback": _store_token},
        envvar="CONVEYOR_TOKEN",
    ),
    _GlobalOption(
        "--json",
        "Machine-readable: documents as JSON on stdout, errors as problem JSON on stderr.",
        {"is_flag": True, "is_eager": True, "callback": _store_json},
    ),
)


def _apply(decorators: list[Callable[[F], F]], command: F) -> F:
    # click lists a command's options in the order of their decorators, top first: applied bottom up.
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def root_options(group: F) -> F:
    """The global options of the `conveyor` group, before the command."""
    return _apply([option.before_the_command() for option in _OPTIONS], group)


def global_options(command: F) -> F:
    """The global options of a command or command group, after it: place it below the command's own options,
    so that `--help` lists them last."""
    return _apply([option.after_the_command() for option in _OPTIONS], command)
