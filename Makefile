# Two commands for a fresh clone: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

# Local runs are development runs: DEBUG on, SQLite and inline Celery tasks unless
# DATABASE_URL / CELERY_BROKER_URL say otherwise.
RUN_ENV := DEBUG=$${DEBUG:-1}
# Tests run with DEBUG off, as production does; the key below is for tests only.
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-secret-key}

.PHONY: run test install install-dev migrate lint format messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

run: migrate
	$(RUN_ENV) $(BIN)/python manage.py load_regions
	$(RUN_ENV) $(BIN)/python manage.py load_demo
	$(RUN_ENV) $(BIN)/python manage.py refresh_indicators
	@echo "Serving on http://$(HOST)/ (Ctrl+C to stop)"
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST)

test: install-dev
	$(TEST_ENV) $(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the English catalogue after changing user-visible strings.
messages: install
	$(RUN_ENV) $(BIN)/python manage.py makemessages -l en --ignore=$(VENV) --ignore=staticfiles
	$(RUN_ENV) $(BIN)/python manage.py compilemessages -l en --ignore=$(VENV)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
