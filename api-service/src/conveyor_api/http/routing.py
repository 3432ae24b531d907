"""Which methods each route accepts, so that a known path asked with another method answers 405."""

import re

_PARAMETER = re.compile(r"<(\w+)>")
_BRACED = r"{\1}"


class MethodTable:
    def __init__(self) -> None:
        self._methods: dict[str, list[str]] = {}
        self._patterns: dict[str, re.Pattern[str]] = {}

    def add(self, method: str, rule: str) -> None:
        """Records a route; `rule` is written as the resolver writes it, e.g. `/jobs/<job_id>`."""
        self._methods.setdefault(rule, []).append(method)
        segments = rule.strip("/").split("/")
        self._patterns[rule] = re.compile(
            "".join("/[^/]+" if _PARAMETER.fullmatch(part) else f"/{re.escape(part)}" for part in segments)
        )

    def allowed(self, path: str) -> list[str]:
        """The methods of the route whose rule matches `path`; empty when no route does."""
        for rule, pattern in self._patterns.items():
            if pattern.fullmatch(path):
                return sorted(self._methods[rule])
        return []

    def routes(self) -> list[str]:
        """`METHOD /path` for every route, in the order they were added, e.g. `GET /jobs/{job_id}`."""
        return [
            f"{method} {_PARAMETER.sub(_BRACED, rule)}"
            for rule, methods in self._methods.items()
            for method in methods
        ]
