# Microlens: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
REQ_HASH := $(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-10)
STAMP := $(VENV)/.installed-$(REQ_HASH)

.PHONY: install run test test-fast lint fmt check-deploy bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## Serve the app with demo data on http://127.0.0.1:8000 (SQLite + filesystem Celery transport).
run: install
	bin/run-local

## The whole suite. PostgreSQL when DATABASE_URL is set, Redis + a real worker when REDIS_URL is set.
test: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings_test
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not integration and not browser"

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

check-deploy: install
	MICROLENS_MODE=production DJANGO_SECRET_KEY=$$(openssl rand -hex 40) DJANGO_ALLOWED_HOSTS=example.com \
	  DATABASE_URL=sqlite:///var/deploy-check.sqlite3 REDIS_URL=redis://127.0.0.1:6379/0 \
	  $(PY) manage.py check --deploy --fail-level WARNING

## Benchmarks (PostgreSQL required): SCALE=1000000 for the full run.
bench: install
	$(PY) -m bench.run --scale $${SCALE:-100000}

clean:
	rm -rf var/ staticfiles/ .pytest_cache
