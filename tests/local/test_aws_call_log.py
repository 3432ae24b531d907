"""A function's process logs its AWS calls, as JSON lines, only when CONVEYOR_AWS_CALL_LOG names a folder."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, cast

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from conveyor_local.aws_call_log import CALL_LOG_VARIABLE, log_aws_calls

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


@pytest.fixture
def fresh_default_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3's default session and botocore's client factory are the process's: a test's hooks go with it."""
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    monkeypatch.setattr(botocore.session.Session, "create_client", botocore.session.Session.create_client)


@pytest.mark.usefixtures("fresh_default_session")
def test_each_call_names_the_role_the_operation_and_the_setting_that_holds_its_resource(
    sqs: SQSClient, moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_url = sqs.create_queue(QueueName=f"calls-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    monkeypatch.setenv(CALL_LOG_VARIABLE, str(tmp_path))
    monkeypatch.setenv("JOBS_QUEUE_URL", queue_url)
    monkeypatch.setenv("FILES_BUCKET_NAME", "files-bucket")
    log_aws_calls("sweeper", sqs)
    # Made afterwards from the default session, as the function's own clients are when its handler loads.
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    # The API makes its clients from a botocore session of its own, and presigns with them.
    s3 = cast(
        "S3Client",
        botocore.session.get_session().create_client(
            "s3", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        ),
    )

    sqs.send_message(QueueUrl=queue_url, MessageBody="{}")
    s3.generate_presigned_url("get_object", Params={"Bucket": "files-bucket", "Key": "results/x/image.png"})
    s3.generate_presigned_post("files-bucket", "uploads/y")
    with pytest.raises(ClientError):  # a call AWS refuses was still made
        dynamodb.query(
            TableName="no-such-table",
            IndexName="sweep",
            KeyConditionExpression="sweep_shard = :shard",
            ExpressionAttributeValues={":shard": {"N": "0"}},
        )

    (log,) = tmp_path.glob("sweeper-*.jsonl")
    assert [json.loads(line) for line in log.read_text().splitlines()] == [
        {
            "role": "sweeper",
            "service": "sqs",
            "operation": "SendMessage",
            "resource": queue_url,
            "index": None,
            "prefix": None,
            "setting": "JOBS_QUEUE_URL",
        },
        {
            "role": "sweeper",
            "service": "s3",
            "operation": "GetObject",
            "resource": "files-bucket",
            "index": None,
            "prefix": "results",
            "setting": "FILES_BUCKET_NAME",
        },
        {
            "role": "sweeper",
            "service": "s3",
            "operation": "PutObject",
            "resource": "files-bucket",
            "index": None,
            "prefix": "uploads",
            "setting": "FILES_BUCKET_NAME",
        },
        {
            "role": "sweeper",
            "service": "dynamodb",
            "operation": "Query",
            "resource": "no-such-table",
            "index": "sweep",
            "prefix": None,
            "setting": None,
        },
    ]


@pytest.mark.usefixtures("fresh_default_session")
def test_without_the_variable_nothing_is_hooked(sqs: SQSClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CALL_LOG_VARIABLE, raising=False)

    log_aws_calls("api", sqs)

    assert boto3.DEFAULT_SESSION is None
