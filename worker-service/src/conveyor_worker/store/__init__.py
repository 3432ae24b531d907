"""Adapters behind the domain's ports."""
