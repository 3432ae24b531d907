"""How long an Idempotency-Key is remembered: apart from the ledger, so that saying it costs no import."""

from datetime import timedelta

KEY_LIFETIME = timedelta(hours=24)
"""How long a key is remembered: clients retry within minutes; a day also covers one that was down a while."""
