"""`python -m conveyor_release check`: the contract gate (make contract-check); `python -m conveyor_release
release COMPONENT VERSION`: record a release (make release). Both act on the repository of the working
directory."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from conveyor_release import git, releases
from conveyor_release.baseline import baselines, check_against


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conveyor_release")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="compare contracts/ with the contract of each component's last release")
    release = commands.add_parser("release", help="record a release of a component at HEAD in releases.json")
    release.add_argument("component", choices=sorted(releases.VERSION_FILES))
    release.add_argument("version")
    arguments = parser.parse_args(argv)
    repo = Path(git.run(Path.cwd(), "rev-parse", "--show-toplevel").strip())
    if arguments.command == "check":
        return 0 if gate(repo) else 1
    return record(repo, arguments.component, arguments.version)


def gate(repo: Path) -> bool:
    found = baselines(repo)
    if not found:
        print("contract-check: no release recorded in releases.json, nothing to compare with")
        return True
    passed = True
    for baseline in found:
        breaks = check_against(repo, baseline)
        if not breaks:
            print(f"contract-check: contracts/ is compatible with the contract of {baseline.name}")
            continue
        passed = False
        print(f"contract-check: FAILED against the contract of {baseline.name}\n")
        print("\n\n".join(found_break.report() for found_break in breaks), end="\n\n")
    return passed


def record(repo: Path, component: str, version: str) -> int:
    try:
        recorded = releases.record(repo, component, version, datetime.now(UTC).date(), lambda: gate(repo))
    except releases.ReleaseRefusedError as refusal:
        print(f"release refused: {refusal}", file=sys.stderr)
        return 1
    print(
        f"recorded {recorded.component} {recorded.version} at {recorded.commit} in {releases.RELEASES_FILE}: "
        "commit it (with any other release of this commit)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
