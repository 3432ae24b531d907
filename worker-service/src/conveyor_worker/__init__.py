"""Conveyor's worker service: claims jobs named by SQS messages, runs them and records the outcome."""
