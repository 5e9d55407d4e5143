# papertrends: two commands on a fresh machine
#   make run    set up .venv, then run the whole pipeline over ../shared/data/hf-daily-papers
#   make test   set up .venv, then run lint + the test suite (what CI runs)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/data
export DO_NOT_TRACK=1
export GX_ANALYTICS_ENABLED=false
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=90

.PHONY: setup run test lint browsers clean

$(BIN)/papertrends: pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

setup: $(BIN)/papertrends

run: setup
	$(BIN)/papertrends run --source hf-daily --input $(DATA)/hf-daily-papers

# Debian's Chromium for the Playwright browser tests (never `playwright install`: no downloads here)
browsers:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: setup
	$(BIN)/ruff check flows tests benchmarks dashboard

# two pytest workers: CLI runs use about one core each (groups: tests/conftest.py)
TEST_WORKERS ?= 2

test: setup browsers lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

clean:
	rm -rf $(VENV) .papertrends dbt/target dbt/logs
