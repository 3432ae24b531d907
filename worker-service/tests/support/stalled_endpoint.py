"""An AWS endpoint that has stalled: it accepts every connection and never answers on any."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class StalledEndpoint:
    url: str
    connections: list[socket.socket] = field(default_factory=list)
    """Every connection accepted so far, held open and unanswered."""


@contextmanager
def stalled_endpoint() -> Iterator[StalledEndpoint]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        endpoint = StalledEndpoint(url=f"http://127.0.0.1:{server.getsockname()[1]}")

        def accept_forever() -> None:
            while True:
                try:
                    connection, _ = server.accept()
                except OSError:  # the server socket was closed: the test is over
                    return
                endpoint.connections.append(connection)

        threading.Thread(target=accept_forever, name="stalled-endpoint", daemon=True).start()
        try:
            yield endpoint
        finally:
            for connection in endpoint.connections:
                connection.close()
