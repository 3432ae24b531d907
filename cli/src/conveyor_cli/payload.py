"""--payload: JSON given inline, or `@file` (`@-`: standard input).

Text that is not JSON is a usage error; what the JSON must hold is the API's to say."""

import json
import sys
from pathlib import Path
from typing import Any

import click


class JsonPayload(click.ParamType[Any]):
    name = "JSON|@FILE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):  # a default, or a test's value, already parsed
            return value
        source, text = "--payload", value
        if value.startswith("@"):
            source, text = self._read(value[1:], param, ctx)
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            self.fail(
                f"{source} is not JSON: {error.msg} (line {error.lineno}, column {error.colno}). "
                """Quote it for the shell, as in '{"text": "hello"}', or give @file.""",
                param,
                ctx,
            )

    def _read(self, name: str, param: click.Parameter | None, ctx: click.Context | None) -> tuple[str, str]:
        if name == "-":
            return "standard input", sys.stdin.read()
        if not name:
            self.fail("@ must be followed by a file name (or - for standard input)", param, ctx)
        try:
            return name, Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            self.fail(f"cannot read {name}: {reason}", param, ctx)
