# CNAS services — `make run` serves the app, `make test` runs every test. `make help` lists the rest.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYBABEL := $(VENV)/bin/pybabel
HTMX := webapp/static/vendor/htmx.min.js
PO := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
DB := instance/webapp.db

.PHONY: help run test test-unit test-e2e lint bench setup setup-dev db demo extract update-translations compile-translations check-content clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 24

run: setup $(DB) ## set everything up and serve on http://127.0.0.1:8000 (HOST/PORT to change), with a worker
	$(PY) -m webapp worker & trap 'kill $$! 2>/dev/null' EXIT; $(PY) -m webapp serve

test: setup-dev ## install what tests need, lint, run tests/ then e2e/
	$(VENV)/bin/ruff check .
	$(PY) -m pytest tests
	$(PY) -m pytest e2e

test-unit: setup-dev ## the fast tests only (tests/)
	$(PY) -m pytest tests

test-e2e: setup-dev ## the browser tests only (e2e/)
	$(PY) -m pytest e2e

lint: setup-dev ## check the Python code with ruff (settings in pyproject.toml)
	$(VENV)/bin/ruff check .

bench: setup-dev ## run the benchmarks (ARGS=--quick for ~4 min), figures in bench/results.json
	$(PY) -m bench.run $(ARGS)

setup: $(VENV)/.stamp-install $(HTMX) $(MO) ## virtualenv, dependencies, htmx, compiled translations

setup-dev: setup $(VENV)/.stamp-dev ## setup, plus the test tools (pytest, Playwright, axe)

$(VENV)/.stamp-install: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -qq --upgrade pip
	$(PIP) install -qq -e .
	touch $@

$(VENV)/.stamp-dev: $(VENV)/.stamp-install
	$(PIP) install -qq -e '.[dev]'
	@# e2e uses CHROMIUM_PATH or Debian's /usr/bin/chromium (installed here when we are root);
	@# Playwright's own browser download is the last resort.
	test -n "$$CHROMIUM_PATH" || test -x /usr/bin/chromium || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || \
	  $(PY) -m playwright install chromium
	touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

$(HTMX): node_modules/.stamp
	mkdir -p $(dir $@)
	cp node_modules/htmx.org/dist/htmx.min.js $@

%.mo: %.po $(VENV)/.stamp-install
	$(PYBABEL) compile --statistics -i $< -o $@

# make run is the demo: demo data and demo staff accounts exist only with WEBAPP_DEMO=1.
run demo: export WEBAPP_DEMO = 1

$(DB): | $(VENV)/.stamp-install
	$(PY) -m webapp migrate
	$(PY) -m webapp load-demo

db: setup ## create or upgrade the database schema
	$(PY) -m webapp migrate

demo: setup ## (re)load the deterministic demo data
	$(PY) -m webapp load-demo

check-content: setup ## validate content/ and print one line per problem
	$(PY) -m webapp check-content

extract: setup ## extract UI strings into translations/messages.pot
	$(PYBABEL) extract -F babel.cfg -k _l -o translations/messages.pot .

update-translations: extract ## merge new strings into every messages.po
	$(PYBABEL) update -i translations/messages.pot -d translations

compile-translations: $(MO) ## compile the .po files

clean: ## remove what setup generated (keeps instance/ and its database)
	rm -rf $(VENV) node_modules webapp/static/vendor $(MO)
