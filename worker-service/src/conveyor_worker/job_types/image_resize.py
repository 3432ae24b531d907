"""image_resize: an uploaded image, resized with Pillow, written under results/{job_id}/.

Every input that cannot succeed ends the job FAILED with a code of its own (the input schema lists them) and
never reaches a retry: a missing or oversized source (another caller's upload reads as missing), a file that
is not an image or does not decode, and images whose pixels would not fit in the worker's memory, whether the
source's (a decompression bomb: a few KB of PNG can declare billions of pixels) or the requested output's.
Both pixel counts are checked before anything is decoded, from the file's header and from the payload.

Decoding, resizing and encoding run in a child process under a budget of CPU time (cpu_budget.py): what a
decoder costs, the file decides, and a small file can hold a worker for minutes. A JPEG whose scans would make
the decoder walk the image more than MAX_JPEG_SCANS times is refused before it is decoded (IMAGE_TOO_COSTLY),
and so is any image that spends the whole budget. Whatever else goes wrong while the image is decoded or
turned upright is the file's doing (CORRUPT_IMAGE): the same bytes would fail the same way on every attempt.

It reports its progress at each stage (reading, decoding, resizing, encoding, storing); the worker stores at
most one report a second, so a small image's job shows only the first.
"""

import importlib
import io
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from conveyor_worker.cpu_budget import Budget, BudgetExceededError, ChildDiedError, Report, run_within_budget
from conveyor_worker.imaging.jpeg_markers import count_segments
from conveyor_worker.job_types.context import FileTooLargeError, JobContext, NoSuchFileError
from conveyor_worker.job_types.errors import PermanentJobError

JOB_TYPE = "image_resize"

MAX_SOURCE_BYTES = 10 * 1024 * 1024
"""What POST /uploads lets a client upload; the worker checks again, since the bucket is not the contract."""
MAX_SOURCE_PIXELS = 40_000_000
"""At 4 bytes a pixel a source decodes to at most 160 MB; Pillow's own guard (89 MP) is looser."""
MAX_OUTPUT_PIXELS = 16_000_000
"""Width x height of a request: 4000 x 4000 passes, 4096 x 4096 (16.8 MP, within the schema's 4096 a side)
does not. Held separately from the source's limit because the output is allocated while the source is."""
MAX_JPEG_SCANS = 100
"""libjpeg writes a progressive JPEG in 10 scans (6 in grey); libjpeg-turbo's own fuzz targets refuse more
than 500. Each scan costs a walk over the blocks of its component: 4 ms at 40 megapixels here, so 100 cost
under half a second, where the issue's file of 718 KB and thousands of scans took 30.9 s."""
MAX_JPEG_SEGMENTS = 1000
"""Marker segments of any kind. A photo has a few dozen (tables, metadata, an ICC profile split in up to 255);
2.5 million empty ones, which 10 MiB can hold, cost Pillow's header parser 5 s of CPU for nothing."""
BUDGET = Budget(cpu_seconds=10, wall_seconds=20)
"""For decoding, turning, resizing and encoding one image, in a child process. The heaviest work the limits
allow, a noisy 40-megapixel photo of 10 MiB made a 4000 x 4000 PNG, measured 8.5 s of CPU on the development
machine (6 s of it zlib); a budget at the function's timeout would let one image hold a worker for all of it.
The wall-clock bound covers Lambda's CPU share at 1024 MB, about 0.58 of a vCPU (docs/design.md, Hostile
images). The job type's time budget in the contract (job-type.schema.json, 30 s) is this
bound and 10 s for reading a source and writing a result of up to 10 MiB each from and to S3 in the same
Region (tens of MB/s: well under a second each), with room for a slow one. Spending this budget is
IMAGE_TOO_COSTLY, not TIMED_OUT: it measures what the file costs to decode, which no retry changes."""

_SOURCE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
_PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
"""Pillow's name of each output format the contract names."""
_CONTRACT_FORMATS = {pillow: name for name, pillow in _PILLOW_FORMATS.items()}
# Pillow's JPEG default (75) shows artefacts on photos; 85 is the usual trade of size against quality.
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"png": {}, "jpeg": {"quality": 85}, "webp": {"quality": 85}}
_JPEG_SIGNATURE = b"\xff\xd8\xff"
"""SOI and the next marker's 0xFF: what Pillow's JPEG plugin recognises a JPEG by."""

