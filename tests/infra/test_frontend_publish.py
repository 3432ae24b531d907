"""`make publish-frontend`: the page, the contract and config.json in the frontend stack's bucket, in the
layout `make dev` serves and with the config the page reads; stale files gone; the distribution invalidated.

Against the session's moto server: S3 and CloudFront (distributions and invalidations) by their APIs. moto's
CloudFormation creates the frontend stack's bucket but none of its CloudFront resources, so the end-to-end
test deploys the template without them and points its distribution outputs at a distribution made by the API.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import boto3
import pytest
from conveyor_local.static_site import start_static_site

from infra.frontend.publish import (
    CONFIG_KEY,
    CONTRACTS_PREFIX,
    FRONTEND_DIR,
    Publication,
    UnknownFileTypeError,
    main,
    publish,
    site_files,
)
from tests.infra.moto_stacks import deploy, deploy_outputs_only
from tests.infra.templates import INFRA, Template, load_template

CONTRACTS_DIR = INFRA.parent / "contracts" / "v1"
API_URL = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
# What a browser must be told each kind of file is: it runs a module script only with a JavaScript type.
MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".md": "text/markdown",
    ".txt": "text/plain",
}
STALE_KEYS = ["contracts/v1/retired.schema.json", "js/old-app.js"]


def _page_files() -> dict[str, Path]:
    """Every file the bucket must hold but config.json, by key, listed independently of the publisher."""
    files = {
        path.relative_to(FRONTEND_DIR).as_posix(): path for path in FRONTEND_DIR.rglob("*") if path.is_file()
    }
    files.update(
        {
            f"contracts/v1/{path.relative_to(CONTRACTS_DIR).as_posix()}": path
            for path in CONTRACTS_DIR.rglob("*")
        }
    )
    return {key: path for key, path in files.items() if path.is_file()}


def _new_bucket() -> str:
    bucket = f"conveyor-site-{uuid.uuid4().hex[:8]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return bucket


def _new_distribution(bucket: str) -> dict[str, Any]:
    distribution: dict[str, Any] = boto3.client("cloudfront").create_distribution(
        DistributionConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site-bucket",
                        "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "site-bucket",
                "ViewerProtocolPolicy": "redirect-to-https",
            },
        }
    )["Distribution"]
    return distribution


def _keys(bucket: str) -> set[str]:
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def _invalidated_paths(distribution_id: str) -> list[list[str]]:
    cloudfront = boto3.client("cloudfront")
    invalidations = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    return [
        cloudfront.get_invalidation(DistributionId=distribution_id, Id=item["Id"])["Invalidation"][
            "InvalidationBatch"
        ]["Paths"]["Items"]
        for item in invalidations.get("Items", [])
    ]


@pytest.fixture(scope="module")
def published(aws_endpoint: str) -> tuple[str, str, Publication]:
    """A bucket with stale files of an earlier publish, published over once: bucket, distribution, result."""
    bucket = _new_bucket()
    s3 = boto3.client("s3")
    for key in STALE_KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=b"stale")
    distribution_id = _new_distribution(bucket)["Id"]
    publication = publish(
        s3,
        boto3.client("cloudfront"),
        bucket=bucket,
        distribution_id=distribution_id,
        files=site_files(API_URL),
    )
    return bucket, distribution_id, publication


def test_bucket_holds_exactly_the_page_the_contract_and_config_json(
    published: tuple[str, str, Publication],
) -> None:
    bucket, _, publication = published

    assert _keys(bucket) == {*_page_files(), CONFIG_KEY}
    assert sorted(publication.uploaded) == sorted(_keys(bucket))
    # config.json goes last: a page loaded mid-publish never names an API before its files are there.
    assert publication.uploaded[-1] == CONFIG_KEY


def test_every_file_is_uploaded_as_is_with_its_content_type_and_revalidated(
    published: tuple[str, str, Publication],
) -> None:
    bucket, _, _ = published
    s3 = boto3.client("s3")

    for key, path in _page_files().items():
        stored = s3.get_object(Bucket=bucket, Key=key)
        assert stored["Body"].read() == path.read_bytes(), key
        media_type, *parameters = stored["ContentType"].split("; ")
        assert media_type == MEDIA_TYPES[path.suffix], key
        if media_type.startswith("text/"):
            assert parameters == ["charset=utf-8"], key
        # Browsers revalidate every load; the edge keeps a copy until the next publish invalidates it.
        assert stored["CacheControl"] == "public, max-age=0, s-maxage=86400", key


def test_config_json_names_the_api_and_is_always_revalidated(published: tuple[str, str, Publication]) -> None:
    bucket, _, _ = published

    stored = boto3.client("s3").get_object(Bucket=bucket, Key=CONFIG_KEY)

    assert json.loads(stored["Body"].read()) == {"apiUrl": API_URL}
    assert stored["ContentType"] == "application/json"
    assert stored["CacheControl"] == "no-cache"


def test_stale_objects_of_an_earlier_publish_are_deleted(published: tuple[str, str, Publication]) -> None:
    bucket, _, publication = published

    assert publication.deleted == STALE_KEYS
    assert not _keys(bucket) & set(STALE_KEYS)


def test_the_whole_distribution_is_invalidated_once(published: tuple[str, str, Publication]) -> None:
    _, distribution_id, publication = published

    assert _invalidated_paths(distribution_id) == [["/*"]]
    (invalidation,) = boto3.client("cloudfront").list_invalidations(DistributionId=distribution_id)[
        "InvalidationList"
    ]["Items"]
    assert invalidation["Id"] == publication.invalidation_id


def test_bucket_layout_is_what_make_dev_serves() -> None:
    files = site_files(API_URL)
    site = start_static_site(FRONTEND_DIR, API_URL)
    try:
        for site_file in files:
            with urllib.request.urlopen(f"{site.url}/{site_file.key}", timeout=5) as response:
                assert response.read() == site_file.body, site_file.key
    finally:
        site.stop()


def test_config_json_is_where_and_what_the_page_reads() -> None:
    app = (FRONTEND_DIR / "js" / "app.js").read_text(encoding="utf-8")
    contract = (FRONTEND_DIR / "js" / "contract.js").read_text(encoding="utf-8")
    config_url = re.search(r"CONFIG_URL = new URL\('([^']+)', import\.meta\.url\)", app)
    contract_url = re.search(r"CONTRACT_URL = new URL\('([^']+)', import\.meta\.url\)", contract)
    check = re.search(r"typeof config\.(\w+) !== 'string' \|\| !/(.+?)/\.test\(config\.\1\)", app)
    # None of these: the page reads its config or contract differently now, and this test must follow it.
    assert config_url
    assert contract_url
    assert check
    field, pattern = check.group(1), check.group(2).replace("\\/", "/")
    site = "https://d111111abcdef8.cloudfront.net/"

    (config,) = [site_file for site_file in site_files(API_URL) if site_file.key == CONFIG_KEY]

    assert urljoin(site + "js/app.js", config_url.group(1)) == site + CONFIG_KEY
    assert urljoin(site + "js/contract.js", contract_url.group(1)) == site + CONTRACTS_PREFIX
    assert re.search(pattern, json.loads(config.body)[field])


def test_a_file_of_unknown_type_stops_the_publish(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>Conveyor</h1>", encoding="utf-8")
    (tmp_path / "module.wasm").write_bytes(b"\0asm")

    with pytest.raises(UnknownFileTypeError, match=r"module\.wasm"):
        site_files(API_URL, frontend_dir=tmp_path, contracts_dir=CONTRACTS_DIR)


def test_a_plain_http_api_url_is_refused() -> None:
    with pytest.raises(ValueError, match="https://"):
        site_files("http://127.0.0.1:8080")


def _frontend_as_far_as_moto_goes(distribution: dict[str, Any]) -> Template:
    """The frontend template without what moto's CloudFormation cannot create (CloudFront, the bucket policy),
    its distribution's outputs naming `distribution` instead."""
    template = load_template("frontend")
    resources = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if not resource["Type"].startswith(("AWS::CloudFront::", "AWS::S3::BucketPolicy"))
    }
    assert [resource["Type"] for resource in resources.values()] == ["AWS::S3::Bucket"]
    outputs = template["Outputs"]
    assert outputs["DistributionId"]["Value"] == {"Ref": "Distribution"}
    outputs["DistributionId"]["Value"] = distribution["Id"]
    outputs = json.loads(
        json.dumps(outputs).replace("${Distribution.DomainName}", distribution["DomainName"])
    )
    return {**template, "Resources": resources, "Outputs": outputs}


