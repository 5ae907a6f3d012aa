# The two commands of the README: `make demo` and `make test`. Both create the virtual
# environment from pyproject.toml on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint format ui clean-home

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/indicators demo

test: $(STAMP)
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check orchestration tests

format: $(STAMP)
	$(BIN)/ruff format orchestration tests
	$(BIN)/ruff check --fix orchestration tests

ui: $(STAMP)
	$(BIN)/indicators ui
