"""RFC 6901 JSON pointers, the way the contract addresses a place inside a document."""

from collections.abc import Iterable


def json_pointer(path: Iterable[str | int]) -> str:
    """`/payload/data/3` for ("payload", "data", 3); the empty string for the whole document."""
    return "".join(f"/{str(part).replace('~', '~0').replace('/', '~1')}" for part in path)
