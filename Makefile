# Two commands on a fresh machine with python3 and make: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export FANZHA_DATABASE_URL ?= sqlite:///./var/fanzha.db

.PHONY: demo test lint unit integration e2e serve clean bench check-reliability lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,spark]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-reliability: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,spark,reliability]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

var:
	mkdir -p var

## demo: set up, migrate, seed the demo province and run web, workers and the SMS inbox on http://$(HOST):$(PORT)
demo: $(VENV)/.installed | var
	$(BIN)/fanzha db upgrade
	$(BIN)/fanzha demo seed
	test -f var/sim/manifest.json || $(BIN)/fanzha sim generate --people 3000 --days 14 --seed 7 --out var/sim
	test -f var/.demo-loaded || ($(BIN)/fanzha demo load var/sim && touch var/.demo-loaded)
	$(BIN)/fanzha demo refresh
	$(BIN)/fanzha run --host $(HOST) --port $(PORT)

## test: set up with test extras, lint, type-check and run every test tier
test: $(VENV)/.installed-test lint
	$(BIN)/pytest -q tests/unit tests/integration tests/e2e tests/gates

## check-reliability: every gate in full (docs/reliability.md); runs them all, then names the ones that failed
check-reliability: $(VENV)/.installed-reliability lint
	@failed=""; \
	FANZHA_FUZZ_PROFILE=full $(BIN)/pytest -q --cov=fanzha --cov-report=term:skip-covered \
	  tests/unit tests/integration tests/e2e tests/gates || failed="$$failed tests+full-fuzz"; \
	{ $(BIN)/python tests/gates/coverage_floor.py check && $(BIN)/python tests/gates/coverage_floor.py raise; } \
	  || failed="$$failed coverage-floor"; \
	if [ -d tests/crash ]; then $(BIN)/pytest -q tests/crash || failed="$$failed crash"; \
	else echo "tests/crash is not there yet: crash gate not run"; fi; \
	if [ -f bench/load.py ]; then $(BIN)/python bench/load.py --minutes 10 || failed="$$failed load"; \
	else echo "bench/load.py is not there yet: load gate not run"; fi; \
	$(BIN)/python tests/gates/audit_deps.py || failed="$$failed pip-audit"; \
	if [ -n "$$failed" ]; then echo "check-reliability FAILED:$$failed"; exit 1; fi; \
	echo "check-reliability: every gate green"

## lock: pin every installed dependency (test, spark and reliability extras) into requirements.lock
lock: $(VENV)/.installed-reliability
	{ echo "# Locked dependencies of the test, spark and reliability extras (what CI and make check-reliability run)."; \
	  echo "# Install: pip install -r requirements.lock && pip install --no-deps -e .   Regenerate: make lock"; \
	  $(BIN)/pip freeze --exclude-editable; } > requirements.lock

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench evalworld clients
	$(BIN)/ruff format --check src tests bench evalworld clients
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(VENV)/.installed-test
	$(BIN)/pytest -q tests/unit

integration: $(VENV)/.installed-test
	$(BIN)/pytest -q tests/integration

e2e: $(VENV)/.installed-test
	$(BIN)/pytest -q tests/e2e

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
