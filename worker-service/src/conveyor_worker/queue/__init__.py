"""The jobs queue in SQS, behind the domain's ports."""
