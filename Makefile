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
# Every package with its own Makefile: the services, and the `conveyor` command line (no Lambda package).
PACKAGES := $(SERVICES) cli
VENV := .venv
# checkov gets its own environment: its dependency tree conflicts with the root's pins (pydantic, cfn-lint).
CHECKOV_VENV := .tools/checkov
# So does the SAM CLI, which every deploy target runs: it pins boto3 and click to exact versions of its own.
SAM_VENV := .tools/sam
SAM := $(CURDIR)/$(SAM_VENV)/bin/sam

.PHONY: help install cli browser graphviz diagram dev rehearse test check unit bench soak lint typecheck \
	test-services test-system test-stack-suites test-stack-suites-run test-stack-suites-driven fresh-recorded-calls test-other-suites test-checks-then-others package lock clean unit-local contract-check \
	release $(addprefix unit-,$(PACKAGES)) \
	$(addprefix test-,$(PACKAGES))

help:
	@echo "make install  every environment: each package's .venv, the root's .venv, checkov's and the SAM CLI's"
	@echo "make dev      install everything and run the whole system locally; API_AT=<commit> or WORKER_AT=<commit>"
	@echo "              runs that service's code and stack template from that commit (make rehearse's way)"
	@echo "make rehearse each service at HEAD beside the other at its last release (releases.json), both ways,"
	@echo "              through submit, run, read and list (make test runs it); API_AT= or WORKER_AT= another commit"
	@echo "make cli      install the \`conveyor\` command for this user (uv tool; make dev does it)"
	@echo "make check    the inner loop: fix the format and lint, then types and every package's unit tests"
	@echo "              (no slow tests, no moto server, no cross-service suites: make test runs those)"
	@echo "make unit     every package's unit tests, sockets banned, slow ones left out (make check runs it)"
	@echo "make unit-api-service one package's alone: its tests/unit (the cli's whole suite but the slow tests)"
	@echo "make unit-worker-service"
	@echo "make unit-cli"
	@echo "make unit-local local/'s tests that need no moto server"
	@echo "make lint     ruff's lint and format checks over every package, fixing nothing"
	@echo "make typecheck mypy --strict over every package, local/, infra/, tools/, the cross-service tests/, bench/ and diagrams/"
	@echo "make test     install everything and run every test"
	@echo "make test-services each package's whole suite, slow tests included, two at a time (make test runs it)"
	@echo "make test-api-service one package's whole suite alone"
	@echo "make test-worker-service"
	@echo "make test-cli"
	@echo "make test-system the cross-service suites of tests/ (make test runs it), three processes side by side:"
	@echo "make test-stack-suites those that run stacks (moto, browser, make dev), then the grants check:"
	@echo "make test-stack-suites-run integration, faults and the mixed-version rehearsal"
	@echo "make test-stack-suites-driven fuzz, browser and e2e"
	@echo "make fresh-recorded-calls forget the calls the stack suites recorded (both stack lanes do it first)"
	@echo "make test-other-suites the rest (templates, SAM CLI, checkov, docs, contract, CLI, local/, simulated)"
	@echo "make test-checks-then-others lint, types, the gate, each package's suite, then test-other-suites:"
	@echo "              make test runs it beside test-stack-suites"
	@echo "make contract-check the compatibility gate: contracts/ against the contract of each component's last"
	@echo "              release (releases.json); a break fails with a counter-example (contracts/README.md)"
	@echo "make release  record a release at HEAD in releases.json: SERVICE=api|worker|contract VERSION=x.y.z"
	@echo "              (clean tree, the version its package declares, the gate passing); then commit the file"
	@echo "make browser  install Chromium for the browser tests (apt, once; make test does it)"
	@echo "make graphviz install graphviz's dot for the architecture picture (apt, once; make test does it)"
	@echo "make diagram  redraw diagrams/architecture.png from infra/'s templates (a test checks it is current)"
	@echo "make bench    measure requests, cost, cold start, throughput, scale, package size and a fault soak"
	@echo "              into docs/benchmarks.md (not part of make test; about 12 minutes)"
	@echo "make soak     the fault-schedule machine and schemathesis of make test, deeper: SOAK_STEPS=10000"
	@echo "              SOAK_SCHEDULE_STEPS=50 SOAK_CASES=1000 (per operation) SOAK_SEED=<a random one>;"
	@echo "              prints and writes build/soak/summary.txt; fails on a job lost or completed twice, a 5xx"
	@echo "make package  zip each function's code for Lambda (arm64, Python 3.12): build/api.zip, build/worker.zip"
	@echo "make lock     re-resolve every lock file after a dependency change in any pyproject.toml"
	@echo "make clean    remove every environment, build/ and artifacts/"
	@echo "make deploy   deploy every stack to AWS in order and publish the page (sam CLI; docs/deploy.md)"
	@echo "make deploy-core one stack alone, in deploy's order: core, worker, edge, api, then the frontend's"
	@echo "make deploy-worker"
	@echo "make deploy-edge"
	@echo "make deploy-api"
	@echo "make deploy-frontend-stack"
	@echo "make publish-frontend upload the page, contracts/v1 and config.json; invalidate the distribution"
	@echo "make deploy-frontend the frontend stack, then the page"
	@echo "make outputs  each stack's outputs (the API's and the page's URLs, the queues' URLs)"
	@echo "make status   each stack's status and its last event"
	@echo "make logs     follow a function's logs: SERVICE=api|worker|sweeper, optionally FILTER=<pattern>"
	@echo "make help     this list (a test checks it names every target)"

