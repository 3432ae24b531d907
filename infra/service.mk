# The targets every service has, under the names the root Makefile fans out to, written once. A service's Makefile
# sets PACKAGE (its import package) and FUNCTION (its Lambda function's zip and stack name), includes this, and
# adds the targets of its own after it. Run from the service's folder.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := install

export UV_PYTHON_DOWNLOADS := never
UV ?= uv
VENV := .venv
PY := $(VENV)/bin/python
SCHEMAS := src/$(PACKAGE)/contract/schemas
# Rebuilt only when a lock file or the project metadata changes, so `make install` is cheap when nothing did.
INSTALLED := $(VENV)/.installed

.PHONY: install contracts lint typecheck test unit package lock clean

install: $(INSTALLED) contracts

$(INSTALLED): requirements-dev.lock pyproject.toml
	$(UV) venv --quiet --allow-existing --python python3 $(VENV)
	$(UV) pip sync --quiet --python $(PY) requirements-dev.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	touch $@

# The contract's copy in the package and the models generated from it (GENERATE_MODELS, the service's command),
# redone only when a file of contracts/v1 or the generator's options in pyproject.toml change: `make install`, and
# so `make check`, pays nothing otherwise. The generated models are committed; tests/unit fails on stale ones.
CONTRACT_FILES := $(shell find ../contracts/v1 -type f)
CONTRACTS_DONE := $(VENV)/.contracts

contracts: $(CONTRACTS_DONE)

$(CONTRACTS_DONE): $(CONTRACT_FILES) pyproject.toml $(INSTALLED)
	rm -rf $(SCHEMAS)
	cp -r ../contracts/v1 $(SCHEMAS)
	$(GENERATE_MODELS)
	touch $@

lint: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

typecheck: install
	$(VENV)/bin/mypy src tests

test: install
	$(VENV)/bin/pytest

# The inner loop's share (the root's `make check`): tests/unit runs over fakes, no moto, no slow property tests;
# tests/adapters, against moto in-process, is left to `make test`.
unit: install
	$(VENV)/bin/pytest -q -m "not slow" tests/unit

# The function's code for `sam deploy`: lambda-package.mk, beside this file, says how it is built.
include $(dir $(lastword $(MAKEFILE_LIST)))lambda-package.mk

lock:
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml -o requirements.lock
	$(UV) pip compile --quiet --python-version 3.11 --extra dev pyproject.toml -o requirements-dev.lock

clean:
	rm -rf $(VENV) $(SCHEMAS) .mypy_cache .pytest_cache .ruff_cache .hypothesis
