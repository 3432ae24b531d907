"""axe-core, Deque's accessibility engine, run in the page as it stands: the WCAG 2.x A and AA rules and
Deque's best practices, each that applies to what the DOM holds at that moment.

axe-core comes in the Python package axe-playwright-python (a dev dependency of the root pyproject), which
ships axe.min.js; its version is in the file's first line and in every result (`testEngine`)."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]  # no py.typed
from playwright.sync_api import Page

# axe's defaults: every rule but the experimental ones; violations only.
_AXE = Axe()


def violations(page: Page) -> list[dict[str, Any]]:
    """What axe-core finds wrong in the page now: one entry per rule broken, with the elements breaking it."""
    results: dict[str, Any] = _AXE.run(page).response
    found: list[dict[str, Any]] = results["violations"]
    return found


def describe(found: list[dict[str, Any]]) -> list[str]:
    """Each violation as `rule-id (impact): targets`, what an assertion message should show."""
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(" > ".join(map(str, node["target"])) for node in violation["nodes"])
        for violation in found
    ]


def assert_no_violations(page: Page) -> None:
    found = describe(violations(page))
    assert found == [], "axe-core finds:\n" + "\n".join(found)
