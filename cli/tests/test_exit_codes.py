"""The exit codes are documented where scripts' authors look: `conveyor --help` and docs/cli.md."""

import re
from pathlib import Path

from click.testing import CliRunner

from conveyor_cli.app import cli
from conveyor_cli.exit_codes import MEANINGS, ExitCode, for_http_status

CLI_PAGE = Path(__file__).parents[2] / "docs" / "cli.md"


def test_help_lists_every_exit_code_with_its_meaning() -> None:
    result = CliRunner().invoke(cli, ["--help"])

    assert result.exit_code == 0
    help_text = " ".join(result.stdout.split())
    for code, meaning in MEANINGS.items():
        assert f"{int(code)} {meaning}" in help_text


def test_the_cli_page_lists_the_same_exit_codes() -> None:
    rows = re.findall(r"^\| `(\d+)` \| (.+?) \|$", CLI_PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)

    assert {int(code) for code, _ in rows} == {int(code) for code in ExitCode}


def test_http_statuses_map_to_their_exit_codes() -> None:
    assert [for_http_status(status) for status in (400, 401, 403, 404, 409, 422, 429, 500, 503)] == [
        ExitCode.REFUSED,
        ExitCode.UNAUTHORISED,
        ExitCode.UNAUTHORISED,
        ExitCode.NOT_FOUND,
        ExitCode.REFUSED,
        ExitCode.REFUSED,
        ExitCode.REFUSED,
        ExitCode.UNAVAILABLE,
        ExitCode.UNAVAILABLE,
    ]
