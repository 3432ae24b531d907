"""One cold start, in a fresh interpreter that sees only a Lambda bundle's files (bench.cold_start runs it).

`python -S cold_start_child.py CANDIDATE EVENT_FILE`, with PYTHONPATH naming the bundle's dependencies and the
service's source. It times the candidate's import (the function's init phase) and, for the candidates that
serve one, the first request, with AWS's answers stubbed where botocore sends each request, whatever session
made the client, so that no network is involved. The last line of its output is `COLD-START-RESULT {json}`.
"""

import sys
import time
from typing import Any

# The script's own folder (bench/) must not shadow anything the bundle imports.
del sys.path[0]
_wall = time.perf_counter()
_cpu = time.process_time()


def _answer(_endpoint, request):  # type: ignore[no-untyped-def]
    """AWS's answer to a PutItem or SendMessage, without a network: the first request measures our code."""
    import hashlib
    import json

    from botocore.awsrequest import AWSResponse

    class _Raw:
        def __init__(self, body: bytes) -> None:
            self._body = body

        def stream(self, **_: object) -> object:
            yield self._body

    target = request.headers.get("X-Amz-Target", b"")
    target = target.decode() if isinstance(target, bytes) else target
    if target.startswith("AmazonSQS."):
        sent = json.loads(request.body)
        body = {
            "MD5OfMessageBody": hashlib.md5(sent["MessageBody"].encode()).hexdigest(),
            "MessageId": "00000000-0000-4000-8000-000000000000",
        }
        content_type = "application/x-amz-json-1.0"
    else:
        body, content_type = {}, "application/x-amz-json-1.0"
    headers = {"content-type": content_type}
    return AWSResponse(request.url, 200, headers, _Raw(json.dumps(body).encode()))  # type: ignore[arg-type]


def _stub_aws() -> None:
    """After the import, before the first request: every client's requests get `_answer`, not a network."""
    from botocore.endpoint import Endpoint

    Endpoint._send = _answer  # type: ignore[attr-defined]  # private: botocore-stubs does not declare it


def _floor_import() -> None:
    """`import boto3`, and the default session its clients come from."""
    import boto3

    boto3.setup_default_session()


def _floor_clients() -> object:
    import boto3

    return boto3.client("dynamodb"), boto3.client("sqs")


def _floor_libraries() -> object:
    """The libraries the API's request path uses, imported and nothing else: its code's own floor."""
    import botocore.session
    import jsonschema  # noqa: F401
    from aws_lambda_powertools import Logger  # noqa: F401
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver  # noqa: F401

    session = botocore.session.get_session()
    return session.create_client("dynamodb"), session.create_client("sqs")


def _floor_request(clients: Any, _event: object) -> int:
    dynamodb, sqs = clients
    dynamodb.put_item(
        TableName="jobs", Item={"job_id": {"S": "x"}}, ConditionExpression="attribute_not_exists(job_id)"
    )
    sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/123456789012/jobs", MessageBody="{}")
    return 202


class _Context:
    function_name = "conveyor-api"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:conveyor-api"
    aws_request_id = "00000000-0000-4000-8000-000000000001"
    log_group_name = "/aws/lambda/conveyor-api"
    log_stream_name = "cold-start"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def main() -> None:
    candidate, event_file = sys.argv[1], sys.argv[2]
    handler = None
    clients = None
    if candidate == "floor-import":
        _floor_import()
    elif candidate == "floor-clients":
        clients = _floor_clients()
    elif candidate == "floor-libraries":
        clients = _floor_libraries()
    else:
        import importlib

        handler = importlib.import_module(candidate).lambda_handler
    imported_wall, imported_cpu = time.perf_counter(), time.process_time()
    result = {"import_wall_ms": (imported_wall - _wall) * 1000, "import_cpu_ms": (imported_cpu - _cpu) * 1000}
    if event_file != "-":
        import json

        _stub_aws()
        with open(event_file, encoding="utf-8") as events:
            event = json.load(events)
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        if handler is not None:
            status = handler(event, _Context())["statusCode"]
        else:
            status = _floor_request(clients, event)
        result["first_request_wall_ms"] = (time.perf_counter() - started_wall) * 1000
        result["first_request_cpu_ms"] = (time.process_time() - started_cpu) * 1000
        result["first_request_status"] = status
    import json

    print("COLD-START-RESULT " + json.dumps(result), flush=True)


main()
