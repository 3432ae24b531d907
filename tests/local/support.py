"""Helpers shared by the local stack's tests."""

from __future__ import annotations

import uuid


def unique_name(prefix: str) -> str:
    """A resource name no other test uses, so tests can share one moto server."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
