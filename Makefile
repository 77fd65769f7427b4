# SocialDesk: `make demo` to try it, `make test` to check it.
SHELL := /bin/bash
PY ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := var/uv-bootstrap/bin/uv
endif
RUN := $(UV) run --frozen
export SOCIAL_SANDBOX_PORT ?= 8088

.PHONY: install demo test lint services services-stop bench clean

$(UV):
	@echo "uv not found: installing it into var/uv-bootstrap with pip"
	$(PY) -m venv var/uv-bootstrap
	var/uv-bootstrap/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen

demo: install
	$(RUN) python manage.py migrate --noinput
	$(RUN) python manage.py seed_demo
	@echo "Starting sandbox network, web, worker and beat: open http://127.0.0.1:8000 (Ctrl-C stops all)"
	SOCIAL_SANDBOX_URL=http://127.0.0.1:$(SOCIAL_SANDBOX_PORT) $(RUN) honcho -f Procfile.demo start

test: install
	$(RUN) pytest $(PYTEST_ARGS)

lint: install
	$(RUN) ruff check .
	$(RUN) python manage.py makemigrations --check --dry-run

# Real Postgres and Redis on loopback (see scripts/local-services.sh).
services:
	scripts/local-services.sh start

services-stop:
	scripts/local-services.sh stop

bench: install
	for b in bench/[a-z]*.py; do $(RUN) python $$b || exit 1; done

clean:
	rm -rf var/socialdesk.sqlite3* var/broker var/test-broker var/celerybeat-schedule*
