"""Real image files, made by the tests with Pillow, or by hand for the hostile ones (a decompression bomb, a
JPEG of thousands of scans, broken metadata), and upload keys."""

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


def scan_bomb(side: int, scans: int) -> bytes:
    """A progressive greyscale JPEG of side x side pixels and `scans` scans, of the shape the issue reports:
    the first scan gives every block a DC value of 0, and each of the others is one "end of band" run over all
    blocks, 66 bytes that make the decoder walk every block once more. Written segment by segment: Pillow's
    progressive save writes 10 scans at most."""
    blocks = ((side + 7) // 8) ** 2
    # One Huffman code, "0", in each table: DC difference category 0; EOB14, a run of 2**14 + 14 more bits.
    tables = b"\x00" + _one_code(0x00) + b"\x10" + _one_code(0xE0)
    dc_scan = _segment(0xDA, bytes([1, 1, 0x00, 0, 0, 0])) + _entropy_coded("0" * blocks)
    runs = -(-blocks // 32767)  # each EOB14 with 14 one bits ends 16384 + 16383 blocks
    ac_scan = _segment(0xDA, bytes([1, 1, 0x00, 1, 63, 0])) + _entropy_coded(("0" + "1" * 14) * runs)
    return (
        b"\xff\xd8"
        + _segment(0xDB, b"\x00" + bytes([1] * 64))
        + _segment(0xC2, struct.pack(">BHHB", 8, side, side, 1) + bytes([1, 0x11, 0]))
        + _segment(0xC4, tables)
        + dc_scan
        + ac_scan * (scans - 1)
        + b"\xff\xd9"
    )


def jpeg_with_exif_block(block: bytes) -> bytes:
    """A JPEG whose APP1 EXIF segment holds `block` after its "Exif" signature, behind a JFIF header with a
    resolution, as a camera's or an editor's has: Pillow then leaves the EXIF block unread until something
    asks for it."""
    image = Image.new("RGB", (40, 30), "red")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", dpi=(72, 72))
    jpeg = buffer.getvalue()
    after_jfif = 4 + int.from_bytes(jpeg[4:6], "big")
    return jpeg[:after_jfif] + _segment(0xE1, b"Exif\x00\x00" + block) + jpeg[after_jfif:]


def png_with_chunk(kind: bytes, data: bytes) -> bytes:
    """A small PNG with one more chunk, right after its header."""
    png = image_file("PNG", (40, 30))
    after_header = 8 + 25
    return png[:after_header] + _chunk(kind, data) + png[after_header:]


def png_with_a_broken_chunk_header() -> bytes:
    """A PNG whose pixels come in two IDAT chunks, the second of which has no valid chunk type: Pillow finds
    it only while decoding."""
    compressed = zlib.compress(b"".join(b"\x00" + bytes(8) for _ in range(8)))
    half = len(compressed) // 2
    header = struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)
    broken = struct.pack(">I", len(compressed) - half) + b"\x00\x01\x02\x03" + compressed[half:] + bytes(4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", compressed[:half])
        + broken
        + _chunk(b"IEND", b"")
    )


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _one_code(symbol: int) -> bytes:
    """A Huffman table's counts of codes by length (one code, one bit long) and its one symbol."""
    return bytes([1] + [0] * 15 + [symbol])


def _entropy_coded(bits: str) -> bytes:
    """`bits` padded with ones to whole bytes, each 0xFF byte followed by the 0x00 JPEG stuffs after it."""
    padded = bits + "1" * (-len(bits) % 8)
    return int(padded, 2).to_bytes(len(padded) // 8, "big").replace(b"\xff", b"\xff\x00")
