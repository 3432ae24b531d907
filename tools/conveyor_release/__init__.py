"""Conveyor's release tooling: the contract compatibility gate (`make contract-check`) and the release record
(`make release`). Run by the repository's root environment, never deployed."""
