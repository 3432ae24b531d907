"""`make dev`: the whole system on this machine, until Ctrl-C.

moto (the AWS endpoint) and the demo page's server run in this process; each function runs in its own
process with its own environment, as on Lambda, behind its emulated trigger.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import NoReturn

from conveyor_local import config
from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.child_process import ChildProcess
from conveyor_local.console import Console
from conveyor_local.moto_server import start_moto_server
from conveyor_local.ports import ensure_port_free
from conveyor_local.provision import ProvisionedResources, provision
from conveyor_local.static_site import start_static_site
from conveyor_local.stop_signals import StopRequested, ignore_stop_signals, raise_on_stop_signals
from conveyor_local.waiting import http_status, wait_until

READY_LINE = "Conveyor is ready."
API_READY_TIMEOUT_SECONDS = 60.0
_SUPERVISION_INTERVAL_SECONDS = 0.2


class ChildExitedError(RuntimeError):
    """A function's process ended while the stack was starting or running."""


@dataclass(frozen=True)
class RunningStack:
    resources: ProvisionedResources
    children: list[ChildProcess]
    web_url: str | None


def main() -> int:
    console = Console()
    try:
        settings = config.LocalStackConfig.from_env(os.environ)
    except config.ConfigError as error:
        console.error(f"conveyor: {error}")
        return 2
    raise_on_stop_signals()
    with ExitStack() as running:
        try:
            stack = _start(settings, console, running)
            _announce(settings, stack, console)
            _supervise(stack.children)
        except StopRequested:
            console.say("Stopping…")
            exit_code = 0
        except (OSError, ChildExitedError) as error:  # OSError: a taken port, a timeout
            console.error(f"conveyor: {error}; stopping")
            exit_code = 1
        finally:
            ignore_stop_signals()
    console.say("Stopped.")
    return exit_code


def _start(settings: config.LocalStackConfig, console: Console, running: ExitStack) -> RunningStack:
    serve_frontend = config.FRONTEND_DIR.is_dir()
    ports = {config.AWS_PORT_VARIABLE: settings.aws_port, config.API_PORT_VARIABLE: settings.api_port}
    if serve_frontend:
        ports[config.WEB_PORT_VARIABLE] = settings.web_port
    for variable, port in ports.items():
        ensure_port_free(settings.host, port, remedy=f": set {variable} to use another port")

    console.say(f"Starting moto (the AWS endpoint) on {settings.aws_endpoint_url}…")
    moto = start_moto_server(settings.host, settings.aws_port)
    running.callback(moto.stop)
    resources = provision(
        dynamodb_client(moto.endpoint_url),
        sqs_client(moto.endpoint_url),
        table_name=config.TABLE_NAME,
        queue_name=config.QUEUE_NAME,
        dlq_name=config.DLQ_NAME,
        idempotency_table_name=config.IDEMPOTENCY_TABLE_NAME,
        visibility_timeout_seconds=config.QUEUE_VISIBILITY_TIMEOUT_SECONDS,
        max_receive_count=config.MAX_RECEIVE_COUNT,
    )

    web_url = None
    if serve_frontend:
        site = start_static_site(
            config.FRONTEND_DIR, settings.api_url, host=settings.host, port=settings.web_port
        )
        running.callback(site.stop)
        web_url = site.url
    else:
        console.say(f"No {config.FRONTEND_DIR} folder yet: the demo page is not served.")

    console.say("Starting the api, worker and sweeper functions…")
    children = [
        _start_child(
            running,
            console,
            "api",
            "conveyor_local.api_process",
            ["--host", settings.host, "--port", str(settings.api_port)],
            api_environment(os.environ, settings, resources),
        ),
        _start_child(
            running,
            console,
            "worker",
            "conveyor_local.worker_process",
            [
                "--aws-endpoint-url",
                settings.aws_endpoint_url,
                "--queue-url",
                resources.queue_url,
                "--queue-arn",
                resources.queue_arn,
            ],
            worker_environment(os.environ, settings, resources),
        ),
        _start_child(
            running,
            console,
            "sweeper",
            "conveyor_local.sweeper_process",
            ["--interval-seconds", str(config.SWEEP_INTERVAL_SECONDS)],
            sweeper_environment(os.environ, settings, resources),
        ),
    ]
    _wait_until_api_answers(settings.api_url, children)
    return RunningStack(resources=resources, children=children, web_url=web_url)


def _start_child(
    running: ExitStack, console: Console, name: str, module: str, args: list[str], env: Mapping[str, str]
) -> ChildProcess:
    child = ChildProcess.start(name, module, args, env, console)
    running.callback(child.stop)
    return child


