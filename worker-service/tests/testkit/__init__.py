"""Test helpers: an in-memory store, a settable clock, job items, SQS events and moto tables."""
