"""Conditional reads (RFC 9110, sections 8.8.3 and 13.1.2): an ETag of the body, If-None-Match against it, and
the Cache-Control (RFC 9111) that says how long a copy stays true.

Hand-written rather than taken from werkzeug or similar: the grammar is a dozen lines, and the Lambda package
stays free of a web framework it would carry for them.
"""

import base64
import hashlib
import re
from datetime import timedelta

IF_NONE_MATCH_HEADER = "If-None-Match"
_ENTITY_TAG = re.compile(r'\s*(?:W/)?("[^"]*")\s*(?:,|$)')


def entity_tag(body: str) -> str:
    """A strong ETag of `body`: the same bytes give the same tag, different bytes (practically) never."""
    digest = hashlib.sha256(body.encode()).digest()[:16]
    return '"' + base64.urlsafe_b64encode(digest).rstrip(b"=").decode() + '"'


def none_match(if_none_match: str | None, etag: str) -> bool:
    """Whether a GET with this If-None-Match header should be answered in full: False when the header names
    `etag` or is `*`. The comparison is weak, as RFC 9110 requires for If-None-Match (W/ is ignored); a header
    that does not parse matches nothing, so the client gets the body."""
    if if_none_match is None:
        return True
    text = if_none_match.strip()
    if text == "*":
        return False
    position = 0
    tags = []
    while position < len(text):
        found = _ENTITY_TAG.match(text, position)
        if found is None:
            return True
        tags.append(found.group(1))
        position = found.end()
    return etag not in tags


def cache_control(lifetime: timedelta | None, *, immutable: bool) -> str:
    """`no-cache` (keep, but ask first) without a lifetime; else a max-age, and `immutable` if final."""
    # private: with sign-in a record is its owner's alone, and no shared cache keys on the token.
    if lifetime is None:
        return "private, no-cache"
    seconds = lifetime // timedelta(seconds=1)
    return f"private, max-age={seconds}" + (", immutable" if immutable else "")
