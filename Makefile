# CrewUp's single entry point; CI calls the same targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

help:  ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

run:  ## Install what is missing, migrate, seed, start everything; restarts what dies (Ctrl-C stops)
	scripts/run.sh

up:  ## The same as run, but return once everything is ready (restarts: .run/logs/supervisord.log)
	scripts/run.sh --detach

down:  ## Stop what run/up started; return once nothing of it is left
	scripts/stop.sh

bootstrap:  ## PostgreSQL/Redis/RabbitMQ running (installed, started); PostGIS/GDAL/nginx, uv, the locked deps; the databases
	scripts/bootstrap.sh

migrate:  ## Migrate the shared schema (one place, as the Kubernetes Job does)
	scripts/migrate.sh

test: bootstrap lint  ## Lint, then every test suite against the real PostGIS, Redis and RabbitMQ
	scripts/test.sh $(SVC)

test-only:  ## Every test suite (or SVC=event_service), without lint
	scripts/test.sh $(SVC)

test-spa:  ## The SPA alone: lint, tsc, Vitest and the Chromium end-to-end suite (starts the system if needed)
	scripts/test.sh frontend

lint:  ## ruff, import contracts (lint-imports), types (mypy), makemigrations --check, check --deploy
	scripts/lint.sh

fmt:  ## Format and autofix
	uv run ruff format . && uv run ruff check --fix .

bench:  ## The benchmarks under bench/ (needs `make up`)
	bench/run_all.sh

.PHONY: help run up down bootstrap migrate test test-only test-spa lint fmt bench
