"""The query string of a request as its parameters, each as often and in the order it was sent."""

from urllib.parse import parse_qsl

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent


def query_parameters(event: BaseProxyEvent) -> list[tuple[str, str]]:
    """Read from the raw query string: payload format 2.0's `queryStringParameters` joins the values of a
    repeated parameter with commas, which would hide the repetition."""
    raw = event.raw_event.get("rawQueryString")
    if isinstance(raw, str):
        return parse_qsl(raw, keep_blank_values=True)
    return list((event.query_string_parameters or {}).items())
