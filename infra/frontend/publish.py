"""Publish the demo page to the frontend stack's bucket, then invalidate its distribution.

    python -m infra.frontend.publish --frontend-stack conveyor-frontend --api-stack conveyor-api

The bucket gets the layout `make dev` serves (local/conveyor_local/static_site.py): every file of frontend/
at the root, the contract's schemas under contracts/v1/, and config.json = {"apiUrl": <the API's URL>}: the
frontend stack's own ApiUrl when its distribution serves the API (the page's origin, so the page calls its own
origin), else the api stack's.
Objects no longer in that layout are deleted, and the whole distribution is invalidated, so the edge serves
the new files at once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import boto3

from infra.stack_outputs import MissingOutputError, StackNotFoundError, stack_output, stack_outputs

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REPO_ROOT = Path(__file__).resolve().parents[2]
FRONTEND_DIR = REPO_ROOT / "frontend"
CONTRACTS_DIR = REPO_ROOT / "contracts" / "v1"
CONTRACTS_PREFIX = "contracts/v1/"
CONFIG_KEY = "config.json"

# Every kind of file the page is made of. An unknown suffix stops the publish rather than reach browsers
# as application/octet-stream, which they refuse to run as a module script or apply as a style sheet.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
# No file name carries a content hash, so browsers revalidate on every load (a 304 from the edge when nothing
# changed) while the edge keeps files for a day; each publish invalidates the edge's copies.
STATIC_CACHE_CONTROL = "public, max-age=0, s-maxage=86400"
# config.json changes with every deploy of the api stack; its cache behaviour keeps it off the edge, too.
CONFIG_CACHE_CONTROL = "no-cache"


class CloudFrontClient(Protocol):
    """The one call the publisher makes (the type stubs of boto3's CloudFront client are not installed)."""

    def create_invalidation(
        self, *, DistributionId: str, InvalidationBatch: Mapping[str, Any]
    ) -> Mapping[str, Any]: ...


class UnknownFileTypeError(Exception):
    """A file of the page has a suffix with no known Content-Type."""


@dataclass(frozen=True)
class SiteFile:
    key: str
    body: bytes
    content_type: str
    cache_control: str


@dataclass(frozen=True)
class Publication:
    uploaded: list[str]
    deleted: list[str]
    invalidation_id: str


def site_files(
    api_url: str, *, frontend_dir: Path = FRONTEND_DIR, contracts_dir: Path = CONTRACTS_DIR
) -> list[SiteFile]:
    """The bucket's whole content: the page's files, the contract's schemas and config.json."""
    if not api_url.startswith("https://"):
        # A page served over HTTPS may not call plain HTTP (mixed content).
        raise ValueError(f"the API URL must start with https://, got {api_url!r}")
    files = [
        _static_file(path, path.relative_to(frontend_dir).as_posix()) for path in _files_under(frontend_dir)
    ]
    files += [
        _static_file(path, CONTRACTS_PREFIX + path.relative_to(contracts_dir).as_posix())
        for path in _files_under(contracts_dir)
    ]
    config = json.dumps({"apiUrl": api_url}).encode()
    files.append(SiteFile(CONFIG_KEY, config, CONTENT_TYPES[".json"], CONFIG_CACHE_CONTROL))
    return files


def _files_under(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(directory).parts)
        if path.is_file() and not hidden:
            yield path


def _static_file(path: Path, key: str) -> SiteFile:
    content_type = CONTENT_TYPES.get(path.suffix)
    if content_type is None:
        raise UnknownFileTypeError(
            f"{path} has no known Content-Type; add its suffix {path.suffix!r} to CONTENT_TYPES in {__name__}"
        )
    return SiteFile(key, path.read_bytes(), content_type, STATIC_CACHE_CONTROL)


def publish(
    s3: S3Client,
    cloudfront: CloudFrontClient,
    *,
    bucket: str,
    distribution_id: str,
    files: Sequence[SiteFile],
) -> Publication:
    """Upload `files` (config.json last, once the files it leads to are there), delete every other object
    of the bucket, and invalidate the whole distribution."""
    ordered = sorted(files, key=lambda site_file: site_file.key == CONFIG_KEY)
    for site_file in ordered:
        s3.put_object(
            Bucket=bucket,
            Key=site_file.key,
            Body=site_file.body,
            ContentType=site_file.content_type,
            CacheControl=site_file.cache_control,
        )
    wanted = {site_file.key for site_file in files}
    stale = sorted(key for key in _keys(s3, bucket) if key not in wanted)
    for batch in _batches(stale, 1000):  # DeleteObjects takes at most 1000 keys.
        response = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
        )
        if response.get("Errors"):
            raise RuntimeError(f"could not delete stale objects from {bucket}: {response['Errors']}")
    invalidation = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": uuid.uuid4().hex},
    )
    return Publication(
        uploaded=[site_file.key for site_file in ordered],
        deleted=stale,
        invalidation_id=invalidation["Invalidation"]["Id"],
    )


def _keys(s3: S3Client, bucket: str) -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield item["Key"]


def _batches(keys: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    return (keys[start : start + size] for start in range(0, len(keys), size))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.frontend.publish", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--frontend-stack",
        default=os.environ.get("CONVEYOR_FRONTEND_STACK", "conveyor-frontend"),
        help="the bucket's and distribution's stack (default: $CONVEYOR_FRONTEND_STACK or conveyor-frontend)",
    )
    parser.add_argument(
        "--api-stack",
        default=os.environ.get("CONVEYOR_API_STACK", "conveyor-api"),
        help=(
            "the stack whose ApiUrl goes into config.json when the frontend stack has none "
            "(default: $CONVEYOR_API_STACK or conveyor-api)"
        ),
    )
    arguments = parser.parse_args(argv)
    cloudformation = boto3.client("cloudformation")
    try:
        frontend = stack_outputs(cloudformation, arguments.frontend_stack)
        api_url = frontend.get("ApiUrl") or stack_output(cloudformation, arguments.api_stack, "ApiUrl")
        bucket = stack_output(cloudformation, arguments.frontend_stack, "BucketName")
        distribution_id = stack_output(cloudformation, arguments.frontend_stack, "DistributionId")
        site_url = stack_output(cloudformation, arguments.frontend_stack, "SiteUrl")
        files = site_files(api_url)
    except (StackNotFoundError, MissingOutputError, UnknownFileTypeError, ValueError) as error:
        print(f"error: {error} (docs/deploy.md, The order of the stacks)", file=sys.stderr)
        return 1
    publication = publish(
        boto3.client("s3"),
        boto3.client("cloudfront"),
        bucket=bucket,
        distribution_id=distribution_id,
        files=files,
    )
    print(
        f"Published {len(publication.uploaded)} files to s3://{bucket}, "
        f"deleted {len(publication.deleted)} stale ones; "
        f"invalidation {publication.invalidation_id} of {distribution_id}.\n"
        f"The page: {site_url} (calls {api_url})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
