# What a service has beyond every Python project's targets (python-project.mk, beside this file): the contract
# copied into its package with the models generated from it, and its Lambda function's zip. A service's Makefile
# sets PACKAGE (its import package), FUNCTION (its Lambda function's zip and stack name) and GENERATE_MODELS,
# includes this, and adds the targets of its own after it. Run from the service's folder.
include $(dir $(lastword $(MAKEFILE_LIST)))python-project.mk

SCHEMAS := src/$(PACKAGE)/contract/schemas
CLEAN_ALSO := $(SCHEMAS)

.PHONY: contracts package

install: contracts

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

# The function's code for `sam deploy`: lambda-package.mk, beside this file, says how it is built.
include $(dir $(lastword $(MAKEFILE_LIST)))lambda-package.mk
