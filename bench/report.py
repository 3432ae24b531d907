"""docs/benchmarks.md: every section of one run, with the machine and the command it ran on."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import Section

HEADER = """# Benchmarks

Written by `make bench` (`python -m bench`); do not edit by hand, run it again. Every figure below comes from
the one run described here. Timings on a shared machine are noisy: the figures that decide anything are
counts, and ratios measured within the run (interleaved, medians of repeats). The measurements and their
rules are in `bench/` (one module per section); issue 6 set the targets.
"""


def render(machine: dict[str, Any], command: str, sections: Sequence[Section], seconds: float) -> str:
    lines = [HEADER, "## The run", ""]
    lines += [
        f"- Date: {machine['date']}",
        f"- Command: `{command}` ({seconds / 60:.1f} minutes)",
        f"- Machine: {machine['cpu_count']} CPUs, {machine['cpu_model']}; {machine['platform']}",
        f"- Python {machine['python']}; load average at the start "
        f"{', '.join(map(str, machine['load_average_at_start']))} (other work shares the CPUs)",
        "- AWS: none. moto (server mode) stands in for DynamoDB and SQS; costs use list prices (see Cost).",
        "",
        "Sections: " + ", ".join(f"[{section.title}](#{_anchor(section.title)})" for section in sections),
        "",
    ]
    headlines = [f"- **{section.title}**: {section.headline}" for section in sections if section.headline]
    if headlines:
        lines += ["## Summary", "", *headlines, ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        lines += section.body
        if section.seconds:
            lines += ["", f"<sub>{section.seconds:.0f} s</sub>"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _anchor(title: str) -> str:
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c == "-")


def write(
    markdown_path: Path,
    json_path: Path,
    machine: dict[str, Any],
    command: str,
    sections: Sequence[Section],
    seconds: float,
) -> None:
    markdown_path.write_text(render(machine, command, sections, seconds), encoding="utf-8")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": machine,
        "command": command,
        "seconds": seconds,
        "sections": {section.title: section.figures for section in sections},
    }
    json_path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
