# Two commands do everything on a fresh clone (Python 3.11+ and make present):
#   make run    set up .venv and start the web app, offline, on http://127.0.0.1:7860
#   make test   set up .venv with the test extras (and Debian's chromium + espeak-ng) and run all tests
#   make e2e-llm  opt-in: a real small local model end to end (builds llama.cpp once into ~/.cache)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: run test venv system-deps e2e-llm

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[speech]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[speech,test]'
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed

system-deps:
	@bash scripts/system-deps.sh

run: $(VENV)/.installed
	$(PY) app.py

test: $(VENV)/.installed-test system-deps
	$(PY) -m pytest -m "not real_llm"

e2e-llm: $(VENV)/.installed
	$(PY) scripts/e2e_llm.py
