"""`conveyor`: Conveyor's command line.

It talks HTTP to any deployment's API (contracts/v1) and shares no code with the services; only its dlq
commands talk to AWS (SQS) directly."""
