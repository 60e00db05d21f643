# `make run` and `make test` do all set-up from a fresh clone.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
# Links in the demo's mail point to the port it is served on.
export UNEVOIX_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
# Debian packages the tests need (Chromium's headless shell, PDF and QR readers, PostgreSQL server).
SYSTEM_TOOLS := chromium-headless-shell pdftoppm zbarimg curl
PG_BIN = $(firstword $(wildcard /usr/lib/postgresql/*/bin))
# One fixed PostgreSQL directory per checkout, outside it so the postgres user can enter it.
PG_DIR := /tmp/unevoix-pg-$(shell pwd | md5sum | cut -c1-10)
PG_URI := postgresql+psycopg://postgres@/unevoix_test?host=$(PG_DIR)&port=5432


.PHONY: smoke verifier translations-update run test test-sqlite test-sqlite-then-smoke test-postgres install install-test system-deps translations demo-db bench bench-cast clean

# One pip run each: the app (`make run`), or the app and what tests need (`make test`).
define pip_install
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e "$(1)"
endef

$(VENV)/installed: pyproject.toml
	$(call pip_install,.)
	touch $@

$(VENV)/installed-test: pyproject.toml
	$(call pip_install,.[test])
	touch $@ $(VENV)/installed

install: $(VENV)/installed translations
install-test: $(VENV)/installed-test translations

translations: $(VENV)/installed
	$(VENV)/bin/pybabel compile -d translations >/dev/null 2>&1

# After adding or changing messages: refresh the catalogues, then translate what is new.
translations-update: $(VENV)/installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l --ignore-dirs ".* node_modules" -o translations/messages.pot . >/dev/null
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete >/dev/null

instance/unevoix.db: $(VENV)/installed
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty

run: install instance/unevoix.db
	$(FLASK) db upgrade
	UNEVOIX_DEMO=1 $(FLASK) run --port $(PORT)

system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || missing=1; done; \
	test -n "$(PG_BIN)" || missing=1; \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium-headless-shell poppler-utils zbar-tools postgresql curl >/dev/null; \
	fi

# The SQLite and PostgreSQL runs share the two cores: each prints its output when it ends. The browser
# tests run once, most on PostgreSQL (docs/architecture.md, "Tests"), so the SQLite run is the shorter
# and the smoke test of `make run` follows it on its core while the PostgreSQL run goes on.
test: system-deps install-test
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite-then-smoke test-postgres

test-sqlite-then-smoke: install-test
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory smoke

# `make run` as the README says, serving the home page (then stopped).
smoke: install
	bash scripts/smoke_run.sh

# Less the browser tests, which run on PostgreSQL, but for those marked sqlite_only (`.venv/bin/pytest
# tests/e2e` runs them all on SQLite).
test-sqlite: install-test
	$(PY) -m pytest -q -m "not e2e or sqlite_only" $(PYTEST_ARGS)

# Starts a throw-away PostgreSQL server (as the postgres user: initdb refuses root),
# runs the suite on it (less the tests marked no_db or sqlite_only, which ran on SQLite) and stops it,
# in one shell line so the trap holds.
test-postgres: install-test
	rm -rf $(PG_DIR) && mkdir -p $(PG_DIR) && chown postgres $(PG_DIR) && \
	cd / && runuser -u postgres -- $(PG_BIN)/initdb --no-sync -A trust -U postgres -D $(PG_DIR)/data >/dev/null && \
	runuser -u postgres -- $(PG_BIN)/pg_ctl -w -D $(PG_DIR)/data -l $(PG_DIR)/log \
	  -o "-k $(PG_DIR) -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null && \
	trap 'runuser -u postgres -- $(PG_BIN)/pg_ctl -D $(PG_DIR)/data -m fast stop >/dev/null' EXIT && \
	runuser -u postgres -- $(PG_BIN)/createdb -h $(PG_DIR) unevoix_test && \
	cd $(CURDIR) && UNEVOIX_SQLALCHEMY_DATABASE_URI='$(PG_URI)' $(PY) -m pytest -q -m "not no_db and not sqlite_only" $(PYTEST_ARGS)

bench: install-test
	$(PY) bench/ballots.py
	$(PY) bench/register.py

# Casting on the production stack, plain then with sign-in (docs/election-record.md 9.1): run as
# root (PostgreSQL runs as the postgres user). Each run ends with a JSON line; the CPU per post
# (app, database) is the figure to compare, the machine's load barely moves it.
BENCH_N ?= 2000
bench-cast: install-test
	$(PY) bench/cast.py --n $(BENCH_N) --clients 24
	$(PY) bench/cast.py --n $(BENCH_N) --clients 24 --sign-in

# The election verifier as one file members can download and run (see docs/election-record.md).
verifier: $(VENV)/installed
	$(PY) -m voting.verifier_file dist/une-voix-verify.pyz

clean:
	rm -rf $(VENV) instance dist $(PG_DIR)
