"""The metrics adapter: the domain's counts and timings as CloudWatch embedded metric format documents."""
