"""An in-memory FileStore; tests/adapters/test_file_store_behaviour.py runs one suite against it and
S3FileStore."""

from dataclasses import dataclass

from conveyor_worker.job_types.context import FileTooLargeError, NoSuchFileError, readable_by


@dataclass(frozen=True)
class StoredFile:
    body: bytes
    content_type: str
    size_bytes: int
    owner: str | None = None
    """The owner recorded with the object (an upload by a signed-in caller), or None."""


class FakeFileStore:
    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self.reads: list[str] = []
        """The key of every read asked for, found or not."""

    def put(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str = "binary/octet-stream",
        size_bytes: int | None = None,
        owner: str | None = None,
    ) -> None:
        """`size_bytes` stands in for a body too large to hold in a test: the object says it has that many.
        `owner` is recorded with it, as an upload of a signed-in caller records its caller."""
        size = len(body) if size_bytes is None else size_bytes
        self._files[key] = StoredFile(body, content_type, size, owner)

    def get(self, key: str) -> StoredFile | None:
        return self._files.get(key)

    def stored_keys(self) -> list[str]:
        return sorted(self._files)

    def read(self, key: str, *, max_bytes: int, job_owner: str | None) -> bytes:
        self.reads.append(key)
        stored = self._files.get(key)
        if stored is None or not readable_by(stored.owner, job_owner):
            raise NoSuchFileError(key)
        if stored.size_bytes > max_bytes:
            raise FileTooLargeError(key, stored.size_bytes, max_bytes)
        return stored.body

    def write(self, key: str, body: bytes, *, content_type: str) -> None:
        self.put(key, body, content_type=content_type)
