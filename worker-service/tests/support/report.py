"""Figures a suite wants in the test run's output (pytest captures prints): shown in the terminal summary."""

lines: list[str] = []


def line(text: str) -> None:
    lines.append(text)
