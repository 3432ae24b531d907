"""The contracts the working tree is checked against: the one each component's last release was made with.
A deployed service carries its own copy of the contract, so each last release's counts, not only the
contract's own; releases made with the same contract are checked once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from conveyor_release import git, releases
from conveyor_release.gate import Break, check

CONTRACTS = "contracts"


@dataclass(frozen=True)
class Baseline:
    commit: str
    releases: tuple[releases.Release, ...]

    @property
    def name(self) -> str:
        named = ", ".join(f"{release.component} {release.version}" for release in self.releases)
        return f"{named} (commit {self.commit[:12]})"


def baselines(repo: Path) -> list[Baseline]:
    by_tree: dict[str, list[releases.Release]] = {}
    for release in releases.latest(releases.load(repo)).values():
        by_tree.setdefault(git.tree_id(repo, release.commit, CONTRACTS), []).append(release)
    return [Baseline(group[0].commit, tuple(group)) for group in by_tree.values()]


@contextmanager
def released_contract(repo: Path, commit: str) -> Iterator[Path]:
    with TemporaryDirectory(prefix="conveyor-contract-") as folder:
        yield git.extract(repo, commit, CONTRACTS, Path(folder))


def check_against(repo: Path, baseline: Baseline) -> list[Break]:
    with released_contract(repo, baseline.commit) as released:
        return check(released, repo / CONTRACTS)
