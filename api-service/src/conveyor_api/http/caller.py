"""Who is calling: in a deployment with sign-in, the `sub` claim API Gateway's JWT authorizer checked."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from conveyor_api.http.errors import UnauthenticatedError
from conveyor_api.settings import AuthMode

MAX_OWNER_LENGTH = 255
"""The longest `sub` the job item's `owner` holds (contract `job-item`)."""


def read_caller(event: BaseProxyEvent, auth_mode: AuthMode) -> str | None:
    """The caller's `sub` with sign-in (`jwt`), or None without it (`none`).

    API Gateway refuses a request without a valid token before the function sees it; a request that arrives
    without a `sub` anyway (a route left unguarded, a token without the claim) is refused here too.
    """
    if auth_mode == "none":
        return None
    sub = _claims(event.raw_event).get("sub")
    if not isinstance(sub, str) or not 1 <= len(sub) <= MAX_OWNER_LENGTH:
        raise UnauthenticatedError()
    return sub


def _claims(event: dict[str, Any]) -> dict[str, Any]:
    # requestContext.authorizer.jwt.claims in payload format 2.0; any level may be missing.
    node: Any = event
    for name in ("requestContext", "authorizer", "jwt", "claims"):
        node = node.get(name) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}
