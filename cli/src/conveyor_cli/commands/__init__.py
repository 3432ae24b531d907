"""The commands: jobs over the API (jobs.py), the dead-letter queue over SQS (dlq.py)."""
