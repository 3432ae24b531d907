"""releases.json is the record of every release: valid against its schema, each release naming a commit of
this history at the version its package declared there, described in its changelog."""

import json

import pytest
from conveyor_release import git, releases

from tests.support.contract import REPO_ROOT

RECORDED = releases.load(REPO_ROOT)


def test_releases_json_is_valid_against_its_schema() -> None:
    document = (REPO_ROOT / releases.RELEASES_FILE).read_text()
    errors = [error.message for error in releases.validator().iter_errors(json.loads(document))]
    assert errors == []


@pytest.mark.parametrize("release", RECORDED, ids=lambda release: f"{release.component}-{release.version}")
def test_each_release_names_a_commit_of_this_history_at_the_version_it_declared(
    release: releases.Release,
) -> None:
    git.run(REPO_ROOT, "merge-base", "--is-ancestor", release.commit, "HEAD")
    declared = git.show(REPO_ROOT, release.commit, releases.VERSION_FILES[release.component])
    assert releases.package_version(declared, release.component) == release.version


@pytest.mark.parametrize("release", RECORDED, ids=lambda release: f"{release.component}-{release.version}")
def test_each_release_has_its_changelog_section(release: releases.Release) -> None:
    assert releases.changelog_has(REPO_ROOT / releases.CHANGELOGS[release.component], release.version)


@pytest.mark.parametrize("component", sorted(releases.VERSION_FILES))
def test_each_component_is_at_or_past_its_last_release_and_describes_its_version(component: str) -> None:
    version = releases.package_version((REPO_ROOT / releases.VERSION_FILES[component]).read_text(), component)
    assert releases.changelog_has(REPO_ROOT / releases.CHANGELOGS[component], version)
    last = releases.latest(RECORDED).get(component)
    if last is not None:
        assert releases.version_key(version) >= last.version_key
