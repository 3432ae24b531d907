"""The jobs table's four listing indexes: their names, their partition keys' formats, and which one serves
which filter of GET /jobs (contracts/README.md, Owners and listing). The only place that knows them.

Every index is sparse (only owned items carry its key), KEYS_ONLY, and sorted by `created_at`.
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


def listing_index(owner: str, *, status: str | None, job_type: str | None) -> ListingIndex:
    """The index partition that holds exactly `owner`'s jobs of `status` and `job_type` (None: any)."""
    if status is None and job_type is None:
        return ListingIndex("by_owner", "owner", owner)
    if status is None:
        assert job_type is not None
        return ListingIndex("by_owner_type", "owner_type", owner_type_key(owner, job_type))
    if job_type is None:
        return ListingIndex("by_owner_status", "owner_status", owner_status_key(owner, status))
    return ListingIndex(
        "by_owner_type_status", "owner_type_status", owner_type_status_key(owner, job_type, status)
    )


INDEX_NAMES = ("by_owner", "by_owner_type", "by_owner_status", "by_owner_type_status")
"""Every listing index, for the IAM grants and the tests' tables."""
