# The two commands: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python


.PHONY: run test install lint chromium wrk api-docs bench-month-end bench-conversion \
	bench-scale bench-pages compose-check backup restore

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.txt
	touch $@

install: $(VENV)/.installed

# PORT chooses the port (default 8000): PORT=8001 make run
run: install
	$(PY) -m config.devserver

test: install chromium
	$(PY) -m pytest -n 2 --dist loadfile

# The browser tests drive Debian's Chromium (Playwright's own download is not used).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; \
	    exit 1; \
	  fi; }

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

# 1,000,000 notes' month end with 1 and 2 Celery workers through Redis: REDIS_URL must
# name a Redis database of the bench's own (it is emptied). NOTES=100000 for a smaller run.
NOTES ?= 1000000
bench-scale: install
	@test -n "$(REDIS_URL)" || { echo "bench-scale needs REDIS_URL (a Redis database of its own)" >&2; exit 1; }
	$(PY) bench/scale.py --notes $(NOTES)

# The pages under load: gunicorn serving the app, Debian's wrk driving it (installed here
# as root when missing). BENCH_ARGS passes options, e.g. BENCH_ARGS="--duration 10".
bench-pages: install wrk
	$(PY) bench/pages.py $(BENCH_ARGS)

wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	  else \
	    echo "The pages bench needs Debian's wrk: sudo apt-get install wrk" >&2; \
	    exit 1; \
	  fi; }

compose-check:
	docker-compose -f docker-compose.yml config -q

# A logical backup of DATABASE_URL in the custom format (docs/operations.md, "Backups"):
#   make backup                       -> backups/notedesk-YYYY-MM-DDTHHMMSSZ.dump
#   make restore BACKUP=backups/x.dump RESTORE_DATABASE_URL=postgres://.../notedesk_restored
# Use the pg_dump/pg_restore of the server's major version. Back up MEDIA_ROOT as well.
BACKUP_DIR ?= backups
backup:
	@test -n "$(DATABASE_URL)" || { echo "Set DATABASE_URL to the database to back up." >&2; exit 1; }
	mkdir -p $(BACKUP_DIR)
	pg_dump --format=custom --no-owner \
		--file=$(BACKUP_DIR)/notedesk-$$(date -u +%Y-%m-%dT%H%M%SZ).dump "$(DATABASE_URL)"
	@ls -l $(BACKUP_DIR) | tail -1

# Restores into an EMPTY database (create it first); stop web, worker and beat before.
restore:
	@test -n "$(BACKUP)" || { echo "Set BACKUP to the .dump file to restore." >&2; exit 1; }
	@test -n "$(RESTORE_DATABASE_URL)" || { echo "Set RESTORE_DATABASE_URL to an empty database." >&2; exit 1; }
	pg_restore --no-owner --exit-on-error --jobs=4 --dbname="$(RESTORE_DATABASE_URL)" "$(BACKUP)"
	DATABASE_URL="$(RESTORE_DATABASE_URL)" $(PY) manage.py migrate --noinput
