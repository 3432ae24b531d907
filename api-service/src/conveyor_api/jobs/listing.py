"""Listing the caller's jobs (GET /jobs): a page's worth of keys from each listing index partition the
filters name, merged newest first, then the page's items by key.

The indexes hold keys only and are eventually consistent, so each listed job is read from the table, and a
job whose item is gone or no longer matches the filters is left out: a page may hold fewer jobs than its
limit, and only a null next_cursor means the end (contract `job-list`). A page also stops before the record
that would take it past PAGE_BYTE_BUDGET, and its cursor continues from the last record it holds.
"""

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Protocol

from jsonschema import ValidationError

from conveyor_api import contract
from conveyor_api.clock import utc_now
from conveyor_api.jobs.cursors import InvalidCursorError, PagePosition, decode_cursor, encode_cursor
from conveyor_api.jobs.errors import InvalidJobListQueryError
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.listing_indexes import ListingIndex, listing_partitions
from conveyor_api.jobs.records import record_from_item
from conveyor_api.jobs.request_validation import MAX_LISTED_VIOLATIONS, violations_of
from conveyor_api.json_pointer import json_pointer
from conveyor_api.json_types import JsonObject
from conveyor_api.models import JobItem, JobList, JobListQuery, JobRecord, Violation

DEFAULT_PAGE_SIZE = 20
"""The page size when the query gives no `limit` (contract `job-list-query`)."""

PAGE_BYTE_BUDGET = 4 * 1024 * 1024
"""The most a page's records may take in the function's response, where the body is one JSON string: every
quote and backslash escaped again, every non-ASCII character as \\u escapes (a record with a 64 KiB result can
take up to three times that). Lambda refuses a response over 6 MB (6,291,556 bytes); the rest is left for
the envelope and its headers."""

LIMIT_MESSAGE = "Must be a whole number from 1 to 100, without leading zeros; leave it out for pages of 20."
CURSOR_MESSAGE = (
    "Not a cursor this API returned: pass a page's next_cursor back unchanged, with the same filters, or "
    "leave cursor out for the first page."
)
_MESSAGES = {"/limit": LIMIT_MESSAGE, "/cursor": CURSOR_MESSAGE}


@dataclass(frozen=True, slots=True)
class IndexPage:
    """One page of an index partition: its jobs' positions in the index's order, newest first."""

    positions: list[PagePosition]
    last: PagePosition | None
    """Where the page stopped; None when the index said nothing follows."""


class JobLister(Protocol):
    def index_page(self, index: ListingIndex, *, limit: int, after: PagePosition | None) -> IndexPage:
        """Up to `limit` jobs of the index partition, newest first, starting after `after`."""

    def get_many(self, job_ids: Sequence[str]) -> Mapping[str, JobItem]:
        """The items of those of `job_ids` that exist, by job id, as last written."""


def validate_job_list_query(parameters: Iterable[tuple[str, str]]) -> JobListQuery:
    """The query of GET /jobs from its parameters in the order they were sent; each may be sent once."""
    document: JsonObject = {}
    violations: list[Violation] = []
    for name, value in parameters:
        if name in document:
            violations.append(
                Violation(pointer=json_pointer([name]), message="Given more than once; give it once.")
            )
        else:
            document[name] = value
    errors = contract.validator("job-list-query").iter_errors(document)
    violations.extend(_query_violations(errors))
    violations = list(islice(dict.fromkeys(violations), MAX_LISTED_VIOLATIONS + 1))
    if violations:
        raise InvalidJobListQueryError(
            violations[:MAX_LISTED_VIOLATIONS], complete=len(violations) <= MAX_LISTED_VIOLATIONS
        )
    return JobListQuery.from_document(document)


def _query_violations(errors: Iterable[ValidationError]) -> Iterable[Violation]:
    allowed = ", ".join(contract.schema("job-list-query")["properties"])
    for violation in violations_of(errors):
        if violation.message.startswith("Unknown field"):
            yield Violation(
                pointer=violation.pointer, message=f"Unknown parameter; remove it (allowed: {allowed})."
            )
        else:
            yield Violation(
                pointer=violation.pointer, message=_MESSAGES.get(violation.pointer, violation.message)
            )


def list_jobs(
    query: JobListQuery,
    *,
    owner: str,
    lister: JobLister,
    links: FileLinks,
    clock: Callable[[], datetime] = utc_now,
) -> JobList:
    """One page of `owner`'s jobs that match the query's filters, newest first, each as its record."""
    after = None
    if query.cursor is not None:
        try:
            after = decode_cursor(query.cursor)
        except InvalidCursorError as error:
            raise InvalidJobListQueryError([Violation(pointer="/cursor", message=CURSOR_MESSAGE)]) from error
    limit = DEFAULT_PAGE_SIZE if query.limit is None else int(query.limit)
    partitions = listing_partitions(
        owner,
        status=query.status,
        job_type=query.job_type,
        statuses=tuple(contract.schema("job-status")["enum"]),
        job_types=tuple(contract.schema("job-type")["enum"]),
    )
    page, more = _merged_page(
        [lister.index_page(each, limit=limit, after=after) for each in partitions], limit
    )
    items = lister.get_many([position.job_id for position in page])
    listed = [
        items[position.job_id]
        for position in page
        if position.job_id in items and _matches(items[position.job_id], owner, query)
    ]
    records = _within_budget([record_from_item(item, links=links, clock=clock) for item in listed])
    last = page[-1] if more else None
    if len(records) < len(listed):
        # Cut short by size: the next page starts after the last record this one holds.
        kept = listed[len(records) - 1]
        last = PagePosition(kept.created_at, kept.job_id)
    return JobList(jobs=records, next_cursor=None if last is None else encode_cursor(last))


def _merged_page(pages: list[IndexPage], limit: int) -> tuple[list[PagePosition], bool]:
    """The newest `limit` positions of the partitions' pages, and whether any job may follow them.

    Each page holds its partition's newest `limit` after the cursor, so the newest `limit` of all are among
    them; the rest of them, and whatever a page says follows it, come on the next page.
    """
    merged = sorted(
        (position for page in pages for position in page.positions),
        key=lambda position: (position.created_at, position.job_id),
        reverse=True,
    )
    return merged[:limit], len(merged) > limit or any(page.last is not None for page in pages)


def _within_budget(records: list[JobRecord]) -> list[JobRecord]:
    """The longest run of `records` from the first whose size in the response stays within the budget; at
    least one record, which is always far smaller."""
    total = 0
    for count, record in enumerate(records):
        # json.dumps escapes as the Lambda runtime does when it writes the body into its response.
        total += len(json.dumps(record.to_json()))
        if count and total > PAGE_BYTE_BUDGET:
            return records[:count]
    return records


def _matches(item: JobItem, owner: str, query: JobListQuery) -> bool:
    # The index said so when it was read, but indexes lag their table: the item read now has the last word.
    return (
        item.owner == owner
        and query.status in (None, item.status)
        and query.job_type in (None, item.job_type)
    )
