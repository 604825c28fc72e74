# `make run` and `make test` set everything up on a fresh Debian machine (system packages,
# .venv, the project with its dev tools) and redo only what changed since the last time.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ARGS ?=
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.PHONY: help run test lint tour bench clean

help: ## list the targets
	@echo 'make <target>   (set-up is automatic)'
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  %-7s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo 'Variables: ARGS="..." for run, PYTEST_ARGS="..." for test, PYTHON=python3.x for the venv,'
	@echo '           KIOSK_SCREEN=1080x1920x24 for the virtual screen of a headless run.'

run: $(VENV)/.installed ## run the kiosk: in a window, or without a display on Xvfb shown over VNC
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		exec $(PY) main.py --start-platform $(ARGS); \
	else \
		exec bash tools/run_headless.sh --start-platform $(ARGS); \
	fi

test: $(VENV)/.installed ## run the tests (offscreen Qt); PYTEST_ARGS="-k ..." to pick
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff (lint and format), mypy, import layers
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

tour: $(VENV)/.installed ## write a PNG of every screen to tour/
	$(PY) main.py --tour tour/

bench: $(VENV)/.installed ## run every benchmark; write docs/PERFORMANCE.md and its charts
	$(PY) -m bench report

clean: ## remove .venv and the caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache \
		build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Debian packages, checked once (and again when the list changes).
$(VENV)/.system-packages: tools/ensure_system_packages.sh
	@mkdir -p $(VENV)
	PYTHON=$(PYTHON) bash tools/ensure_system_packages.sh
	@touch $@

# pyvenv.cfg rather than bin/python: that is a symlink whose target keeps its old time.
$(VENV)/pyvenv.cfg: | $(VENV)/.system-packages
	$(PYTHON) -m venv $(VENV)

# Reinstalled whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml $(VENV)/pyvenv.cfg | $(VENV)/.system-packages
	$(PY) -m pip install -e '.[dev]'
	@touch $@
