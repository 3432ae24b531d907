"""image_resize on its own: real image files made here, read from and written to the in-memory file store."""

import faulthandler
import io
import os
import signal
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest
from PIL import Image

from conveyor_worker.contract import check, load_contract
from conveyor_worker.cpu_budget import Budget
from conveyor_worker.job_types import image_resize
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.job_types.errors import PermanentJobError
from tests.support.fake_files import FakeFileStore
from tests.support.images import (
    EXIF_ORIENTATION,
    ROTATED_90_CLOCKWISE,
    blank_png,
    image_file,
    jpeg_with_exif_block,
    opened,
    png_with_a_broken_chunk_header,
    png_with_chunk,
    saved,
    scan_bomb,
    upload_key,
)

JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
ALICE = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
BOB = "0c1d2e3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f"
SCHEMAS = load_contract().job_types["image_resize"]


class Resize:
    """One job's files, and its run with a payload built from the source's key."""

    def __init__(self, *, job_owner: str | None = None) -> None:
        """`job_owner`: the job's owner, in a deployment with sign-in."""
        self.files = FakeFileStore()
        self.source_key = upload_key()
        self.job_owner = job_owner
        self.reports: list[tuple[int, str]] = []

    def upload(self, body: bytes, *, size_bytes: int | None = None, owner: str | None = None) -> None:
        """The client's upload; `owner` is the caller it records, where callers sign in."""
        self.files.put(self.source_key, body, size_bytes=size_bytes, owner=owner)

    def run(
        self, dimensions: tuple[int, int], budget: Budget | None = None, **options: str
    ) -> dict[str, Any]:
        """The job as the worker runs it, or with `budget` in place of image_resize.BUDGET."""
        payload = {"source_key": self.source_key, "dimensions": list(dimensions), **options}
        check(SCHEMAS.input, "the payload", payload)
        job = JobContext(
            JOB_ID,
            self.files,
            lambda percent, message: self.reports.append((percent, message)),
            owner=self.job_owner,
        )
        if budget is None:
            result = image_resize.run(payload, job)
        else:
            result = image_resize.resize(payload, job, budget=budget)
        check(SCHEMAS.result, "the result", result)
        return result

    def output(self, result: dict[str, Any]) -> Image.Image:
        stored = self.files.get(result["key"])
        assert stored is not None, f"nothing written at {result['key']}"
        assert (stored.content_type, stored.size_bytes) == (f"image/{result['format']}", result["size_bytes"])
        return opened(stored.body)

    def refusal(
        self, dimensions: tuple[int, int] = (100, 100), budget: Budget | None = None, **options: str
    ) -> PermanentJobError:
        with pytest.raises(PermanentJobError) as refused:
            self.run(dimensions, budget, **options)
        assert [key for key in self.files.stored_keys() if key.startswith("results/")] == []
        return refused.value


@pytest.fixture
def resize() -> Resize:
    return Resize()


@pytest.mark.parametrize(
    ("fit", "source", "box", "output"),
    [
        ("contain", (400, 300), (200, 200), (200, 150)),
        ("contain", (300, 400), (200, 200), (150, 200)),
        ("contain", (100, 50), (400, 400), (400, 200)),  # scaled up to fit, too
        ("contain", (4000, 1), (10, 10), (10, 1)),  # never a side of 0 pixels
        ("cover", (400, 300), (200, 200), (200, 200)),
        ("cover", (100, 50), (300, 400), (300, 400)),
        ("fill", (400, 300), (100, 250), (100, 250)),
    ],
)
def test_each_fit_gives_its_output_size(
    resize: Resize, fit: str, source: tuple[int, int], box: tuple[int, int], output: tuple[int, int]
) -> None:
    resize.upload(image_file("PNG", source))

    result = resize.run(box, fit=fit)

    assert result["dimensions"] == list(output)
    assert resize.output(result).size == output


def test_contain_is_the_default_fit(resize: Resize) -> None:
    resize.upload(image_file("PNG", (400, 300)))

    assert resize.run((200, 200))["dimensions"] == [200, 150]


