"""The image form: a file chosen in the page goes to S3 with the ticket POST /uploads returns, an image_resize
job names it, and the resized image shows; a file the page can tell is wrong is refused before any upload."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.demo_page import DemoPage
from tests.browser.test_page import LOW_CONTRAST_TEXTS, UNLABELLED_CONTROLS
from tests.support import contract, http

pytestmark = pytest.mark.browser

TIMES = "\N{MULTIPLICATION SIGN}"  # as the page writes dimensions: 160 x 120 px, with this sign
MAX_BYTES = 10 * 1024 * 1024  # what the upload ticket admits (contracts/v1/job-types/image_resize/input)

# Run in the page: the natural size of a loaded <img>, once it has loaded.
NATURAL_SIZE = "(image) => [image.naturalWidth, image.naturalHeight]"
LOADED = "(image) => image.complete && image.naturalWidth > 0"


def _png(path: Path, width: int, height: int) -> Path:
    """A real picture: a gradient, so that resampling has something to do."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.save(path, "PNG")
    return path


def test_an_uploaded_image_is_resized_and_shown_with_its_dimensions_format_and_size(
    demo: DemoPage, tmp_path: Path
) -> None:
    photo = _png(tmp_path / "photo.png", 640, 480)
    demo.open()

    demo.choose_image(photo)
    expect(demo.image_preview).to_contain_text(f"640 {TIMES} 480 px")
    job_id = demo.resize_job(photo, width=160, height=120, format="webp", fit="contain")

    demo.wait_for_status("SUCCEEDED")
    image = demo.resized_image
    expect(image).to_be_visible()
    demo.page.wait_for_function(LOADED, arg=image.element_handle())
    assert image.evaluate(NATURAL_SIZE) == [160, 120]
    expect(demo.image_fact("dimensions")).to_have_text(f"160 {TIMES} 120 px")
    expect(demo.image_fact("format")).to_have_text("webp")
    assert demo.page.evaluate(UNLABELLED_CONTROLS) == []
    assert demo.page.evaluate(LOW_CONTRAST_TEXTS) == []
    record = http.request("GET", f"{demo.stack.api_url}/jobs/{job_id}").json()
    contract.validator("job-record").validate(record)
    result = record["result"]
    assert result["dimensions"] == [160, 120]
    assert result["format"] == "webp"
    expect(demo.image_fact("size").locator("data")).to_have_attribute("value", str(result["size_bytes"]))
    # One ticket, one upload straight to S3, and a job that names the ticket's key.
    (ticket_request,) = demo.posts_to_uploads()
    assert json.loads(ticket_request.post_data or "") == {"content_type": "image/png"}
    ticket = ticket_request.response().json()  # type: ignore[union-attr]
    contract.validator("upload-ticket").validate(ticket)
    (upload,) = demo.posts_to_the_files_bucket()
    assert upload.url == ticket["url"]
    assert upload.response().status in {200, 201, 204}  # type: ignore[union-attr]
    (job_request,) = demo.posts_to_jobs()
    assert json.loads(job_request.post_data or "") == {
        "job_type": "image_resize",
        "payload": {
            "source_key": ticket["source_key"],
            "dimensions": [160, 120],
            "format": "webp",
            "fit": "contain",
        },
    }


def test_a_second_job_with_the_same_file_does_not_upload_it_again(demo: DemoPage, tmp_path: Path) -> None:
    photo = _png(tmp_path / "photo.png", 300, 200)
    demo.open()
    demo.resize_job(photo, width=150, height=100, fit="fill")
    demo.wait_for_status("SUCCEEDED")
    form = demo.form("image_resize")

    form.get_by_label("Width").fill("30")
    form.get_by_label("Height").fill("30")
    form.get_by_label(re.compile(r"^fit")).select_option("contain")
    previous = demo.job_id()
    form.get_by_role("button", name="Upload and submit image_resize").click()

    expect(demo.job_panel).not_to_have_attribute("data-job-id", previous)
    demo.wait_for_status("SUCCEEDED")
    # contain keeps the aspect ratio: 300 x 200 fits in 30 x 30 as 30 x 20
    expect(demo.image_fact("dimensions")).to_have_text(f"30 {TIMES} 20 px")
    assert len(demo.posts_to_uploads()) == 1
    assert len(demo.posts_to_the_files_bucket()) == 1
    first, second = (json.loads(r.post_data or "")["payload"]["source_key"] for r in demo.posts_to_jobs())
    assert first == second


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("notes.png", b"These are notes, not a picture.\n" * 20, "NOT_AN_IMAGE"),
        ("broken.png", None, "CORRUPT_IMAGE"),  # a real PNG, cut in half
    ],
    ids=["text-named-png", "truncated-png"],
)
def test_a_file_the_worker_cannot_read_fails_with_its_error_code(
    demo: DemoPage, tmp_path: Path, name: str, content: bytes | None, code: str
) -> None:
    path = tmp_path / name
    if content is None:
        buffer = io.BytesIO()
        Image.effect_noise((400, 300), 64).save(buffer, "PNG")
        content = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    path.write_bytes(content)
    demo.open()

    job_id = demo.resize_job(path, width=100, height=100)

    demo.wait_for_status("FAILED")
    error = demo.job_panel.locator(".outcome-error")
    expect(error.locator(".error-code")).to_have_text(code)
    record = http.request("GET", f"{demo.stack.api_url}/jobs/{job_id}").json()
    assert record["error"]["code"] == code
    expect(error.locator(".error-message")).to_have_text(record["error"]["message"])
    expect(demo.history_row(job_id).locator(".badge")).to_have_text(f"Failed: {code}")