# uv comes from the package registry into a private venv, so a fresh machine needs only python3.
$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

install: $(UV) $(CHECKOV_VENV)/.installed $(SAM_VENV)/.installed $(VENV)/.installed
	@for s in $(PACKAGES); do $(MAKE) --no-print-directory -C $$s install; done

# Rebuilt only when a lock file or a project's metadata changes, as each package's is: `make check` pays nothing.
$(VENV)/.installed: requirements-dev.lock pyproject.toml $(addsuffix /pyproject.toml,$(PACKAGES)) | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(VENV)/bin/python requirements-dev.lock
	$(UV) pip install --quiet --python $(VENV)/bin/python --no-deps -e . -e api-service -e worker-service -e cli
	touch $@

# `conveyor` on the user's PATH (uv's tool bin directory, ~/.local/bin by default), editable, with the versions of
# cli/requirements.lock. After `make install` every one of them is in uv's cache, so it needs no network; without
# that cache (a cleaned one, UV_NO_CACHE) it fetches them from the registry.
CLI_TOOL_INSTALL := $(UV) tool install --quiet --force --python $(PYTHON) --constraints cli/requirements.lock

cli: install
	$(CLI_TOOL_INSTALL) --offline --editable ./cli 2>/dev/null || $(CLI_TOOL_INSTALL) --editable ./cli

# tests/infra/test_checkov.py runs $(CHECKOV_VENV)/bin/checkov; rebuilt only when its lock file changes.
$(CHECKOV_VENV)/.installed: requirements-checkov.lock | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(CHECKOV_VENV)
	$(UV) pip sync --quiet --python $(CHECKOV_VENV)/bin/python requirements-checkov.lock
	touch $@

# The deploy targets run $(SAM), the version requirements-sam.lock pins (tests/infra/test_deploy.py runs it).
$(SAM_VENV)/.installed: requirements-sam.lock | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(SAM_VENV)
	$(UV) pip sync --quiet --python $(SAM_VENV)/bin/python requirements-sam.lock
	touch $@

# tests/browser drive Debian's Chromium through Playwright (whose own browser download cannot work here).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

browser: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# diagrams/architecture.py renders through Debian's graphviz (the `diagrams` package calls its dot).
DOT := /usr/bin/dot

graphviz: $(DOT)

$(DOT):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz

# The picture at the top of the README, from infra/'s templates; tests/docs fails until it is redrawn after a change.
diagram: install graphviz
	$(VENV)/bin/python diagrams/architecture.py diagrams/architecture.png

# API_AT or WORKER_AT: that service's code and stack template from a checkout of the commit, cached under
# .tools/releases/ with its own environment (tools/conveyor_release/checkout.py); the core stack and local/ stay
# this checkout's (docs/local.md, Rehearsing a deploy).
# An assignment then `export`, not `export X=$$(...)`, whose status would hide a failed checkout.
CHECKOUT := $(VENV)/bin/python -m conveyor_release.checkout
checkout_of = $(if $(2),CONVEYOR_$(1)_CHECKOUT=$$($(CHECKOUT) $(3) $(2)) && export CONVEYOR_$(1)_CHECKOUT &&)

