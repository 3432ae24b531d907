"""The jobs table's two listing indexes: their names, their partition keys' formats, and which partitions
serve which filter of GET /jobs (contracts/README.md, Owners and listing). The only place that knows them.

Every index is sparse (only owned items carry its key), KEYS_ONLY, and sorted by `created_at`. `by_owner` is
written once per job and never moves; `by_owner_type_status` moves at each status change (a delete and a put
of its entry). A filter on one of type and status reads the partitions of every value of the other and merges
them: four (statuses) or one per job type, each of a page's worth of keys at most. The item's `owner_type` and
`owner_status` keys are kept for the contract but indexed no more: an index on each cost two writes a status
change (docs/design.md, Sign-in and listing).
"""

from dataclasses import dataclass

CREATED_AT = "created_at"
"""Every listing index's sort key: the submission time, RFC 3339 text with three fractional digits, so that
its text sorts as time."""


@dataclass(frozen=True, slots=True)
class ListingIndex:
    """One partition of one index: the caller's jobs that match one combination of filters."""

    name: str
    key_attribute: str
    """The item attribute the index is partitioned on."""
    key_value: str


def owner_type_key(owner: str, job_type: str) -> str:
    return f"{owner}#{job_type}"


def owner_status_key(owner: str, status: str) -> str:
    return f"{owner}#{status}"


def owner_type_status_key(owner: str, job_type: str, status: str) -> str:
    # Job types and statuses hold no `#`, so a key reads back as one owner, type and status only.
    return f"{owner}#{job_type}#{status}"


def listing_keys(owner: str, job_type: str, status: str) -> dict[str, str]:
    """The attributes an owned item carries for the indexes, for its current status: all four together."""
    return {
        "owner": owner,
        "owner_type": owner_type_key(owner, job_type),
        "owner_status": owner_status_key(owner, status),
        "owner_type_status": owner_type_status_key(owner, job_type, status),
    }


def listing_partitions(
    owner: str,
    *,
    status: str | None,
    job_type: str | None,
    statuses: tuple[str, ...],
    job_types: tuple[str, ...],
) -> list[ListingIndex]:
    """The index partitions that together hold exactly `owner`'s jobs of `status` and `job_type` (None: any),
    with every status and every job type there is."""
    if status is None and job_type is None:
        return [ListingIndex("by_owner", "owner", owner)]
    return [
        ListingIndex(
            "by_owner_type_status", "owner_type_status", owner_type_status_key(owner, each_type, each)
        )
        for each_type in ((job_type,) if job_type is not None else job_types)
        for each in ((status,) if status is not None else statuses)
    ]


INDEX_NAMES = ("by_owner", "by_owner_type_status")
"""Every listing index, for the IAM grants and the tests' tables."""
