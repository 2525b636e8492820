# The two commands: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test install lint api-docs bench-month-end bench-conversion compose-check

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.txt
	touch $@

install: $(VENV)/.installed

# PORT chooses the port (default 8000): PORT=8001 make run
run: install
	$(PY) -m config.devserver

test: install
	$(PY) -m pytest -n 2 --dist loadfile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# docs/api.md from the OpenAPI schema; a test fails when it is out of date.
api-docs: install
	$(PY) manage.py api_reference

lock: install
	$(VENV)/bin/pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 --no-header -q -o requirements.txt

bench-month-end: install
	$(PY) bench/month_end.py

bench-conversion: install
	$(PY) bench/conversion.py

compose-check:
	docker-compose -f docker-compose.yml config -q
