"""The `conveyor` command (`python -m conveyor_cli` runs it too)."""

from conveyor_cli.app import cli


def main() -> None:
    cli.main(prog_name="conveyor")


if __name__ == "__main__":
    main()
