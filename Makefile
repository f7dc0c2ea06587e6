# Every target sets up .venv itself from pyproject.toml: a clean clone needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := $(VENV)/.dev-installed
PLOT := $(VENV)/.plot-installed
NOTEBOOKS := $(VENV)/.notebooks-installed
BENCH := $(VENV)/.bench-installed
BROWSER := $(VENV)/.browser-installed
SITE := $(VENV)/.site-installed

.PHONY: test lint demo notebooks bench lab site clean

# After a run, so that re-running the notebooks changes only what they compute: nbmake stamps
# every cell with execution times (dropped), and the kernel splits a cell's printed text into
# pieces wherever its output thread happened to flush (merged back into one output per stream).
define TIDY_NOTEBOOKS
import glob, nbformat
for f in sorted(glob.glob("notebooks/*.ipynb")):
    nb = nbformat.read(f, 4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        merged = []
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if out.output_type == "stream" and last and last.output_type == "stream" and last.name == out.name:
                last.text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged
    nbformat.write(nb, f)
endef
export TIDY_NOTEBOOKS

$(BIN)/python:
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(None if v >= (3, 11) else "chainrule needs Python >= 3.11, but $(PYTHON) is {}.{}: run make with PYTHON=python3.11 (or newer)".format(v.major, v.minor))'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# What a user's targets need, and no more: the demo's PNG plots, the notebooks' front end.
$(PLOT): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[plot]'
	touch $@

$(NOTEBOOKS): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[notebooks]'
	touch $@

$(BENCH): pyproject.toml $(DEV)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $@

# The browser tests drive JupyterLab, Notebook 7 and nbconvert's HTML in headless Chromium.
$(BROWSER): pyproject.toml $(DEV)
	$(BIN)/python -m pip install -q -e '.[dev,browser]'
	touch $@

# The JupyterLite build tools, for `make site` and the tests that build the site.
$(SITE): pyproject.toml $(DEV)
	$(BIN)/python -m pip install -q -e '.[dev,site]'
	touch $@

test: $(DEV) $(BROWSER) $(SITE)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q --nbmake tests notebooks

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo: $(PLOT)
	$(BIN)/chainrule demo

# The committed pictures come from the wasm Graphviz installed with chainrule, whatever `dot` the
# machine has, so that re-running changes nothing.
notebooks: export CHAINRULE_RENDERER = wasm
notebooks: $(DEV)
	mkdir -p notebooks/figures
	$(BIN)/chainrule graph "tanh(w*x + b)" --at w=-1.5,x=0.5,b=2 --out notebooks/figures/neuron.svg
	$(BIN)/python -m pytest -q --nbmake --overwrite notebooks
	$(BIN)/python -c "$$TIDY_NOTEBOOKS"

# A static JupyterLite site in site/: the notebooks with chainrule preinstalled, Pyodide from npm.
site: $(SITE)
	$(BIN)/python tests/site_build.py site

# JupyterLab with what the notebooks import (the notebooks extra), for this machine only;
# Ctrl-C stops it.
lab: $(NOTEBOOKS)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

bench: $(BENCH)
	$(BIN)/python tests/bench.py

clean:
	rm -rf $(VENV) chainrule-demo site build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
