"""Each function's role grants exactly what its code calls, on what it calls them on, and nothing on `*`.

The checks run on the translated templates, so a role or policy the SAM transform adds would be seen too.
"""

from __future__ import annotations

import pytest

from tests.infra.grants import as_list, grants, statements
from tests.infra.templates import SAM_STACKS, resources_of_type, translate

# A worker stack that sends email: its one conditional statement, with every resource it may name.
SENDING = {"EmailSender": "jobs@example.com", "EmailConfigurationSet": "conveyor"}


@pytest.mark.parametrize(("stack", "parameters"), [*((s, {}) for s in SAM_STACKS), ("worker", SENDING)])
def test_no_statement_uses_a_wildcard(stack: str, parameters: dict[str, str]) -> None:
    for logical_id, statement in statements(translate(stack), parameters):
        assert "NotAction" not in statement
        assert "NotResource" not in statement
        for action in as_list(statement["Action"]):
            assert "*" not in action, (logical_id, action)
        for resource in as_list(statement["Resource"]):
            assert not (isinstance(resource, str) and "*" in resource), (logical_id, resource)


@pytest.mark.parametrize("stack", SAM_STACKS)
def test_no_role_carries_a_managed_policy(stack: str) -> None:
    # AWS's managed Lambda policies (basic execution, SQS queue execution) grant on "Resource": "*".
    for logical_id, role in resources_of_type(translate(stack), "AWS::IAM::Role"):
        assert "ManagedPolicyArns" not in role, logical_id


def test_every_function_has_its_own_role() -> None:
    for stack in SAM_STACKS:
        roles = [
            f["Role"]["Fn::GetAtt"][0]
            for _, f in resources_of_type(translate(stack), "AWS::Lambda::Function")
        ]
        assert len(set(roles)) == len(roles)


def test_api_role() -> None:
    assert grants(translate("api"), "ApiRole") == {
        "dynamodb:PutItem": {"JobsTableArn", "IdempotencyTableArn"},
        "dynamodb:GetItem": {"JobsTableArn"},
        # GET /jobs: listing index partitions, then the page's jobs by key; never the sweep index, nor a Scan.
        "dynamodb:Query": {"JobsTableArn/index/by_owner", "JobsTableArn/index/by_owner_type_status"},
        "dynamodb:BatchGetItem": {"JobsTableArn"},
        # POST /jobs/batch: up to 25 puts of new jobs at once (its SendMessageBatch is sqs:SendMessage's).
        "dynamodb:BatchWriteItem": {"JobsTableArn"},
        # Powertools' idempotency layer stores the key's result and deletes a key whose request failed; a
        # cancel's one conditional write on the job.
        "dynamodb:UpdateItem": {"IdempotencyTableArn", "JobsTableArn"},
        "dynamodb:DeleteItem": {"IdempotencyTableArn"},
        "sqs:SendMessage": {"JobsQueueArn"},
        # Used by the clients holding its presigned POST and GET: uploads in, result files out; and by the API
        # itself only for HeadObject of an upload a signed-in caller's job names (whose owner it records), and
        # to store a large payload aside, and to read one a retry stores again for its new job.
        "s3:PutObject": {"FilesBucketArn/uploads/*", "FilesBucketArn/payloads/*"},
        "s3:GetObject": {"FilesBucketArn/results/*", "FilesBucketArn/uploads/*", "FilesBucketArn/payloads/*"},
        # Which job types the deployed worker runs: the worker stack's one parameter, read, never written.
        "ssm:GetParameter": {"JobTypesParameterArn"},
        "logs:CreateLogStream": {"ApiLogGroup.Arn"},
        "logs:PutLogEvents": {"ApiLogGroup.Arn"},
    }


def test_worker_role() -> None:
    assert grants(translate("worker"), "WorkerRole") == {
        "dynamodb:UpdateItem": {"JobsTableArn"},
        # A job function's explicit check for a cancel (JobContext.check_cancelled).
        "dynamodb:GetItem": {"JobsTableArn"},
        "sqs:ReceiveMessage": {"JobsQueueArn"},
        "sqs:DeleteMessage": {"JobsQueueArn"},
        "sqs:GetQueueAttributes": {"JobsQueueArn"},
        "sqs:ChangeMessageVisibility": {"JobsQueueArn"},
        # A job newer than the worker waits as a delayed copy of its message.
        "sqs:SendMessage": {"JobsQueueArn"},
        # Uploads, and payloads the API stored aside; never another prefix.
        "s3:GetObject": {"FilesBucketArn/uploads/*", "FilesBucketArn/payloads/*"},
        "s3:PutObject": {"FilesBucketArn/results/*"},
        "logs:CreateLogStream": {"WorkerLogGroup.Arn"},
        "logs:PutLogEvents": {"WorkerLogGroup.Arn"},
    }


def test_the_worker_role_of_a_stack_that_sends_email_may_send_from_its_sender_alone() -> None:
    sending = grants(translate("worker"), "WorkerRole", SENDING)
    without_a_configuration_set = grants(
        translate("worker"), "WorkerRole", {"EmailSender": "jobs@example.com"}
    )

    # SES authorizes SendEmail on the identity (the address or its domain) and on the configuration set named.
    assert sending.pop("ses:SendEmail") == {"identity/EmailSender", "configuration-set/EmailConfigurationSet"}
    assert without_a_configuration_set.pop("ses:SendEmail") == {"identity/EmailSender"}
    assert sending == without_a_configuration_set == grants(translate("worker"), "WorkerRole")


def test_sweeper_role() -> None:
    assert grants(translate("worker"), "SweeperRole") == {
        "dynamodb:Query": {"JobsTableArn/index/sweep"},
        "dynamodb:UpdateItem": {"JobsTableArn"},
        "dynamodb:GetItem": {"JobsTableArn"},
        "dynamodb:Scan": {"JobsTableArn"},
        "sqs:SendMessage": {"JobsQueueArn"},
        "sqs:ReceiveMessage": {"JobsDeadLetterQueueArn"},
        "sqs:DeleteMessage": {"JobsDeadLetterQueueArn"},
        "sqs:ChangeMessageVisibility": {"JobsDeadLetterQueueArn"},
        "logs:CreateLogStream": {"SweeperLogGroup.Arn"},
        "logs:PutLogEvents": {"SweeperLogGroup.Arn"},
    }
