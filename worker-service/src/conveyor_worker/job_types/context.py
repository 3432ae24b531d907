"""What a job function gets besides its payload: its job's id and the files bucket, through a small port."""

from dataclasses import dataclass
from typing import Protocol


class NoSuchFileError(Exception):
    """The files bucket holds no object under this key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no file {key}")
        self.key = key


class FileTooLargeError(Exception):
    """The object is larger than the reader accepts; its body was not read."""

    def __init__(self, key: str, size_bytes: int, max_bytes: int) -> None:
        super().__init__(f"file {key} has {size_bytes} bytes, more than {max_bytes}")
        self.key = key
        self.size_bytes = size_bytes
        self.max_bytes = max_bytes


class FileStore(Protocol):
    """The deployment's files bucket: clients' uploads under uploads/, the jobs' files under results/."""

    def read(self, key: str, *, max_bytes: int) -> bytes:
        """The object's whole body. Raises NoSuchFileError when there is none, and FileTooLargeError, before
        reading the body, when it has more than `max_bytes` bytes."""
        ...

    def write(self, key: str, body: bytes, *, content_type: str) -> None:
        """Stores `body` under `key`, replacing any object there."""
        ...


def result_key(job_id: str, name: str) -> str:
    """Every file a job writes lies under results/{job_id}/ (contracts/README.md, Files)."""
    return f"results/{job_id}/{name}"


@dataclass(frozen=True)
class JobContext:
    job_id: str
    files: FileStore

    def result_key(self, name: str) -> str:
        """The key of this job's file `name`: results/{job_id}/{name}."""
        return result_key(self.job_id, name)
