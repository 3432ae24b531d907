"""The sweeper's domain: pending jobs that lost their message are sent again, or ended. No boto3."""
