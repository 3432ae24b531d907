"""JSON values as the standard library's `json` module reads and writes them."""

from typing import TypeAlias

JsonValue: TypeAlias = dict[str, "JsonValue"] | list["JsonValue"] | str | int | float | bool | None
JsonObject: TypeAlias = dict[str, JsonValue]
StringMap: TypeAlias = dict[str, str]
