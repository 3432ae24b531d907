# The targets every Python project here has (the two services and the cli), under the names the root Makefile
# fans out to, written once. A project's Makefile includes this (a service through infra/service.mk) and adds
# its own targets after it. Run from the project's folder.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := install

export UV_PYTHON_DOWNLOADS := never
UV ?= uv
VENV := .venv
PY := $(VENV)/bin/python
# Rebuilt only when a lock file or the project metadata changes, so `make install` is cheap when nothing did.
INSTALLED := $(VENV)/.installed
# What `make unit`, the inner loop's share of the root's `make check`, runs: tests over fakes, no moto.
UNIT_TESTS ?= tests/unit

.PHONY: install lint typecheck test unit lock clean

install: $(INSTALLED)

$(INSTALLED): requirements-dev.lock pyproject.toml
	$(UV) venv --quiet --allow-existing --python python3 $(VENV)
	$(UV) pip sync --quiet --python $(PY) requirements-dev.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	touch $@

lint: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

typecheck: install
	$(VENV)/bin/mypy src tests

test: install
	$(VENV)/bin/pytest

# Slow property tests, and tests against moto in-process (tests/adapters), are left to `make test`.
unit: install
	$(VENV)/bin/pytest -q -m "not slow" $(UNIT_TESTS)

lock:
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml -o requirements.lock
	$(UV) pip compile --quiet --python-version 3.11 --extra dev pyproject.toml -o requirements-dev.lock

clean:
	rm -rf $(VENV) $(CLEAN_ALSO) .mypy_cache .pytest_cache .ruff_cache .hypothesis
