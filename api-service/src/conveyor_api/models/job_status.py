"""The job status (contract `job-status`), as a type the service can branch on."""

from typing import Literal

JobStatus = Literal["QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED"]
