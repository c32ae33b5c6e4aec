# make run: set up the virtualenv, install adc, start the console on the factory-default config.
# make demo: the same, with two backends and examples/demo.cli (see the README's quick start).
# make test: set up, then type-check and run the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA_DIR ?= $(HOME)/.local/share/adc

.PHONY: run test bench clean setup tools demo

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/adc --data-dir $(DATA_DIR)

# make demo: backends A and B, examples/demo.cli (HTTP round robin, HTTPS with the Factory certificate,
# WebSocket) applied to .demo/, then the console; it prints what to try from a second terminal.
DEMO_DIR ?= .demo
demo: $(STAMP)
	$(BIN)/python examples/demo.py --data-dir $(DEMO_DIR) --adc $(BIN)/adc

# Tests drive real clients; curl and OpenSSH's ssh come from Debian's packages when the machine lacks them.
tools:
	@command -v curl >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && apt-get install -y -qq curl >/dev/null) || echo "warning: curl is missing"; }
	@command -v ssh >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && apt-get install -y -qq openssh-client >/dev/null) || echo "warning: ssh is missing"; }

# mypy first (configured in setup.cfg): a type error fails the suite before any test runs.
test: $(STAMP) tools
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

# make bench: the console benchmark, then the data plane against HAProxy (1 thread) and nginx direct;
# writes docs/performance.md and docs/performance.png (about 10 minutes). matplotlib (the chart) and
# py-spy (the profiles) go into the virtualenv here: they are not runtime dependencies.
bench: $(STAMP) bench-tools
	@$(BIN)/python -c "import matplotlib" 2>/dev/null || $(BIN)/python -m pip install --quiet matplotlib
	@test -x $(BIN)/py-spy || $(BIN)/python -m pip install --quiet py-spy || echo "warning: py-spy is missing: no profiles"
	$(BIN)/python -m benchmarks.cli_bench
	$(BIN)/python -m benchmarks.dataplane_bench

# The data-plane benchmark drives HAProxy, nginx and wrk from Debian's packages, installed when missing.
.PHONY: bench-tools
bench-tools:
	@missing=""; for t in haproxy nginx wrk; do \
		PATH="$$PATH:/usr/sbin:/sbin" command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
		{ command -v apt-get >/dev/null 2>&1 && apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; } || \
			echo "warning: missing:$$missing"; \
	fi

clean:
	rm -rf $(VENV) build *.egg-info
