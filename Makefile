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

.PHONY: install run test suite debian-packages lint style format typecheck unit bench soak clean

install: $(VENV)/.synced

# The Python's own pip installs uv into a venv made without pip (5 s instead of 10); a Python that has
# no pip module of its own gets one in the venv instead.
$(UV):
	$(PYTHON) -m venv --without-pip $(TOOLS) \
		&& $(PYTHON) -m pip --python $(TOOLS)/bin/python install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
		|| { rm -rf $(TOOLS) && $(PYTHON) -m venv $(TOOLS) \
			&& $(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); }

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --quiet
	touch $@

run: install  ## serve the API on the embedded SQLite database (migrated first)
	$(BIN)/taskboard db upgrade
	$(BIN)/taskboard serve

# The suite runs on pytest-xdist workers, one more than the cores: tests wait on the databases and on
# server processes part of the time (2 cores: 146 s on 3 workers, 162 s on 2). Each module stays on
# one worker, so its app is built once. The ten slowest tests are printed, to keep the suite fast.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
PYTEST_ARGS ?= -n $(TEST_WORKERS) --dist loadscope --durations=10
# mypy and the suite run side by side (the suite waits on its databases part of the time); either
# failing fails the target, and each one's output is printed whole when it ends.
test: style  ## every check: lint, layer contracts, types, and the whole test suite
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target typecheck suite

suite: install debian-packages
	$(BIN)/pytest $(PYTEST_ARGS)

# Debian's PgBouncer, which tests/http/test_pgbouncer.py starts in front of the test database, and
# Chromium, in which tests/http/test_api_docs.py renders the API reference with no network (without
# them those tests skip, or fail under CI=true). One apt-get for whichever is missing: two run side
# by side (make --jobs) would fight over dpkg's lock, and one of them would lose.
debian-packages:
	@missing=""; \
	command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer || missing="$$missing pgbouncer"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	test -z "$$missing" \
		|| { apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; } \
		|| echo "test: could not install$$missing; the tests that need them skip"

lint: style typecheck  ## ruff, ruff format --check, import-linter, mypy --strict

style: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

unit: install  ## the use-case tests alone: no database, a few seconds
	$(BIN)/pytest tests/unit

# The read-path benchmark (bench/run.py): a PostgreSQL cluster of its own, seeded with TASKS tasks,
# taskboard beside the hand-written baseline. About 5 minutes; not part of `test`.
# SCALE=1 instead compares list latencies at 10k and 1M tasks (seeding 1M takes several minutes).
TASKS ?= 100000
BENCH_ARGS ?=
bench: $(UV)  ## benchmark GET /tasks against raw asyncpg and FastAPI; e.g. make bench TASKS=10000
	$(UV) sync --frozen --quiet --inexact --group bench
	$(BIN)/mypy bench/fastapi_app.py
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| echo "bench: wrk could not be installed; the Python load generator stands in"
	$(BIN)/python -m bench.run --tasks $(TASKS) $(if $(SCALE),--scale-check) $(BENCH_ARGS)

# The soak (bench/soak.py): mixed reads and writes at 16 clients for MINUTES on a PostgreSQL cluster
# of its own; fails unless there were no errors and the server's memory grew < 10 %. Not part of `test`.
MINUTES ?= 10
soak: install  ## e.g. make soak MINUTES=2
	$(BIN)/python -m bench.soak --minutes $(MINUTES)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache
