"""The API function's process: its Lambda handler behind the HTTP API emulator.

Started by the orchestrator with the function's environment (see docs/design.md); stops on SIGINT, SIGTERM
or when its stdin closes.
"""

from __future__ import annotations

import argparse
import logging

from conveyor_local.aws_call_log import log_aws_calls
from conveyor_local.config import API_FUNCTION_NAME
from conveyor_local.http_api import HttpApiRoutes
from conveyor_local.http_gateway import start_http_gateway
from conveyor_local.jwt_authorizer import IssuerKeys
from conveyor_local.lambda_runtime import load_handler
from conveyor_local.stop_signals import defer_stop_signals, stop_when_stdin_closes, wait_for_stop_signal

HANDLER = "conveyor_api.lambda_function.lambda_handler"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--routes",
        type=HttpApiRoutes.from_json,
        help="the HTTP API's routes as deployed (JSON); else one $default route",
    )
    parser.add_argument(
        "--issuer-discovery",
        action="append",
        default=[],
        metavar="ISSUER=URL",
        help="where an authorizer's issuer serves its /.well-known documents, if not at the issuer URL",
    )
    args = parser.parse_args(argv)
    discovery = dict(entry.split("=", 1) for entry in args.issuer_discovery)
    # Warnings and errors only: the emulators log nothing else, and the libraries' INFO lines are noise here.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    defer_stop_signals()
    stop_when_stdin_closes()
    log_aws_calls("api")
    gateway = start_http_gateway(
        load_handler(HANDLER),
        host=args.host,
        port=args.port,
        function_name=API_FUNCTION_NAME,
        routes=args.routes,
        issuer_keys=IssuerKeys(discovery),
    )
    wait_for_stop_signal()
    gateway.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
