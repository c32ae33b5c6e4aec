# make run: set up the virtualenv, install adc, start the console on the factory-default config.
# make test: set up, then run the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA_DIR ?= $(HOME)/.local/share/adc

.PHONY: run test bench clean setup tools

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/adc --data-dir $(DATA_DIR)

# Tests drive real clients; curl comes from Debian's packages when the machine lacks it.
tools:
	@command -v curl >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && apt-get install -y -qq curl >/dev/null) || echo "warning: curl is missing"; }

test: $(STAMP) tools
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.cli_bench

clean:
	rm -rf $(VENV) build *.egg-info
