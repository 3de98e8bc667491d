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

.PHONY: help setup package demo test fmt lint checkov plan apply access-report clean

help:
	@echo "make demo            run the whole pipeline on an embedded AWS emulator (no AWS account needed)"
	@echo "make test            every test: plans, contract, validation rules, checkov, Lambda, rehearsal"
	@echo "make plan ENV=shared|training|production    plan one account's root (needs its backend.hcl and credentials)"
	@echo "make apply ENV=...   apply it (order: shared, training, production)"
	@echo "make demo DEMO_ARGS='--fail-gate'   failure paths: --fail-training --fail-gate --reject --fail-deploy; --data DIR; --keep"
	@echo "make fmt | lint | checkov | package | access-report | clean"

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.lock
	touch $@

$(BUILD)/terraform.rc: scripts/terraform-cli-config.sh
	scripts/terraform-cli-config.sh $@

setup: $(VENV)/.installed $(BUILD)/terraform.rc

package: setup
	$(PY) scripts/package_lambda.py $(BUILD)/deployer.zip

demo: setup package
	PYTHONPATH=pipeline $(PY) -m rehearsal $(DEMO_ARGS)

# Tests that share the embedded emulator are one xdist group (loadgroup): one worker applies once for all of them.
test: setup package
	$(PY) -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

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
	$(PY) -m pytest -n auto tests/test_checkov.py

access-report: setup package
	PYTHONPATH=pipeline $(PY) -m tests.access.report --apply

plan apply: setup package
	@case "$(ENV)" in shared|training|production) ;; *) echo "ENV must be one of: $(ENVS)" >&2; exit 2;; esac
	@test -f envs/$(ENV)/backend.hcl || { echo "envs/$(ENV)/backend.hcl is missing: copy envs/$(ENV)/backend.hcl.example and fill it in" >&2; exit 2; }
	cd envs/$(ENV) && terraform init -input=false -backend-config=backend.hcl
	cd envs/$(ENV) && terraform $@ -input=false

clean:
	rm -rf $(BUILD) .tftest .pytest_cache
