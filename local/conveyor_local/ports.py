"""Failing early, and clearly, when a port the local stack needs is taken."""

from __future__ import annotations

import socket


class PortInUseError(OSError):
    """Another process already listens on a port the local stack needs."""


def ensure_port_free(host: str, port: int, *, remedy: str = "") -> None:
    """PortInUseError, its message ending with `remedy`, if nothing can listen on `host:port` now."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise PortInUseError(f"{host}:{port} is already in use{remedy}") from error
