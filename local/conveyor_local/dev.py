"""`make dev`: the whole system on this machine, until Ctrl-C.

moto (the AWS endpoint) and the demo page's server run in this process. The stacks are deployed into moto from
infra/'s templates (conveyor_local.provision), as `make deploy-*` deploys them into AWS; each function then
runs in its own process with the environment its stack gave it, behind its emulated trigger. moto's
CloudFormation skips the HTTP API (AWS::ApiGatewayV2::*) and never runs a function, hence the gateway,
SQS event source and schedule emulators.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from conveyor_local import config
from conveyor_local.child_process import ChildProcess, describe_exit
from conveyor_local.console import Console
from conveyor_local.moto_server import start_moto_server
from conveyor_local.ports import ensure_port_free
from conveyor_local.provision import DeployedFunction, LocalSystem, provision_system
from conveyor_local.sign_in import LocalUserPool, create_user_pool, deployed_routes, sign_in_lines
from conveyor_local.stacks import StackError, hide_known_gap_warnings
from conveyor_local.static_site import start_static_site
from conveyor_local.stop_signals import StopRequested, ignore_stop_signals, raise_on_stop_signals
from conveyor_local.templates import INFRA_DIR, load_template
from conveyor_local.waiting import http_status, wait_until

READY_LINE = "Conveyor is ready."
API_READY_TIMEOUT_SECONDS = 60.0
_SUPERVISION_INTERVAL_SECONDS = 0.2


class ChildExitedError(RuntimeError):
    """A function's process ended while the stack was starting."""


@dataclass(frozen=True)
class RunningStack:
    system: LocalSystem
    children: list[ChildProcess]
    web_url: str | None
    user_pool: LocalUserPool | None = None
    """The user pool in moto, with sign-in (CONVEYOR_SIGN_IN=1)."""


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
            _announce_sign_in(settings, stack, console)
            _announce(settings, stack, console)
            _keep_running(stack.children)
        except StopRequested:
            console.say("Stopping…")
            exit_code = 0
        except (OSError, ChildExitedError, StackError) as error:  # OSError: a taken port, a timeout
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
    hide_known_gap_warnings()
    # As a deployment with sign-in brings its user pool to the api stack.
    user_pool = create_user_pool(moto.endpoint_url) if settings.sign_in else None
    console.say("Deploying the core, worker and api stacks from infra/ into moto…")
    api_stack_parameters = {
        **config.API_PARAMETERS,
        "AllowOrigin": settings.web_url,
        **(user_pool.api_parameters() if user_pool is not None else {}),
    }
    infra_dirs = {service: checkout.infra_dir for service, checkout in settings.checkouts.items()}
    api_stack_parameters = _declared(settings, "api", api_stack_parameters)
    system = provision_system(
        moto.endpoint_url,
        {
            "core": config.CORE_PARAMETERS,
            "worker": _declared(settings, "worker", config.WORKER_PARAMETERS),
            "api": api_stack_parameters,
        },
        infra_dirs,
    )
    # The gateway serves the HTTP API's routes, and their authorizer, as the api stack deployed them.
    api_routes = deployed_routes(api_stack_parameters, infra_dirs.get("api", INFRA_DIR))
    gateway_arguments = ["--routes", api_routes.to_json()]
    if user_pool is not None:
        gateway_arguments += user_pool.gateway_arguments()
    api, worker, sweeper = (
        system.functions[name] for name in ("ApiFunction", "WorkerFunction", "SweeperFunction")
    )
    # The emulator polls the queue the worker's deployed event source mapping names, which must be core's.
    if worker.event_source_arns != (system.core.queue_arn,):
        raise StackError(
            f"the worker is triggered by {worker.event_source_arns}, not {system.core.queue_arn}"
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
            ["--host", settings.host, "--port", str(settings.api_port), *gateway_arguments],
            function_environment(os.environ, settings, api),
            settings.checkouts.get("api"),
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
                system.core.queue_url,
                "--queue-arn",
                system.core.queue_arn,
            ],
            function_environment(os.environ, settings, worker),
            settings.checkouts.get("worker"),
        ),
        _start_child(
            running,
            console,
            "sweeper",
            "conveyor_local.sweeper_process",
            ["--interval-seconds", str(config.SWEEP_INTERVAL_SECONDS)],
            function_environment(os.environ, settings, sweeper),
            settings.checkouts.get("worker"),
        ),
    ]
    _wait_until_api_answers(settings.api_url, children)
    return RunningStack(system=system, children=children, web_url=web_url, user_pool=user_pool)


