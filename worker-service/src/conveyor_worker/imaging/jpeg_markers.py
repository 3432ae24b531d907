"""A JPEG file's marker segments, counted without decoding it.

A progressive JPEG's decoder walks every block of the image once per scan, however few bytes a scan takes: a
scan made of "end of band" runs covers 32767 blocks in 15 bits. Counting the scans (SOS segments) tells what
decoding will cost before it starts; docs/design.md, Hostile images, has the figures.
"""

import re
from dataclasses import dataclass

_MARKER = re.compile(rb"\xff+([^\x00\xff\xd0-\xd7])")
"""0xFF, any fill bytes (more 0xFF), and a marker's code. Inside entropy-coded data an 0xFF is followed by
0x00 (a stuffed byte) or by a restart marker RST0-7 (0xD0-0xD7): neither starts a segment, and the search
skips them in C, however many there are."""
_SOS = 0xDA
_EOI = 0xD9
_WITHOUT_PAYLOAD = frozenset({0x01, 0xD8})
"""TEM and SOI: markers with no length and no payload after them."""


@dataclass(frozen=True)
class MarkerSegments:
    segments: int
    """Marker segments with a payload (SOS included) up to the first EOI."""
    scans: int
    """SOS segments among them: one per scan."""


def count_segments(jpeg: bytes, *, stop_after: int) -> MarkerSegments:
    """The segments of `jpeg` (which begins with SOI), counted until its first EOI or its end, or until there
    are more than `stop_after`, which bounds the count's own cost whatever the file holds."""
    segments = scans = 0
    position = 2
    while segments <= stop_after and (marker := _MARKER.search(jpeg, position)):
        code = marker[1][0]
        position = marker.end()
        if code == _EOI:
            break
        if code in _WITHOUT_PAYLOAD:
            continue
        segments += 1
        scans += code == _SOS
        # The length counts its own two bytes. A payload is skipped whole: an EXIF block can hold a thumbnail,
        # a JPEG of its own with markers that are not this file's.
        position += int.from_bytes(jpeg[position : position + 2], "big")
    return MarkerSegments(segments, scans)