def test_cover_crops_the_overflow_evenly_from_both_sides(resize: Resize) -> None:
    # Green in the middle 200 columns, red and blue in the outer 50 on either side: the centred square
    # (columns 100 to 200), and the pixels the filter reads around it, are all green.
    source = Image.new("RGB", (300, 100), "lime")
    source.paste(Image.new("RGB", (50, 100), "red"), (0, 0))
    source.paste(Image.new("RGB", (50, 100), "blue"), (250, 0))
    resize.upload(saved(source, "PNG"))

    output = resize.output(resize.run((50, 50), fit="cover"))

    assert {output.getpixel(corner) for corner in [(0, 0), (49, 0), (0, 49), (49, 49)]} == {(0, 255, 0)}


@pytest.mark.parametrize(
    ("source_format", "mode", "output_format"),
    [("PNG", "RGB", "png"), ("JPEG", "RGB", "jpeg"), ("WEBP", "RGB", "webp"), ("GIF", "P", "png")],
)
def test_without_a_format_the_output_keeps_the_sources_or_else_is_png(
    resize: Resize, source_format: str, mode: str, output_format: str
) -> None:
    resize.upload(image_file(source_format, (40, 30), mode=mode, colour=1 if mode == "P" else "red"))

    result = resize.run((20, 20))

    assert (result["format"], result["key"]) == (output_format, f"results/{JOB_ID}/image.{output_format}")
    assert resize.output(result).format == output_format.upper()


@pytest.mark.parametrize("output_format", ["png", "jpeg", "webp"])
def test_a_requested_format_is_written_whatever_the_sources(resize: Resize, output_format: str) -> None:
    resize.upload(image_file("GIF", (40, 30), mode="P"))

    result = resize.run((20, 20), format=output_format)

    assert result["key"] == f"results/{JOB_ID}/image.{output_format}"
    assert resize.output(result).format == output_format.upper()


@pytest.mark.parametrize(
    ("mode", "transparent", "opaque_mode", "white"),
    [("RGBA", (255, 0, 0, 0), "RGB", (255, 255, 255)), ("LA", (0, 0), "L", 255)],
)
def test_a_transparent_png_made_jpeg_is_laid_on_white(
    resize: Resize, mode: str, transparent: tuple[int, ...], opaque_mode: str, white: int | tuple[int, ...]
) -> None:
    resize.upload(image_file("PNG", (40, 40), mode=mode, colour=transparent))

    output = resize.output(resize.run((20, 20), format="jpeg"))

    assert (output.mode, output.getpixel((10, 10))) == (opaque_mode, white)


@pytest.mark.parametrize(
    ("source_format", "mode"),
    [
        ("PNG", "1"),
        ("PNG", "L"),
        ("PNG", "LA"),
        ("PNG", "P"),
        ("PNG", "RGBA"),
        ("PNG", "I;16"),
        ("JPEG", "CMYK"),
        ("JPEG", "L"),
        ("GIF", "P"),
        ("WEBP", "RGBA"),
    ],
)
@pytest.mark.parametrize("output_format", ["png", "jpeg", "webp"])
def test_every_mode_of_the_source_formats_is_written_in_every_output_format(
    resize: Resize, source_format: str, mode: str, output_format: str
) -> None:
    resize.upload(image_file(source_format, (40, 30), mode=mode, colour=1))

    output = resize.output(resize.run((20, 20), format=output_format))

    assert (output.format, output.size) == (output_format.upper(), (20, 15))


def test_a_gif_with_a_transparent_colour_keeps_its_transparency_as_png(resize: Resize) -> None:
    source = Image.new("P", (40, 40), 0)
    source.putpalette([255, 255, 255, 0, 0, 255])
    source.paste(1, (0, 0, 20, 40))
    source.info["transparency"] = 0
    resize.upload(saved(source, "GIF"))

    output = resize.output(resize.run((40, 40)))

    assert output.mode == "RGBA"
    assert (output.getpixel((5, 20)), output.getpixel((35, 20))[3]) == ((0, 0, 255, 255), 0)  # type: ignore[index]


def test_a_photo_with_an_exif_orientation_is_turned_upright_and_stripped_of_it(resize: Resize) -> None:
    # Stored 200 wide and 100 high; its EXIF says it is shown turned a quarter, so 100 wide and 200 high.
    resize.upload(image_file("JPEG", (200, 100), exif_orientation=ROTATED_90_CLOCKWISE))

    result = resize.run((1000, 1000))

    assert result["dimensions"] == [500, 1000]
    assert EXIF_ORIENTATION not in resize.output(result).getexif()