def _start_child(
    running: ExitStack,
    console: Console,
    name: str,
    module: str,
    args: list[str],
    env: Mapping[str, str],
    checkout: config.ServiceCheckout | None,
) -> ChildProcess:
    """A function's process: with this checkout's interpreter, or with `checkout`'s, in which its service's
    package is installed, and this local/ on its path."""
    if checkout is None:
        child = ChildProcess.start(name, module, args, env, console)
    else:
        env = {**env, "PYTHONPATH": str(config.LOCAL_DIR)}
        child = ChildProcess.start(name, module, args, env, console, python=str(checkout.python))
    running.callback(child.stop)
    return child


def _declared(settings: config.LocalStackConfig, stack: str, parameters: Mapping[str, str]) -> dict[str, str]:
    """The parameters for a service stack: for another checkout's template, only those it declares, as its
    owner's samconfig.toml passes only those (this local/ may know parameters an older template lacks)."""
    checkout = settings.checkouts.get(stack)
    if checkout is None:
        return dict(parameters)
    declared = load_template(stack, checkout.infra_dir).get("Parameters", {})
    return {name: value for name, value in parameters.items() if name in declared}


def function_environment(
    base: Mapping[str, str], settings: config.LocalStackConfig, function: DeployedFunction
) -> dict[str, str]:
    """The function's environment as its stack deployed it, aimed at moto.

    On Lambda a function's environment is its template's: a variable the template misnames or misses is
    missing here too, whatever the developer's shell holds, and the function fails at its init as it would
    there. Of `base` only what a process needs to run is kept, with the local stack's own CONVEYOR_* switches
    and Powertools' (POWERTOOLS_LOG_LEVEL=DEBUG, to debug); never the developer's AWS_* settings (a profile,
    real keys, another endpoint): a function talks to moto only.
    """
    environment = {name: value for name, value in base.items() if _kept(name)}
    environment.update(function.environment)
    environment.update(
        AWS_ENDPOINT_URL=settings.aws_endpoint_url,
        AWS_ACCESS_KEY_ID=config.ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=config.SECRET_ACCESS_KEY,
        # What the Lambda runtime sets for every function.
        AWS_REGION=config.REGION,
        AWS_DEFAULT_REGION=config.REGION,
        # Log lines must reach the terminal as they are written, not when a pipe buffer fills.
        PYTHONUNBUFFERED="1",
    )
    return environment


