"""The demo page in a real browser: Debian's Chromium, driven by Playwright, against the whole local stack.

Playwright's own browser download cannot work here, so it is never used: `make browser` installs
/usr/bin/chromium with apt, and the root `make test` depends on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, ViewportSize, expect, sync_playwright

from tests.browser.demo_page import DemoPage
from tests.browser.running_job import RunningJob
from tests.support.contract import REPO_ROOT
from tests.support.local_stack import LocalStack, running_local_stack

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS_DIR = REPO_ROOT / "artifacts" / "browser"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 780}
# Jobs take milliseconds locally; the worker long-polls SQS for a second at a time.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    with running_local_stack() as stack:
        yield stack


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs it (the root `make test` does it first)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def viewport() -> ViewportSize:
    """Desktop unless a test asks otherwise (`@pytest.mark.parametrize("viewport", [PHONE])`)."""
    return DESKTOP


@pytest.fixture
def context(browser: Browser, local_stack: LocalStack, viewport: ViewportSize) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="UTC")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=local_stack.web_url)
    yield context
    context.close()


@pytest.fixture
def demo(
    context: BrowserContext, local_stack: LocalStack, request: pytest.FixtureRequest
) -> Iterator[DemoPage]:
    """A fresh browser profile on the page; afterwards a screenshot, and a check that nothing went wrong."""
    local_stack.assert_running()
    demo = DemoPage(context.new_page(), local_stack)
    yield demo
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    demo.page.screenshot(path=ARTIFACTS_DIR / f"{name}.png", full_page=True)
    local_stack.assert_running()
    demo.assert_nothing_went_wrong()


@pytest.fixture
def running_job(demo: DemoPage) -> RunningJob:
    job = RunningJob(demo)
    job.start()
    return job
