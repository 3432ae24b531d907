"""Why the sweeper left an overdue job alone."""


class OverdueJobChangedError(Exception):
    """The job no longer has the sweep_at and status the sweep read: another sweeper or a worker acted."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} changed since the sweep read it")
        self.job_id = job_id
