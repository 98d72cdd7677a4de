# wassweb — the commands a newcomer needs. `make demo` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENV := WASSWEB_MODE=demo

.PHONY: venv demo serve test lint format browser-deps clean-demo production-local

venv: $(VENV)/.installed

# requirements-maps.txt: what manage.py build_basemap needs (and its tests); the served site does not.
$(VENV)/.installed: requirements.txt requirements-maps.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-maps.txt
	touch $@

## Set up and serve the demo on http://127.0.0.1:8000 (SQLite, one process, simulated cameras).
demo: venv
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py demo --host $(HOST) --port $(PORT)

## The production process layout on this machine (docs/OPERATIONS.md): WEB_CONCURRENCY daphne processes on one
## socket (default: one per core), a Celery worker and beat under supervisord (deploy/supervisord.conf), which
## restarts any process that exits while the others keep serving, on PostgreSQL and Redis. Two database roles: DATABASE_OWNER_URL owns the tables and runs migrate and
## db_grant_app_role; DATABASE_URL is the application's role, which owns nothing, for the three processes (the owner's
## URL is kept out of their environment). SECRET_KEY and CHAIN_HEADS_SIGNING_KEY are taken from the environment or
## generated once into var/. Behind no TLS proxy, add SECURE_SSL_REDIRECT=false to browse it over plain HTTP.
ALLOWED_HOSTS ?= 127.0.0.1,localhost
SECURE_SSL_REDIRECT ?= true
WEB_CONCURRENCY ?= $(shell nproc 2>/dev/null || echo 2)
WORKER_CONCURRENCY ?= 2
PRODUCTION_ENV = WASSWEB_MODE=production ALLOWED_HOSTS=$(ALLOWED_HOSTS) SECURE_SSL_REDIRECT=$(SECURE_SSL_REDIRECT) \
	SECRET_KEY="$${SECRET_KEY:-$$(cat var/production-local.secret)}" \
	CHAIN_HEADS_SIGNING_KEY="$${CHAIN_HEADS_SIGNING_KEY:-$$(cat var/production-local.chain-heads.key)}"
production-local: venv
	@test -n "$$DATABASE_URL" && test -n "$$DATABASE_OWNER_URL" && test -n "$$REDIS_URL" || \
		{ echo "production-local needs DATABASE_URL (the application's role), DATABASE_OWNER_URL (the owner role)" \
			"and REDIS_URL; see docs/OPERATIONS.md"; exit 2; }
	@mkdir -p var && test -s var/production-local.secret || \
		$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/production-local.secret
	@test -s var/production-local.chain-heads.key || \
		(umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > var/production-local.chain-heads.key)
	$(PRODUCTION_ENV) $(BIN)/python manage.py migrate --no-input
	$(PRODUCTION_ENV) $(BIN)/python manage.py db_grant_app_role
	$(PRODUCTION_ENV) $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	HOST=$(HOST) PORT=$(PORT) WEB_CONCURRENCY=$(WEB_CONCURRENCY) WORKER_CONCURRENCY=$(WORKER_CONCURRENCY) \
		$(PRODUCTION_ENV) env -u DATABASE_OWNER_URL $(BIN)/supervisord -c deploy/supervisord.conf

## Run the whole test suite (real PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set).
test: venv
	$(BIN)/pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Debian packages the browser tests need (headless Chromium and Korean fonts).
browser-deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk ffmpeg

clean-demo:
	rm -f db.sqlite3
	rm -rf var/media
