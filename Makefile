# Two commands on a fresh machine with python3 and make: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export FANZHA_DATABASE_URL ?= sqlite:///./var/fanzha.db

.PHONY: demo test lint unit integration e2e serve clean bench bench-check check-reliability lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs take exact versions with their hashes from requirements/*.lock (make lock), then the project.
$(VENV)/.installed: pyproject.toml requirements/runtime.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/runtime.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements/test.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

$(VENV)/.installed-reliability: pyproject.toml requirements/dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
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

## bench-check: every benchmark's --quick ratio against bench/baseline.json (noisy: not in make test; run alone)
bench-check: $(VENV)/.installed-test
	$(BIN)/python bench/check.py

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

## lock: resolve pyproject.toml into requirements/{runtime,test,dev}.lock, exact versions with hashes (uv)
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv
	for spec in "runtime:" "test:--extra test --extra spark" \
	            "dev:--extra test --extra spark --extra reliability --extra bench --extra otel"; do \
	  name=$${spec%%:*}; extras=$${spec#*:}; \
	  { echo "# $$name dependencies, exact versions with hashes: make lock (uv pip compile), never by hand."; \
	    $(BIN)/uv pip compile pyproject.toml $$extras --generate-hashes --python-version 3.11 \
	      --python-platform x86_64-unknown-linux-gnu --no-header --quiet; } > requirements/$$name.lock; \
	done

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
