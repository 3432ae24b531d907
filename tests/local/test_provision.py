"""The local system is infra/'s stacks deployed into moto: core's resources, and each function as deployed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from conveyor_local import config
from conveyor_local.aws import s3_client, sqs_client
from conveyor_local.moto_server import start_moto_server
from conveyor_local.provision import LocalSystem, ProvisionedResources, provision_core, provision_system
from conveyor_local.stacks import StackParameterError

from tests.local.support import unique_name

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

CORE_PARAMETERS = {"WorkerTimeoutSeconds": "5", "QueueVisibilityTimeoutSeconds": "10", "MaxReceiveCount": "3"}
SYSTEM_PARAMETERS = {
    "core": config.CORE_PARAMETERS,
    "worker": config.WORKER_PARAMETERS,
    "api": {"AllowOrigin": "http://127.0.0.1:8000"},
}


def _core(
    cloudformation: CloudFormationClient, dynamodb: DynamoDBClient, name: str, **parameters: str
) -> ProvisionedResources:
    return provision_core(
        cloudformation,
        dynamodb,
        s3_client(cloudformation.meta.endpoint_url),
        stack_name=name,
        parameters={**CORE_PARAMETERS, **parameters},
    )


def test_jobs_table_is_keyed_by_job_id_on_demand_with_the_sparse_sweep_and_listing_indexes(
    cloudformation: CloudFormationClient, dynamodb: DynamoDBClient
) -> None:
    core = _core(cloudformation, dynamodb, unique_name("core"))

    table = dynamodb.describe_table(TableName=core.table_name)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "job_id", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TableStatus"] == "ACTIVE"
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    assert indexes["sweep"]["KeySchema"] == [
        {"AttributeName": "sweep_shard", "KeyType": "HASH"},
        {"AttributeName": "sweep_at", "KeyType": "RANGE"},
    ]
    assert indexes["sweep"]["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["status", "job_type", "created_at", "attempts", "sweeps", "owner"],
    }
    # GET /jobs's (contracts/README.md, Owners and listing).
    for name, owner_key in [("by_owner", "owner"), ("by_owner_type_status", "owner_type_status")]:
        assert indexes.pop(name)["KeySchema"] == [
            {"AttributeName": owner_key, "KeyType": "HASH"},
            {"AttributeName": "created_at", "KeyType": "RANGE"},
        ]
    assert set(indexes) == {"sweep"}


def test_both_tables_expire_items_by_the_templates_ttl_attributes(
    cloudformation: CloudFormationClient, dynamodb: DynamoDBClient
) -> None:
    core = _core(cloudformation, dynamodb, unique_name("core"))

    # moto's CloudFormation ignores TimeToLiveSpecification: the deployer applies the template's.
    for table_name, attribute in [
        (core.idempotency_table_name, "expiration"),
        (core.table_name, "expires_at"),
    ]:
        ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", attribute)
    key_schema = dynamodb.describe_table(TableName=core.idempotency_table_name)["Table"]["KeySchema"]
    assert key_schema == [{"AttributeName": "id", "KeyType": "HASH"}]


def test_files_bucket_expires_uploads_and_results_after_the_job_retention_and_admits_browser_uploads(
    cloudformation: CloudFormationClient, dynamodb: DynamoDBClient
) -> None:
    core = _core(
        cloudformation, dynamodb, unique_name("core"), JobRetentionDays="9", PayloadRetentionDays="25"
    )
    s3 = s3_client(cloudformation.meta.endpoint_url)

    # moto's CloudFormation ignores a bucket's lifecycle and CORS: the deployer applies the template's.
    rules = s3.get_bucket_lifecycle_configuration(Bucket=core.files_bucket_name)["Rules"]
    expiring = {
        rule["Filter"]["Prefix"]: rule["Expiration"]["Days"] for rule in rules if "Expiration" in rule
    }
    assert expiring == {"uploads/": 9, "results/": 9, "payloads/": 25}
    (cors,) = s3.get_bucket_cors(Bucket=core.files_bucket_name)["CORSRules"]
    assert set(cors["AllowedMethods"]) == {"GET", "POST"}


def test_jobs_queue_has_the_parameters_visibility_and_redrives_to_the_dlq(
    cloudformation: CloudFormationClient, dynamodb: DynamoDBClient, sqs: SQSClient
) -> None:
    core = _core(cloudformation, dynamodb, unique_name("core"), QueueVisibilityTimeoutSeconds="42")

    attributes = sqs.get_queue_attributes(QueueUrl=core.queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "42"
    assert attributes["QueueArn"] == core.queue_arn
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == core.dlq_arn
    assert int(redrive["maxReceiveCount"]) == 3


def test_deploying_again_keeps_the_resources_and_applies_new_parameters(
    cloudformation: CloudFormationClient, dynamodb: DynamoDBClient, sqs: SQSClient
) -> None:
    name = unique_name("core")
    first = _core(cloudformation, dynamodb, name)

    same = _core(cloudformation, dynamodb, name)
    changed = _core(cloudformation, dynamodb, name, QueueVisibilityTimeoutSeconds="45")

    assert same == first
    assert changed == first
    attributes = sqs.get_queue_attributes(QueueUrl=first.queue_url, AttributeNames=["VisibilityTimeout"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "45"


def test_a_value_below_the_templates_minimum_is_refused_before_anything_is_created(
    cloudformation: CloudFormationClient, dynamodb: DynamoDBClient
) -> None:
    name = unique_name("core")

    with pytest.raises(
        StackParameterError, match="QueueVisibilityTimeoutSeconds='2' is below its MinValue 6"
    ):
        _core(cloudformation, dynamodb, name, QueueVisibilityTimeoutSeconds="2")

    summaries = cloudformation.list_stacks()["StackSummaries"]
    assert name not in {summary["StackName"] for summary in summaries}


@pytest.fixture(scope="module")
def system_endpoint() -> Iterator[str]:
    """A moto server of its own: the system's stacks have the fixed names `make deploy-*` uses."""
    server = start_moto_server("127.0.0.1", 0)
    yield server.endpoint_url
    server.stop()


