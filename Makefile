# One entry point for humans and CI. `make setup` is idempotent; every other target runs it first.
SHELL       := /bin/bash
PYTHON      ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
BUILD       := build
export TF_CLI_CONFIG_FILE := $(CURDIR)/$(BUILD)/terraform.rc
export CHECKPOINT_DISABLE := 1
ENV         ?=
ENVS        := shared training production
TF_DIRS     := modules envs
PYTEST_ARGS ?=

.PHONY: help setup package demo test test-module test-fast regen docs fmt lint checkov plan apply access-report access-readme clean

help:
	@echo "make demo            run the whole pipeline on an embedded AWS emulator (no AWS account needed)"
	@echo "make test            every test: plans, contract, validation rules, checkov, Lambda, rehearsal"
	@echo "make test-module M=kms-bucket   one module's tests (inventories, validation rules, its checks); M=envs/shared for an env"
	@echo "make test-fast       the tests that need neither a plan nor the emulator"
	@echo "make plan ENV=shared|training|production    plan one account's root (needs its backend.hcl and credentials)"
	@echo "make apply ENV=...   apply it (order: shared, training, production)"
	@echo "make demo DEMO_ARGS='--fail-gate'   failure paths: --fail-training --fail-gate --reject --fail-deploy; --data DIR; --keep"
	@echo "make docs            regenerate the Inputs/Outputs tables of modules/*/README.md from variables.tf and outputs.tf"
	@echo "make fmt | lint | checkov | package | access-report | access-readme | clean"

# Exactly the locked tree, every file checked against its hash: first the pinned installers with pip
# (requirements-pip.lock: pip, uv), then everything else with uv (requirements.lock), bytecode compiled as pip
# would (on all cores: the test runs then start from compiled modules). Both locks are generated, see
# CONTRIBUTING.md "Dependencies".
$(VENV)/.installed: requirements.lock requirements-pip.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes --no-deps -r requirements-pip.lock
	$(VENV)/bin/uv pip install --quiet --require-hashes --compile-bytecode --python $(PY) -r requirements.lock
	touch $@

$(BUILD)/terraform.rc: scripts/terraform-cli-config.sh
	scripts/terraform-cli-config.sh $@

# Terraform's plugin cache (build/plugin-cache, see the CLI config) is not safe for concurrent writers: fill it
# once here, before the test runs that init in parallel.
$(BUILD)/plugin-cache/.filled: $(BUILD)/terraform.rc
	mkdir -p $(BUILD)/plugin-cache/.fill
	printf 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = ">= 5.100" }\n  }\n}\n' >$(BUILD)/plugin-cache/.fill/versions.tf
	terraform -chdir=$(BUILD)/plugin-cache/.fill init -input=false -backend=false >/dev/null
	rm -rf $(BUILD)/plugin-cache/.fill
	touch $@

setup: $(VENV)/.installed $(BUILD)/terraform.rc $(BUILD)/plugin-cache/.filled

package: setup
	$(PY) scripts/package_lambda.py $(BUILD)/deployer.zip

demo: setup package
	PYTHONPATH=pipeline $(PY) -m rehearsal $(DEMO_ARGS)

# Three pytest runs side by side; all must pass, and one selecting no test (exit 5) is a failure too:
# - the tests on the three envs applied into the embedded emulator (marker `applied`, tests/conftest.py), the
#   longest chain (the applies, mostly the provider's waits, then the pipeline runs), started first;
# - the other emulator tests (marker `emulator`), in a process of their own: the embedded emulator and the
#   Lambda tests' in-process moto (`mock_aws`) share moto's backends, so they must not share a process;
# - everything else on pytest-xdist.
# The first is the critical path and mostly waits (on the provider and the pipeline); the other two are CPU
# bound and run niced, so that the chain gets a core whenever it needs one. The two background runs' output
# follows the xdist run's.
PYTEST          := $(PY) -m pytest
PYTEST_XDIST    := $(PYTEST) -n auto --dist loadgroup
test: setup package
	@$(PYTEST) -m applied $(PYTEST_ARGS) >$(BUILD)/test-applied.log 2>&1 & applied=$$!; \
	nice -n 10 $(PYTEST) -m "emulator and not applied" $(PYTEST_ARGS) >$(BUILD)/test-emulator.log 2>&1 & emulator=$$!; \
	trap 'kill $$applied $$emulator 2>/dev/null' INT TERM; \
	nice -n 10 $(PYTEST_XDIST) -m "not emulator" $(PYTEST_ARGS); others=$$?; \
	wait $$emulator; emulated=$$?; \
	wait $$applied; onapplied=$$?; \
	echo "----- the other emulator tests (one process; log: $(BUILD)/test-emulator.log) -----"; \
	cat $(BUILD)/test-emulator.log; \
	echo "----- tests on the applied envs (one process, started first; log: $(BUILD)/test-applied.log) -----"; \
	cat $(BUILD)/test-applied.log; \
	echo "make test: others exit $$others, emulator tests exit $$emulated, tests on the applied envs exit $$onapplied"; \
	[ $$others -eq 0 ] && [ $$emulated -eq 0 ] && [ $$onapplied -eq 0 ]

# One module's tests (M=kms-bucket) or one env's (M=envs/shared): the tests marked target(...) for it.
test-module: setup package
	@[ -n "$(M)" ] || { echo "usage: make test-module M=<module> (or M=envs/<env>)" >&2; exit 2; }
	$(PYTEST_XDIST) --tf-target=$(M) $(PYTEST_ARGS)

test-fast: setup
	$(PYTEST_XDIST) -m "not plan and not emulator" $(PYTEST_ARGS)

# Refresh one plan inventory from a fresh plan: make regen CASE=tests/modules/kms-bucket/artifacts.yaml
regen: setup
	@[ -n "$(CASE)" ] || { echo "usage: make regen CASE=<tests/.../case.yaml>" >&2; exit 2; }
	PYTHONPATH=tests:pipeline $(PY) tests/regen_inventory.py $(CASE)

# The generated part of each module README (between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->).
docs: setup
	$(PY) scripts/gen_module_docs.py

fmt: setup
	terraform fmt -recursive modules
	terraform fmt -recursive envs
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lint: setup
	terraform fmt -check -recursive modules
	terraform fmt -check -recursive envs
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

checkov: setup
	$(PYTEST_XDIST) tests/test_checkov.py

access-report: setup package
	PYTHONPATH=pipeline $(PY) -m tests.access.report --apply

# The README's access matrix, from the recorded states (tests/access/fixtures), as tests/access checks it.
access-readme: setup
	PYTHONPATH=pipeline $(PY) -m tests.access.report --write-readme

plan apply: setup package
	@case "$(ENV)" in shared|training|production) ;; *) echo "ENV must be one of: $(ENVS)" >&2; exit 2;; esac
	@test -f envs/$(ENV)/backend.hcl || { echo "envs/$(ENV)/backend.hcl is missing: copy envs/$(ENV)/backend.hcl.example and fill it in" >&2; exit 2; }
	cd envs/$(ENV) && terraform init -input=false -backend-config=backend.hcl
	cd envs/$(ENV) && terraform $@ -input=false

clean:
	rm -rf $(BUILD) .tftest .pytest_cache
