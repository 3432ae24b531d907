"""The frontend stack's publisher (`python -m infra.frontend.publish`)."""
