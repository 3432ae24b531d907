"""--api-url (and CONVEYOR_API_URL): an http or https URL of a host, with an optional path (an API Gateway
stage's), and nothing else.

Anything else is a usage error here, saying what is wrong, rather than a connection error later that does not:
httpx would take `localhost:8080` as a URL whose scheme is `localhost`, and send a query or credentials along
with every request."""

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

import click
import httpx
from click.core import ParameterSource

ENVIRONMENT_VARIABLE = "CONVEYOR_API_URL"
EXAMPLE = "http://127.0.0.1:8080"

# A DNS label (RFC 1123), and the underscore that container networks' service names have.
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.ASCII)


class ApiUrl(click.ParamType[str]):
    """Checks the option's value. The environment variable's is checked when the Session first uses it
    (check_api_url): an --api-url after the command may yet override it."""

    name = "URL"

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if (
            ctx
            and param
            and param.name
            and ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT
        ):
            return value
        return check_api_url(value, "'--api-url'", ctx)


def check_api_url(url: str, where: str, ctx: click.Context | None) -> str:
    """`url`, unless it cannot be the API's URL: then a usage error naming `where` it came from."""
    reason = what_is_wrong(url)
    if reason is not None:
        raise click.BadParameter(f"{url!r}: {reason}", ctx, param_hint=where)
    return url


def what_is_wrong(url: str) -> str | None:
    """Why `url` cannot be the API's URL, or None when it can."""
    if any(character.isspace() or not character.isprintable() for character in url):
        return "it contains a space or a control character"
    if "://" not in url:
        return f"it has no scheme: write http:// or https:// before the host, as in {EXAMPLE}"
    try:
        parts = urlsplit(url)
    except ValueError as error:  # a malformed [IPv6] host
        return str(error)
    if parts.scheme.lower() not in ("http", "https"):
        return f"its scheme is {parts.scheme}:, not http: or https:"
    # On the text, not on the parts: urlsplit drops an empty query or fragment (`http://host?`).
    if "?" in url:
        return "it has a query (?...): give the API's base URL, the command adds paths and queries"
    if "#" in url:
        return "it has a fragment (#...): give the API's base URL"
    return _what_is_wrong_after_the_scheme(parts)


def _what_is_wrong_after_the_scheme(parts: SplitResult) -> str | None:
    if parts.username is not None:
        return "it has credentials (user@host): a deployment with sign-in takes a token, --token"
    if not parts.hostname:
        return f"it has no host, as in {EXAMPLE}"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return "its port is not a number from 1 to 65535"
    return _what_is_wrong_with_the_host(parts)


def _what_is_wrong_with_the_host(parts: SplitResult) -> str | None:
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    try:
        ascii_host = httpx.URL(parts.geturl()).raw_host.decode("ascii")
    except (httpx.InvalidURL, ValueError) as error:  # idna's errors are ValueErrors
        return f"its host {host!r} is not a host name ({error})"
    labels = ascii_host.removesuffix(".").split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return f"its host {host!r} is not a host name (letters, digits and hyphens, between dots)"
    return None
