"""Deployment helpers beside the stacks they serve; run them from the repository root with `python -m`."""