def test_publish_from_the_stacks_outputs(aws_endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    distribution = _new_distribution("conveyor-site")
    frontend = f"conveyor-frontend-{uuid.uuid4().hex[:8]}"
    outputs = deploy(frontend, _frontend_as_far_as_moto_goes(distribution))
    api = deploy_outputs_only("conveyor-api", {"ApiUrl": API_URL})
    s3 = boto3.client("s3")

    assert main(["--frontend-stack", frontend, "--api-stack", api]) == 0

    bucket = outputs["BucketName"]
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    config = s3.get_object(Bucket=bucket, Key=CONFIG_KEY)["Body"].read()
    assert json.loads(config) == {"apiUrl": API_URL}
    assert _keys(bucket) == {*_page_files(), CONFIG_KEY}
    assert _invalidated_paths(distribution["Id"]) == [["/*"]]
    assert f"https://{distribution['DomainName']}/" in capsys.readouterr().out


def test_publish_without_the_api_stack_says_which_is_missing(
    aws_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"conveyor-api-{uuid.uuid4().hex[:8]}"
    # A frontend stack whose distribution does not serve the API: the api stack's ApiUrl is the one to use.
    frontend = deploy_outputs_only(
        "conveyor-frontend", {"BucketName": "unused", "SiteUrl": "https://unused/"}
    )

    assert main(["--frontend-stack", frontend, "--api-stack", missing]) == 1

    assert f"stack {missing} does not exist" in capsys.readouterr().err


def test_publish_without_the_frontend_stack_says_so(
    aws_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"conveyor-frontend-{uuid.uuid4().hex[:8]}"
    api = deploy_outputs_only("conveyor-api", {"ApiUrl": API_URL})

    assert main(["--frontend-stack", missing, "--api-stack", api]) == 1

    assert f"stack {missing} does not exist" in capsys.readouterr().err


def test_publish_names_the_pages_own_origin_when_its_distribution_serves_the_api(
    aws_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    distribution = _new_distribution("conveyor-site-and-api")
    frontend = f"conveyor-frontend-{uuid.uuid4().hex[:8]}"
    outputs = deploy(
        frontend,
        _frontend_as_far_as_moto_goes(distribution),
        ApiDomainName="a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        OriginSecret="s" * 43,
    )
    api = deploy_outputs_only("conveyor-api", {"ApiUrl": API_URL})

    assert main(["--frontend-stack", frontend, "--api-stack", api]) == 0

    config = boto3.client("s3").get_object(Bucket=outputs["BucketName"], Key=CONFIG_KEY)["Body"].read()
    # The page calls its own origin, where the distribution serves the API behind the web ACL: no CORS.
    assert json.loads(config) == {"apiUrl": outputs["SiteOrigin"]}
    assert outputs["SiteOrigin"] == f"https://{distribution['DomainName']}"
    assert API_URL not in capsys.readouterr().out