def api_environment(
    base: Mapping[str, str], settings: config.LocalStackConfig, resources: ProvisionedResources
) -> dict[str, str]:
    return _function_environment(
        base,
        settings,
        config.API_FUNCTION_NAME,
        JOBS_TABLE_NAME=resources.table_name,
        JOBS_QUEUE_URL=resources.queue_url,
        IDEMPOTENCY_TABLE_NAME=resources.idempotency_table_name,
        CORS_ALLOW_ORIGIN=settings.web_url,
    )


def worker_environment(
    base: Mapping[str, str], settings: config.LocalStackConfig, resources: ProvisionedResources
) -> dict[str, str]:
    return _function_environment(
        base,
        settings,
        config.WORKER_FUNCTION_NAME,
        JOBS_TABLE_NAME=resources.table_name,
        JOBS_QUEUE_URL=resources.queue_url,
        JOB_LEASE_SECONDS=str(config.JOB_LEASE_SECONDS),
        MAX_RECEIVE_COUNT=str(config.MAX_RECEIVE_COUNT),
        RETRY_BASE_DELAY_SECONDS=str(config.RETRY_BASE_DELAY_SECONDS),
        RETRY_MAX_DELAY_SECONDS=str(config.RETRY_MAX_DELAY_SECONDS),
    )


def sweeper_environment(
    base: Mapping[str, str], settings: config.LocalStackConfig, resources: ProvisionedResources
) -> dict[str, str]:
    return _function_environment(
        base,
        settings,
        config.SWEEPER_FUNCTION_NAME,
        JOBS_TABLE_NAME=resources.table_name,
        JOBS_QUEUE_URL=resources.queue_url,
        SWEEP_GRACE_SECONDS=str(config.SWEEP_GRACE_SECONDS),
        SWEEP_MAX_RESENDS=str(config.SWEEP_MAX_RESENDS),
        MAX_RECEIVE_COUNT=str(config.MAX_RECEIVE_COUNT),
    )


def _function_environment(
    base: Mapping[str, str], settings: config.LocalStackConfig, function_name: str, **variables: str
) -> dict[str, str]:
    # The developer's own AWS_* settings (a profile, real keys, another endpoint) must not reach a function
    # that is meant to talk to moto only; the rest of the environment (PATH, locale, …) is kept.
    environment = {name: value for name, value in base.items() if not name.startswith("AWS_")}
    environment.update(
        AWS_ENDPOINT_URL=settings.aws_endpoint_url,
        AWS_ACCESS_KEY_ID=config.ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=config.SECRET_ACCESS_KEY,
        AWS_REGION=config.REGION,
        AWS_DEFAULT_REGION=config.REGION,
        POWERTOOLS_SERVICE_NAME=function_name,
        # Log lines must reach the terminal as they are written, not when a pipe buffer fills.
        PYTHONUNBUFFERED="1",
        **variables,
    )
    return environment


def _wait_until_api_answers(api_url: str, children: list[ChildProcess]) -> None:
    def api_is_healthy() -> bool:
        _raise_if_any_exited(children)
        return http_status(f"{api_url}/health") == 200

    wait_until(api_is_healthy, timeout_seconds=API_READY_TIMEOUT_SECONDS, what=f"GET {api_url}/health")


def _supervise(children: list[ChildProcess]) -> NoReturn:
    """Only StopRequested (Ctrl-C, SIGTERM) or a child's exit ends it."""
    while True:
        _raise_if_any_exited(children)
        time.sleep(_SUPERVISION_INTERVAL_SECONDS)


def _raise_if_any_exited(children: list[ChildProcess]) -> None:
    for child in children:
        exit_code = child.exit_code()
        if exit_code is not None:
            how = (
                f"was killed by {signal.Signals(-exit_code).name}"
                if exit_code < 0
                else f"exited ({exit_code})"
            )
            raise ChildExitedError(f"the {child.name} process {how} unexpectedly")


def _announce(settings: config.LocalStackConfig, stack: RunningStack, console: Console) -> None:
    resources = stack.resources
    web = stack.web_url or f"not served (no {config.FRONTEND_DIR.name}/ folder yet)"
    submit = (
        f"curl -s -X POST {settings.api_url}/jobs -H 'content-type: application/json'"
        """ -d '{"job_type":"text_transform","payload":{"text":"hello conveyor"}}'"""
    )
    for line in [
        "",
        f"  AWS endpoint  {settings.aws_endpoint_url}  (moto; point AWS_ENDPOINT_URL at it to look inside)",
        f"    table       {resources.table_name}",
        f"    queue       {resources.queue_url}",
        f"    DLQ         {resources.dlq_url}",
        f"  API           {settings.api_url}",
        f"  Web page      {web}",
        "",
        "Submit a job:",
        f"  {submit}",
        "Then read it back:",
        f"  curl -s {settings.api_url}/jobs/<job_id>",
        "",
        f"{READY_LINE} Job transitions show below; Ctrl-C stops everything.",
    ]:
        console.say(line)
