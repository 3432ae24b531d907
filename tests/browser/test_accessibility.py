"""axe-core finds nothing wrong with the page in each state a person meets: as it opens, with problems shown,
with a job's result or error, with an image chosen and resized."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_no_violations
from tests.browser.demo_page import DemoPage
from tests.browser.test_images import _png

pytestmark = pytest.mark.browser


def test_axe_finds_no_violation_in_the_page_as_it_opens(demo: DemoPage) -> None:
    demo.open()

    assert_no_violations(demo.page)


def test_axe_finds_no_violation_with_problems_shown_by_the_browser_and_by_the_api(demo: DemoPage) -> None:
    demo.expect_console_error(r"status of 400")
    demo.open()

    demo.submit("text_transform", text="")  # stopped in the browser
    expect(demo.problems("text_transform")).to_be_visible()
    assert_no_violations(demo.page)

    demo.set_browser_validation(on=False)
    demo.submit("data_analysis", data="")  # refused by the API
    expect(demo.problems("data_analysis")).to_contain_text("The API refused the job")
    assert_no_violations(demo.page)


def test_axe_finds_no_violation_with_a_result_and_with_an_error(demo: DemoPage) -> None:
    demo.open()

    demo.submit_job("data_analysis", data="2, 4, 4, 4, 5, 5, 7, 9")
    demo.wait_for_status("SUCCEEDED")
    demo.page.get_by_text("Job record as JSON").click()
    assert_no_violations(demo.page)

    demo.submit_job("data_analysis", data="1e308, 1e308")
    demo.wait_for_status("FAILED")
    assert_no_violations(demo.page)


def test_axe_finds_no_violation_in_the_image_form_and_its_result(demo: DemoPage, tmp_path: Path) -> None:
    photo = _png(tmp_path / "photo.png", 640, 480)
    demo.open()

    demo.choose_image(photo)
    expect(demo.image_preview).to_be_visible()
    assert_no_violations(demo.page)

    demo.resize_job(photo, width=160, height=120)
    demo.wait_for_status("SUCCEEDED")
    expect(demo.resized_image).to_be_visible()
    assert_no_violations(demo.page)
