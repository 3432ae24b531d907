"""The whole local stack as `make dev` runs it (`python -m conveyor_local`), on free ports, for a suite.

`make dev` first installs, then runs this module; a suite that runs inside `make test` is installed already,
so by default it starts the module with its own interpreter and skips the install. The end-to-end suite
runs `make dev` itself. With `sign_in=True` it runs as `CONVEYOR_SIGN_IN=1 make dev` does: the api stack
deployed with a user pool in moto's Cognito, so every route but GET /health wants a token, which
`LocalStack.token` gets by signing in (InitiateAuth) as a user it adds to the pool.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.exceptions import ClientError
from conveyor_local.aws import cloudformation_client
from conveyor_local.aws_call_log import CALL_LOG_VARIABLE
from conveyor_local.config import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from conveyor_local.provision import ProvisionedResources
from conveyor_local.sign_in import add_user, find_user_pool, sign_in
from conveyor_local.templates import stack_name

from tests.support import aws_calls
from tests.support.contract import REPO_ROOT
from tests.support.waiting import wait_for

READY_LINE = "Conveyor is ready"
PORT_VARIABLES = ("CONVEYOR_AWS_PORT", "CONVEYOR_API_PORT", "CONVEYOR_WEB_PORT")
# A ceiling, not a wait: `make dev` installs before it starts, quick once `make test` has installed.
START_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalStack:
    process: subprocess.Popen[str]
    ports: dict[str, int]
    lines: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['CONVEYOR_API_PORT']}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['CONVEYOR_WEB_PORT']}"

    @property
    def aws_endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['CONVEYOR_AWS_PORT']}"

    def tokens(self, username: str) -> dict[str, str]:
        """What signing in as `username` answers (`AccessToken`, `IdToken`, …), the user added to the stack's
        pool first if new (a stack started with sign_in=True)."""
        pool = find_user_pool(self.aws_endpoint_url)
        try:
            add_user(pool, username)
        except ClientError as error:
            if error.response["Error"]["Code"] != "UsernameExistsException":
                raise
        return sign_in(pool, username)

    def core_resources(self) -> ProvisionedResources:
        """The core stack's resources, from its Outputs, as the stack deployed them."""
        name = stack_name("core")
        (core,) = cloudformation_client(self.aws_endpoint_url).describe_stacks(StackName=name)["Stacks"]
        return ProvisionedResources.from_outputs(
            name, {output["OutputKey"]: output["OutputValue"] for output in core.get("Outputs", [])}
        )

    def emails_sent(self) -> int:
        """How many emails the stack's SES (moto's) has sent, one per recipient: its send quota's count, kept
        for SES's API v1 and v2 alike. (moto's /moto-api/data.json would list them, but on the local stack it
        answers 500: it serializes every backend, Lambda's among them, which wants Docker.)"""
        ses = boto3.client(
            "ses",
            endpoint_url=self.aws_endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
        return int(ses.get_send_quota()["SentLast24Hours"])

    def token(self, username: str) -> str:
        """An access token of `username`, as a client sends it after signing in."""
        return self.tokens(username)["AccessToken"]

    def function_pids(self, module: str) -> list[int]:
        """The stack's processes (its process group) running `python -m module`."""
        pids = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                command = (Path(entry.path) / "cmdline").read_bytes().split(b"\0")
                group = os.getpgid(int(entry.name))
            except (OSError, ProcessLookupError):  # it ended while we looked
                continue
            if group == self.process.pid and module.encode() in command:
                pids.append(int(entry.name))
        return pids

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def assert_running(self) -> None:
        assert self.process.poll() is None, f"the local stack stopped:\n{self.output[-5000:]}"

    def interrupt(self) -> None:
        """Ctrl-C in a terminal: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def stop(self) -> None:
        """Ctrl-C, as a user stops it; killed if it does not stop in time."""
        if self.process.poll() is not None:
            return
        self.interrupt()
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@contextmanager
def running_local_stack(
    command: list[str] | None = None, *, sign_in: bool = False, settings: Mapping[str, str] | None = None
) -> Iterator[LocalStack]:
    """`settings`: the local stack's CONVEYOR_* variables beyond these (another checkout's service, say)."""
    ports = {name: free_port() for name in PORT_VARIABLES}
    environment = {**os.environ, **{name: str(port) for name, port in ports.items()}, "PYTHONUNBUFFERED": "1"}
    environment["CONVEYOR_SIGN_IN"] = "1" if sign_in else "0"
    # The functions' processes log their AWS calls there, for tests/infra/test_grants_match_calls.py.
    environment[CALL_LOG_VARIABLE] = str(aws_calls.call_log_folder())
    environment.update(settings or {})
    # A developer's AWS settings must not leak in, nor the make flags of a `make test` that runs this.
    for inherited in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"):
        environment.pop(inherited, None)
    process = subprocess.Popen(
        command or [sys.executable, "-m", "conveyor_local"],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    stack = LocalStack(process, ports)
    threading.Thread(target=stack.pump, daemon=True).start()
    try:
        wait_for(
            lambda: READY_LINE in stack.output or process.poll() is not None,
            timeout=START_TIMEOUT_SECONDS,
            what="the local stack to say it is ready",
        )
        assert READY_LINE in stack.output, f"the local stack exited early:\n{stack.output}"
        yield stack
    finally:
        stack.stop()
