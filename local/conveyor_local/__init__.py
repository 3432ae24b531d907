"""Conveyor's local stack: moto in server mode plus emulators of the AWS pieces that invoke our Lambdas.

`python -m conveyor_local` (what `make dev` runs) starts everything; the modules are also usable one by one
from tests: `moto_server`, `templates` and `stacks` (infra/'s templates deployed into moto), `provision`,
`http_gateway`, `sqs_event_source`, `static_site`.
"""
