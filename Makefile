# The root Makefile only fans out: each service owns its own Makefile with the same target names.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(CURDIR)/.tools/bin/uv
export UV
SERVICES := api-service worker-service
VENV := .venv

.PHONY: help install browser dev test bench lint typecheck test-services test-system lock clean

help:
	@echo "make dev      install everything and run the whole system locally"
	@echo "make test     install everything and run every test"
	@echo "make browser  install Chromium for the browser tests (apt, once; make test does it)"
	@echo "make bench    measure: a soak of jobs under injected faults (not part of make test)"

# uv comes from the package registry into a private venv, so a fresh machine needs only python3.
$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

install: $(UV)
	@for s in $(SERVICES); do $(MAKE) --no-print-directory -C $$s install; done
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(VENV)/bin/python requirements-dev.lock
	$(UV) pip install --quiet --python $(VENV)/bin/python --no-deps -e . -e api-service -e worker-service

# tests/browser drive Debian's Chromium through Playwright (whose own browser download cannot work here).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

browser: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

dev: install
	$(VENV)/bin/python -m conveyor_local

lint: install
	@for s in $(SERVICES); do $(MAKE) --no-print-directory -C $$s lint; done
	$(VENV)/bin/ruff check local tests bench
	$(VENV)/bin/ruff format --check local tests bench

typecheck: install
	@for s in $(SERVICES); do $(MAKE) --no-print-directory -C $$s typecheck; done
	$(VENV)/bin/mypy local/conveyor_local

test-services: install
	@for s in $(SERVICES); do $(MAKE) --no-print-directory -C $$s test; done

test-system: install browser
	$(VENV)/bin/pytest

test: browser lint typecheck test-services test-system

# Measurements, not proofs: outside `make test` so that timings never decide whether a change lands.
# The services' loggers exist from import on: their level must be in the environment before the process starts.
bench: install
	POWERTOOLS_LOG_LEVEL=WARNING $(VENV)/bin/python -m bench.soak

# Re-resolve every lock file after a dependency change in any pyproject.toml.
lock: $(UV)
	@for s in $(SERVICES); do $(MAKE) --no-print-directory -C $$s lock; done
	$(UV) pip compile --quiet --python-version 3.11 --extra dev pyproject.toml \
		api-service/pyproject.toml worker-service/pyproject.toml -o requirements-dev.lock

clean:
	rm -rf .tools $(VENV) artifacts
	@for s in $(SERVICES); do $(MAKE) --no-print-directory -C $$s clean; done

# Each stack deploys on its own with its own samconfig.toml; core first, since worker and api import its exports.
# The worker and api functions' code comes from build/<service> (packaging is a later step of issue 4).
.PHONY: deploy-core deploy-worker deploy-api

deploy-core:
	sam deploy --config-file infra/core/samconfig.toml --template-file infra/core/template.yaml

deploy-worker:
	sam deploy --config-file infra/worker/samconfig.toml --template-file infra/worker/template.yaml

deploy-api:
	sam deploy --config-file infra/api/samconfig.toml --template-file infra/api/template.yaml