def test_the_result_names_the_written_file(resize: Resize) -> None:
    resize.upload(image_file("JPEG", (400, 300)))

    result = resize.run((200, 200), format="webp")

    written = resize.files.get(f"results/{JOB_ID}/image.webp")
    assert written is not None
    assert result == {
        "key": f"results/{JOB_ID}/image.webp",
        "size_bytes": len(written.body),
        "format": "webp",
        "dimensions": [200, 150],
    }


def test_a_missing_source_is_source_not_found(resize: Resize) -> None:
    refused = resize.refusal()

    assert refused.code == "SOURCE_NOT_FOUND"
    assert resize.source_key in refused.message


def test_a_source_uploaded_by_another_caller_fails_exactly_as_a_missing_one() -> None:
    """Bob names alice's upload: his job learns nothing of it, neither that it exists nor its size."""
    nothing_there, alices_upload = Resize(job_owner=BOB), Resize(job_owner=BOB)
    alices_upload.source_key = nothing_there.source_key
    alices_upload.upload(image_file("PNG", (40, 30)), size_bytes=10 * 1024 * 1024 + 1, owner=ALICE)

    missing, refused = nothing_there.refusal(), alices_upload.refusal()

    assert (refused.code, refused.message) == (missing.code, missing.message)
    assert refused.code == "SOURCE_NOT_FOUND"


def test_a_source_uploaded_by_the_jobs_owner_is_resized() -> None:
    alices = Resize(job_owner=ALICE)
    alices.upload(image_file("PNG", (40, 30)), owner=ALICE)

    assert alices.run((20, 20))["dimensions"] == [20, 15]


def test_a_source_that_records_no_owner_is_resized_for_a_signed_in_callers_job() -> None:
    """An upload that an API from before owners were recorded issued, named by a job it accepted."""
    alices = Resize(job_owner=ALICE)
    alices.upload(image_file("PNG", (40, 30)))

    assert alices.run((20, 20))["dimensions"] == [20, 15]


def test_a_source_over_10_mib_is_source_too_large_without_being_decoded(resize: Resize) -> None:
    resize.upload(b"never read", size_bytes=10 * 1024 * 1024 + 1)

    refused = resize.refusal()

    assert (refused.code, "10485761 bytes" in refused.message) == ("SOURCE_TOO_LARGE", True)


def test_a_source_of_exactly_10_mib_is_read(resize: Resize) -> None:
    resize.upload(image_file("PNG", (40, 30)), size_bytes=10 * 1024 * 1024)

    assert resize.run((20, 20))["dimensions"] == [20, 15]


@pytest.mark.parametrize(
    "body",
    [
        b"Dear customer, this is not a picture.\n",
        b"",
        image_file("BMP", (40, 30)),  # an image, but not one of the contract's four formats
        b"\x89PNG\r\n\x1a\n",  # a PNG signature and nothing after it
    ],
    ids=["text", "empty", "bmp", "bare-png-signature"],
)
def test_a_file_that_is_not_a_png_jpeg_webp_or_gif_is_not_an_image(resize: Resize, body: bytes) -> None:
    resize.upload(body)

    assert resize.refusal().code == "NOT_AN_IMAGE"


@pytest.mark.parametrize(
    ("source_format", "kept"),
    [("PNG", 0.5), ("JPEG", 0.5), ("GIF", 0.5), ("WEBP", 0.5), ("WEBP", 0.2)],
    ids=["png-half", "jpeg-half", "gif-half", "webp-half", "webp-header-only"],
)
def test_a_truncated_image_is_corrupt(resize: Resize, source_format: str, kept: float) -> None:
    # Noise, so that no format can squeeze the image into a few bytes that survive the cut.
    whole = saved(Image.effect_noise((300, 200), 64).convert("RGB"), source_format)
    resize.upload(whole[: int(len(whole) * kept)])

    refused = resize.refusal()

    assert refused.code == "CORRUPT_IMAGE"
    assert resize.source_key in refused.message


@pytest.mark.parametrize(
    ("width", "height"),
    [(8000, 6000), (10000, 10000), (20000, 20000)],
    ids=["over-the-workers-limit", "over-pillows-warning", "over-pillows-error"],
)
def test_a_decompression_bomb_is_image_too_large_before_it_is_decoded(
    resize: Resize, width: int, height: int
) -> None:
    bomb = blank_png(width, height)
    assert len(bomb) < 64 * 1024  # a few KB of file, tens of millions of pixels
    resize.upload(bomb)

    assert resize.refusal().code == "IMAGE_TOO_LARGE"


