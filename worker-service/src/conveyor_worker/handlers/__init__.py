"""Entry points: each turns an AWS event into calls of the domain."""
