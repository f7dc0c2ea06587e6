# Every target sets up .venv itself from pyproject.toml: a clean clone needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := $(VENV)/.dev-installed
BENCH := $(VENV)/.bench-installed

.PHONY: test lint demo notebooks bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

$(BENCH): pyproject.toml $(DEV)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $@

test: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q --nbmake tests notebooks

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo: $(DEV)
	$(BIN)/chainrule demo

notebooks: $(DEV)
	mkdir -p notebooks/figures
	$(BIN)/chainrule graph "tanh(w*x + b)" --at w=-1.5,x=0.5,b=2 --out notebooks/figures/neuron.svg
	$(BIN)/python -m pytest -q --nbmake --overwrite notebooks

bench: $(BENCH)
	$(BIN)/python tests/bench.py

clean:
	rm -rf $(VENV) chainrule-demo build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
