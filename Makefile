# Tracktion: the two commands a newcomer needs are `make run` and `make test`.
# Both create the virtualenv and install what they need first.

PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAM_VENV := .tools/sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: install run test test-fast test-system system-deps sam-build lint deadcode typecheck validate build bench load openapi sdk-models fuzz clean

$(STAMP): pyproject.toml layers/core/requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# SAM CLI lives in its own tool virtualenv, never in the project's (its pins fight ours).
$(SAM_STAMP):
	$(PY) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --upgrade pip
	$(SAM_VENV)/bin/pip install -q aws-sam-cli
	touch $(SAM_STAMP)

## Start the whole service locally (gateway on :3000, embedded AWS, triggers, schedules, WebSocket).
run: install
	$(BIN)/python -m local

# The suite runs on every core (pytest-xdist): unit and functional tests spread one by one;
# the tests on one local runtime run on one worker (--dist loadgroup, groups set in
# tests/conftest.py), so each runtime starts once. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto

## Everything CI checks: lint, types, template validation, and the whole test suite.
test: install $(SAM_STAMP) system-deps lint typecheck validate sam-build
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadgroup

test-fast: install
	$(BIN)/python -m pytest -q -x -m "not integration"

## CUE sheets read by Debian's tools: cuetools (cueconvert, cuebreakpoints), libFLAC's metaflac and
## shntool; and Debian's chromium, which tests/integration/test_docs_page.py opens /docs with.
## Installs cuetools, flac, shntool and chromium with apt-get when missing (as root; else through
## sudo).
SYSTEM_TOOLS := cueconvert cuebreakpoints cueprint metaflac flac shntool chromium ffmpeg ffprobe tmux
SYSTEM_PACKAGES := cuetools flac shntool chromium ffmpeg tmux
# Debian's CUE readers (libcue's cuetools, libFLAC's metaflac, shntool) that tests/system
# reads our sheets with, headless Chromium for the documentation page's test, and ffmpeg/ffprobe
# that read our FFMETADATA1 chapter exports back (tests/integration/test_export_flow.py).
system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing $(SYSTEM_PACKAGES) (missing:$$missing)"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

test-system: install system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider -m system tests/system

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tests.deadcode

## Dead code: vulture over the shipped code ([tool.vulture] in pyproject.toml; part of lint).
deadcode: install
	$(BIN)/python -m tests.deadcode

typecheck: install
	$(BIN)/mypy layers/core/tracktion functions local sdk/tracktion_sdk

validate: install $(SAM_STAMP)
	$(BIN)/cfn-lint template.yaml
	$(SAM) validate --lint --template-file template.yaml --region $(AWS_DEFAULT_REGION)

# sam build resolves the layer's wheels for Lambda's platform (arm64, Amazon Linux 2's glibc
# 2.26): a dependency pinned to a version without a manylinux2014 wheel fails here, not in AWS.
sam-build: install $(SAM_STAMP)
	$(SAM) build --template-file template.yaml

build: install $(SAM_STAMP) validate sam-build

bench: install
	$(BIN)/python -m benchmarks

## Load: 20 users with their own keys on the local runtime (locust, benchmarks/locustfile.py) for
## 2,000 requests or 120 s, then every acknowledged write read back and every usage counter
## checked; figures into docs/performance.md ("Load").
load: install
	$(BIN)/python -m benchmarks.load

# The merged document: docs/openapi.json for readers, and the copy HealthFunction packages and
# serves at /api/v1/openapi.json (tests/contract/test_openapi.py checks both are current); then the
# table of every route's rules in docs/security.md (local/route_rules.py).
openapi: install
	$(BIN)/python -m local.openapi > docs/openapi.json
	cp docs/openapi.json functions/health_api/openapi.json
	$(BIN)/python -m local.route_rules
	$(MAKE) sdk-models

## The SDK's typed answers and operation table (sdk/tracktion_sdk/models.py, operations.py), generated
## from docs/openapi.json by datamodel-code-generator; tests/sdk/test_models_current.py checks them.
sdk-models: install
	$(BIN)/python sdk/codegen.py

## schemathesis against the local runtime's /api/v1/openapi.json, long: FUZZ_CASES cases
## (`make test` runs a short one). Prints cases, server errors, schema violations, ...
FUZZ_CASES ?= 5000
fuzz: install
	$(BIN)/python -m tests.fuzz --cases $(FUZZ_CASES)

clean:
	rm -rf $(VENV) .tools .aws-sam .pytest_cache .mypy_cache .ruff_cache