def test_a_file_that_is_not_an_image_type_is_refused_before_anything_is_sent(
    demo: DemoPage, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image\n")
    demo.open()

    demo.choose_image(notes)
    expect(demo.image_field).to_have_attribute("aria-invalid", "true")
    expect(demo.image_field).to_have_accessible_description(
        re.compile(r"Error: notes\.txt is text/plain; choose a PNG, JPEG, WEBP or GIF image\.$")
    )
    expect(demo.image_preview).to_be_hidden()
    demo.resize(notes, width=100, height=100)

    problems = demo.problems("image_resize")
    expect(problems).to_be_visible()
    expect(problems).to_be_focused()
    expect(problems).to_contain_text("Nothing was uploaded.")
    assert demo.posts_to_uploads() == []
    assert demo.posts_to_the_files_bucket() == []
    assert demo.posts_to_jobs() == []


def test_a_file_over_the_tickets_max_bytes_is_refused_without_an_upload(
    demo: DemoPage, tmp_path: Path
) -> None:
    large = _png(tmp_path / "large.png", 64, 64)
    with large.open("ab") as file:  # past the PNG's end: no decoder would mind, S3's policy would
        file.write(b"\0" * MAX_BYTES)
    demo.open()

    demo.resize(large, width=100, height=100)

    problems = demo.problems("image_resize")
    expect(problems.get_by_role("heading")).to_have_text("This file is too large to upload")
    expect(problems).to_contain_text(f"an upload may have at most 10 MiB ({MAX_BYTES:,} bytes)")
    expect(demo.image_field).to_have_attribute("aria-invalid", "true")
    assert len(demo.posts_to_uploads()) == 1  # the ticket says how large a file may be
    assert demo.posts_to_the_files_bucket() == []
    assert demo.posts_to_jobs() == []


def test_without_a_file_the_form_says_to_choose_one(demo: DemoPage) -> None:
    demo.open()
    form = demo.choose("image_resize")

    form.get_by_role("button", name="Upload and submit image_resize").click()

    assert demo.problem_rows("image_resize") == [("/payload/source_key", "Required but missing; add it.")]
    expect(form.locator(".field-error:visible")).to_have_text(
        "Error: Choose an image file: its upload gives the job its source_key."
    )
    assert demo.posts_to_uploads() == []


def test_dimensions_are_checked_in_the_browser_on_their_own_input(demo: DemoPage, tmp_path: Path) -> None:
    demo.open()

    demo.resize(_png(tmp_path / "photo.png", 64, 64), width=0, height=5000)

    assert demo.problem_rows("image_resize") == [
        ("/payload/dimensions/0", "Must be at least 1."),
        ("/payload/dimensions/1", "Must be at most 4096."),
    ]
    form = demo.form("image_resize")
    expect(form.get_by_label("Width")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Height")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field-error:visible")).to_have_text(
        "Error: Width: Must be at least 1.Error: Height: Must be at most 4096."
    )
    assert demo.posts_to_uploads() == []


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_the_image_form_and_a_large_result_fit_a_phone_screen(demo: DemoPage, tmp_path: Path) -> None:
    photo = _png(tmp_path / "wide.png", 1600, 400)
    demo.open()

    demo.resize_job(photo, width=1200, height=300, format="jpeg", fit="cover")

    demo.wait_for_status("SUCCEEDED")
    image = demo.resized_image
    demo.page.wait_for_function(LOADED, arg=image.element_handle())
    assert image.evaluate(NATURAL_SIZE) == [1200, 300]
    box = image.bounding_box()
    assert box is not None
    assert box["width"] <= PHONE["width"]
    assert demo.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert demo.page.evaluate(LOW_CONTRAST_TEXTS) == []
