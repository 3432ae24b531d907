"""The demo page as a person uses it: by labels, roles and the text on screen."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Locator, Page, Request, expect

from tests.support import contract
from tests.support.local_stack import LocalStack

# The contract's: a retry's id, derived from its Idempotency-Key, is a version 8 UUID.
JOB_ID = re.compile(contract.schema("job-id")["pattern"])


@dataclass
class DemoPage:
    page: Page
    stack: LocalStack
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    expected_console_errors: list[re.Pattern[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    # Navigation

    def open(self, fragment: str = "") -> None:
        self.page.goto(f"{self.stack.web_url}/{fragment}")
        expect(self.visible_form).to_be_visible()

    def reload(self) -> None:
        self.page.reload()
        expect(self.visible_form).to_be_visible()

    # The submit panel

    @property
    def visible_form(self) -> Locator:
        return self.page.locator("form.job-form:visible")

    def form(self, job_type: str) -> Locator:
        return self.page.get_by_role("form", name=f"{job_type} job")

    def choose(self, job_type: str) -> Locator:
        self.page.get_by_role("radio", name=job_type).check()
        form = self.form(job_type)
        expect(form).to_be_visible()
        return form

    def field(self, job_type: str, name: str) -> Locator:
        return self.form(job_type).get_by_label(name, exact=False).first

    def submit(self, job_type: str, **fields: str) -> None:
        """Fills the fields given and presses Submit; see submit_job for a submission that is accepted."""
        form = self.choose(job_type)
        for name, value in fields.items():
            self.field(job_type, name).fill(value)
        form.get_by_role("button", name=f"Submit {job_type}").click()

    def submit_job(self, job_type: str, **fields: str) -> str:
        """Submits, waits until the job panel follows the new job, and returns its id."""
        previous = self.job_panel.get_attribute("data-job-id")
        self.submit(job_type, **fields)
        return self._new_job_after(previous)

    def _new_job_after(self, previous: str | None) -> str:
        if previous is None:
            expect(self.job_panel).to_have_attribute("data-job-id", JOB_ID)
        else:
            expect(self.job_panel).not_to_have_attribute("data-job-id", previous)
        job_id = self.job_id()
        assert JOB_ID.match(job_id), job_id
        return job_id

    # The image form: a file uploaded to S3 before its image_resize job is submitted

    def choose_image(self, path: Path) -> Locator:
        form = self.choose("image_resize")
        form.get_by_label("Image file").set_input_files(path)
        return form

    @property
    def image_field(self) -> Locator:
        return self.form("image_resize").get_by_label("Image file")

    @property
    def image_preview(self) -> Locator:
        return self.form("image_resize").locator("figure.preview")

    def resize(
        self, path: Path, *, width: int, height: int, format: str | None = None, fit: str | None = None
    ) -> None:
        """Chooses the file, fills the form, presses its button; see resize_job for one that is accepted."""
        form = self.choose_image(path)
        form.get_by_label("Width").fill(str(width))
        form.get_by_label("Height").fill(str(height))
        if format is not None:
            form.get_by_label(re.compile(r"^format")).select_option(format)
        if fit is not None:
            form.get_by_label(re.compile(r"^fit")).select_option(fit)
        form.get_by_role("button", name="Upload and submit image_resize").click()

    def resize_job(
        self, path: Path, *, width: int, height: int, format: str | None = None, fit: str | None = None
    ) -> str:
        """Uploads and submits, waits until the job panel follows the new job, and returns its id."""
        previous = self.job_panel.get_attribute("data-job-id")
        self.resize(path, width=width, height=height, format=format, fit=fit)
        return self._new_job_after(previous)

    @property
    def resized_image(self) -> Locator:
        return self.job_panel.get_by_role("img", name=re.compile(r"^The resized image"))

    def image_fact(self, name: str) -> Locator:
        return self.job_panel.locator(f"[data-fact={name}]")

    def set_browser_validation(self, *, on: bool) -> None:
        self.page.get_by_label("Check the payload in the browser before sending").set_checked(on)

    def problems(self, job_type: str) -> Locator:
        return self.form(job_type).locator(".summary")

    def problem_rows(self, job_type: str) -> list[tuple[str, str]]:
        rows = self.problems(job_type).locator("tbody tr")
        return [
            (row.locator("td").nth(0).inner_text().strip(), row.locator("td").nth(1).inner_text().strip())
            for row in rows.all()
        ]

    # The job panel

    @property
    def job_panel(self) -> Locator:
        return self.page.locator("#job-body")

    def job_id(self) -> str:
        return self.page.get_by_label("Job id").input_value()

    def wait_for_status(self, status: str) -> None:
        """Until the job the panel follows has `status`."""
        expect(self.job_panel).to_have_attribute("data-status", status)

    def timeline_step(self, step: str) -> Locator:
        return self.job_panel.locator(f".timeline [data-step={step}]")

    def statistic(self, name: str) -> str:
        return self.job_panel.locator(f"tr[data-statistic={name}] td").inner_text().strip()

    def job_action(self, action: str) -> Locator:
        """The job panel's "Cancel job" or "Retry job" button."""
        return self.job_panel.get_by_role("button", name=f"{action} job", exact=True)

    @property
    def announcer(self) -> Locator:
        """The page's live region (role=status), which says what happened to a job."""
        return self.page.locator("#announcer")

    def curl_commands(self) -> list[str]:
        return [text.strip() for text in self.job_panel.locator("pre.command").all_inner_texts()]

    # The history

    @property
    def history_rows(self) -> Locator:
        return self.page.locator("#history-body .history-row")

    def history_row(self, job_id: str) -> Locator:
        return self.page.locator(f'#history-body .history-row[data-job-id="{job_id}"]')

    def row_action(self, job_id: str, action: str) -> Locator:
        """A listed job's "Cancel" or "Retry" button, named after the job for a screen reader."""
        return self.history_row(job_id).get_by_role("button", name=f"{action} job {job_id[:8]}", exact=True)

    # After each test

    def expect_console_error(self, pattern: str) -> None:
        """The browser logs every failed response (a 400 the test asked for, say) as a console error."""
        self.expected_console_errors.append(re.compile(pattern))

    def posts_to_jobs(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.url == f"{self.stack.api_url}/jobs"]

    def posts_to_job(self, job_id: str, action: str) -> list[Request]:
        """The page's POST /jobs/{job_id}/cancel or /retry requests."""
        url = f"{self.stack.api_url}/jobs/{job_id}/{action}"
        return [r for r in self.requests if r.method == "POST" and r.url == url]

    def posts_to_uploads(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.url == f"{self.stack.api_url}/uploads"]

    def posts_to_the_files_bucket(self) -> list[Request]:
        """The uploads themselves: the presigned POSTs, straight to S3 (moto, locally)."""
        return [r for r in self.requests if r.method == "POST" and _origin(r.url) == self.aws_url]

    @property
    def aws_url(self) -> str:
        """moto: the files bucket's presigned URLs point there, for uploads, results and resized images."""
        return f"http://127.0.0.1:{self.stack.ports['CONVEYOR_AWS_PORT']}"

    def assert_nothing_went_wrong(self) -> None:
        assert self.page_errors == [], f"the page raised: {self.page_errors}"
        unexpected = [
            text
            for text in self.console_errors
            if not any(pattern.search(text) for pattern in self.expected_console_errors)
        ]
        assert unexpected == [], f"the console shows errors: {unexpected}"
        allowed = {_origin(self.stack.web_url), _origin(self.stack.api_url), self.aws_url}
        elsewhere = sorted({r.url for r in self.requests if _origin(r.url) not in allowed})
        assert elsewhere == [], f"the page loaded something from another origin: {elsewhere}"


def _origin(url: str) -> str:
    # A blob: URL (the preview of a chosen file) belongs to the origin that made it.
    parts = urlsplit(url.removeprefix("blob:"))
    return f"{parts.scheme}://{parts.netloc}"
