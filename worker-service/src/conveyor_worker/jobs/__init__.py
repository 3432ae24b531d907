"""The worker's domain: one message in, one job claimed, run and completed; and the sweep, which sends the
pending jobs that lost their message again or ends them. No boto3, no event shapes."""
