# vmon: the two commands a new user needs are `make demo` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed

.PHONY: demo test lint unit bench system-deps venv clean

demo: system-deps $(STAMP)
	$(VENV)/bin/vmon demo

test: system-deps $(STAMP) lint
	$(PY) -m pytest -q -ra

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check vmon probes tests bench alert_rules dashboards
	$(VENV)/bin/ruff format --check vmon probes tests bench alert_rules dashboards
	$(VENV)/bin/mypy

bench: system-deps $(STAMP)
	$(PY) -m bench $(BENCH)

system-deps:
	bash scripts/system-deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
