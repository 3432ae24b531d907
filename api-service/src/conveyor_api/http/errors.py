"""Why a request is refused before it reaches the jobs domain; `http.problems` maps each to a response."""


class UnsupportedMediaTypeError(Exception):
    """The body is not declared as `application/json`."""


class RequestBodyTooLargeError(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the body is {size} bytes; the limit is {limit}")
        self.size = size
        self.limit = limit


class MalformedJsonError(Exception):
    """The body is not JSON the API accepts; the message says where or why, never quoting the body."""


class RouteNotFoundError(Exception):
    def __init__(self, routes: list[str]) -> None:
        super().__init__("no route matches the path")
        self.routes = routes
        """Every route the API serves, as `METHOD /path`."""


class MethodNotAllowedError(Exception):
    def __init__(self, method: str, allowed: list[str]) -> None:
        super().__init__(f"{method} is not allowed here")
        self.method = method
        self.allowed = allowed


class InvalidIdempotencyKeyError(Exception):
    """The Idempotency-Key header is empty, too long, or holds a character that is not printable ASCII."""


class UnauthenticatedError(Exception):
    """A deployment with sign-in received a request without a caller (no `sub` claim)."""


class ListingDisabledError(Exception):
    """GET /jobs in a deployment without sign-in, where nobody owns jobs and a job id is the capability."""


class NotThroughEdgeError(Exception):
    """A deployment behind CloudFront received a request that did not come through it (no origin header)."""


class IdempotencyKeyNotSupportedError(Exception):
    """POST /jobs/batch received an Idempotency-Key, which it does not honor: silently ignored, the key would
    promise a safe retry that creates every job again."""
