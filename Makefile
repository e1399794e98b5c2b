# AuraConnect: the commands that matter.
#   make up     bring the whole platform up locally (PostgreSQL, Redis, Kafka, Envoy, all services) with demo data
#   make test   lint, contracts, unit, integration and end-to-end tests, manifest validation
#   make down   stop everything `make up` started       make clean   also wipe its data (.stack/)
.DEFAULT_GOAL := help
PY := .venv/bin/python
BUF := .tools/node_modules/.bin/buf

.PHONY: help bootstrap protos up down status clean lint contracts test test-unit test-e2e bench chaos chaos-fast

help:
	@sed -n '2,5p' Makefile

bootstrap:            ## install Debian/PyPI/npm/Maven dependencies (idempotent)
	@bash tools/bootstrap.sh

protos: bootstrap     ## generate the Python package from protos/
	@$(PY) libs/contracts/generate.py

up: bootstrap
	@$(PY) -m devstack up

down:
	@if [ -x $(PY) ]; then $(PY) -m devstack down; fi

status:
	@$(PY) -m devstack status

clean:
	@if [ -x $(PY) ]; then $(PY) -m devstack clean; else rm -rf .stack; fi

lint: bootstrap         ## ruff, the layer contracts (import-linter, pyproject.toml), buf lint
	@$(PY) -m ruff check .
	@.venv/bin/lint-imports --no-cache
	@cd protos && ../$(BUF) lint

contracts: bootstrap  ## proto lint + breaking-change check against main (and the previous commit)
	@$(PY) -m pytest -q tests/contracts

test: protos lint
	@$(PY) -m pytest -q -p no:randomly

test-unit: bootstrap
	@$(PY) -m pytest -q -m "not integration and not e2e"

test-e2e: bootstrap
	@$(PY) -m pytest -q tests/e2e

bench:                ## throughput/latency benchmarks, printed as tables (bootstrap with the bench's wrk)
	@AURA_BENCH=1 bash tools/bootstrap.sh
	@$(PY) bench/run.py

chaos: bootstrap      ## faults under load (1,000 orders, own stack on AURA_PORT_BASE, default 37000): table + checks
	@AURA_TOXIPROXY=1 bash tools/bootstrap.sh
	@$(PY) tools/chaos/chaos.py

chaos-fast: bootstrap ## the CI part: 100 orders, relay and consumer kills
	@$(PY) tools/chaos/chaos.py --fast
