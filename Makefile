# The README's commands. Each installs what it needs first, so a fresh clone needs nothing else.
PYTHON := $(shell for p in python3.12 python3.13 python3.14 python3 python $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV := .venv
RUN := $(VENV)/bin/python

.PHONY: help install demo test lint benchmark

help:
	@echo "make demo       install the runtime packages into .venv, migrate db.sqlite3, create the demo admin, seed demo-clinic"
	@echo "make test       install everything (runtime, test, lint and benchmark packages) and run the whole test suite"
	@echo "make lint       ruff check and ruff format --check"
	@echo "make benchmark  time seed against bulk_create, model-bakery, factory_boy and a raw COPY"
	@echo "make install    install everything into .venv without running anything"
	@echo "make help       this list"

$(RUN):
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed and none was found (Django 6.1 requires it)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(RUN) -m pip install --quiet --upgrade pip

# The demo needs only what the app runs on; tests, lint and the benchmark need the rest too.
$(VENV)/.runtime-installed: requirements.txt | $(RUN)
	$(RUN) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed: requirements.txt requirements-test.txt | $(RUN)
	$(RUN) -m pip install --quiet -r requirements-test.txt
	touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.installed

# The demo forces DEBUG on: it runs on the project's own db.sqlite3 unless another database is confirmed.
demo: $(VENV)/.runtime-installed
	@if [ -n "$$DATABASE_URL" ] && [ "$(CONFIRM_DEMO_DATABASE)" != "yes" ]; then \
		echo "make demo migrates, creates a superuser with a published password and replaces all synthetic data." >&2; \
		echo "DATABASE_URL is set: to do that to the database it names, run make demo CONFIRM_DEMO_DATABASE=yes;" >&2; \
		echo "unset DATABASE_URL to use db.sqlite3." >&2; \
		exit 1; \
	fi
	@if [ -n "$$DATABASE_URL" ]; then target="the database DATABASE_URL names"; else target=db.sqlite3; fi; \
		echo "make demo, on $$target: migrate, create the demo admin, replace all synthetic data with demo-clinic."
	DEBUG=true $(RUN) manage.py migrate --no-input
	DEBUG=true $(RUN) manage.py demo_admin
	DEBUG=true $(RUN) manage.py seed --scenario demo-clinic --checkins-per-user 90 --seed 2024 --clear --no-input
	@echo
	@echo "Next: DEBUG=true $(RUN) manage.py runserver"
	@echo "then open http://127.0.0.1:8000/admin/ and log in as $${DEMO_ADMIN_USERNAME:-admin} / $${DEMO_ADMIN_PASSWORD:-demo-admin-password}."

test: install
	$(RUN) -m pytest

benchmark: install
	DEBUG=true $(RUN) manage.py migrate --no-input
	DEBUG=true $(RUN) manage.py seed_benchmark --baseline-max-rows 1000000 --json artifacts/benchmark.json

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
