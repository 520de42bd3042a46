# Every target creates or reuses the virtualenvs and installs what it needs: only Python 3 and make
# are assumed. .venv holds the tap and its dev tools; .venv-meltano holds Meltano, whose plugins
# (the tap itself, target-duckdb, target-postgres) live in .meltano/.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
MELTANO_VENV := .venv-meltano
MELTANO := $(MELTANO_VENV)/bin/meltano
PLUGINS_INSTALLED := .meltano/.installed
# Dagster, in a virtualenv of its own: it runs Meltano's jobs as commands (orchestration/).
DAGSTER_VENV := .venv-dagster
DAGSTER_INSTALLED := $(DAGSTER_VENV)/.installed
# Tests run in parallel (pytest-xdist); worksteal evens out the few long end-to-end tests, each
# of which runs Meltano with a run directory of its own (scripts/pipeline.meltano_dirs).
TEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist worksteal

.PHONY: install meltano dagster postgres demo test test-fast e2e lint bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e . --group dev
	touch $(INSTALLED)

$(MELTANO): pyproject.toml
	$(PYTHON) -m venv $(MELTANO_VENV)
	$(MELTANO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MELTANO_VENV)/bin/python -m pip install --quiet --group meltano
	touch $(MELTANO)

$(PLUGINS_INSTALLED): $(MELTANO) meltano.yml pyproject.toml
	$(MELTANO) install
	touch $(PLUGINS_INSTALLED)

$(DAGSTER_INSTALLED): orchestration/pyproject.toml
	$(PYTHON) -m venv $(DAGSTER_VENV)
	$(DAGSTER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DAGSTER_VENV)/bin/python -m pip install --quiet -e orchestration
	touch $(DAGSTER_INSTALLED)

install: $(INSTALLED)

dagster: $(DAGSTER_INSTALLED) $(PLUGINS_INSTALLED)

meltano: $(PLUGINS_INSTALLED)

postgres:
	@scripts/ensure-postgres

demo: $(INSTALLED) $(PLUGINS_INSTALLED)
	$(PY) -m scripts.demo

# Everything the end-to-end tests need; independent, so made at once (a minute less on a fresh machine).
E2E_SETUP := $(INSTALLED) $(PLUGINS_INSTALLED) $(DAGSTER_INSTALLED) postgres

test:
	$(MAKE) --jobs=4 --output-sync=target $(E2E_SETUP)
	$(PY) -m pytest $(PYTEST_PARALLEL)

test-fast: $(INSTALLED)
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not e2e"

e2e:
	$(MAKE) --jobs=4 --output-sync=target $(E2E_SETUP)
	$(PY) -m pytest $(PYTEST_PARALLEL) -m e2e

lint: $(INSTALLED)
	$(PY) -m ruff check tap_infinity tests scripts emulator orchestration
	$(PY) -m ruff format --check tap_infinity tests scripts emulator orchestration
	$(PY) -m mypy

bench: $(INSTALLED) $(PLUGINS_INSTALLED) postgres
	$(PY) -m scripts.bench
	$(PY) -m scripts.bench_latency
	$(PY) -m scripts.bench_latency --bandwidth 10000000
	$(PY) -m scripts.bench_postgres

clean:
	rm -rf $(VENV) $(MELTANO_VENV) $(DAGSTER_VENV) .meltano output .pytest_cache .mypy_cache .ruff_cache
