# Every task a person runs. `make help` lists them. Targets that only check never write to the tree.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PY_SOURCES := contract conformance reference proving_ground tools client airflow-provider examples tests docs
# The project's packages installed in .venv, each a folder with its pyproject.toml beside its import
# package (airflow-provider/, which needs Airflow, lives in the Airflow tier's environments).
PACKAGES := generated/braze-cdi-client client contract reference conformance
PORT ?= 8080
SERVE_FLAGS ?=
# Conformance target: BASE_URL empty means the bundled reference server. Keys travel in the
# environment (TOKEN, LIMITED_TOKEN), never on a command line that make would echo.
BASE_URL ?=
BASE ?=
INTEGRATION_ID ?=
BUDGET ?=
CONFORMANCE_FLAGS ?=
export TOKEN LIMITED_TOKEN

export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true

.PHONY: help bootstrap lint-spec lint test test-airflow test-installed test-browser test-all serve conformance mutants generate \
	bench review docs dist

help: ## Show the targets and what they do (colour only on a terminal)
	@if [ -t 1 ]; then on=$$'\033[36m'; off=$$'\033[0m'; else on=; off=; fi; \
		grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*## "}; {printf "  %s%-12s%s %s\n", on, $$1, off, $$2}'

$(VENV_STAMP): requirements.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
		$(addprefix -e ./,$(PACKAGES))
	@touch $@

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

bootstrap: $(VENV_STAMP) $(NODE_STAMP) ## Create .venv and node_modules from the pinned lists (only when they changed)

lint-spec: bootstrap ## Lint the contract with openapi-spec-validator, Spectral and Redocly (zero problems allowed)
	$(PY) -m tools.lint_spec

lint: bootstrap ## Check the project's own Python code: ruff check, ruff format --check, mypy --strict
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/mypy $(PY_SOURCES)

# The fast tier: every test but the whole kill matrix and the Airflow environment. Four workers on
# two cores: many tests wait on servers, rate-limit windows or subprocesses.
PYTEST_WORKERS ?= 4
test: lint-spec lint ## The fast tier (under 5 minutes): spec lint, code lint, every test but the tiers below
	$(PY) -m pytest -m "not airflow and not installed and not browser and not bench" -n $(PYTEST_WORKERS)

test-installed: $(VENV_STAMP) ## The installed tier: builds the wheels, installs them in a fresh venv outside the checkout, runs them there
	$(PY) -m pytest -m installed

test-browser: $(VENV_STAMP) ## The browser tier: the built site in headless Chromium at 1280 px (needs chromium: apt-get install chromium)
	$(PY) -m pytest -m browser

test-bench: $(VENV_STAMP) ## The bench tier: `make bench`'s smoke run, every measurement tiny, proving each one works (figures not judged)
	$(PY) -m pytest -m bench

test-airflow: $(VENV_STAMP) ## The Airflow tier: builds .venv-airflow3 (Airflow 3.3), .venv-airflow31 (3.1), .venv-airflow (2.11); runs the kit's provider and airflow-provider-braze against the reference
	$(PY) -m pytest -m airflow

test-all: test mutants test-airflow test-installed test-browser test-bench ## Everything CI runs: the fast tier, the kill matrix, the Airflow, installed, browser and bench tiers

serve: $(VENV_STAMP) ## Run the installed braze-cdi-reference on 127.0.0.1:PORT (8080); SERVE_FLAGS="--braze-limits" etc.; Ctrl-C stops
	$(VENV)/bin/braze-cdi-reference --port $(PORT) $(SERVE_FLAGS)

conformance: $(VENV_STAMP) ## Run the installed suite against the bundled reference server, or BASE_URL= [INTEGRATION_ID=] [BUDGET=] with TOKEN exported; exits 0 or 2 (bin/conformance: 0, 1 or 2)
	$(PY) -m proving_ground.judge $(if $(BASE_URL),--base-url $(BASE_URL)) $(if $(INTEGRATION_ID),--integration-id $(INTEGRATION_ID)) $(if $(BUDGET),--budget $(BUDGET)) $(CONFORMANCE_FLAGS)

mutants: $(VENV_STAMP) ## The whole kill matrix (a slow tier): the suite and schemathesis against every server of the proving ground
	$(PY) -m proving_ground.matrix

generate: $(VENV_STAMP) ## Write generated/braze-cdi-client from the contract (no-op when its inputs are unchanged)
	$(PY) -m tools.generate

bench: $(VENV_STAMP) ## Print the benchmark table (generate, suite vs plain schemathesis, client, server, mutants)
	$(PY) -m tools.bench

review: bootstrap ## Report lint, every contract change by level, client diff and regeneration need against BASE (default: merge base with main); writes build/reference.html
	$(PY) -m tools.review $(if $(BASE),--base $(BASE))

docs: $(VENV_STAMP) ## Build the documentation site into build/site (offline) and build/reference.html
	$(PY) -m tools.docs

dist: $(VENV_STAMP) ## Build every package's wheel and sdist into dist/ (offline, from the pinned build backend)
	$(PY) -m tools.dist
