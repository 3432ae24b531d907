"""The worker's domain: one message in, one job claimed, run and completed. No boto3, no event shapes."""