@pytest.fixture(scope="module")
def system(system_endpoint: str) -> LocalSystem:
    return provision_system(system_endpoint, SYSTEM_PARAMETERS)


def test_system_is_the_three_stacks_under_their_samconfig_names(system: LocalSystem) -> None:
    assert system.stack_names == ("conveyor-core", "conveyor-worker", "conveyor-api")
    assert set(system.functions) == {"ApiFunction", "WorkerFunction", "SweeperFunction"}


def test_each_function_gets_the_core_stacks_resources_from_its_deployed_environment(
    system: LocalSystem,
) -> None:
    for function in system.functions.values():
        assert function.environment["JOBS_TABLE_NAME"] == system.core.table_name
        assert function.environment["JOBS_QUEUE_URL"] == system.core.queue_url
    api = system.functions["ApiFunction"].environment
    assert api["IDEMPOTENCY_TABLE_NAME"] == system.core.idempotency_table_name
    assert api["CORS_ALLOW_ORIGIN"] == "http://127.0.0.1:8000"
    # `make dev` has no CloudFront in front: its API must serve requests without the edge's header.
    assert "ORIGIN_SECRET" not in api
    assert system.functions["WorkerFunction"].event_source_arns == (system.core.queue_arn,)


def test_local_parameters_keep_the_lease_invariant_and_the_sweepers_grace(
    system: LocalSystem, system_endpoint: str
) -> None:
    worker = system.functions["WorkerFunction"].environment
    sweeper = system.functions["SweeperFunction"].environment
    queue = sqs_client(system_endpoint).get_queue_attributes(
        QueueUrl=system.core.queue_url, AttributeNames=["VisibilityTimeout", "MessageRetentionPeriod"]
    )
    visibility = int(queue["Attributes"]["VisibilityTimeout"])
    retention = queue["Attributes"]["MessageRetentionPeriod"]

    # docs/design.md: lease <= worker timeout < visibility; the sweeper's retention is the queue's.
    assert int(worker["JOB_LEASE_SECONDS"]) <= config.WORKER_TIMEOUT_SECONDS < visibility
    assert int(sweeper["SWEEP_GRACE_SECONDS"]) == config.SWEEP_GRACE_SECONDS
    assert sweeper["MESSAGE_RETENTION_SECONDS"] == retention
    assert worker["MAX_RECEIVE_COUNT"] == sweeper["MAX_RECEIVE_COUNT"] == str(config.MAX_RECEIVE_COUNT)


def test_worker_and_sweeper_keep_finished_jobs_for_the_local_retention(system: LocalSystem) -> None:
    for function in ("WorkerFunction", "SweeperFunction"):
        environment = system.functions[function].environment
        assert environment["JOB_RETENTION_DAYS"] == str(config.JOB_RETENTION_DAYS)


def test_provisioning_the_system_again_on_the_same_server_changes_nothing(
    system: LocalSystem, system_endpoint: str
) -> None:
    assert provision_system(system_endpoint, SYSTEM_PARAMETERS) == system


def test_moto_leaves_the_jobs_queue_to_the_local_event_source(
    system: LocalSystem, system_endpoint: str
) -> None:
    sqs = sqs_client(system_endpoint)

    sqs.send_message(QueueUrl=system.core.queue_url, MessageBody='{"job_id": "not-a-job"}')

    # moto's own copy of the worker's event source mapping would have received it already (and failed to run
    # the function without Docker), so the worker's first receive would count 2.
    received = sqs.receive_message(QueueUrl=system.core.queue_url, AttributeNames=["All"], WaitTimeSeconds=1)
    (message,) = received["Messages"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
