"""The documents the worker reads and writes: job_item and job_message are pydantic models generated from
contracts/v1 by `make contracts` (never edited by hand); the rest are the worker's own."""
