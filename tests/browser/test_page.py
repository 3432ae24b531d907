"""The page itself: built from config.json and the contract, usable by keyboard, readable, fits a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import ARTIFACTS_DIR, PHONE
from tests.browser.demo_page import DemoPage
from tests.support import contract

pytestmark = pytest.mark.browser

# Run in the page: every visible text whose contrast with the background behind it is under WCAG AA
# (4.5:1, or 3:1 for large text), skipping disabled controls, which WCAG exempts.
LOW_CONTRAST_TEXTS = """() => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const parse = (css) => (css.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const blend = ([r, g, b, a = 1], under) => [r, g, b].map((c, i) => c * a + under[i] * (1 - a));
  const background = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const [r, g, b, a = 1] = parse(getComputedStyle(node).backgroundColor);
      if (a > 0) layers.push([r, g, b, a]);
      if (a === 1) break;
    }
    return layers.reduceRight((under, layer) => blend(layer, under), [255, 255, 255]);
  };
  const found = [];
  for (const element of document.querySelectorAll('body *')) {
    const ownText = [...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.data.trim());
    if (!ownText || !element.checkVisibility() || element.closest(':disabled, .visually-hidden')) continue;
    const style = getComputedStyle(element);
    const bg = background(element);
    const fg = blend(parse(style.color), bg);
    const [light, dark] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) found.push(`${element.textContent.trim().slice(0, 40)}: ${ratio}`);
  }
  return found;
}"""

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, textarea, select, button')]
  .filter((control) => control.checkVisibility())
  .filter((c) => !(c.labels?.length || c.getAttribute('aria-label') || c.textContent.trim()))
  .map((control) => control.outerHTML.slice(0, 80))"""


def test_the_page_reads_config_json_and_builds_a_form_per_contract_job_type(demo: DemoPage) -> None:
    demo.open()

    expect(demo.page.locator("#api-url")).to_have_text(demo.stack.api_url)
    radios = demo.page.get_by_role("group", name="Job type").get_by_role("radio")
    assert [radio.get_attribute("value") for radio in radios.all()] == contract.job_types()
    for job_type in contract.job_types():
        demo.choose(job_type)
        for name in contract.schema(f"{job_type}.input")["properties"]:
            if job_type == "image_resize" and name in IMAGE_FORM_CONTROLS:
                continue
            field = demo.field(job_type, name)
            expect(field).to_be_visible()
            expect(field).not_to_have_value("")  # a sample is filled in
    demo.choose("image_resize")
    for name in IMAGE_FORM_CONTROLS.values():
        expect(demo.form("image_resize").get_by_label(name)).to_be_visible()
    expect(demo.image_field).to_have_attribute("accept", ",".join(_upload_types()))


# The image form's own controls for two of image_resize's properties: the file whose upload gives source_key,
# and dimensions as two inputs.
IMAGE_FORM_CONTROLS = {"source_key": "Image file", "dimensions": "Width"}


def _upload_types() -> list[str]:
    return list(contract.schema("upload-request")["properties"]["content_type"]["enum"])


def test_everything_can_be_done_with_the_keyboard(demo: DemoPage) -> None:
    demo.open()
    page = demo.page

    page.get_by_role("radio", name="text_transform").focus()
    page.keyboard.press("ArrowLeft")  # radios: the arrow keys move between job types, in the contract's order
    expect(demo.form("send_email")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(demo.form("image_resize")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(demo.form("data_analysis")).to_be_visible()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(demo.form("text_transform")).to_be_visible()
    field = demo.field("text_transform", "text")
    _tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type("typed, not clicked")
    _tab_to(page, demo.form("text_transform").get_by_role("button", name="Submit text_transform"))
    page.keyboard.press("Enter")

    demo.wait_for_status("SUCCEEDED")
    expect(demo.job_panel.locator(".text-output")).to_have_text("TYPED, NOT CLICKED")
    _tab_to(page, demo.page.get_by_role("button", name="Copy job id"))


def test_controls_are_labelled_and_text_has_enough_contrast(demo: DemoPage) -> None:
    demo.expect_console_error(r"status of 400")
    demo.open()
    demo.submit_job("text_transform", text="contrast")
    demo.wait_for_status("SUCCEEDED")
    demo.submit_job("data_analysis", data="1e308, 1e308")
    demo.wait_for_status("FAILED")
    demo.set_browser_validation(on=False)
    demo.submit("data_analysis", data="")  # refused by the API: its problem details show too
    expect(demo.problems("data_analysis")).to_be_visible()
    demo.page.get_by_text("Job record as JSON").click()

    assert demo.page.evaluate(UNLABELLED_CONTROLS) == []
    assert demo.page.evaluate(LOW_CONTRAST_TEXTS) == []
    expect(demo.page.locator("[aria-live=polite]")).to_have_count(1)


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_the_page_fits_a_phone_screen(demo: DemoPage) -> None:
    demo.open()
    demo.submit_job("data_analysis", data="2, 4, 4, 4, 5, 5, 7, 9")
    demo.wait_for_status("SUCCEEDED")
    demo.submit_job("text_transform", text="a-very-long-word-without-any-space-" * 6)
    demo.wait_for_status("SUCCEEDED")

    assert demo.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert demo.page.evaluate(LOW_CONTRAST_TEXTS) == []


def test_screenshot_for_the_demo_page_doc(demo: DemoPage) -> None:
    """Not a check: the picture docs/demo-page.md shows, remade by every run (docs/images/demo-page.png is a
    copy)."""
    demo.open()
    demo.submit_job("text_transform", text="hello conveyor")
    demo.wait_for_status("SUCCEEDED")
    demo.submit_job("data_analysis", data="1e308, 1e308")
    demo.wait_for_status("FAILED")
    demo.submit_job("data_analysis", data="2, 4, 4, 4, 5, 5, 7, 9")
    demo.wait_for_status("SUCCEEDED")
    demo.page.mouse.move(0, 0)
    demo.page.locator("body").focus()

    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    demo.page.screenshot(path=ARTIFACTS_DIR / "demo-page.png", full_page=True)


def _tab_to(page: Page, target: Locator, most: int = 40) -> None:
    """Presses Tab until `target` has the focus; fails if it never gets it."""
    for _ in range(most):
        if target.evaluate("(element) => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} is not reachable with Tab")
