# Two commands do all the set-up: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORPUS := corpus
BUILD := build

.PHONY: demo test lint bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when pyproject.toml changes (a second `make demo` is fast).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,scale]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/kg build $(CORPUS) -o $(BUILD)
	$(BIN)/kg viz --build $(BUILD) -o $(BUILD)/graph.html
	@echo
	@echo "Made $(BUILD)/: graph.trig (the RDF dataset), store/ (the query store), graph.html (open it in a browser)."
	@echo "Try next:"
	@echo "  $(BIN)/kg query --name models-by-developer"
	@echo "  $(BIN)/kg cite \"Chinese open models rival US models\""
	@echo "  $(BIN)/kg serve        # then open http://127.0.0.1:7878/ for the query page"

# Browser tests need Debian's chromium; install it when missing (root on a fresh machine).
.PHONY: chromium
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

test: $(VENV)/.installed-test chromium
	$(BIN)/ruff check kg tests
	$(BIN)/mypy kg
	$(BIN)/pytest -q

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,scale,bench]'
	touch $(VENV)/.installed $(VENV)/.installed-test $@

# The benchmark suite: not in CI. bench-quick runs in a couple of minutes.
bench: $(VENV)/.installed-bench chromium
	$(BIN)/python bench/run.py --plan full

bench-quick: $(VENV)/.installed-bench chromium
	$(BIN)/python bench/run.py --plan quick

lint: $(VENV)/.installed-test
	$(BIN)/ruff check kg tests
	$(BIN)/mypy kg

clean:
	rm -rf $(BUILD) .pytest_cache .mypy_cache .ruff_cache