dev: install cli
	$(call checkout_of,API,$(API_AT),api) $(call checkout_of,WORKER,$(WORKER_AT),worker) $(VENV)/bin/python -m conveyor_local

# Separate owners deploy on their own schedules: each service at HEAD runs beside the other at its last release
# (or at API_AT, WORKER_AT), two local stacks side by side. make test runs tests/rehearsal in test-stack-suites-run.
rehearse: install
	API_AT=$(API_AT) WORKER_AT=$(WORKER_AT) $(VENV)/bin/pytest tests/rehearsal

lint: install
	@for s in $(PACKAGES); do $(MAKE) --no-print-directory -C $$s lint; done
	$(VENV)/bin/ruff check local tests bench infra diagrams tools
	$(VENV)/bin/ruff format --check local tests bench infra diagrams tools

# diagrams/ has no __init__.py; without namespace packages, mypy takes `import diagrams` for the library, not it.
typecheck: install
	@for s in $(PACKAGES); do $(MAKE) --no-print-directory -C $$s typecheck; done
	$(VENV)/bin/mypy local/conveyor_local infra tools/conveyor_release tests bench
	$(VENV)/bin/mypy --no-namespace-packages diagrams/architecture.py

# Each package's whole suite is one pytest process: two at a time on two cores.
SERVICE_TESTS := $(addprefix test-,$(PACKAGES))

test-services: install
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target $(SERVICE_TESTS)

$(SERVICE_TESTS): test-%: install
	@$(MAKE) --no-print-directory -C $* test

# The cross-service suites as pytest processes side by side, each with its own moto server: the suites that run
# stacks and record their functions' AWS calls spend much of their time waiting out the stacks' own clocks, so
# they run as two processes (integration, faults and the rehearsal; fuzz, browser and e2e), each leaving its
# recorded calls in one folder for the grants-equal-calls comparison, which runs after both; the rest
# (templates through the SAM CLI and checkov, docs, contract, the CLI, local/, the simulated clock's days) is
# mostly CPU.
# tests/rehearsal (make rehearse) waits on its two local stacks too; they record no calls for the comparison.
STACK_SUITES_RUN := $(addprefix tests/,integration faults rehearsal)
STACK_SUITES_DRIVEN := $(addprefix tests/,fuzz browser e2e)
STACK_SUITES := $(STACK_SUITES_RUN) $(STACK_SUITES_DRIVEN)
GRANTS_COMPARISON := tests/infra/test_grants_match_calls.py
RECORDED_CALLS := CONVEYOR_RECORDED_CALLS=$(CURDIR)/build/recorded-calls

test-system: install browser graphviz
	$(MAKE) --no-print-directory --jobs=3 --output-sync=target test-stack-suites test-other-suites

test-stack-suites: test-stack-suites-run test-stack-suites-driven
	$(RECORDED_CALLS) $(VENV)/bin/pytest $(GRANTS_COMPARISON)

# Once per make, before either stack lane: calls left by an earlier run must not count.
fresh-recorded-calls:
	rm -rf build/recorded-calls

test-stack-suites-run: fresh-recorded-calls
	$(RECORDED_CALLS) $(VENV)/bin/pytest $(STACK_SUITES_RUN)

test-stack-suites-driven: fresh-recorded-calls
	$(RECORDED_CALLS) $(VENV)/bin/pytest $(STACK_SUITES_DRIVEN)

test-other-suites:
	$(VENV)/bin/pytest $(addprefix --ignore=,$(STACK_SUITES) $(GRANTS_COMPARISON))

# Three lanes on two cores: the two stack lanes, mostly waiting, from the start; beside them the checks, the
# packages' suites and the other cross-service suites, one after another.
test: install browser graphviz
	$(MAKE) --no-print-directory --jobs=3 --output-sync=target test-stack-suites test-checks-then-others

test-checks-then-others:
	$(MAKE) --no-print-directory lint typecheck contract-check $(SERVICE_TESTS) test-other-suites

