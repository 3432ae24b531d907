"""Whether a request came through the edge: the CloudFront distribution in front of the API adds a secret
header to each request it passes on, and the API refuses one without it, before any other work.

Without this, anyone who learns the execute-api URL would call it directly, around the web ACL's per-address
limits (docs/design.md, Per-client limits at the edge).
"""

import hmac
from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from conveyor_api.http.errors import NotThroughEdgeError

ORIGIN_SECRET_HEADER = "X-Origin-Verify"
"""The header the frontend stack's distribution adds (OriginCustomHeaders), its value the api stack's
OriginSecret."""


def check_through_edge(event: BaseProxyEvent, origin_secret: str | None, open_paths: frozenset[str]) -> None:
    """Refuses a request without the edge's header when the API has an edge (`origin_secret` is set), unless
    its path is one of `open_paths` (the public routes', which monitors probe at the API's own URL)."""
    if origin_secret is None or event.path in open_paths:
        return
    sent = event.headers.get(ORIGIN_SECRET_HEADER)
    # In constant time, so that the answer's timing tells nothing of how much of a guess was right.
    if sent is None or not hmac.compare_digest(sent.encode(), origin_secret.encode()):
        raise NotThroughEdgeError()


Middleware = Callable[[APIGatewayHttpResolver, NextMiddleware], Response[str]]


def through_edge_only(origin_secret: str | None, open_paths: frozenset[str]) -> Middleware:
    """The resolver's middleware that runs check_through_edge before anything else the request asks for."""

    def middleware(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[str]:
        check_through_edge(app.current_event, origin_secret, open_paths)
        return next_middleware(app)

    return middleware