def test_a_source_at_the_pixel_limit_is_resized(resize: Resize) -> None:
    resize.upload(blank_png(8000, 5000))  # exactly 40000000 pixels

    assert resize.run((80, 50))["dimensions"] == [80, 50]


@pytest.mark.parametrize("dimensions", [(4096, 4096), (4096, 3907), (4001, 4000)])
def test_an_output_over_16_megapixels_is_refused_before_the_source_is_read(
    resize: Resize, dimensions: tuple[int, int]
) -> None:
    resize.upload(image_file("PNG", (40, 30)))

    refused = resize.refusal(dimensions)

    assert (refused.code, resize.files.reads) == ("OUTPUT_TOO_LARGE", [])


def test_an_output_of_exactly_16_megapixels_is_written(resize: Resize) -> None:
    resize.upload(image_file("PNG", (4, 4)))

    assert resize.run((4000, 4000), fit="fill", format="jpeg")["dimensions"] == [4000, 4000]


def test_each_stage_is_reported_as_progress_in_order_before_the_result_is_stored() -> None:
    files = FakeFileStore()
    key = upload_key()
    files.put(key, image_file("PNG", (40, 30)))
    reports: list[tuple[int, str]] = []

    def sink(percent: int, message: str) -> None:
        reports.append((percent, message))
        if percent == 90:
            assert [stored for stored in files.stored_keys() if stored.startswith("results/")] == []

    image_resize.run({"source_key": key, "dimensions": [20, 15]}, JobContext(JOB_ID, files, sink))

    assert [percent for percent, _ in reports] == [0, 20, 40, 70, 90]
    assert [message.split()[0] for _, message in reports] == [
        "reading",
        "decoding",
        "resizing",
        "encoding",
        "storing",
    ]
    assert reports[2][1] == "resizing 40 x 30 to 20 x 15"


@pytest.mark.parametrize(
    "body",
    [
        jpeg_with_exif_block(b"this is not TIFF"),
        png_with_chunk(b"eXIf", b"this is not TIFF"),
        png_with_a_broken_chunk_header(),
    ],
    ids=["jpeg-exif-not-tiff", "png-exif-not-tiff", "png-broken-chunk-header"],
)
def test_an_image_pillow_refuses_with_a_syntax_error_is_corrupt(resize: Resize, body: bytes) -> None:
    # SyntaxError is what Pillow raises for these, from the decoder and from the EXIF rotation alike.
    resize.upload(body)

    refused = resize.refusal()

    assert refused.code == "CORRUPT_IMAGE"
    assert resize.source_key in refused.message


def test_a_progressive_jpeg_of_thousands_of_scans_is_image_too_costly_before_it_is_decoded(
    resize: Resize,
) -> None:
    # The shape: 6320 x 6320 pixels, under the pixel limit, in about 740 KB; decoded, 40 s of CPU.
    resize.upload(scan_bomb(6320, 10_000))

    refused = resize.refusal()

    assert refused.code == "IMAGE_TOO_COSTLY"
    assert f"more than {image_resize.MAX_JPEG_SCANS} scans" in refused.message
    assert [percent for percent, _ in resize.reports] == [0, 20]  # never as far as "resizing"


def test_a_jpeg_of_as_many_scans_as_allowed_is_resized(resize: Resize) -> None:
    resize.upload(scan_bomb(64, image_resize.MAX_JPEG_SCANS))

    assert resize.run((32, 32))["dimensions"] == [32, 32]


def test_a_jpeg_of_one_scan_more_than_allowed_is_image_too_costly(resize: Resize) -> None:
    resize.upload(scan_bomb(64, image_resize.MAX_JPEG_SCANS + 1))

    assert resize.refusal().code == "IMAGE_TOO_COSTLY"


def test_a_progressive_jpeg_as_encoders_write_it_is_resized(resize: Resize) -> None:
    buffer = io.BytesIO()
    Image.effect_noise((300, 200), 64).convert("RGB").save(buffer, "JPEG", progressive=True)
    resize.upload(buffer.getvalue())

    assert resize.run((150, 100))["dimensions"] == [150, 100]