# The inner loop, offline: fix the format and what ruff can fix, then lint, types and every
# package's unit tests, the types and the tests side by side (one core each). It leaves to `make test` the tests
# marked slow (property tests, stalled-backend timeouts), local/'s tests that need a moto server, and every
# cross-service suite of tests/ (stacks in moto, browser, infra, docs). The packages' suites ban sockets in their
# own pytest configuration; local/'s unit-level tests are named here, since its other tests share their folder.
CHECK_PATHS := $(PACKAGES) local tests bench infra diagrams tools
LOCAL_UNIT_TESTS := $(addprefix tests/local/,test_child_process.py test_dev_environment.py test_log_view.py \
	test_schedule.py test_service_checkout.py test_stacks.py)

check: install
	$(VENV)/bin/ruff format --quiet $(CHECK_PATHS)
	$(VENV)/bin/ruff check --quiet --fix $(CHECK_PATHS)
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target typecheck $(UNIT_RUNS)

# make check's tests alone (the pre-commit config's pre-push hook): each package's `unit` target (its tests over
# fakes; its tests against moto are make test's) and local/'s, two at a time, since each is one pytest process.
UNIT_RUNS := $(addprefix unit-,$(PACKAGES)) unit-local

unit: install
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target $(UNIT_RUNS)

$(addprefix unit-,$(PACKAGES)): unit-%:
	@$(MAKE) --no-print-directory -C $* unit

unit-local:
	$(VENV)/bin/pytest -q --disable-socket --allow-unix-socket $(LOCAL_UNIT_TESTS)

# Separate owners deploy on their own schedules: a contract change must keep every writer's documents readable
# by every reader in the directions contracts/directions.json records (contracts/README.md, Compatibility).
contract-check: install
	$(VENV)/bin/python -m conveyor_release check

# The gate runs again here: a release is never recorded while it fails.
release: install
	$(if $(filter $(SERVICE),api worker contract),,$(error SERVICE must be api, worker or contract: make release SERVICE=api VERSION=1.0.0))
	$(if $(VERSION),,$(error VERSION must be given: make release SERVICE=$(SERVICE) VERSION=1.0.0))
	$(VENV)/bin/python -m conveyor_release release $(SERVICE) $(VERSION)

# Measurements, not proofs: outside `make test` so that timings never decide whether a change lands. The zips
# come first: the package-size figures read them. The services' loggers exist from import on: their level must be
# in the environment before the process starts (the benchmarks that count log bytes raise it to Lambda's INFO),
# and so must the API's service name; the worker's and the sweeper's are set as their handlers are built.
bench: install package
	POWERTOOLS_LOG_LEVEL=WARNING POWERTOOLS_SERVICE_NAME=conveyor-api $(VENV)/bin/python -m bench

# `make test`'s fault-schedule machine (tests/faults/test_schedules.py) and schemathesis suite (tests/fuzz/
# test_openapi_fuzzing.py) at depth, through their hypothesis and schemathesis settings (tests/support/depth.py):
# at least SOAK_STEPS steps in schedules of at most SOAK_SCHEDULE_STEPS, up to SOAK_CASES generated cases per
# API operation, all from SOAK_SEED (a random one when empty; the summary gives it with the command that replays
# it). Its summary goes to SOAK_DIR; it fails if either suite does, or if a job was lost or completed twice, or
# any answer was a 5xx that no injected fault explains.
SOAK_STEPS ?= 10000
SOAK_SCHEDULE_STEPS ?= 50
SOAK_CASES ?= 1000
SOAK_SEED ?=
SOAK_DIR ?= $(CURDIR)/build/soak

soak: install
	$(VENV)/bin/python -m tests.soak --steps $(SOAK_STEPS) --schedule-steps $(SOAK_SCHEDULE_STEPS) \
		--cases $(SOAK_CASES) --report-dir $(SOAK_DIR) $(if $(SOAK_SEED),--seed $(SOAK_SEED))

# One zip per service, from wheels for Lambda's platform: what the templates' CodeUri names. A BUILD_DIR given
# on the command line (absolute) reaches the services' Makefiles too.
package: $(UV)
	@for s in $(SERVICES); do $(MAKE) --no-print-directory -C $$s package; done

