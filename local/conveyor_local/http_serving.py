"""Running a stdlib HTTP server on a background thread, and stopping it cleanly."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class BackgroundHttpServer:
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def serve_in_background(
    host: str, port: int, handler_class: type[BaseHTTPRequestHandler], *, name: str
) -> BackgroundHttpServer:
    """Bind `host:port` (0 picks a free port) now, so a taken port fails here, and serve on a thread."""
    server = ThreadingHTTPServer((host, port), handler_class)
    # serve_forever notices a shutdown() only between polls: a short interval makes stop() quick.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=name, daemon=True)
    thread.start()
    return BackgroundHttpServer(server=server, thread=thread)
