# Every target sets up .venv itself from pyproject.toml: a clean clone needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := $(VENV)/.dev-installed
BENCH := $(VENV)/.bench-installed
BROWSER := $(VENV)/.browser-installed
SITE := $(VENV)/.site-installed

.PHONY: test lint demo notebooks bench lab site clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
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

demo: $(DEV)
	$(BIN)/chainrule demo

notebooks: $(DEV)
	mkdir -p notebooks/figures
	$(BIN)/chainrule graph "tanh(w*x + b)" --at w=-1.5,x=0.5,b=2 --out notebooks/figures/neuron.svg
	$(BIN)/python -m pytest -q --nbmake --overwrite notebooks
	@# nbmake stamps every cell with execution times: drop them so a re-run changes only outputs
	$(BIN)/python -c 'import glob, nbformat; nbs = {f: nbformat.read(f, 4) for f in glob.glob("notebooks/*.ipynb")}; [c.metadata.pop("execution", None) for nb in nbs.values() for c in nb.cells]; [nbformat.write(nb, f) for f, nb in nbs.items()]'

# A static JupyterLite site in site/: the notebooks with chainrule preinstalled, Pyodide from npm.
site: $(SITE)
	$(BIN)/python tests/site_build.py site

bench: $(BENCH)
	$(BIN)/python tests/bench.py

clean:
	rm -rf $(VENV) chainrule-demo site build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
