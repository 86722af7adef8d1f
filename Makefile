# FanzDash: `make run` starts the whole thing on embedded defaults; `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed

.PHONY: run test lint fmt setup migrate seed check-deploy worker-check clean help

help:
	@echo "make run    - set up .venv, migrate, load demo data, start web + worker + beat"
	@echo "make test   - set up .venv, ruff check, lint-imports, pytest (PostgreSQL when DATABASE_URL is set)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_periodic_tasks

seed: migrate
	$(BIN)/python manage.py seed_demo

# DEBUG=true for local use: plain HTTP, static files from the source folders. PORT (default
# 8000; honcho's own default would be 5000) and SITE_URL are exported to the seed and to the
# three processes: honcho hands web PORT but the worker and beat PORT+100 and PORT+200, so
# SITE_URL is fixed here, once, for all of them.
run: export DEBUG ?= true
run: export PORT ?= 8000
run: export SITE_URL ?= http://localhost:$(PORT)
run: export PATH := $(abspath $(BIN)):$(PATH)
run: seed
	@echo "Starting web on $(SITE_URL)/ (port $(PORT)), worker and beat. Ctrl-C stops all three."
	$(BIN)/honcho start --procfile Procfile web worker beat

test: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

fmt: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: setup
	DEBUG=false SECRET_KEY=$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets;print(secrets.token_urlsafe(64))')} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-fanzdash.example.com} \
	ENCRYPTION_KEYS=$${ENCRYPTION_KEYS:-ci:$$($(BIN)/python -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())')} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

worker-check: setup
	$(BIN)/python manage.py check_worker --timeout 30

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
