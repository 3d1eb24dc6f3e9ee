# govsim — quick start: `make demo`, `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test lint bench golden clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

# Three policies on the street scenario, 5 replications on common random numbers, report in
# English and Chinese (results/demo/report.html, results/demo/report.zh.html).
demo: $(VENV)/.installed
	$(BIN)/govsim compare scenarios/beijing_street.yaml \
	    --policies manual+transfer,algorithmic+transfer,algorithmic+whistle \
	    --replications 5 --out results/demo --lang en,zh

test: $(STAMP)
	$(BIN)/python -m pytest -q

# ruff, the type checker on sim/ and analysis/, and the package layers (pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Regenerate tests/golden/ after a deliberate change of behaviour; commit it on its own, saying why.
golden: $(STAMP)
	GOVSIM_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_golden.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache .mypy_cache
