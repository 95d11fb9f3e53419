# Two commands on a machine with python3 and make: `make run` and `make test`.
# Everything else is installed from uv.lock into .venv; uv itself is pinned and kept in .tools.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Precompiled bytecode: imports stay fast even where PYTHONDONTWRITEBYTECODE is set.
export UV_COMPILE_BYTECODE := 1

.PHONY: install run test lint format check-imports typecheck unit clean

install: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --quiet
	touch $@

run: install  ## serve the API on the embedded SQLite database (migrated first)
	$(BIN)/taskboard db upgrade
	$(BIN)/taskboard serve

test: lint  ## every check: lint, layer contracts, types, then the whole test suite
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

unit: install  ## the use-case tests alone: no database, a few seconds
	$(BIN)/pytest tests/unit

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache
