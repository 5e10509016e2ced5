# WalletDesk: `make run` to try it, `make test` to run the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := $(shell sed -n '/^name = "uv"$$/{n;s/version = "\(.*\)"/\1/p;}' uv.lock)
MANAGE := $(BIN)/python manage.py
PYTEST_WORKERS ?= 2
PYTEST_ARGS := -n $(PYTEST_WORKERS) --dist loadgroup -q
# `make test COVERAGE=1` also measures branch coverage (the xdist workers too) into
# var/coverage/; `make coverage` combines every run kept there and fails below the ratchet
# (fail_under in pyproject.toml). `rm -rf var/coverage` starts over.
COVERAGE ?= 0
COVERAGE_DATA := COVERAGE_FILE=$(CURDIR)/var/coverage/data

.PHONY: help install messages compilemessages migrate seed demo-guide run serve test coverage test-postgres lint format typecheck imports check browser-deps benchmarks clean

help:
	@echo "make run        set up everything and serve http://127.0.0.1:8000 (SQLite, no services)"
	@echo "make test       run the whole test suite (DATABASE_URL/REDIS_URL pick the backends)"
	@echo "                COVERAGE=1 make test also measures coverage into var/coverage/"
	@echo "make coverage   combine the measured runs, report, fail below the ratchet"
	@echo "make check      ruff, mypy, import contracts, migrations check"
	@echo "make demo-guide rewrite docs/demo.md from walletdesk/demo/cases.py"
	@echo "make benchmarks run the scripts in benchmarks/"

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(BIN)/uv
	$(BIN)/uv sync --frozen --quiet
	@touch $@

install: $(VENV)/.installed

compilemessages: install
	@$(BIN)/python scripts/compile_messages.py

messages: install
	$(MANAGE) makemessages --no-obsolete -l zh_Hans -l en --ignore ".venv/*" --ignore "staticfiles/*" --ignore "static/vendor/*"

migrate: install compilemessages
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo
	$(MANAGE) nlu_train --if-missing

demo-guide: install
	$(MANAGE) demo_guide

run: seed
	@mkdir -p var
	$(BIN)/honcho start -f Procfile.dev

serve: install compilemessages
	$(BIN)/honcho start -f Procfile.dev

browser-deps:
	@bash scripts/ensure-chromium.sh

test: install compilemessages browser-deps
ifeq ($(COVERAGE),1)
	@mkdir -p var/coverage
	$(COVERAGE_DATA) $(BIN)/coverage run -m pytest $(PYTEST_ARGS)
else
	$(BIN)/pytest $(PYTEST_ARGS)
endif

coverage: install
	@if ls var/coverage/data.* >/dev/null 2>&1; then \
	  $(COVERAGE_DATA) $(BIN)/coverage combine --append --quiet var/coverage; fi
	$(COVERAGE_DATA) $(BIN)/coverage report

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy .

imports: install
	$(BIN)/lint-imports

check: lint typecheck imports
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) check

benchmarks: migrate
	$(BIN)/python benchmarks/ledger.py
	$(BIN)/python benchmarks/nlu.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/tickets.py

clean:
	rm -rf $(VENV) var staticfiles .mypy_cache .ruff_cache .coverage htmlcov
