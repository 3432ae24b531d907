"""Starting moto fails at once, instead of hanging, when its port is taken."""

from __future__ import annotations

import socket

import pytest
from conveyor_local.moto_server import start_moto_server
from conveyor_local.ports import PortInUseError


def test_a_taken_port_fails_fast() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]

        with pytest.raises(PortInUseError, match=str(port)):
            start_moto_server("127.0.0.1", port)
