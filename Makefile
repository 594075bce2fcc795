# The README's commands. Each installs what it needs first, so a fresh clone needs nothing else.
PYTHON := $(shell for p in python3.12 python3.13 python3.14 python3 python $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV := .venv
RUN := $(VENV)/bin/python

.PHONY: install demo test lint benchmark

$(VENV)/.installed: requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed and none was found (Django 6.1 requires it)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(RUN) -m pip install --quiet --upgrade pip
	$(RUN) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

demo: install
	DEBUG=true $(RUN) manage.py migrate --no-input
	DEBUG=true $(RUN) manage.py demo_admin
	DEBUG=true $(RUN) manage.py seed --scenario demo-clinic --checkins-per-user 90 --seed 2024 --clear --no-input

test: install
	$(RUN) -m pytest

benchmark: install
	DEBUG=true $(RUN) manage.py migrate --no-input
	DEBUG=true $(RUN) manage.py seed_benchmark --baseline-max-rows 1000000 --json artifacts/benchmark.json

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
