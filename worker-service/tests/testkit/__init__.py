"""Test helpers: an in-memory store and queue, a settable clock, job items, SQS events, moto tables and
queues, and fault injection and call recording on boto3 clients."""
