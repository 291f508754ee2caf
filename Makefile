# Two commands from a fresh clone: `make run` and `make test`. Both install what
# they need into .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STAGE ?= dev

.PHONY: run test lint typecheck bench package cfn-lint clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m devstack

test: $(STAMP) lint typecheck
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .

typecheck: $(STAMP)
	$(PY) -m mypy chalicelib

bench: $(STAMP)
	$(PY) -m bench

package: $(STAMP)
	$(PY) -m infra.package --stage $(STAGE)

# cfn-lint has no `python -m` entry point; use its console script.
cfn-lint: package
	$(VENV)/bin/cfn-lint build/$(STAGE)/sam.json

clean:
	rm -rf build .pytest_cache .ruff_cache .mypy_cache
