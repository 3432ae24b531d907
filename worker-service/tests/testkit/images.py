"""Real image files, made by the tests with Pillow (or by hand, for a decompression bomb), and upload keys."""

import io
import struct
import uuid
import zlib

from PIL import Image

EXIF_ORIENTATION = 0x0112
ROTATED_90_CLOCKWISE = 6
"""The EXIF orientation of a photo taken with the camera turned a quarter: shown, it is turned back."""


def upload_key() -> str:
    """A key as POST /uploads mints it."""
    return f"uploads/{uuid.uuid4()}"


def image_file(
    image_format: str,
    size: tuple[int, int] = (400, 300),
    *,
    mode: str = "RGB",
    colour: str | int | tuple[int, ...] = "red",
    exif_orientation: int | None = None,
) -> bytes:
    """A file of one colour in `image_format` (Pillow's name: PNG, JPEG, WEBP, GIF, BMP)."""
    image = Image.new(mode, size, colour)
    options = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[EXIF_ORIENTATION] = exif_orientation
        options["exif"] = exif
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def saved(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()


def blank_png(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of blank rows: a few KB of file that decodes to width x height pixels, the
    shape of a decompression bomb. Written by hand, row by row, so that building it costs no pixels either."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)  # filter byte "none", then the row's bits
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def opened(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image
