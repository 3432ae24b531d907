"""Serves the demo page's folder, plus a `/config.json` that tells the page where the API is."""

from __future__ import annotations

import json
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

from conveyor_local.http_serving import BackgroundHttpServer, serve_in_background

CONFIG_PATH = "/config.json"


def start_static_site(
    directory: Path, api_url: str, *, host: str = "127.0.0.1", port: int = 0
) -> BackgroundHttpServer:
    """Serve `directory` on `host:port` (0 picks a free port), with `/config.json` = `{"apiUrl": api_url}`."""

    class SiteRequestHandler(_SiteRequestHandler):
        site_directory = str(directory)
        config_body = json.dumps({"apiUrl": api_url}).encode()

    return serve_in_background(host, port, SiteRequestHandler, name="static-site")


class _SiteRequestHandler(SimpleHTTPRequestHandler):
    site_directory: ClassVar[str]
    config_body: ClassVar[bytes]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=self.site_directory, **kwargs)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != CONFIG_PATH:
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.config_body)))
        # Generated per run: the API's port can change between runs, so the browser must not keep a copy.
        self.send_header("cache-control", "no-store")
        self.end_headers()
        self.wfile.write(self.config_body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: page loads are not what the terminal is for; the API's log shows what the page does."""
