"""Pydantic models of the contract documents the worker reads and writes."""
