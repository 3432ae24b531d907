# `make package` for a service's Lambda function, included by infra/service.mk, for a service's Makefile that
# sets FUNCTION (the zip's and the stack's name) and PACKAGE (its import package). Run from the service's folder.

# The function's code for `sam deploy` (CodeUri in infra/$(FUNCTION)/template.yaml). Lambda's python3.12 on arm64
# runs Amazon Linux 2023 (glibc 2.34), so the locked dependencies come as wheels for that platform: binary
# only, so neither a compiler nor Docker is needed and no x86_64 build can slip in. --no-deps installs exactly
# the lock, which `uv pip compile` resolved for 3.11 here; tests/infra/test_package.py checks that it covers
# everything the bundle declares for Lambda's Python. boto3 is bundled rather than taken from the runtime,
# whose copy is older and changes whenever AWS updates it: the function runs the SDK the tests ran. The
# service goes in as a wheel built afresh by `uv build`, since uv may reuse a wheel built from a folder until
# pyproject.toml changes. The bundle ships its bytecode, compiled by a Python of the runtime's version
# (infra/lambda_bytecode.py says why and how it finds one).
BUILD_DIR ?= ../build
STAGING := $(BUILD_DIR)/staging/$(FUNCTION)
LAMBDA_PYTHON_VERSION := 3.12
LAMBDA_TARGET := --python-platform aarch64-manylinux_2_34 --python-version $(LAMBDA_PYTHON_VERSION) --only-binary :all: --no-deps
# Without uv's installer records (INSTALLER, REQUESTED, direct_url.json with this machine's path to the wheel)
# the same sources give the same zip, byte for byte, wherever they are built.
package: export UV_NO_INSTALLER_METADATA := 1

package: contracts
	rm -rf $(STAGING)
	$(UV) pip install --quiet --target $(STAGING)/bundle $(LAMBDA_TARGET) -r requirements.lock
	$(UV) build --quiet --wheel --out-dir $(STAGING)/wheel .
	$(UV) pip install --quiet --target $(STAGING)/bundle $(LAMBDA_TARGET) $(STAGING)/wheel/$(PACKAGE)-*.whl
	python3 ../infra/lambda_bytecode.py $(LAMBDA_PYTHON_VERSION) $(STAGING)/bundle
	python3 ../infra/lambda_zip.py $(STAGING)/bundle $(BUILD_DIR)/$(FUNCTION).zip
