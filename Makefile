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

# Bytecode compiled once at install: where PYTHONDONTWRITEBYTECODE is set, every
# process (each test's Celery worker, gunicorn) would otherwise compile every
# module it imports from source, about a second of CPU per start.
install: $(UV)
	$(UV) sync --frozen --compile-bytecode

# Single sign-on in the demo, through the sandbox's OpenID Connect provider
# (README, "Single sign-on"): its groups map to the Customer Services team.
DEMO_OIDC := http://127.0.0.1:$(SOCIAL_SANDBOX_PORT)/oidc
DEMO_SSO_ENV := OIDC_OP_ISSUER=$(DEMO_OIDC) OIDC_RP_CLIENT_ID=socialdesk-sandbox \
	OIDC_RP_CLIENT_SECRET=sandbox-oidc-secret OIDC_OP_AUTHORIZATION_ENDPOINT=$(DEMO_OIDC)/authorize \
	OIDC_OP_TOKEN_ENDPOINT=$(DEMO_OIDC)/token OIDC_OP_USER_ENDPOINT=$(DEMO_OIDC)/userinfo \
	OIDC_OP_JWKS_ENDPOINT=$(DEMO_OIDC)/jwks SSO_PROVIDER_NAME="Sandbox ID" SSO_GROUPS_CLAIM=groups \
	SSO_GROUP_ROLES=socialdesk-officers=customer-services:officer,socialdesk-managers=customer-services:manager

demo: install
	$(RUN) python manage.py migrate --noinput
	$(RUN) python manage.py seed_demo
	@echo "Single sign-on: 'Sign in with Sandbox ID' as sso.officer or sso.manager, password sandbox-password"
	@echo "Starting sandbox network, web, worker and beat: open http://127.0.0.1:8000 (Ctrl-C stops all)"
	SOCIAL_SANDBOX_URL=http://127.0.0.1:$(SOCIAL_SANDBOX_PORT) $(DEMO_SSO_ENV) $(RUN) honcho -f Procfile.demo start

# The suite in parallel processes (pytest-xdist, one per core unless
# TEST_PROCESSES says), each with its own test database and Redis database;
# then, by themselves, the few tests marked `alone` that restart Redis or
# Postgres under everything else. Exit 5 (nothing selected in a part) is fine.
TEST_PROCESSES ?= auto
test: install
	SOCIALDESK_TESTS=together $(RUN) pytest -n $(TEST_PROCESSES) --dist worksteal $(PYTEST_ARGS) || [ $$? = 5 ]
	SOCIALDESK_TESTS=alone $(RUN) pytest $(PYTEST_ARGS) || [ $$? = 5 ]

lint: install
	$(RUN) ruff check .
	$(RUN) python manage.py makemigrations --check --dry-run
	$(RUN) mypy
	$(RUN) lint-imports

# Real Postgres and Redis on loopback (see scripts/local-services.sh).
services:
	scripts/local-services.sh start

services-stop:
	scripts/local-services.sh stop

bench: install
	for b in bench/[a-z]*.py; do $(RUN) python $$b || exit 1; done

clean:
	rm -rf var/socialdesk.sqlite3* var/broker var/test-broker var/celerybeat-schedule*
