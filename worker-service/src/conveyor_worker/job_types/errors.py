"""The one exception a job raises to say that retrying cannot help."""

import re

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


class PermanentJobError(Exception):
    """The job cannot succeed with this payload: it ends FAILED with `code` at once, without a retry.

    `code` is stable and machine-readable (contracts/v1/job-error.schema.json); `message` is for people.
    Any other exception a job raises counts as transient and is retried.
    """

    def __init__(self, code: str, message: str) -> None:
        if not _CODE.fullmatch(code):
            raise ValueError(f"error code {code!r} must match {_CODE.pattern}")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type["PermanentJobError"], tuple[str, str]]:
        # A job may raise it in a child process (image_resize does): it crosses back pickled, and the default
        # pickling would call __init__ with the one formatted argument of Exception.args.
        return (PermanentJobError, (self.code, self.message))
