"""make release records a release only from a clean tree, at the version its package declares, newer than the
last, and while the contract gate passes; each refusal leaves releases.json as it was. Each test works in a
repository of its own, made from this one's contract and version files."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from conveyor_release import git, releases
from conveyor_release.__main__ import main

from tests.support.contract import REPO_ROOT

TODAY = date(2026, 12, 7)


def _commit(repo: Path, message: str) -> str:
    git.run(repo, "add", "--all")
    git.run(
        repo,
        "-c",
        "user.name=Release test",
        "-c",
        "user.email=release@conveyor.example",
        "commit",
        "-qm",
        message,
    )
    return git.head(repo)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "contracts", repo / "contracts")
    for service in ("api-service", "worker-service"):
        (repo / service).mkdir()
        for name in ("pyproject.toml", "CHANGELOG.md"):
            shutil.copy(REPO_ROOT / service / name, repo / service / name)
    (repo / releases.RELEASES_FILE).write_text('{"releases": []}\n')
    # A repository before its first release, whatever this one's versions are now.
    for component, name in releases.VERSION_FILES.items():
        path = repo / name
        text = path.read_text()
        path.write_text(text.replace(releases.package_version(text, component), "1.0.0", 1))
    git.run(repo, "init", "-q")
    _commit(repo, "a repository with a contract and two services")
    return repo


def _set_version(repo: Path, component: str, version: str) -> None:
    """The version bumped and a changelog section for it, as a release needs."""
    path = repo / releases.VERSION_FILES[component]
    current = releases.package_version(path.read_text(), component)
    path.write_text(path.read_text().replace(current, version, 1))
    changelog = repo / releases.CHANGELOGS[component]
    changelog.write_text(changelog.read_text() + f"\n## {version} (2026-12-08)\n\nA change.\n")


def _record(repo: Path, component: str, version: str) -> int:
    """make release's command, run in `repo`."""
    completed = subprocess.run(
        [
            str(REPO_ROOT / ".venv" / "bin" / "python"),
            "-m",
            "conveyor_release",
            "release",
            component,
            version,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    print(completed.stdout, completed.stderr)
    return completed.returncode


def test_a_release_is_recorded_at_head_with_its_version(repo: Path) -> None:
    version = releases.package_version((repo / "api-service" / "pyproject.toml").read_text(), "api")

    recorded = releases.record(repo, "api", version, TODAY, gate=lambda: True)

    assert releases.load(repo) == [recorded]
    assert recorded == releases.Release("api", version, git.head(repo), "2026-12-07")


def test_the_releases_of_one_commit_are_recorded_one_after_the_other(repo: Path) -> None:
    for component in ("contract", "api", "worker"):
        version = releases.package_version((repo / releases.VERSION_FILES[component]).read_text(), component)
        assert _record(repo, component, version) == 0

    assert [release.component for release in releases.load(repo)] == ["contract", "api", "worker"]
    assert {release.commit for release in releases.load(repo)} == {git.head(repo)}


def test_a_dirty_tree_is_refused(repo: Path) -> None:
    (repo / "contracts" / "notes.txt").write_text("not committed")
    before = (repo / releases.RELEASES_FILE).read_text()

    with pytest.raises(releases.ReleaseRefusedError, match=r"uncommitted changes: contracts/notes\.txt"):
        releases.record(repo, "contract", "1.0.0", TODAY, gate=lambda: True)
    assert (repo / releases.RELEASES_FILE).read_text() == before


def test_a_version_its_package_does_not_declare_is_refused(repo: Path) -> None:
    with pytest.raises(
        releases.ReleaseRefusedError, match=r"api-service/pyproject\.toml says 1\.0\.0, not 1\.2\.0"
    ):
        releases.record(repo, "api", "1.2.0", TODAY, gate=lambda: True)
    assert releases.load(repo) == []


def test_a_version_its_changelog_does_not_describe_is_refused(repo: Path) -> None:
    _set_version(repo, "worker", "1.1.0")
    changelog = repo / releases.CHANGELOGS["worker"]
    changelog.write_text(changelog.read_text().replace("## 1.1.0", "## 1.1.1"))
    _commit(repo, "worker 1.1.0 without its changelog")

    with pytest.raises(
        releases.ReleaseRefusedError, match=r"worker-service/CHANGELOG\.md has no section '## 1\.1\.0'"
    ):
        releases.record(repo, "worker", "1.1.0", TODAY, gate=lambda: True)
    assert releases.load(repo) == []


def test_a_version_not_newer_than_the_last_release_is_refused(repo: Path) -> None:
    releases.record(repo, "worker", "1.0.0", TODAY, gate=lambda: True)
    _commit(repo, "worker 1.0.0")

    with pytest.raises(releases.ReleaseRefusedError, match=r"worker 1\.0\.0 is already recorded"):
        releases.record(repo, "worker", "1.0.0", TODAY, gate=lambda: True)
    assert len(releases.load(repo)) == 1


def test_a_release_is_refused_while_the_contract_gate_fails(repo: Path) -> None:
    released = git.head(repo)
    assert _record(repo, "contract", "1.0.0") == 0
    _commit(repo, "contract 1.0.0")
    record_schema = repo / "contracts" / "v1" / "job-record.schema.json"
    schema = json.loads(record_schema.read_text())
    schema["properties"]["priority"] = {"type": "integer"}
    schema["required"].append("priority")
    record_schema.write_text(json.dumps(schema))
    _set_version(repo, "contract", "1.1.0")
    _set_version(repo, "api", "1.1.0")
    _commit(repo, "job-record requires priority")

    assert _record(repo, "contract", "1.1.0") == 1
    assert _record(repo, "api", "1.1.0") == 1
    assert releases.load(repo) == [
        releases.Release("contract", "1.0.0", released, releases.load(repo)[0].date)
    ]


def test_the_gate_names_the_break_and_its_counter_example(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _record(repo, "contract", "1.0.0") == 0
    _commit(repo, "contract 1.0.0")
    type_schema = repo / "contracts" / "v1" / "job-type.schema.json"
    schema = json.loads(type_schema.read_text())
    schema["enum"].remove("data_analysis")
    type_schema.write_text(json.dumps(schema))

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(repo)
        assert main(["check"]) == 1

    report = capsys.readouterr().out
    assert "FAILED against the contract of contract 1.0.0" in report
    assert "job-request (backward check): new readers refuse what old writers write" in report
    assert "'data_analysis' is not one of ['image_resize', 'send_email', 'text_transform']" in report


def test_make_release_names_the_components_it_records() -> None:
    before = (REPO_ROOT / releases.RELEASES_FILE).read_text()
    completed = subprocess.run(
        ["make", "--no-print-directory", "release", "SERVICE=gateway", "VERSION=1.0.0"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode != 0
    assert "SERVICE must be api, worker or contract" in completed.stderr
    assert (REPO_ROOT / releases.RELEASES_FILE).read_text() == before
