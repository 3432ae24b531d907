"""Counting a JPEG's marker segments and scans from its bytes, without decoding it."""

import io
import struct

import pytest
from PIL import Image

from conveyor_worker.imaging.jpeg_markers import MarkerSegments, count_segments
from tests.support.images import image_file, jpeg_with_exif_block, saved, scan_bomb

NO_LIMIT = 1_000_000


def test_a_baseline_jpeg_has_one_scan() -> None:
    assert count_segments(image_file("JPEG", (40, 30)), stop_after=NO_LIMIT).scans == 1


@pytest.mark.parametrize(("mode", "scans"), [("RGB", 10), ("L", 6)])
def test_a_progressive_jpeg_has_the_scans_of_libjpegs_progression(mode: str, scans: int) -> None:
    buffer = io.BytesIO()
    Image.new(mode, (64, 48), 90).save(buffer, "JPEG", progressive=True)

    assert count_segments(buffer.getvalue(), stop_after=NO_LIMIT).scans == scans


@pytest.mark.parametrize("scans", [2, 100, 5000])
def test_every_scan_of_a_scan_bomb_is_counted(scans: int) -> None:
    assert count_segments(scan_bomb(64, scans), stop_after=NO_LIMIT).scans == scans


def test_stuffed_bytes_and_restart_markers_in_the_coded_data_are_not_segments() -> None:
    noise = Image.effect_noise((256, 256), 120).convert("RGB")  # plenty of 0xFF bytes in the coded data
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", restart_marker_blocks=1)  # and a restart marker after every block
    jpeg = buffer.getvalue()
    assert jpeg.count(b"\xff\x00") > 10
    assert jpeg.count(b"\xff\xd3") > 10

    plain = count_segments(saved(noise, "JPEG"), stop_after=NO_LIMIT)
    assert count_segments(jpeg, stop_after=NO_LIMIT) == MarkerSegments(plain.segments + 1, 1)  # and a DRI


def test_the_markers_of_a_thumbnail_inside_the_exif_block_are_not_the_files() -> None:
    thumbnail = saved(Image.new("RGB", (16, 16), "blue"), "JPEG")
    plain = jpeg_with_exif_block(b"MM\x00\x2a\x00\x00\x00\x08\x00\x00")

    with_thumbnail = jpeg_with_exif_block(b"MM\x00\x2a\x00\x00\x00\x08\x00\x00" + thumbnail * 3)

    assert count_segments(with_thumbnail, stop_after=NO_LIMIT) == count_segments(plain, stop_after=NO_LIMIT)


def test_nothing_after_the_first_end_of_image_is_counted() -> None:
    jpeg = image_file("JPEG", (40, 30))

    assert count_segments(jpeg + jpeg, stop_after=NO_LIMIT) == count_segments(jpeg, stop_after=NO_LIMIT)


def test_counting_stops_once_there_are_more_segments_than_asked_for() -> None:
    jpeg = image_file("JPEG", (40, 30))
    comments = b"\xff\xfe" + struct.pack(">H", 2)

    counted = count_segments(jpeg[:2] + comments * 100_000 + jpeg[2:], stop_after=1000)

    assert counted == MarkerSegments(segments=1001, scans=0)


@pytest.mark.parametrize(
    "jpeg",
    [b"\xff\xd8", b"\xff\xd8\xff", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe0\x00", b"\xff\xd8\xff\xda\x00\x00"],
    ids=["soi-only", "lone-ff", "marker-without-length", "half-a-length", "length-zero"],
)
def test_a_truncated_or_broken_header_ends_the_count_without_an_error(jpeg: bytes) -> None:
    assert count_segments(jpeg, stop_after=NO_LIMIT).segments <= 1
