"""Test helpers: an in-memory store and queue, a settable clock, job items, SQS events, moto tables and
queues, and fault injection and call recording on boto3 clients.

Its modules import one another relatively: the cross-service suites of the repository's tests/ (whose own
package is also named `tests`) import them as the top-level package `support`."""
