# Herald — `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
export FLASK_APP := wsgi
# The unpacked extension's pinned id (extension/manifest.json "key"): its API calls use CORS.
export HERALD_CORS_ORIGINS ?= chrome-extension://igifplgkdcfdegnckjjgmahmilgcdbpk

PY_SOURCES := backend recommender training tests wsgi.py
STAMP := $(VENV)/.installed
DEPS := pyproject.toml
# The extension's test-only dependency (jsdom: a DOM for the fallback's node tests); the extension ships none.
JS_STAMP := extension/node_modules/.installed

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(STAMP): $(DEPS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	# torch first: the CPU wheel; anything else would pull a multi-GB CUDA build
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[ml,bench,dev]'
	@touch $(STAMP)

$(JS_STAMP): extension/package.json extension/package-lock.json
	npm ci --prefix extension --no-audit --no-fund
	@touch $(JS_STAMP)

.PHONY: install
install: $(STAMP) ## Create .venv and install Herald with every extra (skipped when nothing changed)

.PHONY: install-js
install-js: $(JS_STAMP) ## npm ci of the extension's test-only dependency (jsdom); make test / test-js do it (no npm needed to run Herald)

.PHONY: db
db: install ## Create/upgrade the database and load the demo company (idempotent)
	$(BIN)/flask db-upgrade
	$(BIN)/flask seed-demo
	$(BIN)/python -m training bootstrap

.PHONY: run
run: db ## Install, set up the SQLite database with the demo company and serve on http://127.0.0.1:5000 (with a worker)
	$(BIN)/flask worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host $(HOST) --port $(PORT)

.PHONY: worker
worker: install ## Background jobs and periodic work (task queue consumer; TASK_QUEUE_URL, default SQLite)
	$(BIN)/flask worker

.PHONY: serve
serve: install ## Production server: gunicorn (WORKERS=N) against DATABASE_URL, migrations first
	$(BIN)/flask db-upgrade
	HERALD_WORKERS=$(WORKERS) HERALD_BIND=$(HOST):$(PORT) $(BIN)/gunicorn --config backend/gunicorn_conf.py wsgi:app

.PHONY: admin
admin: install ## Create an admin: make admin EMAIL=you@example.com (prints a token)
	$(BIN)/flask create-admin $(EMAIL)

.PHONY: translations
translations: install ## Compile the gettext catalogues (backend/translations/*/messages.po -> .mo)
	$(BIN)/pybabel compile --statistics -d backend/translations -D messages

.PHONY: test
test: install $(JS_STAMP) ## Run the whole suite: JavaScript units, then Python (incl. real model and browser)
	node --test extension/test/
	$(BIN)/pytest

.PHONY: test-fast
test-fast: install ## Python tests without the real model and the browser
	$(BIN)/pytest -m "not slow and not e2e"

.PHONY: test-js
test-js: $(JS_STAMP) ## JavaScript unit tests of the extension (node's test runner; npm ci of its test-only jsdom)
	node --test extension/test/

.PHONY: test-e2e
test-e2e: install ## Browser tests: the extension and the console in Debian's Chromium
	$(BIN)/pytest -m e2e

.PHONY: fixture
fixture: ## Anonymise a page saved with "Save page as…": make fixture SRC=saved.html OUT=page.html
	python3 extension/tools/anonymize_page.py $(SRC) $(OUT)

.PHONY: selector-pack
selector-pack: ## After editing extension/selectors/pack.json: regenerate selectors/bundled.js (the content script's copy)
	python3 extension/build.py --pack

.PHONY: extension
extension: ## Build the extension zip (dist/herald-extension-*.zip), loadable in Chrome/Edge
	python3 extension/build.py

.PHONY: train
train: install ## Retrain: embed, fit a candidate and evaluate it (then: python -m training publish VERSION)
	$(BIN)/python -m training embed
	$(BIN)/python -m training fit
	$(BIN)/python -m training list

.PHONY: bench-quality
bench-quality: install ## Recommender quality on Deskdrop (101 protocol + weekly protocol) -> docs/benchmarks.md
	$(BIN)/python -m training.benchmarks.quality

.PHONY: bench-speed
bench-speed: install ## Suggestion latency at 1k/10k/100k articles, embedding rate, RSS; then over HTTP to gunicorn (printed)
	$(BIN)/python -m training.benchmarks.speed
	$(BIN)/python -m training.benchmarks.speed_http

.PHONY: bench-relevance
bench-relevance: install ## Context relevance on public judged sets (HERALD_RELEVANCE_SETS): BM25, dense, hybrid, served
	$(BIN)/python -m training.benchmarks.relevance

.PHONY: bench-load
bench-load: install ## Redirect throughput/latency on SQLite and PostgreSQL, clicks stored vs sent; analytics at 1M clicks
	@command -v wrk >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || echo "wrk not installed: using the Python load generator"
	$(BIN)/python -m training.benchmarks.load

.PHONY: bench-analytics
bench-analytics: install ## Analytics report latency with 1M clicks stored (SQLite; URL=postgresql+psycopg://… for PostgreSQL), printed
	$(BIN)/python -m training.benchmarks.analytics $(if $(URL),--url $(URL))

.PHONY: bench-soak
bench-soak: install ## 5-minute soak against gunicorn on PostgreSQL: mixed traffic, p50/p95/p99, memory growth
	$(BIN)/python -m training.benchmarks.soak

.PHONY: bench-extraction
bench-extraction: install ## Built extension in Chromium on the real LinkedIn pages: ms from DOMContentLoaded to the first context (printed)
	$(BIN)/python -m training.benchmarks.extraction

.PHONY: bench-panel
bench-panel: install ## Side panel cold start in Chromium: ms until the last suggestions are painted (printed; target 500 ms)
	HERALD_PANEL_LOADS=$${HERALD_PANEL_LOADS:-20} $(BIN)/pytest -m e2e -s -q tests/e2e/test_panel.py -k cold_start

.PHONY: lint
lint: install ## ruff + mypy (strict on packages)
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/mypy

.PHONY: format
format: install ## Format the code with ruff
	$(BIN)/ruff format $(PY_SOURCES)
	$(BIN)/ruff check --fix $(PY_SOURCES)

.PHONY: clean
clean: ## Remove caches (keeps .venv and instance/)
	rm -rf .pytest_cache .mypy_cache .ruff_cache dist build *.egg-info
