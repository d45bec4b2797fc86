# Two commands on a fresh machine with python3 and make: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export FANZHA_DATABASE_URL ?= sqlite:///./var/fanzha.db

.PHONY: demo test lint unit integration e2e serve clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,spark]'
	touch $@ $(VENV)/.installed

var:
	mkdir -p var

## demo: set up, migrate, seed the demo province and serve on http://$(HOST):$(PORT)
demo: $(VENV)/.installed | var
	$(BIN)/fanzha db upgrade
	$(BIN)/fanzha demo seed
	test -f var/sim/manifest.json || $(BIN)/fanzha sim generate --people 3000 --days 14 --seed 7 --out var/sim
	test -f var/.demo-loaded || ($(BIN)/fanzha demo load var/sim && touch var/.demo-loaded)
	$(BIN)/fanzha serve --host $(HOST) --port $(PORT)

## test: set up with test extras, lint, type-check and run every test tier
test: $(VENV)/.installed-test lint
	$(BIN)/pytest -q tests/unit tests/integration tests/e2e

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
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