_KEPT_NAMES = frozenset({"PATH", "HOME", "USER", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM", "VIRTUAL_ENV"})
_KEPT_PREFIXES = ("LC_", "PYTHON", "CONVEYOR_", "POWERTOOLS_")


def _kept(name: str) -> bool:
    return name in _KEPT_NAMES or name.startswith(_KEPT_PREFIXES)


def _wait_until_api_answers(api_url: str, children: list[ChildProcess]) -> None:
    def api_is_healthy() -> bool:
        _raise_if_any_exited(children)
        return http_status(f"{api_url}/health") == 200

    wait_until(api_is_healthy, timeout_seconds=API_READY_TIMEOUT_SECONDS, what=f"GET {api_url}/health")


def _keep_running(children: list[ChildProcess]) -> NoReturn:
    """A function's process that dies is started again, as Lambda starts a new execution environment, and the
    rest of the stack (moto and the jobs in it among them) stays up; only StopRequested (Ctrl-C, SIGTERM)
    ends it."""
    while True:
        for child in children:
            child.keep_running()
        time.sleep(_SUPERVISION_INTERVAL_SECONDS)


def _raise_if_any_exited(children: list[ChildProcess]) -> None:
    """While the stack starts, a process that dies is a broken set-up, which starting again would not mend."""
    for child in children:
        exit_code = child.exit_code()
        if exit_code is not None:
            raise ChildExitedError(f"the {child.name} process {describe_exit(exit_code)} while starting")


def _announce_sign_in(settings: config.LocalStackConfig, stack: RunningStack, console: Console) -> None:
    if stack.user_pool is not None:
        for line in sign_in_lines(stack.user_pool, settings.api_url):
            console.say(line)


def _announce(settings: config.LocalStackConfig, stack: RunningStack, console: Console) -> None:
    resources = stack.system.core
    web = stack.web_url or f"not served (no {config.FRONTEND_DIR.name}/ folder yet)"
    submit = (
        f"curl -s -X POST {settings.api_url}/jobs -H 'content-type: application/json'"
        """ -d '{"job_type":"text_transform","payload":{"text":"hello conveyor"}}'"""
    )
    for line in [
        "",
        f"  AWS endpoint  {settings.aws_endpoint_url}  (moto; point AWS_ENDPOINT_URL at it to look inside)",
        f"    stacks      {', '.join(stack.system.stack_names)}  (from infra/*/template.yaml)",
        *(
            f"    {service:<11} code and template from {checkout.root}"
            for service, checkout in settings.checkouts.items()
        ),
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
        *_conveyor_command_lines(settings, stack),
        "",
        f"{READY_LINE} Job transitions show below; Ctrl-C stops everything.",
    ]:
        console.say(line)


def _conveyor_command_lines(settings: config.LocalStackConfig, stack: RunningStack) -> list[str]:
    """How to use the `conveyor` command (`make cli`, which `make dev` runs, installs it) on this stack."""
    exports = [
        {"CONVEYOR_API_URL": settings.api_url},
        {"CONVEYOR_DLQ_URL": stack.system.core.dlq_url, "CONVEYOR_QUEUE_URL": stack.system.core.queue_url},
        # The dlq commands talk to SQS in moto with boto3, which needs a region (from AWS_DEFAULT_REGION, not
        # AWS_REGION) and credentials, any.
        {
            "AWS_ENDPOINT_URL": settings.aws_endpoint_url,
            "AWS_DEFAULT_REGION": config.REGION,
            "AWS_ACCESS_KEY_ID": config.ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": config.SECRET_ACCESS_KEY,
        },
    ]
    lines = ["Or with the conveyor command line (`conveyor --help`), in a shell with these exports:"]
    if shutil.which("conveyor") is None:
        lines.append(f'  export PATH={shlex.quote(_conveyor_bin_dir())}:"$PATH"')
    lines += [
        "  export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in variables.items())
        for variables in exports
    ]
    # Listing needs sign-in: without it, job ids are the only way to a job.
    if stack.user_pool is not None:
        lines.append("  export CONVEYOR_TOKEN=<an access token above>")
    lines += [
        """  conveyor submit text_transform --payload '{"text":"hi"}' --wait""",
        "  conveyor status <job_id>; conveyor watch <job_id>; conveyor dlq list; conveyor dlq redrive",
    ]
    if stack.user_pool is not None:
        lines.append("  conveyor list")
    return lines


def _conveyor_bin_dir() -> str:
    """Where `make cli` put `conveyor`: uv's tool bin directory; else (no uv in sight) this venv's bin/."""
    uv = os.environ.get("UV")
    if uv:
        found = subprocess.run([uv, "tool", "dir", "--bin"], capture_output=True, text=True, check=False)
        if found.returncode == 0 and found.stdout.strip():
            return found.stdout.strip()
    return str(Path(sys.executable).parent)
