"""moto in server mode: the one AWS endpoint of everything local."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from moto.server import ThreadedMotoServer

from conveyor_local import moto_atomic, moto_speed
from conveyor_local.ports import ensure_port_free
from conveyor_local.waiting import http_status, wait_until

# Any path under /moto-api/ is answered by moto itself, without touching a service backend.
_PROBE_PATH = "/moto-api/config"


@dataclass
class RunningMotoServer:
    server: ThreadedMotoServer
    endpoint_url: str

    def stop(self) -> None:
        self.server.stop()


def start_moto_server(host: str, port: int, *, ready_timeout_seconds: float = 10.0) -> RunningMotoServer:
    """Start moto on `host:port` (0 picks a free port) and return once it answers HTTP."""
    if port:
        # ThreadedMotoServer binds in its own thread and waits for it without a timeout: a port that is
        # already taken would hang start() for ever instead of failing.
        ensure_port_free(host, port)
    # Without these, a backlog of a few thousand messages slows every receive (conveyor_local/moto_speed.py).
    moto_speed.apply()
    # Without this, two conditional writes arriving together can both succeed (conveyor_local/moto_atomic.py).
    moto_atomic.apply()
    # One access-log line per request (the worker long-polls every second) would drown the job log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    endpoint_url = f"http://{bound_host}:{bound_port}"
    try:
        wait_until(
            lambda: http_status(endpoint_url + _PROBE_PATH) is not None,
            timeout_seconds=ready_timeout_seconds,
            what=f"moto at {endpoint_url} answering",
        )
    except TimeoutError:
        server.stop()
        raise
    return RunningMotoServer(server=server, endpoint_url=endpoint_url)