# Re-resolve every lock file after a dependency change in any pyproject.toml.
lock: $(UV)
	@for s in $(PACKAGES); do $(MAKE) --no-print-directory -C $$s lock; done
	$(UV) pip compile --quiet --python-version 3.11 --extra dev pyproject.toml \
		api-service/pyproject.toml worker-service/pyproject.toml cli/pyproject.toml -o requirements-dev.lock
	$(UV) pip compile --quiet --python-version 3.11 infra/checkov.in -o requirements-checkov.lock
	$(UV) pip compile --quiet --python-version 3.11 infra/sam.in -o requirements-sam.lock

clean:
	rm -rf .tools $(VENV) artifacts build
	@for s in $(PACKAGES); do $(MAKE) --no-print-directory -C $$s clean; done

# Each stack deploys on its own with its own samconfig.toml; core first, since worker and api import its exports.
# The worker and api functions' code is build/<service>.zip, rebuilt by `make package` before each deploy.
# The region and credentials are the SAM CLI's and boto3's usual ones (docs/deploy.md): AWS_DEFAULT_REGION or a
# profile's region, never AWS_REGION alone, which neither reads.
.PHONY: deploy-core deploy-worker deploy-edge deploy-api

# sam resolves a relative --config-file against the template's folder, not the working directory: hence absolute.
# SAM_S3_BUCKET names a bucket of yours for the packaged code and templates instead of the one sam manages for
# the worker and api stacks (their samconfig.toml's resolve_s3); empty, samconfig.toml decides.
SAM_S3_BUCKET ?=
sam_deploy = $(SAM) deploy --config-file $(CURDIR)/infra/$(1)/samconfig.toml \
	--template-file $(CURDIR)/infra/$(1)/template.yaml \
	$(if $(SAM_S3_BUCKET),--no-resolve-s3 --s3-bucket $(SAM_S3_BUCKET))

deploy-core: $(SAM_VENV)/.installed
	$(call sam_deploy,core)

deploy-worker: package $(SAM_VENV)/.installed
	$(call sam_deploy,worker)

# The api stack's CORS allows the page's origin once the frontend stack exists, and any origin until then (the
# page calls its own origin, which needs no CORS: docs/design.md, Per-client limits at the edge). The API answers
# only requests with the frontend's origin header, whose value ORIGIN_SECRET_PARAMETER keeps (infra/origin_secret.py
# makes it once). --parameter-overrides replaces samconfig.toml's: CoreStackName is passed again, and any other
# parameter goes in API_PARAMETERS (`make deploy-api API_PARAMETERS="ThrottlingRateLimit=100"`).
# Payloads over 4 KiB go to the files bucket (docs/design.md, Payloads stored aside); the worker stack, which
# reads them, is deployed first. The template's own default keeps every payload inline, safe with any worker.
PAYLOAD_INLINE_MAX_BYTES := 4096

deploy-api: package install
	allow_origin=$$($(STACK_OUTPUT) $(FRONTEND_STACK) SiteOrigin --if-missing '*') && \
	origin_secret=$$($(ORIGIN_SECRET)) && \
	$(call sam_deploy,api) \
		--parameter-overrides "CoreStackName=$(CORE_STACK)" "AllowOrigin=$$allow_origin" \
		"OriginSecret=$$origin_secret" "PayloadInlineMaxBytes=$(PAYLOAD_INLINE_MAX_BYTES)" $(API_PARAMETERS)

# The web ACL of CloudFront's distribution, in the one region where AWS takes a CLOUDFRONT one; its rate limits
# are parameters (`make deploy-edge EDGE_PARAMETERS="UploadTicketsPerAddressLimit=30"`).
deploy-edge: $(SAM_VENV)/.installed
	$(call sam_deploy,edge) --region $(EDGE_REGION) \
		$(if $(EDGE_PARAMETERS),--parameter-overrides $(EDGE_PARAMETERS))