# Pillow imports its format plugins on first use, and a child process forgets what it imports: loaded here,
# once per process, rather than in every job's child (130 ms of CPU each time, measured). preinit() takes PNG,
# JPEG and GIF; WEBP's plugin registers itself on import.
Image.preinit()
importlib.import_module("PIL.WebPImagePlugin")


@dataclass(frozen=True)
class _Resized:
    """What the child process sends back."""

    body: bytes
    format: str
    size: tuple[int, int]


def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    return resize(payload, job, budget=BUDGET)


def resize(payload: Mapping[str, Any], job: JobContext, *, budget: Budget) -> dict[str, Any]:
    """`run` with another budget than BUDGET: the tests' way to spend one in a moment."""
    width, height = payload["dimensions"]
    if width * height > MAX_OUTPUT_PIXELS:
        raise PermanentJobError(
            "OUTPUT_TOO_LARGE",
            f"{width} x {height} is {width * height} pixels; an output may have at most {MAX_OUTPUT_PIXELS} "
            "(4000 x 4000, for example)",
        )
    key: str = payload["source_key"]
    job.report_progress(0, "reading the source image")
    source = _source(job, key)
    job.report_progress(20, f"decoding {len(source)} bytes")
    resized = _within_budget(key, partial(_resized_file, key, source, payload), budget, job)
    result_key = job.result_key(f"image.{resized.format}")
    job.report_progress(90, "storing the result")
    job.files.write(result_key, resized.body, content_type=f"image/{resized.format}")
    return {
        "key": result_key,
        "size_bytes": len(resized.body),
        "format": resized.format,
        "dimensions": list(resized.size),
    }


def _source(job: JobContext, key: str) -> bytes:
    try:
        return job.read_upload(key, max_bytes=MAX_SOURCE_BYTES)
    except NoSuchFileError as missing:
        # One message whether there is no file or it is another caller's: a job must not tell which.
        raise PermanentJobError(
            "SOURCE_NOT_FOUND",
            f"no file of yours at {key}: upload the image with the form POST /uploads returned (to you, "
            "where callers sign in) before submitting the job (uploads expire after the retention period)",
        ) from missing
    except FileTooLargeError as too_large:
        raise PermanentJobError(
            "SOURCE_TOO_LARGE",
            f"the file at {key} has {too_large.size_bytes} bytes; an image may have at most "
            f"{MAX_SOURCE_BYTES} (10 MiB)",
        ) from too_large


def _within_budget(key: str, work: Callable[[Report], _Resized], budget: Budget, job: JobContext) -> _Resized:
    try:
        return run_within_budget(work, budget, report=job.report_progress)
    except BudgetExceededError as exceeded:
        raise _too_costly(
            key, f"decoding, resizing and encoding it took {exceeded}", "a smaller image or output costs less"
        ) from exceeded
    except ChildDiedError as died:
        # A decoder that crashes on a file crashes on it every time.
        raise _corrupt(key, died) from died


def _resized_file(key: str, source: bytes, payload: Mapping[str, Any], report: Report) -> _Resized:
    """The image at `key`, whose bytes are `source`, resized as `payload` asks: run in the child process."""
    width, height = payload["dimensions"]
    with warnings.catch_warnings():
        # Pillow warns of damaged metadata it then ignores: a line in a log that nobody can act on.
        warnings.simplefilter("ignore")
        image = _decoded(key, source)
        output_format = payload.get("format") or _CONTRACT_FORMATS.get(image.format or "", "png")
        report(40, f"resizing {image.width} x {image.height} to {width} x {height}")
        resized = _resized(_upright(key, image), (width, height), payload.get("fit", "contain"))
    report(70, f"encoding {output_format}")
    return _Resized(_encoded(resized, output_format), output_format, resized.size)


