"""image_resize: an uploaded image, resized with Pillow, written under results/{job_id}/.

Every input that cannot succeed ends the job FAILED with a code of its own (the input schema lists them) and
never reaches a retry: a missing or oversized source, a file that is not an image or does not decode, and
images whose pixels would not fit in the worker's memory, whether the source's (a decompression bomb: a few
KB of PNG can declare billions of pixels) or the requested output's. Both pixel counts are checked before
anything is decoded, from the file's header and from the payload.

It reports its progress at each stage (reading, decoding, resizing, encoding, storing); the worker stores at
most one report a second, so a small image's job shows only the first.
"""

import io
import warnings
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

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

_SOURCE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
_PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
"""Pillow's name of each output format the contract names."""
_CONTRACT_FORMATS = {pillow: name for name, pillow in _PILLOW_FORMATS.items()}
# Pillow's JPEG default (75) shows artefacts on photos; 85 is the usual trade of size against quality.
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"png": {}, "jpeg": {"quality": 85}, "webp": {"quality": 85}}


def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
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
    image = _decoded(key, source)
    output_format = payload.get("format") or _CONTRACT_FORMATS.get(image.format or "", "png")
    job.report_progress(40, f"resizing {image.width} x {image.height} to {width} x {height}")
    resized = _resized(_upright(image), (width, height), payload.get("fit", "contain"))
    job.report_progress(70, f"encoding {output_format}")
    body = _encoded(resized, output_format)
    result_key = job.result_key(f"image.{output_format}")
    job.report_progress(90, "storing the result")
    job.files.write(result_key, body, content_type=f"image/{output_format}")
    return {
        "key": result_key,
        "size_bytes": len(body),
        "format": output_format,
        "dimensions": [resized.width, resized.height],
    }


def _source(job: JobContext, key: str) -> bytes:
    try:
        return job.files.read(key, max_bytes=MAX_SOURCE_BYTES)
    except NoSuchFileError as missing:
        raise PermanentJobError(
            "SOURCE_NOT_FOUND",
            f"no file at {key}: upload the image with the form POST /uploads returned before submitting "
            "the job (uploads expire after the retention period)",
        ) from missing
    except FileTooLargeError as too_large:
        raise PermanentJobError(
            "SOURCE_TOO_LARGE",
            f"the file at {key} has {too_large.size_bytes} bytes; an image may have at most "
            f"{MAX_SOURCE_BYTES} (10 MiB)",
        ) from too_large


def _decoded(key: str, source: bytes) -> Image.Image:
    """The first frame, decoded, once its header has shown it is a PNG, JPEG, WEBP or GIF image of an
    acceptable size."""
    try:
        # Pillow warns past 89 MP and refuses past twice that: either is a bomb here, not a line in a log.
        # catch_warnings is process-wide, which is safe in a Lambda process: it runs one job at a time.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(source), formats=_SOURCE_FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as bomb:
        raise _source_too_large(key, str(bomb)) from bomb
    except UnidentifiedImageError as unknown:
        raise PermanentJobError(
            "NOT_AN_IMAGE", f"the file at {key} is not a PNG, JPEG, WEBP or GIF image"
        ) from unknown
    except (OSError, ValueError) as broken:  # recognised by its signature, but its header does not parse
        raise _corrupt(key, broken) from broken
    if image.width * image.height > MAX_SOURCE_PIXELS:
        raise _source_too_large(key, f"{image.width} x {image.height} is {image.width * image.height} pixels")
    try:
        image.load()
    except (OSError, ValueError) as broken:
        raise _corrupt(key, broken, image.format) from broken
    return image


def _upright(image: Image.Image) -> Image.Image:
    """Turned by its EXIF orientation, in a mode every resampling filter and output format handles."""
    ImageOps.exif_transpose(image, in_place=True)
    if image.mode in {"RGB", "RGBA", "L", "LA"}:
        return image
    # Palette, 1-bit, CMYK and 16-bit images; a palette's transparent index becomes an alpha channel.
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


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