def test_a_jpeg_of_thousands_of_empty_segments_is_image_too_costly(resize: Resize) -> None:
    jpeg = image_file("JPEG", (40, 30))
    comment = b"\xff\xfe" + struct.pack(">H", 2)
    resize.upload(jpeg[:2] + comment * image_resize.MAX_JPEG_SEGMENTS + jpeg[2:])

    refused = resize.refusal()

    assert refused.code == "IMAGE_TOO_COSTLY"
    assert f"more than {image_resize.MAX_JPEG_SEGMENTS} marker segments" in refused.message


def noisy_png() -> bytes:
    """1000 x 1000 pixels of noise: made a 4000 x 4000 PNG it costs about 5 s of CPU, mostly zlib's."""
    return saved(Image.effect_noise((1000, 1000), 100).convert("RGB"), "PNG")


def test_an_image_that_spends_its_cpu_budget_is_image_too_costly(resize: Resize) -> None:
    resize.upload(noisy_png())

    refused = resize.refusal((4000, 4000), Budget(cpu_seconds=1, wall_seconds=60), fit="fill", format="png")

    assert refused.code == "IMAGE_TOO_COSTLY"
    assert "more than 1 s of CPU time" in refused.message


def test_an_image_still_in_work_at_its_wall_clock_budget_is_image_too_costly(resize: Resize) -> None:
    resize.upload(noisy_png())

    refused = resize.refusal((4000, 4000), Budget(cpu_seconds=10, wall_seconds=0.5), fit="fill", format="png")

    assert refused.code == "IMAGE_TOO_COSTLY"
    assert "more than 0.5 s of wall-clock time" in refused.message


def test_a_decoder_that_crashes_on_a_file_makes_it_corrupt(
    resize: Resize, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crashing_open(*args: Any, **kwargs: Any) -> NoReturn:
        faulthandler.disable()  # pytest's, inherited by the child: it would print the child's stack first
        os.kill(os.getpid(), signal.SIGSEGV)
        raise AssertionError("the child outlived its SIGSEGV")

    monkeypatch.setattr(Image, "open", crashing_open)
    resize.upload(image_file("PNG", (40, 30)))

    refused = resize.refusal()

    assert refused.code == "CORRUPT_IMAGE"
    assert "SIGSEGV" in refused.message


@pytest.mark.parametrize("image_format", ["GIF", "WEBP", "PNG"])
def test_an_animation_of_thousands_of_frames_is_resized_from_its_first(
    resize: Resize, image_format: str
) -> None:
    # Only the first frame is decoded: 3000 frames cost what one does.
    frames = [Image.new("RGB", (16, 16), "red")] + [Image.new("RGB", (16, 16), "blue")] * 2999
    buffer = io.BytesIO()
    frames[0].save(buffer, image_format, save_all=True, append_images=frames[1:], lossless=True)
    resize.upload(buffer.getvalue())

    output = resize.output(resize.run((8, 8), format="png"))

    assert output.convert("RGB").getpixel((4, 4)) == (255, 0, 0)


IMPORTS_OF_A_JOB = """
import sys
from pathlib import Path

from conveyor_worker.job_types import image_resize
from conveyor_worker.job_types.context import JobContext

class Files:
    def read(self, key, *, max_bytes, job_owner):
        return Path(key).read_bytes()

    def write(self, key, body, *, content_type):
        pass

# The child's work, run in this process so that what it imports shows in sys.modules.
image_resize.run_within_budget = lambda work, budget, report: work(report)
loaded = set(sys.modules)
for source in sys.argv[1:]:
    for output_format in ("png", "jpeg", "webp"):
        payload = {"source_key": source, "dimensions": [20, 20], "format": output_format}
        image_resize.run(payload, JobContext("job", Files()))
print(sorted(set(sys.modules) - loaded))
"""


def test_no_job_imports_a_module_since_its_child_would_import_it_again_each_time(tmp_path: Path) -> None:
    # A new interpreter: this one has every Pillow plugin loaded already, by the tests that made images.
    sources = []
    for image_format in ("PNG", "JPEG", "WEBP", "GIF"):
        source = tmp_path / image_format
        source.write_bytes(image_file(image_format, (40, 30), mode="P" if image_format == "GIF" else "RGB"))
        sources.append(str(source))

    run = subprocess.run(
        [sys.executable, "-c", IMPORTS_OF_A_JOB, *sources], capture_output=True, text=True, check=True
    )

    assert run.stdout.strip() == "[]"
