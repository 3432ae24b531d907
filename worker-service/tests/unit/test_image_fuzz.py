"""Fuzzing the image path: PNG, JPEG, GIF and WEBP files of every kind the worker reads, mutated at random
(bytes flipped, set, inserted, deleted, repeated, cut off), each run as an image_resize job through the
worker's domain against the in-memory store. Whatever the bytes, the job ends SUCCEEDED or FAILED with one of
image_resize's codes on its first attempt, its message acknowledged, and within its budget. The run's case
count and its slowest case are printed in the test summary.
"""

import io
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from conveyor_worker.job_types import image_resize
from tests.support import report
from tests.support.clock import FakeClock
from tests.support.images import EXIF_ORIENTATION, ROTATED_90_CLOCKWISE, jpeg_with_exif_block, scan_bomb
from tests.support.logs import CapturedLogs
from tests.support.processor import Harness

CASES = 800
"""About 40 s on the development machine: a case forks a child and decodes a small image."""
IMAGE_RESIZE_CODES = {
    "SOURCE_TOO_LARGE",
    "NOT_AN_IMAGE",
    "CORRUPT_IMAGE",
    "IMAGE_TOO_LARGE",
    "IMAGE_TOO_COSTLY",
}
"""The codes a file can cause (SOURCE_NOT_FOUND and OUTPUT_TOO_LARGE come from the payload)."""


def _saved(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _seeds() -> dict[str, bytes]:
    """Small files of every kind the worker reads: mutations reach headers, metadata and pixels alike."""
    noise = Image.effect_noise((24, 16), 80).convert("RGB")
    palette = noise.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    frames = [noise, noise.rotate(90), noise.rotate(180)]
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATED_90_CLOCKWISE
    return {
        "png-rgb": _saved(noise, "PNG"),
        "png-rgba-interlaced": _saved(noise.convert("RGBA"), "PNG", interlace=True),
        "png-palette-transparent": _saved(palette, "PNG", transparency=0),
        "png-grey-16": _saved(noise.convert("I;16"), "PNG"),
        "png-exif": _saved(noise, "PNG", exif=exif),
        "apng": _saved(frames[0], "PNG", save_all=True, append_images=frames[1:]),
        "jpeg-baseline": _saved(noise, "JPEG"),
        "jpeg-progressive": _saved(noise, "JPEG", progressive=True),
        "jpeg-restarts": _saved(noise, "JPEG", restart_marker_blocks=2),
        "jpeg-grey": _saved(noise.convert("L"), "JPEG"),
        "jpeg-cmyk": _saved(noise.convert("CMYK"), "JPEG"),
        "jpeg-exif": _saved(noise, "JPEG", exif=exif),
        "jpeg-exif-block": jpeg_with_exif_block(b"MM\x00\x2a\x00\x00\x00\x08\x00\x00"),
        "jpeg-scans": scan_bomb(48, 12),
        "gif": _saved(palette, "GIF"),
        "gif-animated": _saved(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        "webp-lossy": _saved(noise, "WEBP"),
        "webp-lossless-rgba": _saved(noise.convert("RGBA"), "WEBP", lossless=True),
        "webp-animated": _saved(frames[0], "WEBP", save_all=True, append_images=frames[1:]),
    }


SEEDS = _seeds()


@dataclass(frozen=True)
class Case:
    seed: str
    mutations: tuple[str, ...]
    body: bytes
    dimensions: tuple[int, int]
    options: dict[str, str]

    def __str__(self) -> str:
        return f"{self.seed} ({len(self.body)} bytes) after {', '.join(self.mutations)}"


@st.composite
def _mutation(draw: st.DrawFn, body: bytearray) -> str:
    where = draw(st.integers(0, max(0, len(body) - 1)))
    # Twice as many flips and sets as the rest: they keep the file's length, and so more of its structure.
    kinds = ["flip", "flip", "set", "set", "insert", "delete", "repeat", "cut"]
    kind = draw(st.sampled_from(kinds)) if body else "insert"
    if kind == "flip":
        body[where] ^= 1 << draw(st.integers(0, 7))
    elif kind == "set":
        body[where] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]) | st.integers(0, 255))
    elif kind == "insert":
        body[where:where] = draw(st.binary(min_size=1, max_size=8))
    elif kind == "delete":
        del body[where : where + draw(st.integers(1, 16))]
    elif kind == "repeat":
        length = draw(st.integers(1, 64))
        body[where:where] = body[where : where + length] * draw(st.integers(1, 50))
    else:
        del body[where:]
    return f"{kind} at {where}"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    seed = draw(st.sampled_from(sorted(SEEDS)))
    body = bytearray(SEEDS[seed])
    mutations = tuple(draw(_mutation(body)) for _ in range(draw(st.integers(1, 4))))
    return Case(
        seed,
        mutations,
        bytes(body),
        (draw(st.integers(1, 48)), draw(st.integers(1, 48))),
        {
            "fit": draw(st.sampled_from(["contain", "cover", "fill"])),
            **draw(st.fixed_dictionaries({}, optional={"format": st.sampled_from(["png", "jpeg", "webp"])})),
        },
    )


@dataclass
class Tally:
    cases: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    slowest: tuple[float, float, str] = (0.0, 0.0, "")
    """(wall-clock seconds, the child's CPU seconds, the case)."""

    def add(self, outcome: str, seconds: float, cpu_seconds: float, case: Case) -> None:
        self.cases += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if seconds > self.slowest[0]:
            self.slowest = (seconds, cpu_seconds, str(case))


@pytest.fixture(scope="module")
def harness() -> Harness:
    """One for every case: each case is a job of its own."""
    return Harness(FakeClock(), CapturedLogs(), overrides=None)


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    counted = Tally()
    yield counted
    outcomes = ", ".join(f"{name} {count}" for name, count in sorted(counted.outcomes.items()))
    seconds, cpu_seconds, case = counted.slowest
    report.line(f"image fuzz: {counted.cases} mutated images, each ended on attempt 1: {outcomes}")
    report.line(f"image fuzz: slowest {seconds:.2f} s ({cpu_seconds:.2f} s of CPU in its child): {case}")


def _children_cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


@pytest.mark.slow
@settings(max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_a_mutated_image_ends_its_job_on_the_first_attempt_within_its_budget(
    harness: Harness, tally: Tally, case: Case
) -> None:
    job_id = harness.submit_image(case.body, case.dimensions, **case.options)
    started, cpu_before = time.monotonic(), _children_cpu_seconds()

    harness.deliver(job_id)  # a transient failure raises here: the message would come back

    seconds, cpu_seconds = time.monotonic() - started, _children_cpu_seconds() - cpu_before
    item = harness.item(job_id)
    assert (item["status"], item["attempts"]) in {("SUCCEEDED", 1), ("FAILED", 1)}
    outcome = item["error"]["code"] if item["status"] == "FAILED" else "SUCCEEDED"
    assert outcome in IMAGE_RESIZE_CODES | {"SUCCEEDED"}
    assert seconds <= image_resize.BUDGET.wall_seconds
    # The kernel's hard limit, a second above the budget, is the most a child can spend.
    assert cpu_seconds <= image_resize.BUDGET.cpu_seconds + 1
    tally.add(outcome, seconds, cpu_seconds, case)