# The whole order: the edge stack's web ACL and the api stack before the frontend stack, whose distribution
# serves the page and the API behind that web ACL; the page last, since config.json names the distribution's
# origin for the API. The stack names (and the edge's region) are samconfig.toml's (tests/infra checks them).
CORE_STACK := conveyor-core
WORKER_STACK := conveyor-worker
EDGE_STACK := conveyor-edge
EDGE_REGION := us-east-1
API_STACK := conveyor-api
FRONTEND_STACK := conveyor-frontend
STACK_OUTPUT := $(VENV)/bin/python -m infra.stack_outputs
# A SecureString in the api's region, shared by the api stack (which requires the header) and the frontend
# stack (whose distribution sends it): made at random by the first deploy, read by every later one.
ORIGIN_SECRET_PARAMETER := /$(API_STACK)/origin-secret
ORIGIN_SECRET := $(VENV)/bin/python -m infra.origin_secret $(ORIGIN_SECRET_PARAMETER)

.PHONY: deploy deploy-frontend deploy-frontend-stack publish-frontend

deploy:
	$(MAKE) --no-print-directory deploy-core
	$(MAKE) --no-print-directory deploy-worker
	$(MAKE) --no-print-directory deploy-edge
	$(MAKE) --no-print-directory deploy-api
	$(MAKE) --no-print-directory deploy-frontend-stack
	$(MAKE) --no-print-directory publish-frontend

deploy-frontend: deploy-frontend-stack
	$(MAKE) --no-print-directory publish-frontend

# The distribution serves the api stack's API with the origin secret, behind the edge stack's web ACL; each
# parameter is passed every time, so that a deploy never keeps a previous one's value.
deploy-frontend-stack: $(SAM_VENV)/.installed install
	api_domain=$$($(STACK_OUTPUT) $(API_STACK) ApiDomainName) && \
	web_acl=$$($(STACK_OUTPUT) $(EDGE_STACK) WebAclArn --region $(EDGE_REGION)) && \
	origin_secret=$$($(ORIGIN_SECRET)) && \
	$(call sam_deploy,frontend) \
		--parameter-overrides "ApiDomainName=$$api_domain" "WebAclArn=$$web_acl" "OriginSecret=$$origin_secret" \
		$(FRONTEND_PARAMETERS)

# Uploads frontend/, contracts/v1 and config.json (the api stack's ApiUrl), deletes the rest, invalidates the edge.
publish-frontend: install
	$(VENV)/bin/python -m infra.frontend.publish --frontend-stack $(FRONTEND_STACK) --api-stack $(API_STACK)

# After a deploy, the usual answers. `outputs` lists each stack's outputs through sam (core's queue and DLQ URLs,
# the edge's WebAclArn from us-east-1, the api's ApiUrl, the frontend's SiteUrl and ApiUrl; the worker stack has
# none); a stack not deployed is an error there,
# after the others are shown. `status` gives each stack's status and latest event (infra/stack_status.py).
# `logs` follows one function's logs (sam logs --tail): SERVICE=api, worker or sweeper, and FILTER, a CloudWatch
# Logs filter pattern (`make logs SERVICE=worker FILTER='{ $.correlation_id = "<job_id>" }'`).
.PHONY: outputs status logs

outputs: $(SAM_VENV)/.installed
	@failed=0; for stack in $(CORE_STACK) $(EDGE_STACK)@$(EDGE_REGION) $(API_STACK) $(FRONTEND_STACK); do \
		name=$${stack%@*}; region=$${stack#$$name}; echo "$$name"; \
		$(SAM) list stack-outputs --stack-name $$name $${region:+--region $${region#@}} --output table \
			|| failed=1; \
	done; exit $$failed

status: install
	@$(VENV)/bin/python -m infra.stack_status $(CORE_STACK) $(WORKER_STACK) $(EDGE_STACK)@$(EDGE_REGION) \
		$(API_STACK) $(FRONTEND_STACK)

LOG_SOURCE_api := --stack-name $(API_STACK) --name ApiFunction
LOG_SOURCE_worker := --stack-name $(WORKER_STACK) --name WorkerFunction
LOG_SOURCE_sweeper := --stack-name $(WORKER_STACK) --name SweeperFunction
# The pattern as typed: $(value) keeps its `$.` from make's expansion, and the quotes keep it one argument.
logs_filter = $(if $(value FILTER),--filter '$(subst ','"'"',$(value FILTER))')

logs: $(SAM_VENV)/.installed
	$(if $(LOG_SOURCE_$(SERVICE)),,$(error SERVICE must be api, worker or sweeper: make logs SERVICE=worker))
	$(SAM) logs $(LOG_SOURCE_$(SERVICE)) --tail $(logs_filter)
