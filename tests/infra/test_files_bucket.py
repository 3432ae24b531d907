"""The files bucket: uploads/ and results/ expire with their jobs, payloads/ once no job can read them, and
nothing in it is public or plain HTTP.

moto's CloudFormation skips the bucket policy and ignores lifecycle and CORS (the local deployer applies
those: tests/local/test_provision.py), so the template itself is checked here.
"""

from __future__ import annotations

import math
from typing import Any

from tests.infra.templates import load_template, resources_of_type

PREFIXES = ("uploads/", "results/")


def _bucket() -> dict[str, Any]:
    resources = dict(resources_of_type(load_template("core"), "AWS::S3::Bucket"))
    properties: dict[str, Any] = resources["FilesBucket"]
    return properties


def test_uploads_and_results_expire_after_the_days_finished_jobs_are_kept() -> None:
    rules = _bucket()["LifecycleConfiguration"]["Rules"]
    expiring = {rule["Prefix"]: rule["ExpirationInDays"] for rule in rules if "ExpirationInDays" in rule}
    jobs_table = dict(resources_of_type(load_template("core"), "AWS::DynamoDB::Table"))["JobsTable"]

    # One parameter for both: the table's TTL attribute is set from JobRetentionDays by the worker. Payloads
    # stored aside have their own (below).
    assert expiring == {prefix: {"Ref": "JobRetentionDays"} for prefix in PREFIXES} | {
        "payloads/": {"Ref": "PayloadRetentionDays"}
    }
    assert jobs_table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert all(rule["Status"] == "Enabled" for rule in rules)
    assert any("AbortIncompleteMultipartUpload" in rule for rule in rules)


def test_a_payload_stored_aside_outlives_the_longest_wait_of_its_job_and_then_its_finished_item() -> None:
    parameters = load_template("core")["Parameters"]
    longest_message_days = math.ceil(parameters["MessageRetentionSeconds"]["MaxValue"] / 86_400)
    # The sweeper's expiry scan fails a job whose last message expired within a day (docs/design.md, The
    # sweeper): until then the job may still run, and read its payload.
    longest_wait_days = longest_message_days + 1

    assert parameters["PayloadRetentionDays"]["MinValue"] >= longest_wait_days
    assert (
        parameters["PayloadRetentionDays"]["Default"]
        >= longest_wait_days + parameters["JobRetentionDays"]["Default"]
    )


def test_bucket_is_private_encrypted_and_reached_over_tls_only() -> None:
    bucket = _bucket()
    template = load_template("core")
    (policy,) = [
        properties
        for _, properties in resources_of_type(template, "AWS::S3::BucketPolicy")
        if properties["Bucket"] == {"Ref": "FilesBucket"}
    ]

    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # Nothing is allowed through the bucket policy: each role's grants name its own prefixes.
    assert "Allow" not in {s["Effect"] for s in policy["PolicyDocument"]["Statement"]}


def test_browsers_may_post_uploads_and_get_results_but_nothing_else() -> None:
    (rule,) = _bucket()["CorsConfiguration"]["CorsRules"]

    assert sorted(rule["AllowedMethods"]) == ["GET", "POST"]


def test_core_exports_the_bucket_for_the_service_stacks() -> None:
    outputs = load_template("core")["Outputs"]

    assert outputs["FilesBucketName"]["Value"] == {"Ref": "FilesBucket"}
    assert outputs["FilesBucketArn"]["Value"] == {"Fn::GetAtt": ["FilesBucket", "Arn"]}
