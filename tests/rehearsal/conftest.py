"""The two mixed-version stacks of `make rehearse`, started side by side for the module.

Each is the real local stack (`python -m conveyor_local`, as `make dev`) with sign-in, on free ports: one
service at this checkout, the other at its last released commit (releases.json; API_AT or WORKER_AT names
another), that commit's code in an environment of its own and its stack template, both from a cached
checkout (conveyor_release.checkout), as its owner deploys the two together. The core stack and local/'s
emulators are this checkout's in both: the core stack is shared, deployed by neither service's owner, and the
emulators stand for AWS itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from conveyor_local.aws_call_log import CALL_LOG_VARIABLE
from conveyor_local.config import CHECKOUT_VARIABLES
from conveyor_local.provision import ProvisionedResources
from conveyor_release.checkout import checkout, default_uv, job_types, released_commit
from conveyor_release.contract_tree import ContractTree

from tests.support.contract import REPO_ROOT
from tests.support.local_stack import LocalStack, running_local_stack

SERVICES = ("api", "worker")
AT_VARIABLES = {"api": "API_AT", "worker": "WORKER_AT"}


@dataclass(frozen=True)
class Rehearsal:
    """One mixed-version stack: `newer` (api or worker) at this checkout, `older` at its last release."""

    newer: str
    older: str
    older_commit: str
    older_root: Path
    stack: LocalStack
    resources: ProvisionedResources

    @property
    def name(self) -> str:
        return f"{self.newer} at HEAD, {self.older} at {self.older_commit[:12]}"

    def contract(self, service: str) -> ContractTree:
        """The contract `service` was built with in this stack."""
        root = REPO_ROOT if service == self.newer else self.older_root
        return ContractTree(root / "contracts")

    def job_types(self, service: str) -> frozenset[str]:
        return job_types(REPO_ROOT if service == self.newer else self.older_root)


def _older(newer: str) -> str:
    (older,) = (service for service in SERVICES if service != newer)
    return older


def _start(newer: str, root: Path) -> tuple[AbstractContextManager[LocalStack], LocalStack]:
    settings = {
        CHECKOUT_VARIABLES[_older(newer)]: str(root),
        # Not recorded for tests/infra/test_grants_match_calls.py, which holds HEAD's code to HEAD's grants.
        CALL_LOG_VARIABLE: "",
    }
    running = running_local_stack(sign_in=True, settings=settings)
    return running, running.__enter__()


def _rehearsed_commit(service: str) -> str:
    """The commit `service` is rehearsed at: its last release, or the one `make rehearse API_AT=` or
    `WORKER_AT=` names."""
    return os.environ.get(AT_VARIABLES[service]) or released_commit(REPO_ROOT, service)


# A module's fixture, not the session's: the stacks stop once the rehearsal is over, not at the end of the
# run of every suite this process runs after it (make test's other lane).
@pytest.fixture(scope="module")
def rehearsals() -> Iterator[dict[str, Rehearsal]]:
    commits = {newer: _rehearsed_commit(_older(newer)) for newer in SERVICES}
    # One after the other: both services of one commit share a checkout.
    roots = {
        newer: checkout(REPO_ROOT, _older(newer), commit, uv=default_uv(REPO_ROOT))
        for newer, commit in commits.items()
    }
    with ExitStack() as cleanup, ThreadPoolExecutor(len(SERVICES)) as pool:
        # Both stacks start at once: most of a start is waiting on moto and on the functions' processes.
        starts = {newer: pool.submit(_start, newer, roots[newer]) for newer in SERVICES}
        stacks = {}
        for newer, started in starts.items():
            if started.exception() is None:
                running, stacks[newer] = started.result()
                cleanup.push(running.__exit__)

        # Both are told to stop first, so that they stop side by side too.
        def interrupt_all() -> None:
            for stack in stacks.values():
                stack.interrupt()

        cleanup.callback(interrupt_all)
        for started in starts.values():
            started.result()  # the first that failed to start raises, once every started one will be stopped
        yield {
            newer: Rehearsal(
                newer=newer,
                older=_older(newer),
                older_commit=commits[newer],
                older_root=roots[newer],
                stack=stack,
                resources=stack.core_resources(),
            )
            for newer, stack in stacks.items()
        }


@pytest.fixture(params=SERVICES, ids=lambda newer: f"{newer}-at-head")
def rehearsal(request: pytest.FixtureRequest, rehearsals: dict[str, Rehearsal]) -> Rehearsal:
    rehearsed: Rehearsal = rehearsals[request.param]
    rehearsed.stack.assert_running()
    return rehearsed