def _decoded(key: str, source: bytes) -> Image.Image:
    """The first frame, decoded, once its header has shown it is a PNG, JPEG, WEBP or GIF image of an
    acceptable size and, for a JPEG, of an acceptable number of scans."""
    if source.startswith(_JPEG_SIGNATURE):
        _refuse_costly_jpeg(key, source)
    try:
        # Pillow warns past 89 MP and refuses past twice that: either is a bomb here, not a line in a log.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(source), formats=_SOURCE_FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as bomb:
        raise _source_too_large(key, str(bomb)) from bomb
    except UnidentifiedImageError as unknown:
        raise PermanentJobError(
            "NOT_AN_IMAGE", f"the file at {key} is not a PNG, JPEG, WEBP or GIF image"
        ) from unknown
    except Exception as broken:  # recognised by its signature, but its header does not parse
        raise _corrupt(key, broken) from broken
    if image.width * image.height > MAX_SOURCE_PIXELS:
        raise _source_too_large(key, f"{image.width} x {image.height} is {image.width * image.height} pixels")
    try:
        image.load()
    except Exception as broken:  # SyntaxError, struct.error, EOFError, OSError...: Pillow has no one class
        raise _corrupt(key, broken, image.format) from broken
    return image


def _refuse_costly_jpeg(key: str, source: bytes) -> None:
    counted = count_segments(source, stop_after=MAX_JPEG_SEGMENTS)
    if counted.scans > MAX_JPEG_SCANS:
        raise _too_costly(
            key,
            f"it has more than {MAX_JPEG_SCANS} scans, and the decoder walks the whole image once a scan",
            "save it as a baseline (not progressive) JPEG",
        )
    if counted.segments > MAX_JPEG_SEGMENTS:
        raise _too_costly(
            key, f"it has more than {MAX_JPEG_SEGMENTS} marker segments", "save it again without its metadata"
        )


def _upright(key: str, image: Image.Image) -> Image.Image:
    """Turned by its EXIF orientation, in a mode every resampling filter and output format handles."""
    try:
        ImageOps.exif_transpose(image, in_place=True)
        if image.mode in {"RGB", "RGBA", "L", "LA"}:
            return image
        # Palette, 1-bit, CMYK and 16-bit images; a palette's transparent index becomes an alpha channel.
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    except Exception as broken:  # an EXIF block that is not TIFF, a palette that does not match its pixels...
        raise _corrupt(key, broken, image.format) from broken


def _resized(image: Image.Image, size: tuple[int, int], fit: str) -> Image.Image:
    if fit == "cover":
        return ImageOps.fit(image, size, method=Image.Resampling.LANCZOS)
    if fit == "fill":
        return image.resize(size, Image.Resampling.LANCZOS)
    return image.resize(_contained(image.size, size), Image.Resampling.LANCZOS)


def _contained(source: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The largest size of the source's aspect ratio inside `box`. Not ImageOps.contain's: that rounds a very
    thin image's short side to 0 pixels, which no format can store."""
    scale = min(box[0] / source[0], box[1] / source[1])
    return max(1, round(source[0] * scale)), max(1, round(source[1] * scale))


def _encoded(image: Image.Image, output_format: str) -> bytes:
    if output_format == "jpeg" and image.mode in {"RGBA", "LA"}:
        image = _on_white(image)
    buffer = io.BytesIO()
    image.save(buffer, _PILLOW_FORMATS[output_format], **_SAVE_OPTIONS[output_format])
    return buffer.getvalue()


def _on_white(image: Image.Image) -> Image.Image:
    """JPEG has no alpha channel; transparent pixels would otherwise show whatever colour they hide."""
    opaque = Image.new(image.mode[:-1], image.size, "white")
    opaque.paste(image.convert(opaque.mode), mask=image.getchannel("A"))
    return opaque


def _too_costly(key: str, why: str, advice: str) -> PermanentJobError:
    return PermanentJobError(
        "IMAGE_TOO_COSTLY", f"the image at {key} costs too much to process: {why}; {advice}"
    )


def _source_too_large(key: str, detail: str) -> PermanentJobError:
    return PermanentJobError(
        "IMAGE_TOO_LARGE",
        f"the image at {key} is too large to decode safely ({detail}); at most {MAX_SOURCE_PIXELS} pixels",
    )


def _corrupt(key: str, error: Exception, image_format: str | None = None) -> PermanentJobError:
    what = f"a {image_format} image" if image_format else "an image"
    return PermanentJobError(
        "CORRUPT_IMAGE", f"the file at {key} is {what} that does not decode ({error}): truncated or damaged?"
    )
