# The two commands a newcomer needs: `make up` and `make test`. Everything else is for developers.
# Every target creates and reuses a virtual environment in .venv (ignored by git).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Exact versions with their hashes, of everything `.[dev]` installs: refreshed by `make lock` only.
LOCK   := requirements.lock
# The web UI's packages from the npm registry (web/package-lock.json): uPlot is copied into the Python
# package (static/vendor, ignored by git, packaged into the wheel); axe-core stays in web/node_modules
# for the browser tests.
WEB    := web
VENDOR := src/vamp/interfaces/web/static/vendor
UI     := $(VENDOR)/.built

.PHONY: up test check ui node postgres chromium haproxy format lint typecheck layers unit mutation bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## lock: pin every dependency (and dev tool) of pyproject.toml to its newest version, with hashes
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links \
		--extra dev --output-file $(LOCK) pyproject.toml

## ui: the web UI's packages, installed with npm from web/package-lock.json (the charts into the package)
ui: $(UI)

$(UI): $(WEB)/package-lock.json $(WEB)/package.json | node
	cd $(WEB) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp $(WEB)/node_modules/uplot/dist/uPlot.esm.js $(WEB)/node_modules/uplot/dist/uPlot.min.css $(VENDOR)/
	cp $(WEB)/node_modules/uplot/LICENSE $(VENDOR)/uPlot.LICENSE
	touch $(UI)

## node: Debian's Node.js and npm, which `make ui` installs the web UI's packages with (as root when missing)
node:
	@if ! command -v npm >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm; \
		else \
			echo "npm is missing: install it with 'sudo apt-get install -y nodejs npm'." >&2; exit 1; \
		fi; \
	fi

## up: install, then start Vamp on this machine with the demo
up: $(STAMP) $(UI)
	$(BIN)/vamp up --demo

## check: formatting, lint, types and the layer contract
check: $(STAMP) $(UI)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: the checks, then every test (Debian's PostgreSQL, Chromium and HAProxy are installed first when missing)
test: check postgres chromium haproxy
	$(BIN)/pytest

## postgres: Debian's PostgreSQL, which the store and server tests start; installed when missing (as root)
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; \
		else \
			echo "PostgreSQL is missing: install it with 'sudo apt-get install -y postgresql'." >&2; exit 1; \
		fi; \
	fi

## chromium: Debian's Chromium and ChromeDriver, which the browser tests drive; installed when missing (as root)
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
		else \
			echo "Chromium is missing: install it with 'sudo apt-get install -y chromium chromium-driver'." >&2; exit 1; \
		fi; \
	fi

## haproxy: Debian's HAProxy, which checks the HAProxy renderer's configurations; installed when missing (as root)
haproxy:
	@if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y haproxy; \
		else \
			echo "HAProxy is missing: install it with 'sudo apt-get install -y haproxy'." >&2; exit 1; \
		fi; \
	fi

## unit: the tests of the pure core only (fast)
unit: $(STAMP)
	$(BIN)/pytest tests/core

## mutation: mutmut's mutants of the core ([tool.mutmut] in pyproject.toml) against tests/core, from scratch,
## then the score per module (tests/mutation/report.py); fails under 97 % or on a stale equivalent's name.
## Takes long: not part of `make test`. MUTATION_CHILDREN mutants at a time (default: one per CPU).
## MUTATION_FROM_SCRATCH=no keeps the last run's mutants/: mutmut tests the mutants of changed functions,
## then every mutant not yet killed is run again (new tests may kill it) before the report.
MUTATION_CHILDREN ?= $(shell nproc)
MUTATION_FROM_SCRATCH ?= yes

mutation: $(STAMP)
	@if [ "$(MUTATION_FROM_SCRATCH)" != no ]; then rm -rf mutants; fi
	@start=$$(date +%s); \
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) || exit 1; \
	if [ "$(MUTATION_FROM_SCRATCH)" = no ]; then \
		$(BIN)/python tests/mutation/report.py --not-killed > mutants/not-killed.txt; \
		if [ -s mutants/not-killed.txt ]; then \
			xargs -a mutants/not-killed.txt $(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) >/dev/null || exit 1; \
		fi; \
	fi; \
	$(BIN)/python tests/mutation/report.py --minutes $$(( ($$(date +%s) - start + 30) / 60 ))

## format: rewrite files in the house format and fix what ruff can
format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## bench: the benchmarks of bench/ (api.py starts `vamp up --demo`: port 9050 must be free)
bench: $(STAMP)
	$(BIN)/python bench/core.py
	$(BIN)/python -m bench.api
	$(BIN)/python bench/sqlite_writers.py
	$(BIN)/python -m bench.judge

clean:
	rm -rf $(VENV) $(WEB)/node_modules $(VENDOR) mutants .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache
