# The two commands of the README:
#   make book   build the static book (and set up JupyterLab) -> _build/html/index.html
#   make test   run every test: cnnlib, doctests, notebooks (nbval), config checks, the built site
# Each creates or updates its own virtual environment from pinned versions
# (pyproject.toml extras + requirements/constraints.txt) and is safe to run twice.

SHELL := /bin/bash
comma := ,
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
CONSTRAINTS := requirements/constraints.txt
DEPS := pyproject.toml $(CONSTRAINTS)

BOOK_VENV := .venv
TEST_VENV := .venv-test
BENCH_VENV := .venv-bench
BUILD_DIR := _build

# Always build with warnings as errors: without -W a chapter that raises still "succeeds".
BOOK_FLAGS := --toc book/_toc.yml -W -n --keep-going --all

.PHONY: help book test test-fast test-kernels notebooks bench chromium lock clean

help:
	@echo "make book   build the book offline and say how to open it (and how to start JupyterLab)"
	@echo "make test   run every test (unit, property, doctest, nbval, config, built site in Chromium)"
	@echo "make bench  run the speed benchmarks (not part of the tests)"

# --- virtual environments ---------------------------------------------------
define make_venv
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version.split()[0]' \
	  || { echo "Set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --disable-pip-version-check -c $(CONSTRAINTS) -e ".[$(2)]"
	@touch $@
endef

$(BOOK_VENV)/.installed: $(DEPS)
	$(call make_venv,$(BOOK_VENV),book$(comma)lab)

$(TEST_VENV)/.installed: $(DEPS)
	$(call make_venv,$(TEST_VENV),book$(comma)lab$(comma)test)

# axe-core for the site's accessibility test, from the npm registry at the pinned version
# (tests/js/package-lock.json), into the test venv: the site itself never ships it.
$(TEST_VENV)/js/.installed: tests/js/package.json tests/js/package-lock.json $(TEST_VENV)/.installed
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed to install axe-core for the site tests"; exit 1; }
	mkdir -p $(TEST_VENV)/js && cp tests/js/package.json tests/js/package-lock.json $(TEST_VENV)/js/
	npm ci --prefix $(TEST_VENV)/js --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# --- the two commands -------------------------------------------------------
book: $(BOOK_VENV)/.installed
	$(BOOK_VENV)/bin/jupyter-book build . $(BOOK_FLAGS)
	@echo
	@echo "The book is built. Open it in a browser (no server or network needed):"
	@echo "    file://$(CURDIR)/$(BUILD_DIR)/html/index.html"
	@echo "To run the chapters live, with widgets, in JupyterLab:"
	@echo "    $(BOOK_VENV)/bin/jupyter lab notebooks/"

# One pytest session with everything, in the caller's environment; then the
# numeric tests again under the other OpenBLAS kernels (test-kernels).
test: $(TEST_VENV)/.installed $(TEST_VENV)/js/.installed chromium
	CNNBOOK_CHROMIUM="$$(bash scripts/find-chromium)" $(TEST_VENV)/bin/python -m pytest -n 2 --dist loadfile \
	  --nbval-lax --nbval-current-env tests cnnlib notebooks
	$(TEST_VENV)/bin/python scripts/test_kernels.py

# The numeric tests (cnnlib tests, doctests) under OPENBLAS_CORETYPE=Haswell,
# Sandybridge, Prescott, the default and OPENBLAS_NUM_THREADS=1, and nbval
# under some of them: a tolerance or a printed digit tuned to one machine's
# kernel fails here. KERNELS / NBVAL_KERNELS choose (NBVAL_KERNELS=all: every
# one); see scripts/test_kernels.py.
test-kernels: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/python scripts/test_kernels.py

# The same without the book build and browser visit, for a quick loop while writing.
test-fast: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/python -m pytest -n 2 --dist loadfile -m "not site and not jupyterlab" \
	  --nbval-lax --nbval-current-env tests cnnlib notebooks

# Headless Chromium for the site tests, from the distribution's packages (no browser download).
chromium:
	@bash scripts/find-chromium >/dev/null 2>&1 || bash scripts/install-chromium

# --- maintenance ------------------------------------------------------------
# Re-execute every chapter in a fresh kernel, store the outputs, refresh the MyST twins.
notebooks: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/python scripts/execute_notebooks.py

# Speed and memory tables (never part of `make test`): cnnlib vs loops, SciPy and
# PyTorch, the book's build times, peak memory. Writes benchmarks/results.{json,md}.
# Its own venv: the book's pins plus torch (benchmarks/requirements.txt), which the
# book itself never needs. Without torch the tables say "not installed".
# Pass flags with BENCH_FLAGS, e.g. `make bench BENCH_FLAGS="--quick --only conv"`.
BENCH_FLAGS ?=

$(BENCH_VENV)/.installed: $(DEPS) benchmarks/requirements.txt
	$(call make_venv,$(BENCH_VENV),book$(comma)test)
	@# Not under the lock: torch 2.13 needs setuptools>=77, the lock pins the venv's 65.5.
	@# pip keeps every already-installed (locked) version that torch accepts.
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements.txt \
	  || echo "torch could not be installed: the benchmarks run without the PyTorch columns"
	@touch $@

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python -m benchmarks $(BENCH_FLAGS)

# Re-resolve the full lock file from the pins in pyproject.toml.
lock:
	rm -rf /tmp/cnnbook-lock && $(PYTHON) -m venv /tmp/cnnbook-lock
	/tmp/cnnbook-lock/bin/python -m pip install --quiet --disable-pip-version-check ".[book,lab,test]"
	/tmp/cnnbook-lock/bin/python -m pip freeze --all --exclude cnnlib | sort -f > $(CONSTRAINTS)

clean:
	rm -rf $(BUILD_DIR)
