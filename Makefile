# The two commands of the README: `make run` and `make test`. Both call `make setup`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck messages clean

setup: $(STAMP) locale-compiled

# Reinstall only when the pins change; the stamp remembers the last install.
$(STAMP): pyproject.toml constraints.txt scripts/setup.sh scripts/packages.sh
	scripts/setup.sh
	@touch $(STAMP)

locale-compiled: $(STAMP) $(wildcard locale/*/LC_MESSAGES/*.po)
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv -v 0
	@touch locale-compiled

run: setup
	scripts/run.sh

test: setup
	scripts/test.sh $(ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	DEBUG=1 $(BIN)/mypy .

# Refresh the .po files after changing user-facing strings.
messages:
	DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --no-obsolete

clean:
	rm -rf $(VENV) var locale-compiled
