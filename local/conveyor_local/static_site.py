"""Serves the demo page's folder, plus a `/config.json` that tells the page where the API is.

The page reads the contract's schemas from `contracts/v1/` beside itself (the frontend stack uploads them
there on AWS); locally that path serves the repository's own `contracts/v1`, so there is no copy to go stale.
"""

from __future__ import annotations

import json
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

from conveyor_local.http_serving import BackgroundHttpServer, serve_in_background

CONFIG_PATH = "/config.json"
CONTRACTS_PATH = "/contracts/v1"
# local/conveyor_local/static_site.py -> the repository root.
REPO_CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts" / "v1"


def start_static_site(
    directory: Path,
    api_url: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    contracts_directory: Path = REPO_CONTRACTS_DIR,
) -> BackgroundHttpServer:
    """Serve `directory` on `host:port` (0 picks a free port), `contracts_directory` under `/contracts/v1/`,
    and `/config.json` = `{"apiUrl": api_url}`."""

    class SiteRequestHandler(_SiteRequestHandler):
        site_directory = str(directory)
        config_body = json.dumps({"apiUrl": api_url}).encode()
        contracts_root = contracts_directory

    return serve_in_background(host, port, SiteRequestHandler, name="static-site")


class _SiteRequestHandler(SimpleHTTPRequestHandler):
    site_directory: ClassVar[str]
    config_body: ClassVar[bytes]
    contracts_root: ClassVar[Path]

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

    def end_headers(self) -> None:
        if self.path.split("?", 1)[0] != CONFIG_PATH:
            # The browser revalidates every file (a cheap 304 when unchanged), so an edit shows on reload.
            self.send_header("cache-control", "no-cache")
        super().end_headers()

    def translate_path(self, path: str) -> str:
        # The base class resolves `..` and drops the query, so the result is inside the site folder; a path
        # under its contracts/v1 is then moved to the contracts folder.
        translated = super().translate_path(path)
        mount = Path(self.site_directory, CONTRACTS_PATH.lstrip("/"))
        resolved = Path(translated)
        if resolved != mount and mount not in resolved.parents:
            return translated
        trailing_slash = "/" if translated.endswith("/") else ""
        return str(self.contracts_root / resolved.relative_to(mount)) + trailing_slash

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: page loads are not what the terminal is for; the API's log shows what the page does."""
