# LT — the commands operators and CI use. `make run` and `make test` work from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)

export DATABASE_URL_TEST ?= postgres://root@127.0.0.1:5432/lt

# Node tooling (anvil for the sandbox chain, solc for the contracts), pinned in package-lock.json.
NPM_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | sha1sum | cut -c1-12)

.PHONY: setup run test lint bench soak clean contracts browser mutate

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(STAMP) $(NPM_STAMP)

# The browser tests drive Debian's Chromium (Playwright never downloads a browser of its own).
browser:
	@command -v chromium >/dev/null || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	}

# Rebuild contracts/build/*.json (ABI + bytecode, committed) from contracts/src/*.sol.
contracts: $(NPM_STAMP)
	node contracts/build.js

var/secret_key:
	mkdir -p var
	$(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

# The local demo: embedded SQLite, DEBUG on (so the admin's static files are served).
run: setup var/secret_key
	DEBUG=true SECRET_KEY_FILE=var/secret_key $(PY) manage.py lt_run

# The whole suite on PostgreSQL (DATABASE_URL, default the local server's `lt`).
test: setup browser
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} $(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

bench: setup
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} $(PY) -m bench $(BENCH)

# The whole system under a steady signal stream on PostgreSQL (database <DATABASE_URL name>_soak,
# created afresh), with a report in var/soak/: RSS, database growth, connections, queue depth,
# answer latency, invariants. Not part of `make test`.
MINUTES ?= 60
RATE ?= 3
soak: setup
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} $(PY) -m bench.soak --minutes $(MINUTES) --rate $(RATE)

# Mutation testing (mutmut) of the money paths, each module against the tests that cover it;
# the report is docs/mutation-report.md. Not part of `make test`. `make mutate MUTATE="money
# execution"` runs only those groups (bench/mutate.py lists them).
mutate: setup
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} $(PY) -m bench.mutate $(MUTATE)

clean:
	rm -rf $(VENV) var
