# Run, test and benchmark the program. Needs GNU make and Python 3.11+; everything else is installed
# into .venv on first use. `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; the install runs again only when the lock file is newer.
STAMP := $(VENV)/.installed
UV := $(BIN)/uv
# uv never downloads a Python of its own: the venv is made from $(PYTHON).
export UV_PYTHON_DOWNLOADS := never
MANAGE := $(BIN)/python manage.py

# The resident list imported into a fresh local database: the shared program data beside the
# checkout if present, else the copy the residents tests use.
SAMPLE_CSV := $(firstword $(wildcard ../shared/data/residents_sample.csv tests/residents/data/residents_sample.csv))

# Size of the bench data set (1: a city of 100,000 residents; 10: a prefecture, a million).
# Every bench command reads it; each size has its own database (bench, bench_scale10, ...).
BENCH_SCALE ?= 1
BENCH_DB_NAME = $(if $(filter 1 1.0,$(BENCH_SCALE)),bench,bench_scale$(subst .,_,$(BENCH_SCALE)))
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB_NAME)
LOCAL_BROKER_URL ?= redis://127.0.0.1:6379/0
PORT ?= 8000

.PHONY: help install lock run test lint format bench backup worker beat clean

help:
	@echo "make run      install, migrate, load program data and demo data, serve on http://127.0.0.1:8000/"
	@echo "make test     ruff check, ruff format --check, lint-imports, mypy, then the whole pytest suite"
	@echo "make lint     ruff check, format check, the import layers and mypy only"
	@echo "make format   ruff format and ruff check --fix"
	@echo "make lock     refresh requirements/*.txt (exact versions and hashes) from pyproject.toml"
	@echo "make bench    pages, reports, slow views, matching and load benchmarks on PostgreSQL (BENCH_SCALE=$(BENCH_SCALE), DATABASE_URL default $(BENCH_DATABASE_URL))"
	@echo "make backup   pg_dump backup of DATABASE_URL (scripts/backup.sh, see docs/backup.md)"
	@echo "make worker   Celery worker on Redis (CELERY_BROKER_URL, default $(LOCAL_BROKER_URL))"
	@echo "make beat     Celery beat on Redis (run exactly one)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The installer (uv) goes into .venv from its own hashed pin, with the pip that venv brings.
$(UV): requirements/uv.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
	  -r requirements/uv.txt
	touch $(UV)

# Everything else comes from the lock file only: exact versions, every file checked by its hash.
# `uv pip sync` also removes what the lock no longer lists (uv itself is in it).
$(STAMP): requirements/dev.txt | $(UV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes requirements/dev.txt
	touch $(STAMP)

# Refresh the lock files from pyproject.toml and requirements/uv.in on purpose: newest releases
# inside the ranges (UPGRADE=0 keeps today's pins and only adds what is new). Commit the result on
# its own, with the `make test` run beside it.
UPGRADE ?= 1
LOCK_FLAGS = --quiet --generate-hashes --universal --python-version 3.11 \
  --custom-compile-command "make lock" $(if $(filter 1,$(UPGRADE)),--upgrade)
lock: | $(UV)
	$(UV) pip compile $(LOCK_FLAGS) requirements/uv.in -o requirements/uv.txt
	$(UV) pip compile $(LOCK_FLAGS) pyproject.toml requirements/uv.in --extra dev -o requirements/dev.txt
	@# Runtime only (Dockerfile), held to the same versions as the development lock.
	$(UV) pip compile $(LOCK_FLAGS) pyproject.toml -c requirements/dev.txt -o requirements/base.txt
	@echo "lock files written with $$($(UV) --version); run make test and commit requirements/ on its own"

install: $(STAMP)

run: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_program_data
	@# Import the sample resident list only into a database that has no residents yet.
	@if [ -n "$(SAMPLE_CSV)" ] && $(MANAGE) shell -v 0 -c \
	    "import sys; from residents.models import Resident; sys.exit(1 if Resident.objects.exists() else 0)"; then \
	  mkdir -p var; \
	  echo "$(MANAGE) import_residents $(SAMPLE_CSV)"; \
	  $(MANAGE) import_residents "$(SAMPLE_CSV)" --report var/residents_sample.report.txt; \
	fi
	$(MANAGE) seed_demo
	@# The .mo files are committed; recompile only where gettext is installed.
	@if command -v msgfmt >/dev/null 2>&1; then \
	  $(MANAGE) compilemessages --ignore="$(VENV)" --ignore=node_modules -v 0; \
	else \
	  echo "msgfmt not found: using the committed translations"; \
	fi
	@# seed_demo prints the full table only when it creates the data; repeat the logins every time.
	@$(MANAGE) shell -v 0 -c "from devtools.demo.builder import DEMO_USERNAMES, DEMO_PASSWORD; \
	  print('\nOpen http://127.0.0.1:$(PORT)/ and log in as', ' / '.join(DEMO_USERNAMES), \
	  'with the password', DEMO_PASSWORD, '\n')" || true
	@echo "Two-factor authentication is optional for administrators in this local demo; production requires it."
	MFA_REQUIRED_FOR_ADMINISTRATORS="$${MFA_REQUIRED_FOR_ADMINISTRATORS:-false}" $(MANAGE) runserver 127.0.0.1:$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# The layers of pyproject.toml's import contract (README, Layout).
	$(BIN)/lint-imports --no-cache
	@# Types, with the django-stubs plugin (pyproject.toml [tool.mypy]); 0 errors.
	$(BIN)/mypy .

test: lint
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Create the benchmark database if it is missing (connects to the server's `postgres` database,
# else `test`), then migrate it and run the benchmark.
define CREATE_DB_PY
import os, sys
import dj_database_url, psycopg
from psycopg import sql
cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
if "postgresql" not in cfg["ENGINE"]:
    sys.exit("make bench needs a PostgreSQL DATABASE_URL, got " + cfg["ENGINE"])
params = {k.lower(): cfg[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if cfg.get(k)}
last_error = None
for maintenance_db in ("postgres", "test"):
    try:
        conn = psycopg.connect(dbname=maintenance_db, autocommit=True, **params)
    except psycopg.OperationalError as exc:
        last_error = exc
        continue
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
            print("created database", cfg["NAME"])
    break
else:
    sys.exit(f"cannot reach PostgreSQL to create {cfg['NAME']}: {last_error}")
endef
export CREATE_DB_PY

bench: $(STAMP)
	export DATABASE_URL="$${DATABASE_URL:-$(BENCH_DATABASE_URL)}" BENCH_SCALE="$(BENCH_SCALE)"; \
	$(BIN)/python -c "$$CREATE_DB_PY" && \
	$(MANAGE) migrate --noinput && \
	$(MANAGE) bench $(BENCH_ARGS) && \
	$(MANAGE) bench_reports && \
	$(MANAGE) bench_slow_views && \
	$(MANAGE) bench_matching && \
	$(MANAGE) bench_load $(BENCH_LOAD_ARGS)

backup:
	scripts/backup.sh

worker: $(STAMP)
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-$(LOCAL_BROKER_URL)}" \
	  $(BIN)/celery -A project worker --loglevel=INFO

beat: $(STAMP)
	mkdir -p var
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-$(LOCAL_BROKER_URL)}" \
	  $(BIN)/celery -A project beat --loglevel=INFO --schedule=var/celerybeat-schedule

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache staticfiles
