# Two commands on a fresh machine: `make run` (install, ingest the demo corpus, serve the chat) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: install run ask test browser-deps

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0          # the CPU wheel on this disk; unpinned torch pulls a CUDA build
	$(PIP) install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/landinfo ingest corpus/
	$(PY) app.py

ask: install                      # make ask Q="Hur behandlas journalister i Veldoria?"
	$(VENV)/bin/landinfo ingest corpus/
	$(VENV)/bin/landinfo ask "$(Q)"

browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: install browser-deps
	$(PY) -m pytest -q -ra
